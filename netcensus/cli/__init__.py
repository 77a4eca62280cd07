"""The `netcensus` command. Subcommands live in sibling modules and are imported on first use,
so `netcensus --help` stays fast and one subsystem's dependencies never slow another's."""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click

from netcensus import __version__
from netcensus.errors import UserError

# name -> (module, attribute, one-line help shown by `netcensus --help` without importing)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "db": ("netcensus.cli.db", "db", "Create or upgrade the store's schema."),
    "lab": ("netcensus.cli.lab", "lab", "Generate, start and stop the simulated network."),
    "scan": ("netcensus.cli.scan", "scan", "Collect devices over SNMP and SSH into the store."),
    "poll": ("netcensus.cli.scan", "poll", "Collect one zone into an observation file."),
    "ingest": ("netcensus.cli.scan", "ingest", "Reconcile a poller's observation file."),
    "scans": ("netcensus.cli.scans", "scans", "Scan history and per-device results."),
    "devices": ("netcensus.cli.devices", "devices", "List and show devices as collected."),
    "endpoints": ("netcensus.cli.devices", "endpoints", "Find where a MAC or IP is plugged in."),
    "configs": (
        "netcensus.cli.configs",
        "configs",
        "Config backups: history, diffs and stored (redacted) text.",
    ),
    "sites": ("netcensus.cli.sites", "sites", "Import division codes; list and show sites."),
    "check": ("netcensus.cli.compliance", "check", "Run compliance rule packs; update findings."),
    "findings": ("netcensus.cli.compliance", "findings", "List, show and export findings."),
    "waive": ("netcensus.cli.compliance", "waive", "Accept a finding's risk until a date."),
    "rules": ("netcensus.cli.compliance", "rules", "List and show compliance rules."),
    "worker": ("netcensus.cli.distributed", "worker", "Start a zone poller or the central node."),
    "beat": ("netcensus.cli.distributed", "beat", "Start Celery beat for the stored schedules."),
    "run": ("netcensus.cli.distributed", "run", "Run the stored schedules on this host."),
    "schedule": ("netcensus.cli.distributed", "schedule", "List, add and remove schedules."),
    "pollers": (
        "netcensus.cli.distributed",
        "pollers_list",
        "Zone pollers and their last heartbeat.",
    ),
    "report": ("netcensus.cli.report", "report", "Inspection and assessor reports."),
    "playbook": (
        "netcensus.cli.playbook",
        "playbook",
        "Run Ansible playbooks (backup, remediation); past runs.",
    ),
    "ansible-inventory": (
        "netcensus.cli.playbook",
        "ansible_inventory",
        "The store as an Ansible dynamic inventory (JSON).",
    ),
    "coverage": (
        "netcensus.cli.coverage",
        "coverage",
        "Coverage of the targets by level and division; trend.",
    ),
    "targets": ("netcensus.cli.coverage", "targets", "Load, list and show build-out targets."),
    "declare": (
        "netcensus.cli.coverage",
        "declare",
        "Declare what scans cannot see (hotline, website, staff).",
    ),
    "metrics": (
        "netcensus.cli.metrics",
        "metrics",
        "Serve or print Prometheus metrics computed from the store.",
    ),
    "users": ("netcensus.cli.users", "users", "Web and API accounts, roles, scopes and tokens."),
    "serve": ("netcensus.cli.serve", "serve", "Serve the web UI and the REST API."),
    "inventory": (
        "netcensus.cli.inventory",
        "inventory",
        "Load, validate and export the declared inventory (YAML).",
    ),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, attribute, _ = COMMANDS[cmd_name]
        command: click.Command = getattr(importlib.import_module(module), attribute)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][2]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except UserError as exc:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            # Messages quote what users and devices typed: no control character gets through.
            from netcensus.cli.common import printable

            click.secho(f"error: {printable(exc)}", fg="red", err=True)
            sys.exit(exc.exit_code)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="netcensus")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """netcensus: inventory, scans and MLPS / isolation compliance for hierarchical networks.

    State lives in NETCENSUS_HOME (default ~/.local/share/netcensus); set
    NETCENSUS_DATABASE_URL to use PostgreSQL instead of the embedded SQLite.
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug
