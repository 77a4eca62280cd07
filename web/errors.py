"""Errors as pages or JSON: a user's mistake is a 400 with its message, never a traceback."""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from netcensus.errors import Forbidden, NotFound, UserError


def _wants_json() -> bool:
    # By path, not blueprint: a URL no API route matches (/api/v1/scans/-1) is still an API call.
    return request.path.startswith("/api/")


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Any:
        code = exc.code or 500
        if _wants_json():
            response = jsonify({"status": code, "error": exc.name, "detail": exc.description})
            if code == 401:
                response.headers["WWW-Authenticate"] = 'Bearer realm="netcensus"'
            return response, code
        return render_template("error.html", code=code, name=exc.name), code

    @app.errorhandler(NotFound)
    def _not_found(exc: NotFound) -> Any:
        # Missing and out-of-scope read the same; the message names no other division.
        if _wants_json():
            return jsonify({"status": 404, "error": "Not Found", "detail": str(exc)}), 404
        return render_template("error.html", code=404, name=str(exc)), 404

    @app.errorhandler(Forbidden)
    def _forbidden(exc: Forbidden) -> Any:
        if _wants_json():
            return jsonify({"status": 403, "error": "Forbidden", "detail": str(exc)}), 403
        return render_template("error.html", code=403, name=str(exc)), 403

    @app.errorhandler(UserError)
    def _user_error(exc: UserError) -> Any:
        if _wants_json():
            return jsonify({"status": 400, "error": "Bad Request", "detail": str(exc)}), 400
        return render_template("error.html", code=400, name=str(exc)), 400
