"""Ansible terminal plugin for H3C / HPE Comware, netcensus's own (network_os ``hp_comware``).

Prompt, paging and error patterns come from the SSH collector's platform file
(collectors/platforms/hp_comware.py); see netcensus.playbooks.cli_plugins.
"""

from netcensus.playbooks.cli_plugins import terminal_module

TerminalModule = terminal_module("hp_comware")
