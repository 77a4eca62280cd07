"""Server-rendered pages. Views parse filters, call the read side, render; no SQL here."""

from __future__ import annotations

import datetime as dt
import difflib
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _

from netcensus.compliance import coverage
from netcensus.compliance.findings import export_findings, waive
from netcensus.inventory import queries as q
from netcensus.inventory.enums import (
    DeviceRole,
    DeviceStatus,
    FindingState,
    Level,
    LinkKind,
    Platform,
    ScanStatus,
    Severity,
    ZoneKind,
)

from .cache import rollup
from .forms import WaiveForm
from .guard import account, acting_transaction, requires, store
from .permissions import Action
from .schemas import (
    AuditQuery,
    ConfigDiffQuery,
    ConfigTextQuery,
    DeviceQuery,
    EndpointQuery,
    FindingQuery,
    ScanQuery,
    ScanResultQuery,
    TopologyQuery,
)

blueprint = Blueprint("pages", __name__)
CHOICES = {
    "levels": list(Level), "roles": list(DeviceRole), "platforms": list(Platform),
    "statuses": list(DeviceStatus), "states": list(FindingState), "severities": list(Severity),
    "zones": list(ZoneKind), "link_kinds": list(LinkKind), "scan_statuses": list(ScanStatus),
}  # fmt: skip


def _scope() -> str | None:
    return account().scope_code


@blueprint.record_once
def _template_globals(state: Any) -> None:
    # Globals rather than context: the macros in macros.html see them too.
    state.app.jinja_env.globals.update(Action=Action, choices=CHOICES)


def _coverage_rows(db: Any) -> list[Any]:
    """Coverage per target × level of the user's subtree."""
    return list(coverage.coverage_rows(db, under=_scope(), with_missing=False).rows)


def _site_capabilities(db: Any, code: str) -> Any:
    """Each capability of a site, observed and declared side by side."""
    return coverage.site_capabilities(db, code)


@blueprint.get("/")
@requires(Action.VIEW)
def dashboard() -> Any:
    with store().session() as db:
        if _scope():
            roots = q.list_sites(db, scope=_scope(), under_code=_scope(), per_page=1).items
        else:
            roots = q.list_sites(db, level=Level.PROVINCIAL, per_page=None).items
        rollups = rollup(
            ("dashboard", _scope()),
            lambda: (
                q.subtree_kpis(db, [r.code for r in roots]),
                q.findings_summary(db, scope=_scope()),
                q.backup_freshness(db, scope=_scope()),
                _coverage_rows(db),
            ),
        )
        kpis, findings, backups, coverage = rollups.value
        scans = q.list_scans(db, scope=_scope(), per_page=5)
    zones = sorted({c.zone or "" for c in findings.open_by_severity_zone})
    grid = {(c.severity, c.zone or ""): c.count for c in findings.open_by_severity_zone}
    chart = {
        "labels": [_(s.value) for s in Severity],
        "values": [sum(grid.get((s, z), 0) for z in zones) for s in Severity],
    }
    return render_template(
        "dashboard.html", roots=roots, kpis=kpis, scans=scans, coverage=coverage,
        findings=findings, zones=zones, grid=grid, backups=backups, chart=chart,
        computed_at=rollups.at,
    )  # fmt: skip


@blueprint.get("/sites")
@requires(Action.VIEW)
def hierarchy() -> Any:
    """The top of the user's tree: their own division, or every province."""
    if _scope():
        return redirect(url_for("pages.site", code=_scope()))
    with store().session() as db:
        roots = q.list_sites(db, level=Level.PROVINCIAL, per_page=None).items
        kpis = q.subtree_kpis(db, [r.code for r in roots])
    return render_template("hierarchy.html", roots=roots, kpis=kpis)


@blueprint.get("/sites/<code>")
@requires(Action.VIEW)
def site(code: str) -> Any:
    args = DeviceQuery.parse(request.args)
    with store().session() as db:
        detail = q.get_site(db, code, scope=_scope())
        filters = args.filters() | {"site": code}
        devices = q.list_devices(db, scope=_scope(), **filters)
        capabilities = _site_capabilities(db, code)
    chart = {
        "labels": [c.name for c in detail.children],
        "values": [sum(c.kpis.open_findings_by_severity.values()) for c in detail.children],
    }
    return render_template(
        "site.html", site=detail, devices=devices, args=args, chart=chart,
        capabilities=capabilities,
    )  # fmt: skip


@blueprint.get("/devices")
@requires(Action.VIEW)
def devices() -> Any:
    args = DeviceQuery.parse(request.args)
    with store().session() as db:
        found = q.list_devices(db, scope=_scope(), **args.filters())
    return render_template("devices.html", devices=found, args=args)


@blueprint.get("/devices/<path:name>")
@requires(Action.VIEW)
def device(name: str) -> Any:
    with store().session() as db:
        detail = q.get_device(db, name, scope=_scope())
    return render_template("device.html", d=detail)


@blueprint.get("/endpoints")
@requires(Action.VIEW)
def endpoints() -> Any:
    args = EndpointQuery.parse(request.args)
    with store().session() as db:
        found = q.list_endpoints(db, scope=_scope(), **args.filters())
    return render_template("endpoints.html", endpoints=found, args=args)


@blueprint.get("/config")
@requires(Action.VIEW_CONFIG)
def config_text() -> Any:
    args = ConfigTextQuery.parse(request.args)
    with store().session() as db:
        found = q.config_text(db, args.device, args.version, scope=_scope())
    return render_template("config_text.html", config=found)


@dataclass(frozen=True)
class DiffRow:
    kind: str  # equal / replace / delete / insert
    old_no: int | None
    old: str
    new_no: int | None
    new: str


def side_by_side(old: str, new: str) -> list[DiffRow]:
    """Rows of a two-column diff: changed lines face each other, unchanged runs are kept."""
    a, b = old.splitlines(), new.splitlines()
    rows: list[DiffRow] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        for k in range(max(i2 - i1, j2 - j1)):
            i, j = i1 + k, j1 + k
            rows.append(DiffRow(
                tag,
                i + 1 if i < i2 else None, a[i] if i < i2 else "",
                j + 1 if j < j2 else None, b[j] if j < j2 else "",
            ))  # fmt: skip
    return rows


@blueprint.get("/config-diff")
@requires(Action.VIEW_CONFIG)
def config_diff() -> Any:
    args = ConfigDiffQuery.parse(request.args)
    with store().session() as db:
        found = q.config_diff(db, args.device, args.v1, args.v2, scope=_scope())
    rows = side_by_side(found.old_text, found.new_text)
    return render_template("config_diff.html", diff=found, rows=rows)


@blueprint.get("/findings")
@requires(Action.VIEW)
def findings() -> Any:
    args = FindingQuery.parse(request.args)
    with store().session() as db:
        found = q.list_findings(db, scope=_scope(), **args.filters())
    return render_template("findings.html", findings=found, args=args)


@blueprint.get("/findings/export.<any(csv, json):fmt>")
@requires(Action.VIEW)
def findings_export(fmt: str) -> Any:
    """The filtered findings with their evidence, for an external assessor (CSV or JSON)."""
    args = FindingQuery.parse(request.args)
    filters = args.filters() | {"page": 1, "per_page": None}
    with store().session() as db:
        found = q.list_findings(db, scope=_scope(), **filters)
    rows = [row.model_dump(mode="json") for row in found.items]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / f"findings.{fmt}"
        export_findings(rows, fmt, out)
        data = out.read_bytes()
    mimetype = "text/csv" if fmt == "csv" else "application/json"
    return Response(data, mimetype=mimetype, headers={
        "Content-Disposition": f"attachment; filename=netcensus-findings.{fmt}",
    })  # fmt: skip


@blueprint.route("/findings/<int(max=2147483647):finding_id>", methods=["GET", "POST"])
@requires(Action.VIEW)
def finding(finding_id: int) -> Any:
    """A finding with its evidence; security officers waive it here (POST needs WAIVE)."""
    with store().session() as db:
        detail = q.get_finding(db, finding_id, scope=_scope())
    form = WaiveForm()
    if request.method == "POST":
        if not account().may(Action.WAIVE):
            abort(403)
        if form.validate_on_submit():
            assert form.until.data is not None
            with acting_transaction() as db:
                waive(db, finding_id, reason=form.reason.data or "", until=form.until.data,
                      by=account().username, now=dt.datetime.now(dt.UTC))  # fmt: skip
            flash(_("Finding waived until %(until)s.", until=form.until.data.isoformat()), "ok")
            return redirect(url_for("pages.finding", finding_id=finding_id))
        if form.csrf_token.errors:
            abort(400)
    return render_template("finding.html", f=detail, form=form)


@blueprint.get("/topology")
@requires(Action.VIEW)
def topology() -> Any:
    if "site" not in request.args:
        return redirect(url_for("pages.topology", site=_scope() or "44"))
    args = TopologyQuery.parse(request.args)
    with store().session() as db:
        site = q.get_site(db, args.site, scope=_scope())
        graph = q.topology(db, args.site, scope=_scope())
    elements = graph_elements(graph)
    return render_template("topology.html", site=site, graph=graph, elements=elements)


def graph_elements(graph: q.Topology) -> dict[str, Any]:
    """Cytoscape nodes and edges; labels are data, drawn as text on a canvas (never HTML)."""
    nodes = [
        {"data": {"id": f"d{d.id}", "label": d.name, "zone": d.zone_kind or "unknown",
                  "role": d.role.value}}
        for d in graph.devices
    ]  # fmt: skip
    known = {n["data"]["id"] for n in nodes}
    edges = []
    for link in graph.links:
        if link.far is None:
            continue
        source, target = f"d{link.near.device_id}", f"d{link.far.device_id}"
        if source in known and target in known:
            edges.append({"data": {
                "id": f"l{link.id}", "source": source, "target": target,
                "label": f"{link.near.interface} — {link.far.interface}",
                "cross_zone": link.cross_zone, "kind": link.kind.value,
            }})  # fmt: skip
    return {"nodes": nodes, "edges": edges}


@blueprint.get("/scans")
@requires(Action.VIEW)
def scans() -> Any:
    args = ScanQuery.parse(request.args)
    with store().session() as db:
        found = q.list_scans(db, scope=_scope(), **args.filters())
    return render_template("scans.html", scans=found, args=args)


@blueprint.get("/scans/<int(max=2147483647):scan_id>")
@requires(Action.VIEW)
def scan(scan_id: int) -> Any:
    args = ScanResultQuery.parse(request.args)
    with store().session() as db:
        found = q.get_scan(db, scan_id, scope=_scope(), **args.filters())
    return render_template("scan.html", s=found, args=args)


@blueprint.get("/audit")
@requires(Action.VIEW_AUDIT)
def audit() -> Any:
    args = AuditQuery.parse(request.args)
    with store().session() as db:
        found = q.list_audit_events(db, scope=_scope(), **args.filters())
    return render_template("audit.html", events=found, args=args)
