"""How Ansible reaches each netcensus platform: its ``network_os`` and configuration mode.

Prompts, paging, login questions and error markers are the SSH collector's
(``collectors/platforms/<platform>.py``); what only configuration needs lives here, as
data: how to enter and leave configuration mode, how to save, how the running config
is indented. IOS goes through ``cisco.ios`` (shipped with the ``ansible`` package); VRP
and Comware have no maintained cliconf there, so netcensus ships its own terminal and
cliconf plugins (``playbooks/plugins``), named after the platform keys.

>>> network_os(Platform.HUAWEI_VRP)
'huawei_vrp'
>>> CONFIG_MODES[Platform.HP_COMWARE].enter
'system-view'
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict

from netcensus.collectors.platforms import PLATFORMS
from netcensus.inventory.enums import Platform

PLAYBOOK_DIR = Path(__file__).resolve().parent
PLUGIN_DIR = PLAYBOOK_DIR / "plugins"


class ConfigMode(BaseModel):
    """What configuration needs beyond the collector's platform file."""

    model_config = ConfigDict(frozen=True)

    network_os: str  # the cliconf/terminal plugin Ansible loads for the platform
    ours: bool  # the plugin is netcensus's own (playbooks/plugins), not a collection's
    enter: str  # from the exec prompt into configuration mode
    leave_section: str  # from a section (interface, vty...) back to the top level
    leave: str  # from anywhere in configuration mode back to the exec prompt
    startup_command: str
    # Save the running config (command, the question it asks or None, the answer).
    save_command: str
    save_question: str | None = None
    save_answer: str = "y"
    # Lines configuration mode answers with when it refuses a line, beyond the
    # platform file's "unknown command" markers.
    config_errors: tuple[str, ...] = ()
    # Comware writes global settings indented by one space inside their "#" block.
    indented_globals: bool = False
    # Privilege escalation for show running-config (IOS enable).
    become_method: str | None = None


CONFIG_MODES: dict[Platform, ConfigMode] = {
    Platform.CISCO_IOS: ConfigMode(
        network_os="cisco.ios.ios",
        ours=False,
        enter="configure terminal",
        leave_section="exit",
        leave="end",
        startup_command="show startup-config",
        save_command="write memory",
        become_method="enable",
    ),
    Platform.HUAWEI_VRP: ConfigMode(
        network_os="huawei_vrp",
        ours=True,
        enter="system-view",
        leave_section="quit",
        leave="return",
        startup_command="display saved-configuration",
        save_command="save",
        save_question=r"\[Y/N\]:?\s*$",
        config_errors=(r"(?m)^Error:",),
    ),
    Platform.HP_COMWARE: ConfigMode(
        network_os="hp_comware",
        ours=True,
        enter="system-view",
        leave_section="quit",
        leave="return",
        startup_command="display saved-configuration",
        save_command="save force",
        config_errors=(r"(?m)^\s*% (?:Unrecognized|Incomplete|Wrong|Too many|Ambiguous)",),
        indented_globals=True,
    ),
}

if set(CONFIG_MODES) != set(PLATFORMS):  # a platform file without a way to configure it
    raise ValueError(f"CONFIG_MODES covers {sorted(CONFIG_MODES)}, platforms {sorted(PLATFORMS)}")


def network_os(platform: Platform | str) -> str:
    return CONFIG_MODES[Platform(platform)].network_os


def platform_for_network_os(name: str) -> Platform:
    """The platform a plugin file serves (the plugin's file name is its network_os)."""
    return next(p for p, mode in CONFIG_MODES.items() if mode.network_os == name)


def plugin_env() -> dict[str, str]:
    """Environment that points Ansible (and its persistent connection process) at our plugins."""
    return {
        "ANSIBLE_TERMINAL_PLUGINS": str(PLUGIN_DIR / "terminal"),
        "ANSIBLE_CLICONF_PLUGINS": str(PLUGIN_DIR / "cliconf"),
        "ANSIBLE_FILTER_PLUGINS": str(PLUGIN_DIR / "filter"),
    }
