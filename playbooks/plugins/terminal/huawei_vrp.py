"""Ansible terminal plugin for Huawei VRP, netcensus's own (network_os ``huawei_vrp``).

Prompt, paging and error patterns come from the SSH collector's platform file
(collectors/platforms/huawei_vrp.py); see netcensus.playbooks.cli_plugins.
"""

from netcensus.playbooks.cli_plugins import terminal_module

TerminalModule = terminal_module("huawei_vrp")
