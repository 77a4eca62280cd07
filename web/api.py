"""REST API /api/v1: the read side as JSON, bearer tokens, the same roles and scopes as the pages.

Every view names its :class:`~netcensus.web.permissions.Action` (``requires``) and its
models (``operation``); ``/api/v1/openapi.json`` is generated from those declarations.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar

from flask import Blueprint, abort, current_app, jsonify, request
from pydantic import BaseModel, ValidationError

from netcensus.collectors.background import ScanBusy
from netcensus.compliance import coverage as coverage_module
from netcensus.compliance.findings import waive
from netcensus.errors import NotFound, UserError
from netcensus.inventory import queries as q
from netcensus.inventory.enums import FindingState

from . import scanning
from .guard import account, acting_transaction, public, requires, store
from .openapi import Operation, build_document, dump, operation
from .permissions import Action
from .schemas import (
    AuditQuery,
    ConfigDiffQuery,
    ConfigQuery,
    ConfigTextQuery,
    CoverageQuery,
    DeclarationIn,
    DeclarationOut,
    DeviceQuery,
    EndpointQuery,
    FindingQuery,
    InterfaceQuery,
    LinkQuery,
    PlaybookRunDetailQuery,
    PlaybookRunQuery,
    ScanIn,
    ScanProgressQuery,
    ScanQuery,
    ScanResultQuery,
    ScanStarted,
    SiteQuery,
    TopologyQuery,
    WaiverIn,
    WaiverOut,
    WaiverQuery,
)

blueprint = Blueprint("api", __name__)
B = TypeVar("B", bound=BaseModel)


def _reply(view: Any, value: Any) -> Any:
    op: Operation = view.openapi
    return jsonify(dump(op.response, value)), op.status


def _scope() -> str | None:
    return account().scope_code


def _body(model: type[B]) -> B:
    """The request's JSON body as ``model``: 415 when it is not JSON, 400 when it does not fit."""
    if not request.is_json:
        abort(415)
    try:
        return model.model_validate(request.get_json(silent=True))
    except ValidationError as exc:
        raise UserError(str(exc)) from exc


@blueprint.get("/sites")
@requires(Action.VIEW)
@operation("Sites in code order", query=SiteQuery, response=q.Page[q.SiteRow])
def sites() -> Any:
    args = SiteQuery.parse(request.args)
    with store().session() as db:
        return _reply(sites, q.list_sites(db, scope=_scope(), **args.filters()))


@blueprint.get("/sites/<code>")
@requires(Action.VIEW)
@operation("One site: path, zones, declarations, KPIs of its subtree", response=q.SiteDetail)
def site(code: str) -> Any:
    with store().session() as db:
        return _reply(site, q.get_site(db, code, scope=_scope()))


@blueprint.post("/sites/<code>/declarations")
@requires(Action.DECLARE)
@operation("Declare a capability of a site (appended to its history)", body=DeclarationIn,
           response=DeclarationOut, status=201)  # fmt: skip
def declare(code: str) -> Any:
    body = _body(DeclarationIn)
    with store().session() as db:
        q.get_site(db, code, scope=_scope())  # NotFound outside the scope
    with acting_transaction() as db:
        declaration = coverage_module.declare(
            db, code, body.capability, body.value, account().username, body.note, body.at,
            actor=account().username,
        )  # fmt: skip
        out = DeclarationOut(
            site=code, capability=declaration.capability, value=declaration.value,
            holds=declaration.holds, amount=declaration.amount,
            declared_by=declaration.declared_by, declared_at=declaration.declared_at,
            note=declaration.note,
        )  # fmt: skip
    return _reply(declare, out)


@blueprint.get("/devices")
@requires(Action.VIEW)
@operation("Devices", query=DeviceQuery, response=q.Page[q.DeviceRow])
def devices() -> Any:
    args = DeviceQuery.parse(request.args)
    with store().session() as db:
        return _reply(devices, q.list_devices(db, scope=_scope(), **args.filters()))


@blueprint.get("/devices/<path:name>")
@requires(Action.VIEW)
@operation(
    "One device: identity, interfaces, neighbours, endpoints, configs, findings",
    response=q.DeviceDetail,
)
def device(name: str) -> Any:
    with store().session() as db:
        return _reply(device, q.get_device(db, name, scope=_scope()))


@blueprint.get("/interfaces")
@requires(Action.VIEW)
@operation("Interfaces", query=InterfaceQuery, response=q.Page[q.InterfaceRow])
def interfaces() -> Any:
    args = InterfaceQuery.parse(request.args)
    with store().session() as db:
        return _reply(interfaces, q.list_interfaces(db, scope=_scope(), **args.filters()))


@blueprint.get("/links")
@requires(Action.VIEW)
@operation("Links (a far end outside the scope is hidden)", query=LinkQuery,
           response=q.Page[q.LinkRow])  # fmt: skip
def links() -> Any:
    args = LinkQuery.parse(request.args)
    with store().session() as db:
        return _reply(links, q.list_links(db, scope=_scope(), **args.filters()))


@blueprint.get("/topology")
@requires(Action.VIEW)
@operation("Devices and links of a site's subtree", query=TopologyQuery, response=q.Topology)
def topology() -> Any:
    args = TopologyQuery.parse(request.args)
    with store().session() as db:
        return _reply(topology, q.topology(db, args.site, scope=_scope()))


@blueprint.get("/endpoints")
@requires(Action.VIEW)
@operation("Where MACs and IPs were seen", query=EndpointQuery, response=q.Page[q.EndpointRow])
def endpoints() -> Any:
    args = EndpointQuery.parse(request.args)
    with store().session() as db:
        return _reply(endpoints, q.list_endpoints(db, scope=_scope(), **args.filters()))


@blueprint.get("/configs")
@requires(Action.VIEW_CONFIG)
@operation("A device's config versions, oldest first", query=ConfigQuery,
           response=list[q.ConfigVersionRow])  # fmt: skip
def configs() -> Any:
    args = ConfigQuery.parse(request.args)
    with store().session() as db:
        return _reply(configs, q.list_config_versions(db, args.device, scope=_scope()))


@blueprint.get("/configs/text")
@requires(Action.VIEW_CONFIG)
@operation("One config version's (redacted) text", query=ConfigTextQuery, response=q.ConfigText)
def config_text() -> Any:
    args = ConfigTextQuery.parse(request.args)
    with store().session() as db:
        return _reply(config_text, q.config_text(db, args.device, args.version, scope=_scope()))


@blueprint.get("/configs/diff")
@requires(Action.VIEW_CONFIG)
@operation("Two config versions and their unified diff", query=ConfigDiffQuery,
           response=q.ConfigDiff)  # fmt: skip
def config_diff() -> Any:
    args = ConfigDiffQuery.parse(request.args)
    with store().session() as db:
        found = q.config_diff(db, args.device, args.v1, args.v2, scope=_scope())
        return _reply(config_diff, found)


@blueprint.get("/scans")
@requires(Action.VIEW)
@operation("Scans, latest first", query=ScanQuery, response=q.Page[q.ScanRow])
def scans() -> Any:
    args = ScanQuery.parse(request.args)
    with store().session() as db:
        return _reply(scans, q.list_scans(db, scope=_scope(), **args.filters()))


@blueprint.get("/scans/<int(max=2147483647):scan_id>")
@requires(Action.VIEW)
@operation("One scan and its per-device results", query=ScanResultQuery,
           response=q.ScanDetail)  # fmt: skip
def scan(scan_id: int) -> Any:
    args = ScanResultQuery.parse(request.args)
    with store().session() as db:
        return _reply(scan, q.get_scan(db, scan_id, scope=_scope(), **args.filters()))


@blueprint.get("/scans/<int(max=2147483647):scan_id>/progress")
@requires(Action.VIEW)
@operation("How far a scan is, and its results recorded after the cursor `after`",
           query=ScanProgressQuery, response=q.ScanProgress)  # fmt: skip
def scan_progress(scan_id: int) -> Any:
    args = ScanProgressQuery.parse(request.args)
    with store().session() as db:
        return _reply(scan_progress, q.scan_progress(db, scan_id, scope=_scope(), after=args.after))


@blueprint.post("/scans")
@requires(Action.RUN_SCAN)
@operation("Start a scan in the background (admins; a site inside the user's subtree)",
           body=ScanIn, response=ScanStarted, status=202,
           refusals=((409, "A scan of an overlapping scope is still running"),))  # fmt: skip
def start_scan() -> Any:
    if not request.is_json:
        abort(415)
    try:
        body = ScanIn.model_validate(request.get_json(silent=True))
    except ValidationError as exc:
        return jsonify({"status": 400, "error": "Bad Request", "detail": str(exc)}), 400
    try:
        planned = scanning.start(body)  # no such site or no active device: 400 (UserError)
    except ScanBusy as busy:
        return jsonify({"status": 409, "error": "Conflict", "detail": str(busy)}), 409
    progress = f"/api/v1/scans/{planned.scan_id}/progress"
    return _reply(start_scan, ScanStarted(scan_id=planned.scan_id, expected=planned.expected,
                                          progress=progress))  # fmt: skip


@blueprint.get("/playbook-runs")
@requires(Action.VIEW_PLAYBOOKS)
@operation("Ansible playbook runs, latest first", query=PlaybookRunQuery,
           response=q.Page[q.PlaybookRunRow])  # fmt: skip
def playbook_runs() -> Any:
    args = PlaybookRunQuery.parse(request.args)
    with store().session() as db:
        return _reply(playbook_runs, q.list_playbook_runs(db, scope=_scope(), **args.filters()))


@blueprint.get("/playbook-runs/<int(max=2147483647):run_id>")
@requires(Action.VIEW_PLAYBOOKS)
@operation("One playbook run: its hosts and task events", query=PlaybookRunDetailQuery,
           response=q.PlaybookRunDetail)  # fmt: skip
def playbook_run(run_id: int) -> Any:
    args = PlaybookRunDetailQuery.parse(request.args)
    with store().session() as db:
        found = q.get_playbook_run(db, run_id, scope=_scope(), **args.filters())
        return _reply(playbook_run, found)


@blueprint.get("/findings")
@requires(Action.VIEW)
@operation("Findings", query=FindingQuery, response=q.Page[q.FindingRow])
def findings() -> Any:
    args = FindingQuery.parse(request.args)
    with store().session() as db:
        return _reply(findings, q.list_findings(db, scope=_scope(), **args.filters()))


@blueprint.get("/findings/<int(max=2147483647):finding_id>")
@requires(Action.VIEW)
@operation("One finding with its evidence and waivers", response=q.FindingDetail)
def finding(finding_id: int) -> Any:
    with store().session() as db:
        return _reply(finding, q.get_finding(db, finding_id, scope=_scope()))


@blueprint.post("/findings/<int(max=2147483647):finding_id>/waivers")
@requires(Action.WAIVE)
@operation("Waive a finding until a date, with a reason", body=WaiverIn, response=WaiverOut,
           status=201)  # fmt: skip
def waive_finding(finding_id: int) -> Any:
    body = _body(WaiverIn)
    with store().session() as db:
        q.get_finding(db, finding_id, scope=_scope())  # NotFound outside the scope
    with acting_transaction() as db:
        waiver = waive(db, finding_id, reason=body.reason, until=body.until,
                       by=account().username, now=dt.datetime.now(dt.UTC))  # fmt: skip
        out = WaiverOut(
            finding_id=finding_id, state=FindingState.WAIVED, reason=waiver.reason,
            until=waiver.until, created_by=waiver.created_by,
        )  # fmt: skip
    return _reply(waive_finding, out)


@blueprint.get("/waivers")
@requires(Action.VIEW)
@operation("Waivers, latest first", query=WaiverQuery, response=q.Page[q.WaiverListRow])
def waivers() -> Any:
    args = WaiverQuery.parse(request.args)
    with store().session() as db:
        return _reply(waivers, q.list_waivers(db, scope=_scope(), **args.filters()))


@blueprint.get("/targets")
@requires(Action.VIEW)
@operation("The plans' targets that bear on the user's subtree", response=list[q.TargetRow])
def targets() -> Any:
    with store().session() as db:
        return _reply(targets, q.list_targets(db, scope=_scope()))


@blueprint.get("/findings/summary")
@requires(Action.VIEW)
@operation("Open findings by severity and zone", response=q.FindingsSummary)
def findings_summary() -> Any:
    with store().session() as db:
        return _reply(findings_summary, q.findings_summary(db, scope=_scope()))


@blueprint.get("/coverage")
@requires(Action.VIEW)
@operation("Coverage of the targets by level, in the user's subtree", query=CoverageQuery,
           response=coverage_module.CoverageResult)  # fmt: skip
def coverage() -> Any:
    args = CoverageQuery.parse(request.args)
    under = args.under or _scope()
    if not account().sees(under):
        raise NotFound(f"no site with code {under!r}")
    with store().session() as db:
        found = coverage_module.coverage_rows(
            db, target=args.target, level=args.level, under=under, by_child=args.by_child
        )
        return _reply(coverage, found)


@blueprint.get("/audit")
@requires(Action.VIEW_AUDIT)
@operation("The audit log, latest first", query=AuditQuery, response=q.Page[q.AuditEventRow])
def audit() -> Any:
    args = AuditQuery.parse(request.args)
    with store().session() as db:
        return _reply(audit, q.list_audit_events(db, scope=_scope(), **args.filters()))


def api_rules() -> list[tuple[str, str, Operation]]:
    """Every API route with its declared operation (the OpenAPI document's input)."""
    prefix = "/api/v1"
    found = []
    for rule in current_app.url_map.iter_rules():
        view = current_app.view_functions[rule.endpoint]
        op = getattr(view, "openapi", None)
        if rule.endpoint.startswith("api.") and op is not None:
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                found.append((rule.rule.removeprefix(prefix), method, op))
    return found


@blueprint.get("/openapi.json")
@public
def openapi_document() -> Any:
    return jsonify(build_document(api_rules()))
