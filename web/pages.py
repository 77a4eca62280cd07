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
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from netcensus.compliance import coverage
from netcensus.compliance.coverage_report import inspection_report
from netcensus.compliance.coverage_report import render_csv as coverage_csv
from netcensus.compliance.coverage_report import render_html as coverage_html
from netcensus.compliance.findings import export_findings, waive
from netcensus.compliance.report import verdict_report
from netcensus.errors import NotFound, UserError
from netcensus.inventory import queries as q
from netcensus.inventory.capabilities import known_capabilities
from netcensus.inventory.enums import (
    DeviceRole,
    DeviceStatus,
    FindingState,
    Level,
    LinkKind,
    Platform,
    PlaybookStatus,
    ScanStatus,
    Severity,
    ZoneKind,
)

from . import scanning
from .cache import rollup
from .forms import DeclarationForm, ScanForm, WaiveForm
from .guard import account, acting_transaction, requires, store
from .openapi import dump
from .permissions import Action
from .schemas import (
    AuditQuery,
    ConfigDiffQuery,
    ConfigTextQuery,
    DeviceQuery,
    EndpointQuery,
    FindingQuery,
    PlaybookRunDetailQuery,
    PlaybookRunQuery,
    ReportQuery,
    ScanIn,
    ScanProgressQuery,
    ScanQuery,
    ScanResultQuery,
    TargetSitesQuery,
    TopologyQuery,
)

blueprint = Blueprint("pages", __name__)
CHOICES = {
    "levels": list(Level), "roles": list(DeviceRole), "platforms": list(Platform),
    "statuses": list(DeviceStatus), "states": list(FindingState), "severities": list(Severity),
    "zones": list(ZoneKind), "link_kinds": list(LinkKind), "scan_statuses": list(ScanStatus),
    "playbook_statuses": list(PlaybookStatus),
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
    return _site_page(code, DeclarationForm() if account().may(Action.DECLARE) else None)


@blueprint.post("/sites/<code>/declarations")
@requires(Action.DECLARE)
def site_declare(code: str) -> Any:
    """A planner declares one capability of a site; the site page shows it with provenance."""
    with store().session() as db:
        q.get_site(db, code, scope=_scope())  # NotFound outside the user's subtree
        choices = _capability_choices(db)
    form = DeclarationForm()
    form.capability.choices = choices
    if not form.validate_on_submit():
        return _site_page(code, form), 400
    capability = form.capability.data or ""
    with acting_transaction() as db:
        coverage.declare(
            db, code, capability, form.value(), account().username, form.note.data or None,
            form.at.data, actor=account().username,
        )  # fmt: skip
    flash(_("Declared %(capability)s at %(site)s.", capability=capability, site=code), "ok")
    return redirect(url_for("pages.site", code=code, _anchor="capabilities"))


def _capability_choices(db: Any) -> list[SelectChoice]:
    """Every known capability, labelled with what its value is."""
    kinds = {"bandwidth": _("bandwidth"), "count": _("number"), None: _("yes or no")}
    return [
        SelectChoice(name, f"{name} ({kinds[coverage.amount_kind(name)]})")
        for name in known_capabilities(db)
    ]


def _site_page(code: str, form: DeclarationForm | None) -> str:
    args = DeviceQuery.parse(request.args)
    with store().session() as db:
        detail = q.get_site(db, code, scope=_scope())
        filters = args.filters() | {"site": code}
        devices = q.list_devices(db, scope=_scope(), **filters)
        capabilities = _site_capabilities(db, code)
        if form is not None and not form.capability.choices:
            form.capability.choices = _capability_choices(db)
    chart = {
        "labels": [c.name for c in detail.children],
        "values": [sum(c.kpis.open_findings_by_severity.values()) for c in detail.children],
    }
    return render_template(
        "site.html", site=detail, devices=devices, args=args, chart=chart,
        capabilities=capabilities, form=form,
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
    # Lines end at "\n" only, as finding evidence numbers them (not at form feeds).
    a, b = (text.removesuffix("\n").split("\n") for text in (old, new))
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


def _scan_form() -> ScanForm:
    return ScanForm(site=_scope()) if request.method == "GET" else ScanForm()


@blueprint.get("/scans")
@requires(Action.VIEW)
def scans() -> Any:
    args = ScanQuery.parse(request.args)
    with store().session() as db:
        found = q.list_scans(db, scope=_scope(), **args.filters())
    return render_template("scans.html", scans=found, args=args, form=_scan_form())


@blueprint.post("/scans")
@requires(Action.RUN_SCAN)
def start_scan() -> Any:
    """Start a scan in the background and show its page, which follows it live."""
    form = _scan_form()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        with store().session() as db:
            found = q.list_scans(db, scope=_scope())
        return render_template("scans.html", scans=found, args=ScanQuery(), form=form), 400
    wanted = ScanIn(site=form.site.data or None, methods=form.methods.data,
                    zone=form.zone.data or None)  # fmt: skip
    try:
        planned = scanning.start(wanted)
    except UserError as problem:
        flash(str(problem), "error")
        return redirect(url_for("pages.scans"))
    flash(_("Scan %(id)s started: %(n)s results expected.", id=planned.scan_id,
            n=planned.expected), "ok")  # fmt: skip
    return redirect(url_for("pages.scan", scan_id=planned.scan_id))


@blueprint.get("/scans/<int(max=2147483647):scan_id>")
@requires(Action.VIEW)
def scan(scan_id: int) -> Any:
    args = ScanResultQuery.parse(request.args)
    with store().session() as db:
        found = q.get_scan(db, scan_id, scope=_scope(), **args.filters())
        progress = q.scan_progress(db, scan_id, scope=_scope(), batch=0)
    return render_template("scan.html", s=found, args=args, progress=progress)


@blueprint.get("/scans/<int(max=2147483647):scan_id>/progress")
@requires(Action.VIEW)
def scan_progress(scan_id: int) -> Any:
    """The scan page's live numbers, for its script (the API's twin takes bearer tokens only;
    this one the session cookie: a GET that changes nothing, and CORS keeps it same-origin)."""
    args = ScanProgressQuery.parse(request.args)
    with store().session() as db:
        found = q.scan_progress(db, scan_id, scope=_scope(), after=args.after)
    return jsonify(dump(q.ScanProgress, found))


@blueprint.get("/playbook-runs")
@requires(Action.VIEW_PLAYBOOKS)
def playbook_runs() -> Any:
    args = PlaybookRunQuery.parse(request.args)
    with store().session() as db:
        found = q.list_playbook_runs(db, scope=_scope(), **args.filters())
    return render_template("playbook_runs.html", runs=found, args=args)


@blueprint.get("/playbook-runs/<int(max=2147483647):run_id>")
@requires(Action.VIEW_PLAYBOOKS)
def playbook_run(run_id: int) -> Any:
    args = PlaybookRunDetailQuery.parse(request.args)
    with store().session() as db:
        found = q.get_playbook_run(db, run_id, scope=_scope(), **args.filters())
    return render_template("playbook_run.html", r=found, args=args)


@blueprint.get("/targets")
@requires(Action.VIEW)
def targets() -> Any:
    """Every target that bears on the user's subtree: coverage by level, trend, forecast."""
    with store().session() as db:
        defined = q.list_targets(db, scope=_scope())
        rows = (
            coverage.coverage_rows(db, under=_scope(), with_missing=False).rows if defined else []
        )
        trends = {
            (r.target, r.level): coverage.trend(db, str(r.target), r.level, r.under) for r in rows
        }
    by_target = {t.key: [r for r in rows if r.target == t.key] for t in defined}
    charts = {key: _target_charts(found, trends) for key, found in by_target.items()}
    return render_template("targets.html", targets=defined, rows=by_target, charts=charts)


def _target_charts(
    rows: list[coverage.CoverageRow], trends: dict[tuple[str | None, str], list[Any]]
) -> dict[str, Any]:
    """Chart.js data: the share covered per level (bars), and its daily history (lines)."""
    days = sorted({p.day for r in rows for p in trends.get((r.target, r.level), [])})
    lines = []
    for r in rows:
        ratios = {p.day: p.ratio for p in trends.get((r.target, r.level), [])}
        values = [None if ratios.get(d) is None else round(100 * ratios[d], 1) for d in days]
        lines.append({"label": _(r.level), "values": values})
    return {
        "bars": {
            "labels": [_(r.level) for r in rows],
            "values": [None if r.ratio is None else round(100 * r.ratio, 1) for r in rows],
            "percent": True,
        },
        "trend": {"labels": [d.isoformat() for d in days], "datasets": lines} if days else None,
    }


@blueprint.get("/targets/<key>")
@requires(Action.VIEW)
def target(key: str) -> Any:
    """One target: coverage per level and division, and the offices that miss it."""
    args = TargetSitesQuery.parse(request.args)
    with store().session() as db:
        found = next((t for t in q.list_targets(db, scope=_scope()) if t.key == key), None)
        if found is None:
            raise NotFound(f"no target {key!r}")
        rows = coverage.coverage_rows(
            db, target=key, under=_scope(), by_child=True, with_missing=False
        ).rows
        missing = coverage.sites_missing(db, key, under=_scope(), **args.filters())
    return render_template("target.html", t=found, rows=rows, missing=missing, args=args)


@blueprint.get("/reports")
@requires(Action.VIEW)
def reports() -> Any:
    """The inspection reports of the user's subtree, to download."""
    args = ReportQuery.parse(request.args)
    _report_under(args)
    return render_template("reports.html", args=args)


def _report_under(args: ReportQuery) -> str | None:
    """The subtree a report covers: the one asked for (inside the user's), else the user's."""
    under = args.under or _scope()
    if under is not None:
        with store().session() as db:
            q.get_site(db, under, scope=_scope())  # NotFound outside the user's subtree
    return under


def _download(text: str, fmt: str, name: str) -> Response:
    mimetype = {"csv": "text/csv", "json": "application/json", "html": "text/html"}[fmt]
    # A byte-order mark lets spreadsheet programs read the Chinese names of a CSV right.
    data = text.encode("utf-8-sig" if fmt == "csv" else "utf-8")
    return Response(data, mimetype=mimetype, headers={
        "Content-Disposition": f"attachment; filename=netcensus-{name}.{fmt}",
    })  # fmt: skip


@blueprint.get("/reports/coverage.<any(csv, html):fmt>")
@requires(Action.VIEW)
def report_coverage(fmt: str) -> Any:
    """`netcensus report coverage` of the user's subtree."""
    under = _report_under(ReportQuery.parse(request.args))
    with store().session() as db:
        report = inspection_report(db, under=under)
    text = coverage_csv(report) if fmt == "csv" else coverage_html(report)
    return _download(text, fmt, f"coverage-{under or 'all'}")


@blueprint.get("/reports/compliance.<any(csv, json, html):fmt>")
@requires(Action.VIEW_VERDICTS)
def report_compliance(fmt: str) -> Any:
    """`netcensus report compliance` (the verdict matrix) of the user's subtree."""
    under = _report_under(ReportQuery.parse(request.args))
    with store().session() as db:
        text, _count = verdict_report(db, fmt, under, dt.datetime.now(dt.UTC))
    return _download(text, fmt, f"compliance-{under or 'all'}")


@blueprint.get("/audit")
@requires(Action.VIEW_AUDIT)
def audit() -> Any:
    args = AuditQuery.parse(request.args)
    with store().session() as db:
        found = q.list_audit_events(db, scope=_scope(), **args.filters())
    return render_template("audit.html", events=found, args=args)
