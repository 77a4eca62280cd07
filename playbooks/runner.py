"""Run a playbook with ansible-runner against the store's inventory, and record what it did.

One run = one ``PlaybookRun`` row and one private data dir under
``NETCENSUS_HOME/ansible/runs/<id>``::

    inventory/hosts.json                      the hosts of this run (no secrets)
    inventory/group_vars/all/netcensus.yml  their credentials, vault-encrypted
    artifacts/<id>/                           ansible-runner's stdout and job events

Secrets never touch the disk in clear: ansible-runner records the whole process
environment in ``artifacts/<id>/command``, so the credential variables are removed
from the environment Ansible gets; their values travel in the vault, whose one-time
password ansible-runner types at Ansible's prompt and nobody writes down.

Each host's task results arrive live (``on_event``) and are stored as events and, at
the end, as the host's tally. A playbook that collects (backup, facts) turns each
host's ``netcensus_observation`` fact into an Observation reconciled through a Scan,
exactly as an SSH scan's would be: same redaction, same config dedup, failed hosts
marked stale.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from netcensus.collectors import scan as scans
from netcensus.collectors.observation import Observation
from netcensus.collectors.platforms import spec
from netcensus.collectors.platforms.parse import absorb
from netcensus.collectors.ssh import strip_noise
from netcensus.errors import UserError
from netcensus.inventory.db import Store
from netcensus.inventory.enums import Outcome, PlaybookStatus, ScanStatus
from netcensus.inventory.models import (
    Device,
    PlaybookEvent,
    PlaybookHostResult,
    PlaybookRun,
    utcnow,
)
from netcensus.playbooks.catalog import Collects, PlaybookInfo, find
from netcensus.playbooks.inventory import (
    FACT_PARTS,
    AnsibleHost,
    ansible_hosts,
    as_static,
    build_inventory,
    restrict,
    select_hosts,
)
from netcensus.playbooks.network_os import PLAYBOOK_DIR, plugin_env

VAULT_ID = "netcensus"
VAULT_PROMPT = rf"Vault password \({VAULT_ID}\):\s*$"
# Task results worth a row: what each host did, not the play's bookkeeping.
HOST_EVENTS = {
    "runner_on_ok": "ok",
    "runner_on_failed": "failed",
    "runner_on_unreachable": "unreachable",
    "runner_on_skipped": "skipped",
    "runner_item_on_failed": "failed",
}
# The inherited environment Ansible gets; everything else (credentials' variables, a
# PostgreSQL URL with its password...) stays in this process.
INHERITED = ("PATH", "HOME", "USER", "LOGNAME", "SHELL", "TERM", "TZ", "TMPDIR", "LANG",
             "LANGUAGE", "VIRTUAL_ENV", "PYTHONPATH")  # fmt: skip
INHERITED_PREFIXES = ("LC_", "ANSIBLE_", "RUNNER_", "AWX_")
MESSAGE_LIMIT = 2000


@dataclass(frozen=True)
class RunRequest:
    playbook: str
    limit: str | None = None
    check: bool = False
    diff: bool = False
    extra_vars: Mapping[str, Any] = field(default_factory=dict)
    secrets: Mapping[str, str] = field(default_factory=dict)  # name -> environment variable


@dataclass(frozen=True)
class HostEvent:
    """One task result of one host, for live progress."""

    host: str
    task: str
    status: str  # ok / changed / failed / unreachable / skipped
    message: str | None = None
    diff: str | None = None


@dataclass
class _HostState:
    host: AnsibleHost | None
    error: str | None = None
    error_code: str | None = None
    observed: bool = False
    failed: bool = False


@dataclass
class RunResult:
    run_id: int
    status: PlaybookStatus
    rc: int | None
    private_data_dir: Path
    scan_id: int | None
    hosts: list[dict[str, Any]]


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text[:MESSAGE_LIMIT]


def error_code(message: str) -> str:
    """The scan vocabulary for why a host failed (refused, auth, timeout...)."""
    lowered = message.lower()
    for code, words in (
        ("refused", ("connection refused",)),
        ("auth", ("authenticat", "permission denied", "access denied")),
        ("timeout", ("timed out", "timeout")),
        ("unreachable", ("no route", "unreachable", "could not resolve")),
        ("credentials", ("credential",)),
    ):
        if any(word in lowered for word in words):
            return code
    return "failed"


def _check_request(info: PlaybookInfo, request: RunRequest) -> None:
    missing = [name for name in info.needs if name not in request.extra_vars]
    if missing:
        raise UserError(
            f"playbook {info.name} needs {', '.join(missing)}: give each with -e NAME=VALUE"
        )
    unnamed = [name for name in info.secrets if name not in request.secrets]
    if unnamed:
        raise UserError(
            f"playbook {info.name} needs the secret(s) {', '.join(unnamed)}: name the "
            "environment variable holding each with --secret NAME=ENV_VAR"
        )


def _credential_values(
    host: AnsibleHost, env: Mapping[str, str]
) -> tuple[dict[str, str] | None, str | None]:
    """The host's SSH secrets from the environment, or why they cannot be had."""
    credential = host.credential
    if credential is None:
        return None, "no SSH credential declared"
    values: dict[str, str] = {}
    for key, env_name, what in (
        ("password", credential.secret_env, "password"),
        ("enable", credential.enable_env, "enable secret"),
    ):
        if not env_name:
            if key == "password":
                return None, f"credential '{credential.name}' names no password variable"
            continue
        value = env.get(env_name)
        if not value:
            return None, (
                f"environment variable {env_name} ({what} of credential "
                f"'{credential.name}') is not set"
            )
        values[key] = value
    return values, None


def _unsafe_yaml(value: str) -> str:
    # A JSON string is a YAML double-quoted scalar; !unsafe keeps Jinja out of secrets.
    return f"!unsafe {json.dumps(value)}"


def vault_text(credentials: Mapping[str, Mapping[str, str]], named: Mapping[str, str]) -> str:
    """The run's secrets as a YAML vars file (to be vault-encrypted)."""
    lines = ["netcensus_credentials:"]
    for name, values in sorted(credentials.items()):
        lines.append(f"  {json.dumps(name)}:")
        lines += [f"    {key}: {_unsafe_yaml(value)}" for key, value in sorted(values.items())]
    lines.append("netcensus_secrets:" + ("" if named else " {}"))
    lines += [
        f"  {json.dumps(name)}: {_unsafe_yaml(value)}" for name, value in sorted(named.items())
    ]
    return "\n".join(lines) + "\n"


def _encrypt(text: str, password: str) -> bytes:
    from ansible.parsing.vault import VaultLib, VaultSecret

    secret = VaultSecret(password.encode())
    return bytes(VaultLib([(VAULT_ID, secret)]).encrypt(text, secret=secret, vault_id=VAULT_ID))


def ansible_environment(
    prepared: Mapping[str, str], inherited: Mapping[str, str], secret_values: set[str]
) -> dict[str, str]:
    """What Ansible may see of the environment: never a secret, whatever its name.

    ansible-runner seeds the environment with this process's own (``inherited``), where
    the credentials' variables live, and writes all of it to ``artifacts/<id>/command``.
    Kept: what netcensus or ansible-runner set, and the few inherited variables a
    process needs (locale, home, paths, Ansible's own settings).

    >>> ansible_environment({"PATH": "/bin", "SSH_PW": "s3cret", "LC_ALL": "C"},
    ...                     {"PATH": "/bin", "SSH_PW": "s3cret", "LC_ALL": "C"}, {"s3cret"})
    {'PATH': '/bin', 'LC_ALL': 'C'}
    """
    kept = {}
    for name, value in prepared.items():
        ours = inherited.get(name) != value
        needed = name in INHERITED or name.startswith(INHERITED_PREFIXES)
        if (ours or needed) and value not in secret_values:
            kept[name] = value
    return kept


def _observation(
    host: AnsibleHost, data: Mapping[str, Any], started: dt.datetime, duration_ms: int
) -> Observation:
    platform = spec(host.platform)
    observation = Observation(
        target=host.name,
        address=host.address,
        method="ansible",
        started_at=started,
        duration_ms=duration_ms,
        platform=platform.key.value,
        vendor=platform.vendor,
    )
    if isinstance(data.get("config"), str):
        observation.config = strip_noise(platform, data["config"])
    outputs = data.get("outputs") or {}
    for command in platform.commands:
        output = outputs.get(command.command)
        if command.part in FACT_PARTS and isinstance(output, str):
            absorb(observation, platform, command, output)
    return observation


def _failure(host: AnsibleHost, code: str, message: str) -> Observation:
    return Observation(
        target=host.name,
        address=host.address,
        method="ansible",
        started_at=dt.datetime.now(dt.UTC),
        ok=False,
        error_code=code,
        error=message,
    )


def _when(event: Mapping[str, Any]) -> dt.datetime:
    raw = event.get("event_data", {}).get("start") or event.get("created")
    try:
        moment = dt.datetime.fromisoformat(str(raw))
    except ValueError:
        return dt.datetime.now(dt.UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


class _Recorder:
    """Turns ansible-runner's events into rows, observations and progress."""

    def __init__(
        self,
        store: Store,
        run_id: int,
        info: PlaybookInfo,
        hosts: dict[str, _HostState],
        scan_id: int | None,
        on_event: Callable[[HostEvent], None] | None,
    ) -> None:
        self.store, self.run_id, self.info = store, run_id, info
        self.hosts, self.scan_id, self.on_event = hosts, scan_id, on_event
        self.stats: dict[str, dict[str, int]] = {}

    def __call__(self, event: dict[str, Any]) -> bool:
        kind = event.get("event", "")
        data = event.get("event_data") or {}
        if kind == "playbook_on_stats":
            for key in ("ok", "changed", "failures", "dark", "skipped"):
                for host, count in (data.get(key) or {}).items():
                    self.stats.setdefault(host, {})[key] = count
        elif kind in HOST_EVENTS and data.get("host") in self.hosts:
            self._host_event(event, kind, data)
        return True  # keep the event in the artifacts

    def _host_event(self, event: dict[str, Any], kind: str, data: dict[str, Any]) -> None:
        host, res = data["host"], data.get("res") or {}
        status = HOST_EVENTS[kind]
        if status == "ok" and res.get("changed"):
            status = "changed"
        failed = status in ("failed", "unreachable") and not data.get("ignore_errors")
        message = res.get("msg") if failed or status == "skipped" else None
        if failed and res.get("censored"):
            # no_log hid the result; ansible-runner's display line still has the reason.
            message = (event.get("stdout") or "").strip() or res["censored"]
        diff = res.get("diff", {}).get("prepared") if isinstance(res.get("diff"), dict) else None
        with self.store.transaction() as session:
            session.add(
                PlaybookEvent(
                    run_id=self.run_id,
                    seq=int(event.get("counter") or 0),
                    at=_when(event),
                    event=kind,
                    host=host,
                    task=str(data["task"])[:256] if data.get("task") else None,
                    changed=bool(res.get("changed")),
                    failed=failed,
                    message=_text(message),
                )
            )
        state = self.hosts[host]
        if failed and not state.failed:
            state.failed = True
            state.error = _text(message) or status
            state.error_code = error_code(state.error)
            if self.scan_id is not None and state.host is not None and not state.observed:
                scans.record(
                    self.store,
                    self.scan_id,
                    _failure(state.host, state.error_code, state.error),
                )
        observed = (res.get("ansible_facts") or {}).get("netcensus_observation")
        if status == "ok" and observed and self.scan_id is not None and state.host is not None:
            started = _when(event)
            duration = int(float(data.get("duration") or 0) * 1000)
            scans.record(
                self.store, self.scan_id, _observation(state.host, observed, started, duration)
            )
            state.observed = True
        if self.on_event is not None:
            self.on_event(
                HostEvent(host, str(data.get("task") or ""), status, _text(message), _text(diff))
            )


def _ansible_env(private_dir: Path) -> dict[str, str]:
    scratch = private_dir / "scratch"
    return {
        # ansible-playbook from this interpreter's environment, whatever PATH says
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
        "ANSIBLE_HOME": str(scratch / "home"),
        "ANSIBLE_LOCAL_TEMP": str(scratch / "tmp"),
        "ANSIBLE_PERSISTENT_CONTROL_PATH_DIR": str(scratch / "pc"),
        "ANSIBLE_PERSISTENT_CONNECT_TIMEOUT": "30",
        "ANSIBLE_PERSISTENT_COMMAND_TIMEOUT": "60",
        "ANSIBLE_HOST_KEY_CHECKING": "False",
        "ANSIBLE_RETRY_FILES_ENABLED": "False",
        "ANSIBLE_NOCOLOR": "True",
        **plugin_env(),
    }


def run_playbook(
    store: Store,
    request: RunRequest,
    *,
    home: Path,
    env: Mapping[str, str] | None = None,
    started_by: str | None = None,
    on_event: Callable[[HostEvent], None] | None = None,
) -> RunResult:
    """Run ``request`` and record it; returns the run's id, status and per-host results."""
    import ansible_runner

    env = os.environ if env is None else env
    info = find(request.playbook)
    if request.check and info.collects is not Collects.NOTHING:
        raise UserError(f"playbook {info.name} only reads devices: --check does not apply")
    _check_request(info, request)
    named = {}
    for name, env_name in request.secrets.items():
        if not env.get(env_name):
            raise UserError(f"--secret {name}: environment variable {env_name} is not set")
        named[name] = env[env_name]
    with store.session() as session:
        everything = ansible_hosts(session)
        inventory = build_inventory(session, everything)
        chosen = select_hosts(inventory, everything, request.limit)
        device_ids = {n: i for n, i in session.execute(select(Device.name, Device.id))}
    if not chosen:
        raise UserError("no Ansible host to run on (declared, active IOS/VRP/Comware devices)")
    states = {h.name: _HostState(h) for h in chosen}
    credentials: dict[str, dict[str, str]] = {}
    for host in chosen:
        values, problem = _credential_values(host, env)
        if values is None:
            states[host.name].failed, states[host.name].error = True, problem
            states[host.name].error_code = "credentials"
        elif host.credential is not None:
            credentials[host.credential.name] = values
    runnable = {name for name, state in states.items() if not state.failed}

    user = started_by or scans.runner()["user"]
    with store.transaction() as session:
        run = PlaybookRun(
            playbook=info.name,
            started_by=user,
            check_mode=request.check,
            diff=request.diff,
            limit=request.limit,
            extra_vars=dict(request.extra_vars),
            secret_names=sorted(request.secrets),
        )
        session.add(run)
        session.flush()
        run_id = run.id
        private_dir = home / "ansible" / "runs" / str(run_id)
        run.private_data_dir = str(private_dir)  # set now: a run that dies still points here
    scan_id = None
    if info.collects is not Collects.NOTHING and not request.check:
        scan_id = scans.start_scan(
            store,
            scans.Scope(),
            ["ansible"],
            source=f"ansible:{info.name}",
            started_by=user,
            extra_scope={"playbook_run": run_id, "limit": request.limit},
        )
    for state in states.values():
        if state.failed and scan_id is not None and state.host is not None:
            scans.record(store, scan_id, _failure(state.host, "credentials", state.error or ""))

    recorder = _Recorder(store, run_id, info, states, scan_id, on_event)
    status, rc = PlaybookStatus.ERROR, None
    try:
        if runnable:
            status, rc = _run(
                ansible_runner,
                private_dir,
                _Payload(run_id, info, request, inventory, runnable, credentials, named),
                {v for values in credentials.values() for v in values.values()}
                | set(named.values()),
                recorder,
            )
        else:
            status = PlaybookStatus.FAILED
    finally:
        hosts = _finish(store, run_id, states, recorder, device_ids, status, rc, scan_id)
    return RunResult(run_id, status, rc, private_dir, scan_id, hosts)


@dataclass(frozen=True)
class _Payload:
    """What one run hands Ansible: the playbook, its hosts and their secrets."""

    run_id: int
    info: PlaybookInfo
    request: RunRequest
    inventory: Mapping[str, Any]
    runnable: set[str]
    credentials: Mapping[str, Mapping[str, str]]
    named: Mapping[str, str]


def _run(
    ansible_runner: Any,
    private_dir: Path,
    payload: _Payload,
    secret_values: set[str],
    recorder: _Recorder,
) -> tuple[PlaybookStatus, int | None]:
    run_id, info, request = payload.run_id, payload.info, payload.request
    vars_dir = private_dir / "inventory" / "group_vars" / "all"
    vars_dir.mkdir(parents=True, mode=0o700)
    (private_dir / "inventory" / "hosts.json").write_text(
        json.dumps(
            as_static(restrict(payload.inventory, payload.runnable)), indent=1, ensure_ascii=False
        )
    )
    password = secrets.token_urlsafe(32)
    (vars_dir / "netcensus.yml").write_bytes(
        _encrypt(vault_text(payload.credentials, payload.named), password)
    )
    cmdline = [f"--vault-id {VAULT_ID}@prompt"]
    if request.check:
        cmdline.append("--check")
    if request.diff:
        cmdline.append("--diff")
    config = ansible_runner.RunnerConfig(
        private_data_dir=str(private_dir),
        project_dir=str(PLAYBOOK_DIR),
        playbook=info.path.name,
        ident=str(run_id),
        extravars=dict(request.extra_vars) or None,
        cmdline=" ".join(cmdline),
        passwords={VAULT_PROMPT: password},
        envvars=_ansible_env(private_dir),
        quiet=True,
        suppress_env_files=True,
    )
    config.prepare()
    # prepare() seeded the environment with ours: take the secrets back out before
    # ansible-runner writes it to artifacts/<id>/command.
    config.env = ansible_environment(config.env, os.environ, secret_values)
    runner = ansible_runner.Runner(config=config, event_handler=recorder)
    runner.run()
    try:
        return PlaybookStatus(runner.status), runner.rc
    except ValueError:
        return PlaybookStatus.ERROR, runner.rc


def _finish(
    store: Store,
    run_id: int,
    states: dict[str, _HostState],
    recorder: _Recorder,
    device_ids: Mapping[str, int],
    status: PlaybookStatus,
    rc: int | None,
    scan_id: int | None,
) -> list[dict[str, Any]]:
    rows = []
    for name, state in sorted(states.items()):
        counts = recorder.stats.get(name, {})
        failed = state.failed or counts.get("failures", 0) > 0 or counts.get("dark", 0) > 0
        ran = bool(counts) or state.failed
        outcome = Outcome.FAILED if failed else (Outcome.OK if ran else Outcome.SKIPPED)
        if status is PlaybookStatus.ERROR and not failed:
            outcome = Outcome.FAILED
            state.error = state.error or "ansible-runner did not run the playbook"
        rows.append(
            {
                "host": name,
                "outcome": outcome,
                "ok": counts.get("ok", 0),
                "changed": counts.get("changed", 0),
                "failed": counts.get("failures", 0) + (1 if state.failed and not counts else 0),
                "unreachable": counts.get("dark", 0),
                "skipped": counts.get("skipped", 0),
                "error": state.error,
            }
        )
        if (
            scan_id is not None
            and state.host is not None
            and not state.observed
            and not state.failed
        ):
            reason = "the playbook produced no observation" if ran else "not run"
            scans.record(store, scan_id, scans.Skipped(name, state.host.address, "ansible", reason))
    with store.transaction() as session:
        run = session.get(PlaybookRun, run_id)
        assert run is not None
        for row in rows:
            session.add(
                PlaybookHostResult(run_id=run_id, device_id=device_ids.get(row["host"]), **row)
            )
        run.status = status
        run.rc = rc
        run.finished_at = utcnow()
        run.scan_id = scan_id
        run.summary = {
            "hosts": len(rows),
            "ok": sum(r["outcome"] is Outcome.OK for r in rows),
            "failed": sum(r["outcome"] is Outcome.FAILED for r in rows),
            "skipped": sum(r["outcome"] is Outcome.SKIPPED for r in rows),
            "changed": sum(r["changed"] > 0 for r in rows),
        }
    if scan_id is not None:
        scans.finish_scan(store, scan_id, ScanStatus.COMPLETED)
    return rows
