"""The assessor's report of the stored verdicts: CSV, JSON, or one printable HTML page.

The HTML page is self-contained (inline CSS, no script, no external URL: these networks
are often offline and the page is printed or archived) and every string from a device or
the store goes through Jinja2's autoescape.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy.orm import Session

from netcensus.compliance.check import load_rules
from netcensus.inventory.enums import Verdict
from netcensus.inventory.queries import VerdictRow, list_verdicts

FORMATS = ("csv", "json", "html")
CSV_COLUMNS = (
    "site_code", "site", "subject", "rule", "title", "pack", "severity", "mlps_level",
    "verdict", "message", "evidence", "checked_at",
)  # fmt: skip
_MARKS = {"pass": "P", "fail": "F", "not-evaluable": "NE", "not-applicable": "NA"}


def _evidence_text(evidence: list[dict[str, Any]]) -> str:
    return "; ".join(
        (f"line {e['line']}: " if e.get("line") else "") + str(e.get("description", ""))
        for e in evidence
    )


def verdict_report(
    session: Session, fmt: str, site_code: str | None, generated_at: dt.datetime
) -> tuple[str, int]:
    """The verdict matrix of ``site_code``'s subtree (every site without) in ``fmt`` (one
    of FORMATS), and how many verdicts it holds: `netcensus report compliance` and the
    web's download."""
    rows = list_verdicts(session, site=site_code)
    titles = {loaded.rule.id: loaded.rule.title for loaded in load_rules(None)}
    scope = site_code or "all sites"
    if fmt == "csv":
        return render_csv(rows, titles), len(rows)
    if fmt == "json":
        return render_json(rows, scope, titles), len(rows)
    return render_html(rows, scope, titles, generated_at), len(rows)


def summary(rows: list[VerdictRow]) -> dict[str, int]:
    """Verdict counts in G1 order (every verdict named, zero included)."""
    counts = Counter(row.verdict for row in rows)
    return {v.value: counts.get(v, 0) for v in Verdict}


def render_csv(rows: list[VerdictRow], titles: dict[str, str]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS)
    writer.writeheader()
    for row in rows:
        data = row.as_dict()
        data["title"] = titles.get(row.rule_id, "")
        data["evidence"] = _evidence_text(row.evidence)
        writer.writerow({key: data.get(key) for key in CSV_COLUMNS})
    return out.getvalue()


def render_json(rows: list[VerdictRow], scope: str, titles: dict[str, str]) -> str:
    document = {
        "scope": scope,
        "checked_at": _checked_at(rows),
        "summary": summary(rows),
        "rules": {rule: titles.get(rule, "") for rule in sorted({r.rule_id for r in rows})},
        "verdicts": [row.as_dict() for row in rows],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


@dataclass
class _DeviceColumn:
    name: str
    site_code: str | None
    site_name: str | None
    level: int | None
    rows: list[VerdictRow] = field(default_factory=list)
    cells: dict[str, VerdictRow] = field(default_factory=dict)


def _checked_at(rows: list[VerdictRow]) -> str | None:
    latest = max((row.checked_at for row in rows), default=None)
    return latest.isoformat(timespec="seconds") if latest else None


def render_html(
    rows: list[VerdictRow], scope: str, titles: dict[str, str], generated_at: dt.datetime
) -> str:
    devices: dict[str, _DeviceColumn] = {}
    others: list[VerdictRow] = []
    for row in rows:
        if row.device is None:
            others.append(row)
            continue
        column = devices.setdefault(
            row.device, _DeviceColumn(row.device, row.site_code, row.site_name, row.mlps_level)
        )
        column.rows.append(row)
        column.cells[row.rule_id] = row
    environment = Environment(
        loader=PackageLoader("netcensus.compliance", "templates"),
        autoescape=select_autoescape(default=True),
        keep_trailing_newline=True,
    )
    return environment.get_template("verdict-matrix.html").render(
        scope=scope,
        checked_at=_checked_at(rows),
        generated_at=generated_at.isoformat(timespec="seconds"),
        packs=sorted({row.pack for row in rows}),
        summary=summary(rows),
        rules=sorted({row.rule_id for row in rows}),
        titles=titles,
        devices=list(devices.values()),
        others=others,
        marks=_MARKS,
    )
