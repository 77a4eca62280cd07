"""The yearly inspection report of coverage: CSV for the spreadsheet, one printable HTML page.

The HTML is self-contained (inline CSS and SVG charts, no script, no external asset) and
rendered by Jinja2 with autoescape on: site names and codes come from the store and
may carry anything, so nothing reaches the page unescaped. The web pages reuse
:func:`inspection_report` and :func:`render_html`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.orm import Session

from .coverage import CoverageResult, CoverageRow, TrendPoint, coverage_rows, trend

TEMPLATES = Path(__file__).parent / "templates"
CSV_COLUMNS = (
    "target",
    "title",
    "capability",
    "level",
    "under",
    "under_name",
    "parent",
    "in_scope",
    "covered",
    "conflicts",
    "ratio",
    "threshold",
    "deadline",
    "status",
    "reaches_threshold_on",
    "missing",
    "conflict_sites",
)


@dataclass
class InspectionReport:
    generated_at: dt.datetime
    under: str | None
    result: CoverageResult
    trends: dict[tuple[str, str], list[TrendPoint]]  # (target, level) -> daily points

    @property
    def target_rows(self) -> list[CoverageRow]:
        return [r for r in self.result.rows if r.parent is None]

    def children(self, row: CoverageRow) -> list[CoverageRow]:
        return [
            r
            for r in self.result.rows
            if r.parent is not None
            and r.target == row.target
            and r.level == row.level
            and r.parent == (row.under or "")
        ]


def inspection_report(
    session: Session, under: str | None = None, as_of: dt.datetime | None = None
) -> InspectionReport:
    """Every loaded target by level, broken down by child division, with its trend."""
    result = coverage_rows(session, under=under, by_child=True, as_of=as_of)
    trends = {
        (str(r.target), r.level): trend(session, str(r.target), r.level, r.under)
        for r in result.rows
        if r.parent is None and r.target
    }
    return InspectionReport(result.as_of, under, result, trends)


def render_csv(report: InspectionReport) -> str:
    """One line per target × level × division (the target's scope, then its children)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for row in report.result.rows:
        data = row.as_json()
        data["missing"] = " ".join(data["missing"])
        data["conflict_sites"] = " ".join(data["conflict_sites"])
        writer.writerow(data)
    return out.getvalue()


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["percent"] = lambda v: "–" if v is None else f"{v * 100:.1f} %"
    return env


def render_html(report: InspectionReport) -> str:
    return _environment().get_template("coverage_report.html").render(report=report)
