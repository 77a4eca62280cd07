"""Ansible cliconf plugin for H3C / HPE Comware, netcensus's own (network_os ``hp_comware``).

Reads, diffs and changes the configuration through system-view; see
netcensus.playbooks.cli_plugins.
"""

from netcensus.playbooks.cli_plugins import cliconf

DOCUMENTATION = """
name: hp_comware
short_description: netcensus cliconf plugin for H3C / HPE Comware
description:
  - Runs commands and configuration on H3C / HPE Comware devices over ansible.netcommon.network_cli,
    with the prompts and error patterns of netcensus's SSH collector.
"""

Cliconf = cliconf("hp_comware")
