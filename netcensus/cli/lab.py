"""``netcensus lab``: the simulated network used by the demo, the tests and the benchmarks."""

from __future__ import annotations

import shlex

import click

from netcensus.cli.common import console, emit_json, json_option
from netcensus.errors import UserError
from netcensus.lab import lifecycle
from netcensus.lab.agents import AgentError
from netcensus.lab.generate import PRESETS
from netcensus.settings import load_settings


@click.group()
def lab() -> None:
    """Generate, start and stop the simulated network (state in NETCENSUS_HOME/lab)."""


_preset = click.option(
    "--preset",
    type=click.Choice(sorted(PRESETS)),
    default="small",
    show_default=True,
    help="small ~50 devices, medium ~500, large 2,000+.",
)
_root = click.option(
    "--root",
    default="44",
    show_default=True,
    help="Division code the network starts from (sites below it).",
)
_seed = click.option(
    "--seed", type=int, default=1, show_default=True, help="Same seed, same network."
)
_block = click.option(
    "--address-block",
    "block",
    type=click.IntRange(1, 254),
    default=20,
    show_default=True,
    help="Agents listen on 127.<block>.0.0/16 (change it to run two labs).",
)


@lab.command()
@_root
@_preset
@_seed
@_block
def generate(root: str, preset: str, seed: int, block: int) -> None:
    """Generate the lab: inventory.yaml, ground-truth.json, agent data, device state."""
    lab_dir = load_settings().lab_dir
    state = lifecycle.generate_into(lab_dir, root, preset, seed, block)
    console.print(
        f"generated {len(state.devices)} devices (preset {preset}, root {root}, "
        f"seed {seed}) in {lab_dir}"
    )
    console.print(f"inventory: {lab_dir / lifecycle.INVENTORY}")
    console.print(f"ground truth: {lab_dir / lifecycle.TRUTH}")


@lab.command()
@_root
@click.option(
    "--preset",
    type=click.Choice(sorted(PRESETS)),
    default=None,
    help="Generate this preset first (default: start the lab already generated, or a small one).",
)
@_seed
@_block
@click.option("--no-ssh", is_flag=True, help="Start the SNMP agents only.")
def up(root: str, preset: str | None, seed: int, block: int, no_ssh: bool) -> None:
    """Start every SNMP agent and the SSH CLIs; returns when all of them answer."""
    lab_dir = load_settings().lab_dir
    if preset is not None or not (lab_dir / lifecycle.STATE).exists():
        state = lifecycle.generate_into(lab_dir, root, preset or "small", seed, block)
        console.print(f"generated {len(state.devices)} devices (preset {preset or 'small'})")
    try:
        report = lifecycle.up(lab_dir, ssh=not no_ssh)
    except AgentError as exc:
        raise UserError(f"the lab did not start: {exc}") from None
    ssh = f", SSH CLIs on {report.ssh_devices} devices" if not no_ssh else ""
    console.print(
        f"lab ready in {report.seconds:.1f} s: {report.agents} SNMP agents "
        f"answering{ssh} ({len(report.pids)} processes)"
    )
    console.print(
        f'credentials: `eval "$(netcensus lab status --env)"` '
        f"(file {lab_dir / lifecycle.CREDENTIALS})"
    )


@lab.command()
def down() -> None:
    """Stop every process `lab up` started."""
    stopped = lifecycle.down(load_settings().lab_dir)
    console.print(f"lab stopped ({stopped} processes)" if stopped else "lab was not running")


@lab.command()
@click.option(
    "--env",
    "as_env",
    is_flag=True,
    help="Print `export` lines for the credentials the inventory references.",
)
@json_option
def status(as_env: bool, as_json: bool) -> None:
    """Whether the lab is generated and running, and how many agents answer."""
    lab_dir = load_settings().lab_dir
    if as_env:
        for name, value in lifecycle.read_credentials(lab_dir).items():
            click.echo(f"export {name}={shlex.quote(value)}")
        return
    found = lifecycle.status(lab_dir)
    if as_json:
        emit_json({"lab_dir": str(lab_dir), **found.__dict__})
        return
    if not found.generated:
        console.print(f"no lab generated in {lab_dir}")
        return
    state = "running" if found.processes else "stopped"
    console.print(
        f"lab {state}: preset {found.preset}, {found.devices} devices, "
        f"{found.agents} SNMP agents, {found.processes} processes"
    )
    if found.answering is not None:
        console.print(f"{found.answering} agents answer (slow agents not counted)")
