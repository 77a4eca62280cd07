"""The lab's SSH CLIs: one asyncssh process that answers for every device.

Each device with ``ssh_enabled`` gets a listener on its own loopback address
(``device.address:device.ssh_port``); a device with ``ssh_enabled=False`` gets none, so
a client sees "connection refused" as it would from a device with SSH off. A session
speaks the device's dialect (``cli_commands`` + ``dialects``): prompts, ``enable``,
paging and its disabling, show/display commands, configuration mode, ``write memory``
/ ``save``. Configuration changes live in memory; saving writes
``<state dir>/saved-configs/<device>.cfg``, which a restarted server serves instead of
the generated config, so a remediation survives a restart like on a real device.

Run ``python -m netcensus.lab.cli_server STATE_JSON --ready-file FILE [--host-key FILE]``
or, in-process, ``serve()`` / ``LabCliServer`` / ``CliServerThread``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import json
import os
import re
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

import asyncssh

from netcensus.lab import cli_commands as cc
from netcensus.lab.dialects import hostname, is_switch
from netcensus.lab.state import SLOW_SSH_DELAY_S, WRONG_PROMPT, LabDevice, LabState

SAVED_CONFIG_DIR = "saved-configs"
DEFAULT_PAGE_LENGTH = 24

# What each platform's SSH server calls itself in the version exchange.
_SERVER_VERSIONS = {"cisco_ios": "Cisco-1.25", "huawei_vrp": "-", "hp_comware": "Comware-7.1.064"}
_LOGIN_BANNERS = {
    "cisco_ios": "\n",
    "huawei_vrp": (
        "\nInfo: The max number of VTY users is 5, and the number\n"
        "      of current VTY users on line is 1.\n"
        "      The current login time is {now}.\n"
    ),
    "hp_comware": (
        "\n*" + "*" * 76 + "*\n"
        "* Copyright (c) 2004-2021 New H3C Technologies Co., Ltd. All rights reserved.*\n"
        "* Without the owner's prior written consent,                                 *\n"
        "* no decompiling or reverse-engineering shall be allowed.                    *\n"
        "*" + "*" * 76 + "*\n\n"
    ),
}
_ENTER_CONFIG = {
    "cisco_ios": "Enter configuration commands, one per line.  End with CNTL/Z.\n",
    "huawei_vrp": "Enter system view, return user view with Ctrl+Z.\n",
    "hp_comware": "System View: return to User View with Ctrl+Z.\n",
}
_VRP_TERMINAL_ONLY = (
    "Info: The configuration takes effect on the current user terminal interface only.\n"
)
_MORE = {
    "cisco_ios": " --More-- ",
    "huawei_vrp": "  ---- More ----",
    "hp_comware": "---- More ----",
}
_SAVED = {
    "cisco_ios": "Building configuration...\n[OK]\n",
    "huawei_vrp": (
        "Now saving the current configuration to the slot 0.\n"
        "Info: Save the configuration successfully.\n"
    ),
    "hp_comware": (
        "Validating file. Please wait...\n"
        "Saved the current configuration to mainboard device successfully.\n"
    ),
}


def _read_config_file(path: Path) -> str:
    """A stored config as text: UTF-8, else GB18030 (Chinese devices), CRLF made LF."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("gb18030", errors="replace")
    return text.replace("\r\n", "\n")


class DeviceRuntime:
    """One device as the server runs it: its running and saved configuration."""

    def __init__(self, device: LabDevice, state_dir: Path) -> None:
        self.device = device
        self.saved_path = state_dir / SAVED_CONFIG_DIR / f"{device.name}.cfg"
        if self.saved_path.exists():
            config = _read_config_file(self.saved_path)
        elif device.real_config:
            real = Path(device.real_config)
            config = _read_config_file(real if real.is_absolute() else state_dir / real)
        else:
            config = device.running_config
        self.running_config = config
        self.startup_config = config

    def save(self) -> None:
        self.saved_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.saved_path.with_suffix(".tmp")
        tmp.write_text(self.running_config)
        tmp.replace(self.saved_path)
        self.startup_config = self.running_config


class CliSession:
    """One terminal session's state: mode, prompt, paging; text in, text out, no I/O."""

    def __init__(self, runtime: DeviceRuntime) -> None:
        self.runtime = runtime
        self.platform = runtime.device.platform
        self.commands = cc.COMMANDS[self.platform]
        self.privileged = False  # IOS "#"; VRP/Comware have user view and system view only
        self.configuring = False
        self.context: tuple[str, ...] = ()
        self.page_length = DEFAULT_PAGE_LENGTH
        self.closed = False
        self.hide_input = False
        self._question: str | None = None
        self._answer: Callable[[str], str] | None = None
        self._banner_lines: list[str] | None = None  # an IOS banner being typed in
        self._banner_end = ""

    # -- prompts
    def greeting(self) -> str:
        now = time.strftime("%Y-%m-%d %H:%M:%S+08:00")
        return _LOGIN_BANNERS[self.platform].format(now=now)

    def prompt(self) -> str:
        if self._question is not None:
            return self._question
        if self._banner_lines is not None:
            return ""
        name = hostname(self.runtime.device, self.runtime.running_config)
        if self.platform == "cisco_ios":
            if self.configuring:
                label = cc.submode_label(self.platform, self.context[0]) if self.context else None
                return f"{name}({label or 'config'})#"
            return f"{name}{'#' if self.privileged else '>'}"
        if self.configuring:
            label = cc.submode_label(self.platform, self.context[0]) if self.context else None
            return f"[{name}-{label}]" if label else f"[{name}]"
        return f"<{name}>"

    def _ask(self, question: str, answer: Callable[[str], str], hide: bool = False) -> str:
        self._question, self._answer, self.hide_input = question, answer, hide
        return ""

    # -- input
    def handle(self, line: str) -> str:
        """Carry out one line typed at the prompt; return what the device prints."""
        if self._answer is not None:
            answer = self._answer
            self._question, self._answer, self.hide_input = None, None, False
            return answer(line.strip())
        if self._banner_lines is not None:
            return self._collect_banner(line)
        if not line.strip():
            return ""
        if self.configuring:
            return self._configure(line)
        return self._execute(line)

    def ctrl_z(self) -> str:
        """Ctrl+Z leaves configuration mode on all three platforms."""
        self.configuring, self.context = False, ()
        return ""

    def _execute(self, line: str, from_config: bool = False) -> str:
        command_text, _, pipe = line.partition("|")
        match = cc.match_command(self.commands, command_text)
        command = match.command
        prompt_width = len(self.prompt())
        if command is None:
            return cc.error_text(self.platform, match, prompt_width)
        no_switch = command.switch_only and not is_switch(self.runtime.device)
        if no_switch or (command.privileged and not (self.privileged or from_config)):
            # User EXEC has "show" but not this show command (nor a router "show vlan");
            # the rest do not exist there.
            words = list(re.finditer(r"\S+", line))
            column = words[1].start() if command.pattern.startswith("sh") else 0
            return cc.error_text(
                self.platform, cc.Match(None, error="invalid", error_column=column), prompt_width
            )
        if command.render is not None:
            text = command.render(self.runtime.device, self.runtime.running_config)
            return _filter(text, pipe) if pipe.strip() else text
        return self._action(command.action or "", match.args)

    def _action(self, action: str, args: tuple[str, ...]) -> str:
        device = self.runtime.device
        if action == "enable":
            if self.privileged:
                return ""
            if not device.enable_secret:
                return "% No password set\n"
            return self._ask("Password: ", self._check_enable, hide=True)
        if action == "disable":
            self.privileged = False
        elif action == "configure":
            self.configuring = True
            return _ENTER_CONFIG[self.platform]
        elif action in ("paging", "width"):
            value = args[0] if args else "0"
            if not value.isdigit() or int(value) > 512:
                column = len(" ".join(args[:-1]))
                return cc.error_text(
                    self.platform, cc.Match(None, error="invalid", error_column=column), 0
                )
            if action == "paging":
                self.page_length = int(value)
                if self.platform == "huawei_vrp":
                    return _VRP_TERMINAL_ONLY
        elif action == "paging-default":
            self.page_length = DEFAULT_PAGE_LENGTH
        elif action == "save":
            self.runtime.save()
            return _SAVED[self.platform]
        elif action == "save-confirm":
            return self._ask_save()
        elif action == "show-startup":
            config = self.runtime.startup_config
            if self.platform == "cisco_ios":
                return f"Using {len(config.encode())} out of 524288 bytes\n{config}"
            return config
        elif action == "show-privilege":
            return f"Current privilege level is {15 if self.privileged else 1}\n"
        elif action == "show-clock":
            return time.strftime("*%H:%M:%S.000 CST %a %b %d %Y\n")
        elif action == "logout":
            self.closed = True
        return ""

    def _check_enable(self, secret: str) -> str:
        if secret == self.runtime.device.enable_secret:
            self.privileged = True
            return ""
        return "% Bad secrets\n"

    def _ask_save(self) -> str:
        def saved(_answer: str) -> str:
            self.runtime.save()
            return _SAVED[self.platform]

        def if_yes(next_step: Callable[[str], str]) -> Callable[[str], str]:
            return lambda answer: next_step(answer) if answer.lower().startswith("y") else ""

        if self.platform == "cisco_ios":
            return self._ask("Destination filename [startup-config]? ", saved)
        if self.platform == "huawei_vrp":
            question = (
                "Warning: The current configuration will be written to the device. Continue? [Y/N]:"
            )
            return self._ask(question, if_yes(saved))

        def file_name(_answer: str) -> str:
            return self._ask("flash:/startup.cfg exists, overwrite? [Y/N]:", if_yes(saved))

        def ask_file(_answer: str) -> str:
            return self._ask(
                "Please input the file name(*.cfg)[flash:/startup.cfg]\n"
                "(To leave the existing filename unchanged, press the enter key):",
                file_name,
            )

        question = "The current configuration will be written to the device. Are you sure? [Y/N]:"
        return self._ask(question, if_yes(ask_file))

    # -- configuration mode
    def _configure(self, line: str) -> str:
        words = line.split()
        first = words[0].lower()
        ios = self.platform == "cisco_ios"
        leave_all, leave_one = ("end", "exit") if ios else ("return", "quit")
        if first == leave_all:
            return self.ctrl_z()
        if first == leave_one:
            if self.context:
                self.context = ()
            else:
                self.configuring = False
            return ""
        if ios and first == "do" and len(words) > 1:
            return self._execute(line.split(None, 1)[1], from_config=True)
        if ios and cc.keyword_matches("sh[ow]", first):
            return cc.error_text(self.platform, cc.Match(None, error="invalid"), len(self.prompt()))
        if not ios:  # display and save work in every view
            command = cc.match_command(self.commands, line.partition("|")[0]).command
            if command is not None and command.pattern.startswith(("di", "sa")):
                return self._execute(line, from_config=True)
        banner = re.match(r"banner (motd|login|exec) (\S)(.*)$", line.strip())
        if ios and banner:
            kind, delimiter, rest = banner.groups()
            if delimiter in rest:  # one line: "banner motd #Authorized only#"
                line = f"banner {kind} ^C{rest.partition(delimiter)[0]}^C"
            else:
                self._banner_lines, self._banner_end = [f"banner {kind} ^C", rest], delimiter
                return f"Enter TEXT message.  End with the character '{delimiter}'.\n"
        config, self.context = cc.apply_config_line(
            self.platform, self.runtime.running_config, self.context, line
        )
        self.runtime.running_config = config
        return ""

    def _collect_banner(self, line: str) -> str:
        assert self._banner_lines is not None
        text, closed, _ = line.partition(self._banner_end)
        self._banner_lines.append(text)
        if not closed:
            return ""
        block = "\n".join(part for part in self._banner_lines if part) + "\n^C"
        self._banner_lines = None
        config, _ = cc.apply_config_line(self.platform, self.runtime.running_config, (), block)
        self.runtime.running_config = config
        return ""


def _filter(text: str, pipe: str) -> str:
    """``| include/exclude/begin/section REGEX``, as IOS, VRP and Comware offer them."""
    kind, _, pattern = pipe.strip().partition(" ")
    try:
        regex = re.compile(pattern.strip())
    except re.error:
        return "% Invalid regular expression\n"
    lines = text.split("\n")
    if "include".startswith(kind) and kind:
        kept = [ln for ln in lines if regex.search(ln)]
    elif "exclude".startswith(kind) and kind:
        kept = [ln for ln in lines if not regex.search(ln)]
    elif "begin".startswith(kind) and kind:
        start = next((i for i, ln in enumerate(lines) if regex.search(ln)), len(lines))
        kept = lines[start:]
    elif "section".startswith(kind) and kind:
        kept, inside = [], False
        for ln in lines:
            if not ln.startswith(" "):
                inside = bool(regex.search(ln))
            if inside:
                kept.append(ln)
    else:
        return "% Invalid input detected at '^' marker.\n"
    return "\n".join(kept) + "\n"


class _Keyboard:
    """Keys from the client: lines with echo (as a device's terminal does), single keys."""

    def __init__(self, stdin: asyncssh.SSHReader[str]) -> None:
        self._stdin = stdin
        self._buffer = ""
        self._skip_lf = False  # "\r\n" is one Enter, not two

    async def key(self) -> str | None:
        while not self._buffer:
            data = await self._stdin.read(4096)
            if not data:
                return None
            self._buffer += data
        key, self._buffer = self._buffer[0], self._buffer[1:]
        return key

    async def line(self, echo: Callable[[str], None] | None) -> str | None:
        """A typed line, echoed (with its Enter) in as few writes as the input arrived in.

        "\x1a" alone means Ctrl+Z; None means the input ended.
        """
        typed, shown = "", ""

        def show(text: str, flush: bool = False) -> None:
            nonlocal shown
            shown += text
            if flush and shown and echo is not None:
                echo(shown)
                shown = ""

        while True:
            if not self._buffer:
                show("", flush=True)  # about to wait: the typist sees what they typed
            key = await self.key()
            if key is None:
                return None
            if key == "\n" and self._skip_lf:
                self._skip_lf = False
                continue
            self._skip_lf = key == "\r"
            if key in "\r\n\x03":  # Enter; Ctrl+C abandons the line
                show("\n", flush=True)
                return typed if key != "\x03" else ""
            if key == "\x1a":
                show("\n", flush=True)
                return key
            if key in "\x7f\x08":
                if typed:
                    show("\b \b")
                typed = typed[:-1]
            elif key == "\x1b":  # arrow keys and friends: ESC [ X, ignored
                await self.key()
                await self.key()
            elif key.isprintable():
                typed += key
                show(key)


async def _paged(
    session: CliSession, text: str, tail: str, write: Callable[[str], None], keys: _Keyboard
) -> None:
    """Print ``text`` a screen at a time unless paging is off (``terminal length 0``),
    then ``tail`` (the next prompt)."""
    lines = text.split("\n")
    page = session.page_length - 1
    if session.page_length == 0 or len(lines) <= page + 1:
        write(text + tail)
        return
    more = _MORE[session.platform]
    erase = "\b" * len(more) + " " * len(more) + "\b" * len(more)
    shown = 0
    step = page
    while True:
        chunk = "\n".join(lines[shown : shown + step])
        shown += step
        if shown >= len(lines):
            write(chunk + tail)
            return
        write(chunk + "\n" + more)
        key = await keys.key()
        keys._skip_lf = key == "\r"  # "\r\n" is one Enter here too
        if key is None or key in "qQ\x03":
            write(erase + tail)
            return
        write(erase)
        step = 1 if key in "\r\n" else page


# A jump host's login as a wrong-prompt device prints it: a title-setting escape, a
# bell and a colour, which the collector's error message must not pass on raw.
_WRONG_PROMPT_GREETING = (
    "\x1b]0;jump-host\x07Last login: Mon Mar  4 09:12:44 2024\n\x1b[1;32m\x1b[0m"
)


async def _quirky_shell(quirk: str, process: asyncssh.SSHServerProcess[str]) -> None:
    """A shell that is not the device's CLI: silent, or with another kind of prompt."""
    if quirk == "wrong-prompt":
        process.stdout.write(_WRONG_PROMPT_GREETING.replace("\n", "\r\n") + WRONG_PROMPT)
    keys = _Keyboard(process.stdin)
    while (line := await keys.line(None)) is not None:
        if quirk == "wrong-prompt":
            word = line.split()[0] if line.split() else ""
            answer = f"-bash: {word}: command not found\r\n" if word else ""
            process.stdout.write(f"{line}\r\n{answer}{WRONG_PROMPT}")
    process.exit(0)


async def _run_process(runtime: DeviceRuntime, process: asyncssh.SSHServerProcess[str]) -> None:
    session = CliSession(runtime)
    quirk = runtime.device.ssh_quirk
    delay = SLOW_SSH_DELAY_S if quirk == "slow" else runtime.device.response_delay_s

    def write(text: str) -> None:
        process.stdout.write(text.replace("\n", "\r\n"))

    try:
        if quirk in ("silent-shell", "wrong-prompt"):
            await _quirky_shell(quirk, process)
            return
        if process.command:  # "ssh device show version": one command, then the channel closes
            if delay:
                await asyncio.sleep(delay)
            write(session.handle(process.command))
            process.exit(0)
            return
        keys = _Keyboard(process.stdin)
        if delay:
            await asyncio.sleep(delay)
        write(session.greeting() + session.prompt())
        while not session.closed:
            hidden = session.hide_input  # a password: only the Enter is echoed
            line = await keys.line(write if not hidden else lambda text: write(text[-1:]))
            if line is None:
                break
            output = session.ctrl_z() if line == "\x1a" else session.handle(line)
            if delay:
                await asyncio.sleep(delay)
            await _paged(session, output, "" if session.closed else session.prompt(), write, keys)
        process.exit(0)
    except (asyncssh.BreakReceived, asyncssh.TerminalSizeChanged, BrokenPipeError):
        process.exit(0)
    except asyncssh.Error:
        pass  # the client went away mid-session; nothing to clean up


class _DeviceSSHServer(asyncssh.SSHServer):
    """Password login with the device's credentials; anything else is refused."""

    def __init__(self, device: LabDevice, connections: set[asyncssh.SSHServerConnection]) -> None:
        self._device = device
        self._connections = connections  # the server's, so shutdown can hang up
        self._conn: asyncssh.SSHServerConnection | None = None

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self._conn = conn
        self._connections.add(conn)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._conn is not None:
            self._connections.discard(self._conn)

    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        return username == self._device.ssh_username and password == self._device.ssh_password


class LabCliServer:
    """All devices' SSH listeners in one event loop.

    ``runtimes`` maps a device name to its live state (running and saved config), which
    tests may read to see what a session changed.
    """

    def __init__(self, state: LabState, state_dir: Path, host_key: asyncssh.SSHKey | None = None):
        self.state_dir = state_dir
        self.host_key = host_key or asyncssh.generate_private_key("ssh-ed25519")
        self.runtimes = {d.name: DeviceRuntime(d, state_dir) for d in state.devices}
        self._servers: list[asyncssh.SSHAcceptor] = []
        self._connections: set[asyncssh.SSHServerConnection] = set()
        self._mute: list[asyncio.Server] = []  # "no-banner" devices: TCP only
        self._mute_peers: set[asyncio.StreamWriter] = set()

    async def start(self) -> int:
        """Listen for every device that has SSH on; return how many listeners are up."""
        listening = set(self.listening())  # SSH off: no listener, so "connection refused"
        for runtime in self.runtimes.values():
            device = runtime.device
            if device.name not in listening:
                continue
            try:
                if device.ssh_quirk == "no-banner":
                    self._mute.append(
                        await asyncio.start_server(
                            self._say_nothing, device.address, device.ssh_port
                        )
                    )
                    continue
                server = await asyncssh.create_server(
                    functools.partial(_DeviceSSHServer, device, self._connections),
                    host=device.address,
                    port=device.ssh_port,
                    server_host_keys=[self.host_key],
                    server_version=_SERVER_VERSIONS.get(device.platform, "-"),
                    process_factory=functools.partial(_run_process, runtime),
                    encoding="utf-8",
                    line_editor=False,
                    keepalive_interval=0,
                )
            except OSError as exc:
                await self.close()
                raise OSError(
                    f"{device.name}: cannot listen on {device.address}:{device.ssh_port}: "
                    f"{exc.strerror or exc}"
                ) from exc
            self._servers.append(server)
        return len(self._servers) + len(self._mute)

    async def _say_nothing(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        """Accept the TCP connection, never send an SSH banner, hang up when the client does."""
        self._mute_peers.add(writer)
        try:
            while await reader.read(4096):
                pass
        except OSError:
            pass
        finally:
            self._mute_peers.discard(writer)
            writer.close()

    def listening(self) -> list[str]:
        """Names of the devices that answer SSH once started."""
        return [
            r.device.name
            for r in self.runtimes.values()
            if r.device.ssh_enabled and r.device.platform in cc.COMMANDS
        ]

    async def close(self) -> None:
        """Stop listening and hang up on every open session, as a powered-off lab would."""
        for server in self._servers:
            server.close()
        for mute in self._mute:
            mute.close()
        for conn in list(self._connections):
            conn.close()
        for writer in list(self._mute_peers):
            writer.close()
        for server in self._servers:
            await server.wait_closed()
        for mute in self._mute:
            await mute.wait_closed()
        self._servers.clear()
        self._mute.clear()


def load_host_key(path: Path | None) -> asyncssh.SSHKey:
    """The one host key all devices present, kept in ``path`` so restarts keep it."""
    if path is not None and path.exists():
        return asyncssh.read_private_key(path)
    key = asyncssh.generate_private_key("ssh-ed25519")
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        key.write_private_key(path)
        path.chmod(0o600)
    return key


async def serve(
    state: LabState,
    state_dir: Path,
    *,
    host_key_path: Path | None = None,
    ready_file: Path | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Serve until ``stop`` is set (or SIGTERM/SIGINT when it is None).

    The ready file (JSON: pid, listeners, devices) appears once every listener is up
    and is removed on a clean shutdown.
    """
    server = LabCliServer(state, state_dir, load_host_key(host_key_path))
    count = await server.start()
    if stop is None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
    try:
        if ready_file is not None:
            listening = server.listening()
            tmp = ready_file.with_suffix(".tmp")
            tmp.write_text(
                json.dumps({"pid": os.getpid(), "listeners": count, "devices": listening})
            )
            tmp.replace(ready_file)
        await stop.wait()
    finally:
        await server.close()
        if ready_file is not None:
            ready_file.unlink(missing_ok=True)


class CliServerThread:
    """The server in a background thread with its own event loop (tests, notebooks)::

    with CliServerThread(state, tmp_path) as cli:
        cli.runtimes["sw1"].running_config
    """

    def __init__(self, state: LabState, state_dir: Path, host_key_path: Path | None = None):
        self._server = LabCliServer(state, state_dir, load_host_key(host_key_path))
        self.runtimes = self._server.runtimes
        self._loop = asyncio.new_event_loop()
        self._started = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="lab-cli-server", daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._server.start())
        except BaseException as exc:  # handed to the starting thread
            self._error = exc
            self._started.set()
            return
        self._started.set()
        self._loop.run_forever()
        self._loop.run_until_complete(self._server.close())
        self._loop.close()

    def __enter__(self) -> CliServerThread:
        self._thread.start()
        self._started.wait()
        if self._error is not None:
            raise self._error
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        with contextlib.suppress(RuntimeError):  # loop already gone
            self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m netcensus.lab.cli_server", description=__doc__)
    parser.add_argument("state_json", type=Path, help="lab-state.json written by the generator")
    parser.add_argument("--ready-file", type=Path, help="written once all listeners are up")
    parser.add_argument("--host-key", type=Path, help="SSH host key file (created if missing)")
    args = parser.parse_args(argv)
    try:
        state = LabState.load(args.state_json)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        print(f"error: cannot read lab state {args.state_json}: {exc}", file=sys.stderr)
        return 2
    try:
        asyncio.run(
            serve(
                state,
                args.state_json.resolve().parent,
                host_key_path=args.host_key,
                ready_file=args.ready_file,
            )
        )
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
