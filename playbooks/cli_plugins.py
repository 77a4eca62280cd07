"""netcensus's own Ansible terminal and cliconf plugins for VRP and Comware.

Ansible's ``network_cli`` needs, per ``network_os``, a terminal plugin (what a prompt
and an error look like, what to send after login) and a cliconf plugin (how to read,
diff and change the configuration). Both are built here from data: the SSH
collector's platform file (prompt pattern, paging command, login questions,
"unknown command" markers) and :data:`netcensus.playbooks.network_os.CONFIG_MODES`
(entering and leaving configuration mode, indentation). The files under
``playbooks/plugins`` only name the platform, so the collector and Ansible read a
device the same way.

Only the Ansible processes import this module (it needs ``ansible`` and the
``ansible.netcommon`` collection).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, ClassVar

from ansible.errors import AnsibleConnectionFailure
from ansible.module_utils.common.text.converters import to_text
from ansible_collections.ansible.netcommon.plugins.module_utils.network.common.config import (
    NetworkConfig,
    dumps,
)
from ansible_collections.ansible.netcommon.plugins.module_utils.network.common.utils import to_list
from ansible_collections.ansible.netcommon.plugins.plugin_utils.cliconf_base import CliconfBase
from ansible_collections.ansible.netcommon.plugins.plugin_utils.terminal_base import TerminalBase

from netcensus.collectors.platforms import PlatformSpec, spec
from netcensus.collectors.platforms.base import Part
from netcensus.collectors.platforms.parse import ParseError, parse_command
from netcensus.playbooks.network_os import CONFIG_MODES, ConfigMode, platform_for_network_os


def prompt_regex(platform: PlatformSpec) -> re.Pattern[bytes]:
    """The platform's prompt as the last thing a device sent (how network_cli knows it is done).

    >>> regex = prompt_regex(spec("huawei_vrp"))
    >>> bool(regex.search(b"display version\\r\\n...\\r\\n<sw1>")), bool(regex.search(b"[Y/N]:"))
    (True, False)
    """
    return re.compile(rb"(?:^|[\r\n])" + platform.prompt_pattern.encode() + rb"\s*$")


def error_regexes(platform: PlatformSpec, mode: ConfigMode) -> list[re.Pattern[bytes]]:
    markers = [re.compile(re.escape(m).encode()) for m in platform.unsupported_markers]
    return markers + [re.compile(p.encode()) for p in mode.config_errors]


class _Terminal(TerminalBase):  # type: ignore[misc]
    disable_paging: ClassVar[bytes]

    def on_open_shell(self) -> None:
        try:
            self._exec_cli_command(self.disable_paging)
        except AnsibleConnectionFailure as exc:
            raise AnsibleConnectionFailure(f"unable to disable paging: {exc}") from exc


def terminal_module(network_os: str) -> type:
    """The ``TerminalModule`` class of a platform's terminal plugin."""
    platform = spec(platform_for_network_os(network_os))
    mode = CONFIG_MODES[platform.key]
    attributes: dict[str, Any] = {
        "disable_paging": platform.disable_paging.encode(),
        "terminal_stdout_re": [prompt_regex(platform)],
        "terminal_stderr_re": error_regexes(platform, mode),
    }
    if platform.login_questions:
        attributes["terminal_initial_prompt"] = [q.encode() for q in platform.login_questions]
        attributes["terminal_initial_answer"] = [
            a.encode() for a in platform.login_questions.values()
        ]
    return type("TerminalModule", (_Terminal,), attributes)


def _depth(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def dedent_globals(config: str) -> str:
    """Comware's global lines moved to column 0, so sections and globals parse apart.

    Comware writes `` sysname sw1`` inside a ``#`` block but ``interface X`` at column 0
    with its children indented: a block whose first line is indented holds globals.

    >>> print(dedent_globals("#\\n sysname sw1\\n#\\ninterface Vlan1\\n ip address 1.1.1.1 24\\n"))
    #
    sysname sw1
    #
    interface Vlan1
     ip address 1.1.1.1 24
    <BLANKLINE>
    """
    out: list[str] = []
    block_is_global = False
    for line in config.splitlines():
        if line.strip() == "#":
            block_is_global = False
            out.append(line)
            continue
        if line.strip() and (not out or out[-1].strip() == "#"):
            block_is_global = line.startswith(" ")
        out.append(line[1:] if block_is_global and line.startswith(" ") else line)
    return "\n".join(out) + ("\n" if config.endswith("\n") else "")


class _Cliconf(CliconfBase):  # type: ignore[misc]
    """Read, diff and change a VRP-family configuration over network_cli."""

    platform: ClassVar[PlatformSpec]
    mode: ClassVar[ConfigMode]
    __rpc__ = [*CliconfBase.__rpc__, "get_diff", "get_device_operations", "get_option_values"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._device_info: dict[str, Any] = {}

    def get_device_info(self) -> dict[str, Any]:
        if not self._device_info:
            info: dict[str, Any] = {"network_os": self.mode.network_os}
            version = next(c for c in self.platform.commands if c.part is Part.VERSION)
            try:
                parsed = parse_command(
                    self.platform, version, to_text(self.get(command=version.command))
                )
            except (ParseError, ValueError):
                parsed = {}
            info["network_os_version"] = parsed.get("os_version")
            info["network_os_model"] = parsed.get("model")
            prompt = to_text(self._connection.get_prompt() or b"", errors="surrogate_then_replace")
            found = self.platform.prompt_regex.search(prompt.strip())
            info["network_os_hostname"] = found.group("name") if found else None
            self._device_info = info
        return self._device_info

    def get_config(self, source: str = "running", flags: Any = None, format: Any = None) -> Any:  # noqa: A002 - Ansible's signature
        if source not in ("running", "startup"):
            raise ValueError(f"fetching configuration from {source} is not supported")
        command = self.platform.config_command if source == "running" else self.mode.startup_command
        return self.send_command(command)

    def _normalised(self, config: str) -> str:
        return dedent_globals(config) if self.mode.indented_globals else config

    def get_diff(
        self,
        candidate: str | None = None,
        running: str | None = None,
        diff_match: str = "line",
        diff_ignore_lines: list[str] | None = None,
        path: list[str] | None = None,
        diff_replace: str = "line",
    ) -> dict[str, Any]:
        """Lines of ``candidate`` the running config lacks, each under its section line."""
        if candidate is None:
            raise ValueError("candidate configuration is required to generate diff")
        options = self.get_option_values()
        if diff_match not in options["diff_match"]:
            raise ValueError(f"'match' value {diff_match} is invalid: {options['diff_match']}")
        if diff_replace not in options["diff_replace"]:
            raise ValueError(f"'replace' value {diff_replace} is invalid")
        wanted = NetworkConfig(indent=1, contents=self._normalised(candidate))
        if running and diff_match != "none":
            have = NetworkConfig(
                indent=1, contents=self._normalised(running), ignore_lines=diff_ignore_lines
            )
            missing = wanted.difference(have, path=path, match=diff_match, replace=diff_replace)
        else:
            missing = wanted.items
        # "raw" keeps each line's indentation: edit_config needs it to leave sections.
        return {"config_diff": dumps(missing, "raw") if missing else "", "banner_diff": {}}

    def edit_config(
        self,
        candidate: Any = None,
        commit: bool = True,
        replace: Any = None,
        comment: Any = None,
    ) -> dict[str, Any]:
        """Type ``candidate`` in configuration mode, leaving each section before the next.

        VRP and Comware, unlike IOS, do not fall back to the top level when a global
        command is typed inside a section: an indented line belongs to the last less
        indented one, and a shallower line first quits the sections it leaves.
        """
        self.check_edit_config_capability(
            self.get_device_operations(), candidate, commit, replace, comment
        )
        if not commit:
            raise ValueError("check mode is not supported")
        lines = [
            line if isinstance(line, Mapping) else {"command": line}
            for line in to_list(candidate)
            if (line if isinstance(line, Mapping) else {"command": line})["command"].strip()
            not in ("", "#", "!", self.mode.leave)
        ]
        requests: list[str] = []
        responses: list[Any] = []
        self.send_command(self.mode.enter)
        try:
            open_sections = 0
            for index, line in enumerate(lines):
                depth = _depth(line["command"])
                while open_sections > depth:
                    self.send_command(self.mode.leave_section)
                    open_sections -= 1
                command = {**line, "command": line["command"].strip()}
                responses.append(self.send_command(**command))
                requests.append(command["command"])
                following = _depth(lines[index + 1]["command"]) if index + 1 < len(lines) else 0
                if following > depth:
                    open_sections += 1
        finally:
            self.send_command(self.mode.leave)
        return {"request": requests, "response": responses}

    def get(
        self,
        command: str | None = None,
        prompt: Any = None,
        answer: Any = None,
        sendonly: bool = False,
        newline: bool = True,
        output: Any = None,
        check_all: bool = False,
    ) -> Any:
        if output:
            raise ValueError(f"'output' value {output} is not supported for get")
        return self.send_command(
            command=command,
            prompt=prompt,
            answer=answer,
            sendonly=sendonly,
            newline=newline,
            check_all=check_all,
        )

    def get_device_operations(self) -> dict[str, bool]:
        return {
            "supports_diff_replace": False,
            "supports_commit": False,
            "supports_rollback": False,
            "supports_defaults": False,
            "supports_onbox_diff": False,
            "supports_commit_comment": False,
            "supports_multiline_delimiter": False,
            "supports_diff_match": True,
            "supports_diff_ignore_lines": True,
            "supports_generate_diff": True,
            "supports_replace": False,
        }

    def get_option_values(self) -> dict[str, list[str]]:
        return {
            "format": ["text"],
            "diff_match": ["line", "strict", "exact", "none"],
            "diff_replace": ["line", "block"],
            "output": [],
        }

    def get_capabilities(self) -> str:
        result = super().get_capabilities()
        result["device_operations"] = self.get_device_operations()
        result.update(self.get_option_values())
        return json.dumps(result)


def cliconf(network_os: str) -> type:
    """The ``Cliconf`` class of a platform's cliconf plugin."""
    platform = spec(platform_for_network_os(network_os))
    return type("Cliconf", (_Cliconf,), {"platform": platform, "mode": CONFIG_MODES[platform.key]})
