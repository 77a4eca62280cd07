"""`netcensus report KIND`: printable reports for inspections. Each kind lives with its subsystem's
commands and is imported only when asked for, like the top-level subcommands."""

from __future__ import annotations

import importlib

import click

# kind -> (module, attribute, one-line help)
REPORTS: dict[str, tuple[str, str, str]] = {
    "compliance": (
        "netcensus.cli.compliance",
        "report_compliance",
        "The assessor's verdict matrix: every device x rule, as CSV, JSON or HTML.",
    ),
    "coverage": (
        "netcensus.cli.coverage",
        "report_coverage",
        "Coverage against the build-out targets, as CSV or HTML.",
    ),
}


class _LazyReports(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(REPORTS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in REPORTS:
            return None
        module, attribute, _ = REPORTS[cmd_name]
        command = getattr(importlib.import_module(module), attribute, None)
        return command if isinstance(command, click.Command) else None

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Reports"):
            formatter.write_dl([(name, REPORTS[name][2]) for name in self.list_commands(ctx)])


@click.group(cls=_LazyReports)
def report() -> None:
    """Printable reports for the yearly inspection and for assessors."""
