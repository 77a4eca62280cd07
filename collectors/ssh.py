"""SSH collection with netmiko: one device → one Observation, errors kept with the device.

What to run and how to read it comes from the platform files; this module only drives
the session. A device that fails yields an Observation with ``ok=False`` and an error
code — timeout, auth, refused, unreachable — and a command that fails leaves a
CollectionError (unsupported, malformed, timeout) while the rest of the device is still
collected.

netmiko opens the session (paramiko, authentication, the terminal) and its driver
classes are kept, but the dialogue after login is prompt-synchronised instead of
netmiko's timed one. netmiko sends extra Enters while it looks for the prompt and
relies on short sleeps (``clear_buffer``) to throw their prompts away; a device slower
than the sleep leaves a stale prompt in the channel, and on Comware, where netmiko does
not check the command echo, the next read then ends at that prompt and every later
command gets the previous command's output. Here each command's output is read from its
own echo up to the prompt line that follows it, waiting on the channel rather than on a
timer, so a stale prompt is skipped and nothing depends on how fast the device answers.

Many devices run in a thread pool per process, and in a few worker processes (one per
core) when there are enough devices: the sessions mostly wait on sockets, which threads
do well, but parsing and paramiko's packet handling are CPU work that one interpreter
runs on one core at a time.
"""

from __future__ import annotations

import codecs
import contextlib
import datetime as dt
import errno
import logging
import math
import multiprocessing
import os
import queue
import re
import signal
import socket
import threading
import time
import unicodedata
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from functools import cache
from multiprocessing.connection import wait
from typing import Any, ClassVar

from netmiko import BaseConnection
from netmiko.exceptions import (
    NetmikoAuthenticationException,
    NetmikoTimeoutException,
    ReadException,
    ReadTimeout,
)
from netmiko.ssh_dispatcher import ssh_dispatcher
from paramiko import Channel, Transport
from paramiko.ssh_exception import NoValidConnectionsError, SSHException

from netcensus.collectors.observation import CollectionError, Observation
from netcensus.collectors.platforms import spec
from netcensus.collectors.platforms.base import PlatformSpec, command_echo
from netcensus.collectors.platforms.parse import absorb, unsupported
from netcensus.collectors.redact import redact
from netcensus.inventory.enums import Platform

DEFAULT_TIMEOUT_S = 10.0
# A running config is one long answer: it may take this many times one command's timeout.
CONFIG_TIMEOUT_FACTOR = 6


def ssh_timeouts(declared_s: float | None = None, scan_s: float | None = None) -> dict[str, float]:
    """``SshTarget`` timeouts: the device's (or its zone's) declared one, else the scan's.

    A declaration is knowledge about the path to that device (a satellite link), so it
    wins over a value given for a whole scan.

    >>> ssh_timeouts(None, 20)
    {'timeout_s': 20.0, 'config_timeout_s': 120.0}
    >>> ssh_timeouts(45, 20)["timeout_s"], ssh_timeouts()["config_timeout_s"]
    (45.0, 60.0)
    """
    timeout = float(declared_s or scan_s or DEFAULT_TIMEOUT_S)
    return {"timeout_s": timeout, "config_timeout_s": timeout * CONFIG_TIMEOUT_FACTOR}


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
    timeout_s: float = DEFAULT_TIMEOUT_S  # connect, login and per-command read timeout
    # A large running config takes longer to print.
    config_timeout_s: float = DEFAULT_TIMEOUT_S * CONFIG_TIMEOUT_FACTOR
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


# --- the session: netmiko's connection, prompt-synchronised reads -------------------------

_CHUNK = 65536
_PASSWORD = re.compile(r"[Pp]assword:\s*$")
# With no prompt this long after login, press Enter once: some devices (and terminal
# servers) print nothing until a key is pressed. A prompt that was only slow then shows
# twice; the second is stale and skipped like any other (see _Session.run).
_NUDGE_AFTER_S = 1.0


class _HandshakeNoise(logging.Filter):
    """paramiko's transport thread logs a failed handshake as ERROR, traceback line by line.

    With no logging configured, Python prints such records on stderr, in the middle of a
    scan's progress bar; with logging configured, an expected device failure fills the
    log with tracebacks. The failure is already this device's error code (see
    ``_no_banner``), so the records go on at DEBUG level, for who asks to see them.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno > logging.DEBUG:
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return True


logging.getLogger("paramiko.transport").addFilter(_HandshakeNoise())
# The transport this thread opened last: whether the peer ever sent its SSH banner is
# known there, not from the exception netmiko raises ("No existing session").
_handshake = threading.local()


class _Transport(Transport):
    """paramiko's transport without Nagle's delays, preferring AES-GCM where offered.

    With the CTR ciphers paramiko prefers, every packet's HMAC is computed and then
    compared byte by byte in Python; GCM authenticates in the cipher. Devices without
    GCM (older IOS, VRP V5) still negotiate CTR as before.
    """

    _preferred_ciphers = (
        "aes128-gcm@openssh.com",
        "aes256-gcm@openssh.com",
        *(c for c in Transport._preferred_ciphers if "gcm" not in c),
    )

    def __init__(self, sock: Any, *args: Any, **kwargs: Any) -> None:
        # paramiko leaves Nagle's algorithm on: each small key-exchange and login
        # message then waits for the peer's delayed ACK (40 ms on Linux), twice per login.
        if isinstance(sock, socket.socket) and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().__init__(sock, *args, **kwargs)
        _handshake.transport = self


def _no_banner() -> bool:
    """Whether this thread's last connection got a TCP socket but no SSH version banner."""
    transport = getattr(_handshake, "transport", None)
    return transport is not None and not transport.remote_version


# What a prompt-mismatch error shows of the device's last words: escape sequences (colour,
# window titles) and control characters removed, blanks collapsed, the end kept.
_ESCAPE_SEQUENCE = re.compile(r"\x1b(?:\][^\x07\x1b]*(?:\x07|\x1b\\)?|\[[0-?]*[ -/]*[@-~]|[@-_])")
_SHOWN_CHARS = 80


def last_received(text: str) -> str:
    r"""What a device sent last, safe to print in an error message.

    >>> last_received("\x1b]0;title\x07Last login\r\n\x1b[1;32m[admin@jump ~]$ \x00")
    "last received: 'Last login [admin@jump ~]$'"
    >>> last_received("")
    'nothing received'
    """
    printable = "".join(
        " " if unicodedata.category(c)[0] in "CZ" else c for c in _ESCAPE_SEQUENCE.sub("", text)
    )
    shown = " ".join(printable.split())
    if not shown:
        return "nothing received"
    if len(shown) > _SHOWN_CHARS:
        shown = "…" + shown[-_SHOWN_CHARS:]
    return f"last received: {shown!r}"


class _Session(BaseConnection):
    """Mixed in before a netmiko driver class (see ``_session_class``).

    Replaces netmiko's session preparation (Enters, prompt search and buffer clearing on
    timers) by reads that end at a prompt line: the platform's ``prompt_pattern`` with
    this device's name. netmiko still connects, authenticates, opens the terminal,
    strips ANSI codes, writes and disconnects.
    """

    platform_spec: ClassVar[PlatformSpec]
    prompt: str = ""  # the prompt line the device last waited at

    def _connect_params_dict(self) -> dict[str, Any]:
        return {**super()._connect_params_dict(), "transport_factory": _Transport}

    def special_login_handler(self, delay_factor: float = 1.0) -> None:
        """Nothing: the greeting (and VRP's password-change question) is read in _login."""

    def _try_session_preparation(self, force_data: bool = True) -> None:
        try:
            self._login()
        except Exception:
            # Not netmiko's disconnect(): its cleanup looks for a prompt once more, and a
            # shell that never showed one would make the device fail after two timeouts.
            self.close()
            raise

    def _login(self) -> None:
        """Read the greeting up to the first prompt, answering login questions; no paging."""
        self._decoder = codecs.getincrementaldecoder(self.encoding)("replace")
        platform = self.platform_spec
        self.ansi_escape_codes = True  # VRP draws with cursor moves; harmless elsewhere
        deadline = time.monotonic() + self.timeout
        nudge_at: float | None = time.monotonic() + _NUDGE_AFTER_S
        while True:
            try:
                at_prompt, last, _ = self._read_to_prompt(
                    min(deadline, nudge_at or deadline), question=platform.login_question_regex
                )
            except ReadTimeout:
                if nudge_at is None or time.monotonic() >= deadline:
                    raise
                nudge_at = None
                self.write_channel(self.RETURN)
                continue
            if at_prompt:
                break
            assert platform.login_question_regex is not None
            self.write_channel(platform.login_answer(last) + self.RETURN)
        # The hostname is taken again from the prompt after the paging command: a banner
        # line that only looked like a prompt cannot name the device.
        self.base_prompt = ""
        self.run(platform.disable_paging, self.timeout)
        name = platform.prompt_regex.fullmatch(self.prompt)
        self.base_prompt = name.group("name") if name else self.prompt

    def run(self, command: str, timeout: float) -> str:
        """Type one command; its output, from after its echo up to the next prompt.

        Anything before the echo — a stale prompt, a log message the device printed in
        between — is not part of the answer.
        """
        self.write_channel(command + self.RETURN)
        _, _, output = self._read_to_prompt(time.monotonic() + timeout, command_echo(command))
        lines = output.replace("\r\n", "\n")
        if "\r" in lines:  # rarer line ends ("\n\r", "\r\r\n", lone "\r"): netmiko's rules
            lines = self.normalize_linefeeds(output)
        return lines.removesuffix("\n")

    def become_privileged(self, secret: str, timeout: float, command: str = "enable") -> bool:
        """Enter privileged mode (the ``#`` prompt); False when the secret is refused."""
        if self.prompt.endswith("#"):
            return True
        deadline = time.monotonic() + timeout
        self.write_channel(command + self.RETURN)
        at_prompt, _, _ = self._read_to_prompt(deadline, command_echo(command), _PASSWORD)
        answers = [secret, "", ""]  # IOS asks up to three times; empty answers end it
        while not at_prompt and answers:
            self.write_channel(answers.pop(0) + self.RETURN)
            at_prompt, _, _ = self._read_to_prompt(deadline, question=_PASSWORD)
        return at_prompt and self.prompt.endswith("#")

    def _read_to_prompt(
        self,
        deadline: float,
        echo: re.Pattern[str] | None = None,
        question: re.Pattern[str] | None = None,
    ) -> tuple[bool, str, str]:
        """Read until the device waits at its prompt or asks ``question``, after ``echo``.

        Returns whether it is at the prompt, the last line (the prompt or the question)
        and the text between the echo and that line.
        """
        text = ""
        start = 0 if echo is None else -1
        while True:
            try:
                text += self._receive(deadline)
            except ReadTimeout as exc:
                raise ReadTimeout(f"no prompt in time; {last_received(text)}") from exc
            if start < 0:
                assert echo is not None
                found = echo.search(text)
                start = found.end() if found else -1
            if start >= 0:
                line_start = max(start, text.rfind("\n") + 1)
                last = text[line_start:].strip()
                if last:
                    if self._is_prompt(last):
                        self.prompt = last
                        return True, last, text[start:line_start]
                    if self.prompt and last != self.prompt and last.endswith(self.prompt):
                        # Output without a final newline: the prompt follows on its line
                        # ("return<sw1>" from a config file that ends without one).
                        return True, self.prompt, text[start : text.rindex(self.prompt)]
                    if question is not None and question.search(last):
                        return False, last, text[start:line_start]

    def _is_prompt(self, line: str) -> bool:
        if len(line) > 256:  # no prompt is that long; saves matching long output lines
            return False
        match = self.platform_spec.prompt_regex.fullmatch(line)
        return match is not None and match.group("name").startswith(self.base_prompt)

    def _receive(self, deadline: float) -> str:
        """What the device sends next, waiting on the channel (no polling) until it does."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise ReadTimeout("no prompt in time")
        channel = self.remote_conn
        assert isinstance(channel, Channel)  # an SSH session (netmiko also does telnet)
        channel.settimeout(remaining)
        try:
            data = channel.recv(_CHUNK)
        except TimeoutError as exc:
            raise ReadTimeout("no prompt in time") from exc
        if not data:
            raise ReadException("the device closed the session")
        text: str = self._decoder.decode(data)
        if "\x1b" in text:
            text = self.strip_ansi_escape_codes(text)
        if self.session_log:
            self.session_log.write(text)
        return text

    def logout(self) -> None:
        """Say goodbye and close, without netmiko's cleanup().

        netmiko's cleanup first asks whether the session is in configuration mode; on
        VRP that check waits on a 2-second timer. Collection never enters configuration
        mode, so the logout command alone is enough; disconnect() still releases
        netmiko's per-connection log filter and the paramiko transport.
        """
        with contextlib.suppress(Exception):  # the device may already have closed the channel
            self.write_channel(self.platform_spec.logout_command + self.RETURN)
        self.close()

    def close(self) -> None:
        """netmiko's disconnect() without its cleanup (which waits on the device)."""
        self.cleanup = lambda *args, **kwargs: None  # type: ignore[method-assign]
        self.disconnect()


@cache
def _session_class(platform: Platform) -> type[_Session]:
    """The platform's netmiko driver class with the prompt-synchronised session first."""
    platform_spec = spec(platform)
    driver = ssh_dispatcher(platform_spec.netmiko_device_type)
    name = f"Census{driver.__name__}"
    return type(name, (_Session, driver), {"platform_spec": platform_spec})


def _connect(target: SshTarget, platform: PlatformSpec) -> _Session:
    return _session_class(platform.key)(
        device_type=platform.netmiko_device_type,
        host=target.address,
        port=target.port,
        username=target.username,
        password=target.password,
        secret=target.enable_secret or "",
        conn_timeout=target.timeout_s,
        auth_timeout=target.timeout_s,
        banner_timeout=target.timeout_s,
        timeout=math.ceil(target.timeout_s),  # the login dialogue up to the first prompt
        allow_agent=False,
        use_keys=False,
        ssh_strict=False,
        system_host_keys=False,
        **platform.netmiko_options,
    )


def _run(session: _Session, command: str, timeout_s: float) -> str:
    try:
        return session.run(command, timeout_s)
    except ReadTimeout as exc:
        # The session is in an unknown state after a timeout: give up on the device.
        message = str(exc).replace("in time", f"within {timeout_s:g}s", 1)
        raise _DeviceFailed("timeout", f"{command!r}: {message}") from exc


def strip_noise(platform: PlatformSpec, text: str) -> str:
    """Blank the lines that change without a configuration change (timestamps, byte counts).

    Blanked, not dropped: every other line keeps its number, so a finding's line N is line N
    of the stored copy and of the device's own config. Lines end at "\n" only, as the
    compliance engine counts them (``str.splitlines`` also breaks at form feeds).
    """
    noise = platform.noise_pattern
    if noise is None:
        return text
    return "\n".join("" if noise.match(line) else line for line in text.split("\n"))


def _collect(target: SshTarget, platform: PlatformSpec, observation: Observation) -> None:
    _handshake.transport = None
    try:
        session = _connect(target, platform)
    except Exception as exc:  # noqa: BLE001 - every failure becomes this device's error code
        if _no_banner():
            message = f"no SSH banner within {target.timeout_s:g}s: the port answers, not as SSH"
            raise _DeviceFailed("timeout", message) from exc
        code, message = _classify(exc)
        if isinstance(exc, ReadTimeout):
            message = message.replace("in time", f"after login within {target.timeout_s:g}s", 1)
        raise _DeviceFailed(code, message) from exc
    try:
        for command in platform.commands:
            absorb(observation, platform, command, _run(session, command.command, target.timeout_s))
        # VRP and Comware show the sysname only in the prompt.
        observation.sys_name = observation.sys_name or session.base_prompt or None
        if target.with_config:
            _collect_config(session, target, platform, observation)
    finally:
        session.logout()


def _collect_config(
    session: _Session, target: SshTarget, platform: PlatformSpec, observation: Observation
) -> None:
    if platform.config_needs_enable and target.enable_secret:
        try:
            privileged = session.become_privileged(target.enable_secret, target.timeout_s)
        except ReadTimeout as exc:
            message = str(exc).replace("in time", f"within {target.timeout_s:g}s", 1)
            raise _DeviceFailed("timeout", f"enable: {message}") from exc
        if not privileged:
            observation.errors.append(CollectionError("config", "auth", "enable secret refused"))
            return
    text = _run(session, platform.config_command, target.config_timeout_s)
    if unsupported(platform, text):
        observation.errors.append(
            CollectionError("config", "unsupported", f"{platform.config_command!r}")
        )
    else:
        observation.config = redact(strip_noise(platform, text), platform.key)


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


# --- many devices: threads, and worker processes when there is enough work ----------------

# Below this many sessions per core a second interpreter costs more than it saves.
_SESSIONS_PER_WORKER = 8


def _worker_count(targets: int, concurrency: int) -> int:
    if multiprocessing.current_process().daemon:  # a daemonic process may not have children
        return 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    fills = min(concurrency, targets) // _SESSIONS_PER_WORKER  # workers the work can keep busy
    return max(1, min(cores or 1, fills))


def collect_ssh_many(targets: Iterable[SshTarget], concurrency: int = 32) -> Iterator[Observation]:
    """Collect many devices, at most ``concurrency`` at a time; yields each as it finishes."""
    work = list(targets)
    concurrency = max(1, concurrency)
    workers = _worker_count(len(work), concurrency)
    if workers == 1:
        yield from _collect_in_threads(work, concurrency)
    else:
        yield from _collect_in_processes(work, concurrency, workers)


def _collect_in_threads(targets: list[SshTarget], concurrency: int) -> Iterator[Observation]:
    pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="ssh")
    try:
        futures = [pool.submit(collect_ssh, target) for target in targets]
        for future in as_completed(futures):
            yield future.result()
    finally:
        # A caller that stops early (Ctrl-C, resumable scans) leaves no queued work behind.
        pool.shutdown(wait=True, cancel_futures=True)


def _collect_in_processes(
    targets: list[SshTarget], concurrency: int, workers: int
) -> Iterator[Observation]:
    """Shard the devices over ``workers`` processes, each running its share of the sessions.

    Devices go out one by one through a queue, so a worker stuck on slow devices takes
    fewer. Workers are forked from a clean server process with the collector already
    imported (not from this process, whose other threads may hold locks or database
    connections), and end by themselves if this process dies.
    """
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__, "netcensus.collectors.platforms.warm"])
    jobs: Any = context.Queue()
    results: Any = context.Queue()
    for index, target in enumerate(targets):
        jobs.put((index, target))
    threads = [concurrency // workers + (i < concurrency % workers) for i in range(workers)]
    for _ in range(sum(threads)):
        jobs.put(None)  # one "no more devices" per session thread
    processes = [
        context.Process(target=_shard, args=(jobs, results, n), name=f"ssh-{i}", daemon=True)
        for i, n in enumerate(threads)
    ]
    try:
        for process in processes:
            process.start()
    except OSError:  # no processes to be had here (limits, sandbox): one process it is
        _stop(processes, jobs, results)
        yield from _collect_in_threads(targets, concurrency)
        return
    missing = set(range(len(targets)))
    try:
        while missing:
            try:
                index, observation = results.get(timeout=1.0)
            except queue.Empty:
                # A worker that died (OOM killer, crash) may have taken devices, or the
                # queue's lock, with it: report what is left rather than wait forever.
                if any(p.exitcode for p in processes) or not any(p.is_alive() for p in processes):
                    break
                continue
            missing.discard(index)
            yield observation
        codes = sorted({p.exitcode for p in processes if p.exitcode})
        for index in sorted(missing):
            yield _lost(targets[index], f"SSH worker process ended (exit code {codes})")
    finally:
        _stop(processes, jobs, results)


def _stop(processes: list[Any], jobs: Any, results: Any) -> None:
    """End the workers still running (the caller stopped early) and close the queues."""
    for process in processes:
        if process.is_alive():
            process.terminate()  # drops the sessions in flight
    for process in processes:
        if process.pid is not None:
            process.join()
    for channel in (jobs, results):
        channel.cancel_join_thread()
        channel.close()


def _lost(target: SshTarget, message: str) -> Observation:
    return Observation(
        target=target.name,
        address=target.address,
        method="ssh",
        started_at=dt.datetime.now(dt.UTC),
        platform=Platform(target.platform).value,
        ok=False,
        error_code="internal",
        error=message,
    )


def _shard(jobs: Any, results: Any, threads: int) -> None:
    """A worker process: ``threads`` sessions at a time until the queue says stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    parent = multiprocessing.parent_process()
    if parent is not None:  # orphaned by a kill -9: stop, do not scan on unobserved

        def exit_with_parent() -> None:
            wait([parent.sentinel])
            os._exit(1)

        threading.Thread(target=exit_with_parent, daemon=True, name="watch-parent").start()

    def sessions() -> None:
        while (job := jobs.get()) is not None:
            index, target = job
            results.put((index, collect_ssh(target)))

    pool = [threading.Thread(target=sessions, name=f"ssh-{i}") for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    results.close()
    results.join_thread()  # every observation is in the pipe before the process ends
