"""The OpenAPI document describes what the API does: schemathesis finds no 5xx, no response
that breaks the schema, and no undocumented status, across every operation.

A schema-valid value the query layer refuses with a documented 400 (an ``address`` that is
neither a MAC nor an IP, a config version that does not exist) is not a violation: the
document cannot say which strings are MAC addresses, the 400 it documents does.
"""

from __future__ import annotations

import re

import schemathesis
from flask import Flask
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from netcensus.inventory.db import Store
from netcensus.web.api import api_rules

from .conftest import BASE
from .world import World


def test_api_matches_its_document(web: tuple[Flask, Store, World]) -> None:
    """Every operation, fuzzed from its schema, with a national admin's token."""
    app, _, world = web
    headers = {"Authorization": f"Bearer {world.tokens['admin-all']}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 17
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=12,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
            phases=[Phase.explicit, Phase.generate],
        )
        def check(case: schemathesis.Case) -> None:
            case.call_and_validate(
                headers=headers,
                base_url=f"{BASE}/api/v1",
                checks=[
                    not_a_server_error,
                    status_code_conformance,
                    content_type_conformance,
                    response_schema_conformance,
                ],
            )

        check()


def test_document_lists_every_api_route(web: tuple[Flask, Store, World]) -> None:
    app = web[0]
    client = app.test_client()
    document = client.get("/api/v1/openapi.json", base_url=BASE).json
    with app.app_context():
        declared = {(rule, method) for rule, method, _ in api_rules()}
    documented = {
        (path, method.upper()) for path, ops in document["paths"].items() for method in ops
    }
    assert len(documented) == len(declared) >= 17
    routes = {r.rule for r in app.url_map.iter_rules() if r.endpoint.startswith("api.")}
    assert len(routes) - 1 == len({p for p, _ in declared})  # all but openapi.json itself
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    names = list(document["components"]["schemas"])
    assert [n for n in names if not re.fullmatch(r"[A-Za-z0-9._-]+", n)] == []
