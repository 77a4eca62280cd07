"""`netcensus playbook` and `netcensus ansible-inventory`: Ansible against the store's devices.

`playbook run` goes through ansible-runner with an inventory generated from the store,
prints each host's task results as they arrive and stores the run (who, when, per-host
outcome, events; artifacts kept under NETCENSUS_HOME/ansible/runs/<id>).
"""

from __future__ import annotations

import json
import shlex
import stat
import sys
from pathlib import Path
from typing import Any

import click
from rich.markup import escape
from rich.table import Table
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from sqlalchemy import select

from netcensus.cli.common import console, emit, emit_json, err_console, json_option, with_store
from netcensus.errors import UserError
from netcensus.inventory.db import Store
from netcensus.inventory.models import PlaybookEvent, PlaybookRun
from netcensus.settings import load_settings

STATUS_STYLE = {
    "ok": "green",
    "changed": "yellow",
    "failed": "red",
    "unreachable": "red",
    "skipped": "dim",
}


@click.command("ansible-inventory")
@click.option("--list", "as_list", is_flag=True, help="Every host and group (Ansible's --list).")
@click.option("--host", "host", metavar="HOST", help="One host's variables (Ansible's --host).")
@click.option(
    "--script",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write an executable inventory script for `ansible -i` bound to this store.",
)
@with_store
def ansible_inventory(as_list: bool, host: str | None, script: Path | None, store: Store) -> None:
    """The store's devices as an Ansible dynamic inventory (JSON).

    Groups: level_<level>, zone_<kind>, platform_<platform>, mlps_l<n>, site_<code> (with
    the sites under it as child groups). Passwords are environment lookups of the
    variables each credential names: nothing secret is printed.
    """
    from netcensus.playbooks.inventory import ansible_hosts, build_inventory, env_credentials

    if sum(map(bool, (as_list, host, script))) != 1:
        raise UserError("give exactly one of --list, --host HOST or --script FILE")
    if script is not None:
        _write_script(script)
        console.print(
            f"wrote {escape(str(script))}: use it as `ansible-inventory -i {escape(str(script))}`"
        )
        return
    with store.session() as session:
        hosts = ansible_hosts(session)
        inventory = build_inventory(session, hosts)
    inventory["all"]["vars"]["netcensus_credentials"] = env_credentials(hosts)
    if host is not None:
        hostvars = inventory["_meta"]["hostvars"]
        if host not in hostvars:
            raise UserError(f"no Ansible host named {host!r} in the store")
        json.dump(hostvars[host], sys.stdout, ensure_ascii=False, indent=2)
    else:
        json.dump(inventory, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def _write_script(path: Path) -> None:
    """A two-line script Ansible runs as its inventory; it names the store, not secrets."""
    home = load_settings().home
    path.write_text(
        "#!/bin/sh\n"
        "# netcensus dynamic inventory: hosts and groups from the store in NETCENSUS_HOME.\n"
        f'NETCENSUS_HOME="${{NETCENSUS_HOME:-{shlex.quote(str(home))}}}" '
        f'exec {shlex.quote(sys.executable)} -m netcensus.cli ansible-inventory "$@"\n'
    )
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


@click.group()
def playbook() -> None:
    """List and run netcensus's Ansible playbooks; see past runs."""


@playbook.command("list")
@json_option
def list_playbooks(as_json: bool) -> None:
    """The playbooks netcensus ships, what each does and what it needs."""
    from netcensus.playbooks.catalog import catalogue

    emit(
        [
            {
                "name": p.name,
                "summary": p.summary,
                "collects": p.collects.value,
                "rules": ", ".join(p.rules),
                "needs": ", ".join([*p.needs, *(f"secret {s}" for s in p.secrets)]),
            }
            for p in catalogue()
        ],
        ["name", "summary", "collects", "rules", "needs"],
        as_json=as_json,
    )


def _pairs(values: tuple[str, ...], option: str) -> dict[str, str]:
    pairs = {}
    for value in values:
        name, sep, rest = value.partition("=")
        if not sep or not name.strip():
            raise UserError(f"{option} {value!r}: write NAME=VALUE")
        pairs[name.strip()] = rest
    return pairs


def _extra_vars(values: tuple[str, ...]) -> dict[str, Any]:
    """``-e NAME=VALUE``; a VALUE in YAML flow syntax (``[a, b]``) is read as YAML."""
    parsed: dict[str, Any] = {}
    for name, raw in _pairs(values, "-e").items():
        if raw.strip().startswith(("[", "{")):
            try:
                parsed[name] = YAML(typ="safe").load(raw)
            except YAMLError as exc:
                raise UserError(f"-e {name}: not valid YAML: {exc}") from exc
        else:
            parsed[name] = raw
    return parsed


@playbook.command("run")
@click.argument("name")
@click.option("--limit", metavar="SITE|GROUP", help="A division code, group or host (comma list).")
@click.option("--check", is_flag=True, help="Change nothing: report what would change.")
@click.option("--diff", is_flag=True, help="Show the configuration lines each host would get.")
@click.option("-e", "--extra-var", "extra", multiple=True, metavar="NAME=VALUE",
              help="A variable the playbook needs (repeatable).")  # fmt: skip
@click.option("--secret", "secret", multiple=True, metavar="NAME=ENV_VAR",
              help="A secret the playbook needs, read from ENV_VAR (repeatable).")  # fmt: skip
@json_option
@with_store
def run_command(
    name: str,
    limit: str | None,
    check: bool,
    diff: bool,
    extra: tuple[str, ...],
    secret: tuple[str, ...],
    as_json: bool,
    store: Store,
) -> None:
    """Run playbook NAME against the store's devices through ansible-runner."""
    try:
        import ansible_runner  # noqa: F401
    except ImportError as exc:
        raise UserError("Ansible is not installed: pip install 'netcensus[ansible]'") from exc
    from netcensus.playbooks.runner import HostEvent, RunRequest, run_playbook

    def progress(event: HostEvent) -> None:
        if as_json:
            return
        style = STATUS_STYLE.get(event.status, "")
        line = f"[{style}]{event.status:<11}[/] {escape(event.host)}  {escape(event.task)}"
        if event.message:
            line += f"  [dim]{escape(event.message.splitlines()[0][:200])}[/]"
        err_console.print(line)
        if diff and event.diff:
            err_console.print(escape(event.diff), style="cyan")

    request = RunRequest(
        playbook=name,
        limit=limit,
        check=check,
        diff=diff,
        extra_vars=_extra_vars(extra),
        secrets=_pairs(secret, "--secret"),
    )
    result = run_playbook(store, request, home=load_settings().home, on_event=progress)
    if as_json:
        emit_json(
            {
                "run": result.run_id,
                "status": result.status,
                "rc": result.rc,
                "scan": result.scan_id,
                "private_data_dir": str(result.private_data_dir),
                "hosts": result.hosts,
            }
        )
    else:
        _print_hosts(f"run {result.run_id}: {result.status.value}", result.hosts)
        console.print(f"artifacts: {escape(str(result.private_data_dir))}")
    if any(h["outcome"].value == "failed" for h in result.hosts):
        sys.exit(1)


def _print_hosts(title: str, hosts: list[dict[str, Any]]) -> None:
    table = Table(title=title)
    for column in ("host", "outcome", "ok", "changed", "failed", "unreachable", "skipped", "error"):
        table.add_column(column, overflow="fold")
    for row in hosts:
        outcome = row["outcome"].value if hasattr(row["outcome"], "value") else row["outcome"]
        table.add_row(
            escape(row["host"]),
            f"[{STATUS_STYLE.get(outcome, '')}]{outcome}[/]",
            *(str(row[k]) for k in ("ok", "changed", "failed", "unreachable", "skipped")),
            escape((row["error"] or "").splitlines()[0][:160] if row["error"] else ""),
        )
    console.print(table)


@playbook.command("runs")
@click.option("--limit", "count", type=click.IntRange(1, 1000), default=20, show_default=True,
              help="How many of the latest runs.")  # fmt: skip
@json_option
@with_store
def list_runs(count: int, as_json: bool, store: Store) -> None:
    """The latest playbook runs: who ran what, when, and how it ended."""
    with store.session() as session:
        runs = session.scalars(select(PlaybookRun).order_by(PlaybookRun.id.desc()).limit(count))
        rows = [
            {
                "run": r.id,
                "playbook": r.playbook,
                "started_by": r.started_by,
                "started_at": r.started_at,
                "check": r.check_mode,
                "limit": r.limit,
                "status": r.status,
                "hosts": r.summary.get("hosts"),
                "ok": r.summary.get("ok"),
                "changed": r.summary.get("changed"),
                "failed": r.summary.get("failed"),
            }
            for r in runs
        ]
    if not rows and not as_json:
        console.print("no playbook runs yet")
        return
    emit(rows, list(rows[0]) if rows else ["run"], as_json=as_json)


@playbook.command("show")
@click.argument("run_id", type=int)
@json_option
@with_store
def show_run(run_id: int, as_json: bool, store: Store) -> None:
    """One run: its per-host results, failed tasks and where its artifacts are."""
    with store.session() as session:
        run = session.get(PlaybookRun, run_id)
        if run is None:
            raise UserError(f"no playbook run {run_id}")
        hosts = [
            {
                "host": h.host,
                "outcome": h.outcome,
                "ok": h.ok,
                "changed": h.changed,
                "failed": h.failed,
                "unreachable": h.unreachable,
                "skipped": h.skipped,
                "error": h.error,
            }
            for h in run.hosts
        ]
        query = select(PlaybookEvent).where(PlaybookEvent.run_id == run_id)
        events = [
            {"seq": e.seq, "host": e.host, "task": e.task, "event": e.event,
             "changed": e.changed, "failed": e.failed, "message": e.message}
            for e in session.scalars(query.order_by(PlaybookEvent.seq))
        ]  # fmt: skip
        head = {
            "run": run.id,
            "playbook": run.playbook,
            "started_by": run.started_by,
            "started_at": run.started_at,
            "finished_at": run.finished_at,
            "status": run.status,
            "check": run.check_mode,
            "limit": run.limit,
            "extra_vars": run.extra_vars,
            "secrets": run.secret_names,
            "scan": run.scan_id,
            "artifacts": run.private_data_dir,
        }
    if as_json:
        emit_json({**head, "hosts": hosts, "events": events})
        return
    for key, value in head.items():
        console.print(f"{key}: {escape(str(value))}")
    _print_hosts("hosts", hosts)
    failures = [e for e in events if e["failed"]]
    if failures:
        emit(failures, ["host", "task", "message"], as_json=False, title="failed tasks")
