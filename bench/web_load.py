"""The web UI and the REST API under load on a national-scale store, against a static file.

Builds the national store of ``bench/national_store.py`` (≈ 45k offices, ≈ 185k devices,
1M findings, the national targets) on SQLite (cached between runs under ``--cache``, the
schema upgraded to head on reuse) and on PostgreSQL (a schema of its own, dropped at the
end), starts the real server (``netcensus serve``: gunicorn on 127.0.0.1, a free port),
logs in through the login form and issues an API token, then drives each URL in turn with
``wrk`` (Debian package; ``make system-deps``): ``--connections`` concurrent clients for
``--seconds`` seconds after one warm-up request.

URLs: the dashboard, a province → prefecture → county drill-down (three site pages), a
filtered findings list, the API's device list. Baseline: a static file (the favicon) served
by the same gunicorn workers in the same run — the cost of the server itself.

    .venv/bin/python bench/web_load.py [--backend sqlite|postgresql|both] [--seconds 20]
        [--connections 8] [--workers 2] [--findings 1000000] [--rebuild]

Client and server share the machine's cores: wrk (2 threads) takes CPU the server would
otherwise have. Goal (issue 10): p95 < 300 ms for every URL on both backends.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.client import HTTPResponse
from pathlib import Path
from typing import Any

from national_store import (
    ROOT,
    add_findings,
    analyze,
    backend_store,
    generate,
    load_national_targets,
)
from sqlalchemy import select, text

from netcensus.inventory.db import Store, current_revision, make_engine, upgrade
from netcensus.inventory.enums import Role
from netcensus.inventory.models import User
from netcensus.web.accounts import create_user, issue_token

USER, PASSWORD = "bench-admin", "bench-password-0123"
AGENT = "netcensus-web-load"
GOAL_MS = 300
BASELINE = ("baseline: static file", "/static/favicon.svg", "page")
URLS = (
    ("dashboard", "/", "page"),
    ("province 44", "/sites/44", "page"),
    ("prefecture 4401", "/sites/4401", "page"),
    ("county 440103", "/sites/440103", "page"),
    ("findings, critical", "/findings?severity=critical", "page"),
    ("API devices", "/api/v1/devices", "api"),
)
# wrk prints only a few fixed percentiles; this prints the ones compared here, as JSON.
# Each client thinks 10 ms between requests (not counted in latencies): gunicorn's sync
# workers close every connection, and the static baseline at full speed would cycle through
# the loopback port range within seconds (SYN retransmits then add 1 s to the tail).
WRK_SCRIPT = """
delay = function()
  return 10
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "errors": %d, "error_kinds": "connect %d read %d write %d status %d '
    .. 'timeout %d", "p50": %d, "p95": %d, "p99": %d, "max": %d}\\n',
    summary.requests, e.connect + e.read + e.write + e.status + e.timeout, e.connect, e.read,
    e.write, e.status, e.timeout, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max))
end
"""


# --- the store ---------------------------------------------------------------------------


def fill(store: Store, townships: int, findings: int) -> dict[str, int]:
    """The national store as seen today: the server asks "fresh within 30 days" of now."""
    today = dt.datetime.now(dt.UTC)
    counts = generate(store, townships, now=today)
    counts["findings"] = add_findings(store, findings, now=today)
    load_national_targets(store)
    analyze(store)
    return counts


@contextmanager
def national_store(
    backend: str, townships: int, findings: int, cache: Path, rebuild: bool
) -> Iterator[str]:
    """A populated store's URL: SQLite from the cache (built once), PostgreSQL afresh."""
    if backend == "postgresql":
        with backend_store("postgresql") as store:
            started = time.perf_counter()
            counts = fill(store, townships, findings)
            print(f"postgresql: generated {counts} in {time.perf_counter() - started:.0f} s")
            yield store.url
        return
    cache.mkdir(parents=True, exist_ok=True)
    # Built today: a store from another day would age out of the freshness window.
    path = cache / f"web-load-{townships}t-{findings}f-{dt.date.today():%Y%m%d}.db"
    if rebuild or not path.exists():
        building = path.with_suffix(".building")
        building.unlink(missing_ok=True)
        engine = make_engine(f"sqlite:///{building}")
        upgrade(engine)
        engine.dispose()
        store = Store(f"sqlite:///{building}")
        started = time.perf_counter()
        counts = fill(store, townships, findings)
        store.dispose()
        building.replace(path)
        print(f"sqlite: generated {counts} in {time.perf_counter() - started:.0f} s ({path})")
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    before = current_revision(engine)
    upgrade(engine)  # a cached store built before a new migration gets it now
    if current_revision(engine) != before:
        with engine.connect() as conn:
            conn.execute(text("ANALYZE"))  # statistics for the new indexes
            conn.commit()
    engine.dispose()
    yield url


def credentials(url: str) -> str:
    """An admin account with national scope (created once per store) and a fresh API token."""
    store = Store(url)
    with store.transaction() as s:
        user = s.scalar(select(User).where(User.username == USER))
        if user is None:
            user = create_user(s, USER, role=Role.ADMIN, scope_code=None, password=PASSWORD,
                               actor="bench")  # fmt: skip
        _, secret = issue_token(s, user, name="web-load", days=1, actor="bench")
    store.dispose()
    return secret


# --- the server --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


OPENER = urllib.request.build_opener(_NoRedirect)


def fetch(url: str, headers: dict[str, str], data: bytes | None = None) -> HTTPResponse:
    request = urllib.request.Request(url, data=data, headers={"User-Agent": AGENT, **headers})
    try:
        return OPENER.open(request, timeout=120)  # type: ignore[no-any-return]
    except urllib.error.HTTPError as exc:
        return exc  # type: ignore[return-value]  # a 302 or an error: the caller looks at it


@contextmanager
def server(url: str, workers: int) -> Iterator[str]:
    """``netcensus serve`` on a free loopback port until the block ends."""
    port = free_port()
    home = tempfile.mkdtemp(prefix="nc-web-load-")
    env = {**os.environ, "NETCENSUS_HOME": home, "NETCENSUS_DATABASE_URL": url}
    command = [str(Path(sys.executable).parent / "netcensus"), "serve", "--host", "127.0.0.1",
               "--port", str(port), "--workers", str(workers)]  # fmt: skip
    log = open(Path(home) / "serve.log", "wb")  # noqa: SIM115 - closed after the server stops
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                raise SystemExit(
                    f"netcensus serve exited: {(Path(home) / 'serve.log').read_text()}"
                )
            try:
                if fetch(base + "/login", {}).status == 200:
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
            time.sleep(0.3)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()
        shutil.rmtree(home, ignore_errors=True)


def session_cookie(base: str) -> str:
    """Log in through the form (CSRF token included): the session cookie to send."""
    form = fetch(base + "/login", {})
    page = form.read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    if token is None:
        raise SystemExit("no CSRF token on the login page")
    cookie = session_of(form)
    body = urllib.parse.urlencode(
        {"username": USER, "password": PASSWORD, "csrf_token": token.group(1), "next": "/"}
    ).encode()
    answer = fetch(base + "/login", {"Cookie": cookie}, body)
    if answer.status != 302:
        raise SystemExit(f"login failed: HTTP {answer.status}")
    return session_of(answer)


def session_of(response: HTTPResponse) -> str:
    """The session cookie a response sets, as a Cookie header value (other cookies ignored)."""
    for cookie in response.headers.get_all("Set-Cookie") or []:
        if cookie.startswith("netcensus_session="):
            return str(cookie.split(";")[0])
    raise SystemExit(f"no session cookie in the answer (HTTP {response.status})")


# --- the load ----------------------------------------------------------------------------


def load(
    url: str, headers: dict[str, str], args: argparse.Namespace, script: Path
) -> dict[str, Any]:
    """Warm up with one request (it must answer 200), then wrk; latencies in ms."""
    first = fetch(url, headers)
    if first.status != 200:
        raise SystemExit(f"{url}: HTTP {first.status} before the load")
    command = ["wrk", "--threads", "2", "--connections", str(args.connections), "--duration",
               f"{args.seconds}s", "--timeout", "120s", "--script", str(script)]  # fmt: skip
    for name, value in {"User-Agent": AGENT, **headers}.items():
        command += ["--header", f"{name}: {value}"]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    return {k: (v / 1000 if k in ("p50", "p95", "p99", "max") else v) for k, v in result.items()}


def run(backend: str, args: argparse.Namespace, script: Path) -> list[dict[str, Any]]:
    with national_store(backend, args.townships, args.findings, args.cache, args.rebuild) as url:
        token = credentials(url)
        with server(url, args.workers) as base:
            cookie = session_cookie(base)
            headers = {"page": {"Cookie": cookie}, "api": {"Authorization": f"Bearer {token}"}}
            results = []
            # The baseline last: measured on a server that has served every page once.
            for name, path, kind in (*URLS, BASELINE):
                measured = load(base + path, headers[kind], args, script)
                results.append({"backend": backend, "url": name, "path": path, **measured})
                print(json.dumps(results[-1]), flush=True)
    return results


def report(results: list[dict[str, Any]]) -> None:
    for backend in dict.fromkeys(r["backend"] for r in results):
        rows = [r for r in results if r["backend"] == backend]
        base = next(r for r in rows if r["url"] == BASELINE[0])
        rows = [base] + [r for r in rows if r is not base]
        print(f"\n{backend}: latencies in ms")
        print(f"{'URL':24} {'requests':>8} {'p50':>8} {'p95':>8} {'max':>8} {'p95/base':>9}  goal")
        for r in rows:
            ratio = r["p95"] / base["p95"] if base["p95"] else float("nan")
            goal = "" if r is base else ("ok" if r["p95"] < GOAL_MS else "OVER")
            errors = f"  errors: {r['error_kinds']}" if r["errors"] else ""
            print(f"{r['url']:24} {r['requests']:>8} {r['p50']:>8.1f} {r['p95']:>8.1f} "
                  f"{r['max']:>8.1f} {ratio:>8.1f}x  {goal}{errors}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--seconds", type=int, default=20, help="Load per URL.")
    parser.add_argument("--connections", type=int, default=8, help="Concurrent clients.")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers.")
    parser.add_argument("--townships", type=int, default=14)
    parser.add_argument("--findings", type=int, default=1_000_000)
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "netcensus-bench",
                        help="Where the SQLite store is kept between runs.")  # fmt: skip
    parser.add_argument("--rebuild", action="store_true", help="Regenerate the cached store.")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: `make system-deps` (Debian package wrk)")
    print(
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}, {os.cpu_count()} CPUs "
        f"shared by server and wrk, Python {platform.python_version()}, "
        f"load {os.getloadavg()[0]:.2f}; {args.connections} clients, {args.workers} workers, "
        f"{args.seconds} s per URL"
    )
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "percentiles.lua"
        script.write_text(WRK_SCRIPT, encoding="utf-8")
        results = []
        for backend in ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]:
            results += run(backend, args, script)
    report(results)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
