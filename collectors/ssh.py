"""SSH collection with netmiko: one device → one Observation, errors kept with the device.

What to run and how to read it comes from the platform files; this module only drives
the session. netmiko is synchronous, so many devices run in a bounded thread pool (the
work is waiting on sockets, which threads do well). A device that fails yields an
Observation with ``ok=False`` and an error code — timeout, auth, refused, unreachable —
and a command that fails leaves a CollectionError (unsupported, malformed, timeout)
while the rest of the device is still collected.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import re
import socket
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field

from netmiko import BaseConnection, ConnectHandler
from netmiko.exceptions import (
    NetmikoAuthenticationException,
    NetmikoTimeoutException,
    ReadTimeout,
)
from paramiko.ssh_exception import NoValidConnectionsError, SSHException

from netcensus.collectors.observation import CollectionError, Observation
from netcensus.collectors.platforms import spec
from netcensus.collectors.platforms.base import PlatformSpec
from netcensus.collectors.platforms.parse import ParseError, apply, parse_command, unsupported
from netcensus.collectors.redact import redact
from netcensus.inventory.enums import Platform


@dataclass
class SshTarget:
    """One device to collect. Secrets are never part of its repr (logs, tracebacks)."""

    name: str
    address: str
    platform: Platform
    username: str
    password: str = field(repr=False)
    port: int = 22
    enable_secret: str | None = field(default=None, repr=False)
    timeout_s: float = 10.0  # connect, login and per-command read timeout
    config_timeout_s: float = 60.0  # a large running config takes longer to print
    with_config: bool = True


class _DeviceFailed(Exception):
    """The whole device failed: carries the Observation error code."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def _classify(exc: BaseException) -> tuple[str, str]:
    """Error code and a one-line message (never a secret) for a failed connection."""
    chain: list[BaseException] = []
    cursor: BaseException | None = exc
    while cursor is not None and cursor not in chain:
        chain.append(cursor)
        # paramiko keeps the socket errors per address it tried.
        if isinstance(cursor, NoValidConnectionsError):
            chain.extend(cursor.errors.values())
        cursor = cursor.__cause__ or cursor.__context__
    first_line = next((line for line in str(exc).splitlines() if line.strip()), type(exc).__name__)
    if any(isinstance(e, NetmikoAuthenticationException) for e in chain):
        return "auth", "authentication failed"
    if any(
        isinstance(e, ConnectionRefusedError) or getattr(e, "errno", None) == errno.ECONNREFUSED
        for e in chain
    ):
        return "refused", "connection refused"
    if any(isinstance(e, socket.timeout | TimeoutError | ReadTimeout) for e in chain):
        return "timeout", first_line
    if any(isinstance(e, OSError) and not isinstance(e, SSHException) for e in chain):
        return "unreachable", first_line
    if any(isinstance(e, NetmikoTimeoutException) for e in chain):
        return "timeout", first_line
    return "error", f"{type(exc).__name__}: {first_line}"


def _connect(target: SshTarget, platform: PlatformSpec) -> BaseConnection:
    return ConnectHandler(
        device_type=platform.netmiko_device_type,
        host=target.address,
        port=target.port,
        username=target.username,
        password=target.password,
        secret=target.enable_secret or "",
        conn_timeout=target.timeout_s,
        auth_timeout=target.timeout_s,
        banner_timeout=target.timeout_s,
        # fast_cli with a small delay factor: netmiko's sleeps are for slow real
        # devices; prompt matching, not waiting, decides when output is complete.
        fast_cli=True,
        global_delay_factor=0.1,
        allow_agent=False,
        use_keys=False,
        ssh_strict=False,
        system_host_keys=False,
        **platform.netmiko_options,
    )


def _prompt(connection: BaseConnection, platform: PlatformSpec) -> str:
    """The device's prompt at the very end of the output read so far.

    netmiko's default looks for the bare hostname anywhere in the buffer; a stale prompt
    or a hostname inside the output would end a read early and shift every later
    command's output by one. Anchoring at the end with the prompt's terminator does not.
    """
    terminators = re.escape(platform.prompt_terminators)
    return rf"{re.escape(connection.base_prompt)}[^\n]*[{terminators}]\s*$"


def _run(connection: BaseConnection, command: str, prompt: str, timeout_s: float) -> str:
    try:
        output: str = connection.send_command(command, expect_string=prompt, read_timeout=timeout_s)
    except ReadTimeout as exc:
        # The session is in an unknown state after a timeout: give up on the device.
        raise _DeviceFailed("timeout", f"{command!r}: no prompt within {timeout_s:g}s") from exc
    return output


def strip_noise(platform: PlatformSpec, text: str) -> str:
    """Drop lines that change without a configuration change (timestamps, byte counts)."""
    if platform.noise_pattern is None:
        return text
    return "\n".join(line for line in text.splitlines() if not platform.noise_pattern.match(line))


def _collect(target: SshTarget, platform: PlatformSpec, observation: Observation) -> None:
    try:
        connection = _connect(target, platform)
    except Exception as exc:  # noqa: BLE001 - every failure becomes this device's error code
        raise _DeviceFailed(*_classify(exc)) from exc
    try:
        prompt = _prompt(connection, platform)
        for command in platform.commands:
            output = _run(connection, command.command, prompt, target.timeout_s)
            if unsupported(platform, output):
                observation.errors.append(
                    CollectionError(command.part.value, "unsupported", f"{command.command!r}")
                )
                continue
            try:
                apply(observation, command, parse_command(platform, command, output))
            except (ParseError, ValueError) as exc:
                observation.errors.append(
                    CollectionError(command.part.value, "malformed", f"{command.command!r}: {exc}")
                )
        # VRP and Comware show the sysname only in the prompt.
        observation.sys_name = observation.sys_name or connection.base_prompt or None
        if target.with_config:
            if platform.config_needs_enable and target.enable_secret:
                connection.enable()
            text = _run(connection, platform.config_command, prompt, target.config_timeout_s)
            if unsupported(platform, text):
                observation.errors.append(
                    CollectionError("config", "unsupported", f"{platform.config_command!r}")
                )
            else:
                observation.config = redact(strip_noise(platform, text), platform.key)
    finally:
        _close(connection, platform)


def _close(connection: BaseConnection, platform: PlatformSpec) -> None:
    """Log out and close without netmiko's cleanup().

    netmiko's cleanup first asks whether the session is in configuration mode; on VRP
    that check waits on a 2-second timer. Collection never enters configuration mode,
    so the logout command alone is enough; disconnect() still releases netmiko's
    per-connection log filter and the paramiko transport.
    """
    with contextlib.suppress(Exception):  # the device may already have closed the channel
        connection.write_channel(platform.logout_command + connection.RETURN)
    connection.cleanup = lambda *args, **kwargs: None  # type: ignore[method-assign]
    connection.disconnect()


def collect_ssh(target: SshTarget) -> Observation:
    """Collect one device over SSH. Never raises: failures are in the Observation."""
    started = dt.datetime.now(dt.UTC)
    clock = time.monotonic()
    platform = spec(target.platform)
    observation = Observation(
        target=target.name,
        address=target.address,
        method="ssh",
        started_at=started,
        platform=platform.key.value,
        vendor=platform.vendor,
    )
    try:
        _collect(target, platform, observation)
    except _DeviceFailed as failed:
        observation.ok, observation.error_code, observation.error = False, failed.code, str(failed)
    except Exception as exc:  # noqa: BLE001 - one device's surprise never stops a scan
        observation.ok = False
        observation.error_code, observation.error = _classify(exc)
    observation.duration_ms = int((time.monotonic() - clock) * 1000)
    return observation


def collect_ssh_many(targets: Iterable[SshTarget], concurrency: int = 32) -> Iterator[Observation]:
    """Collect many devices, at most ``concurrency`` at a time; yields each as it finishes."""
    pool = ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix="ssh")
    try:
        futures = [pool.submit(collect_ssh, target) for target in targets]
        for future in as_completed(futures):
            yield future.result()
    finally:
        # A caller that stops early (Ctrl-C, resumable scans) leaves no queued work behind.
        pool.shutdown(wait=True, cancel_futures=True)
