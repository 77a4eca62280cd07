"""Ansible cliconf plugin for Huawei VRP, netcensus's own (network_os ``huawei_vrp``).

Reads, diffs and changes the configuration through system-view; see
netcensus.playbooks.cli_plugins.
"""

from netcensus.playbooks.cli_plugins import cliconf

DOCUMENTATION = """
name: huawei_vrp
short_description: netcensus cliconf plugin for Huawei VRP
description:
  - Runs commands and configuration on Huawei VRP devices over ansible.netcommon.network_cli,
    with the prompts and error patterns of netcensus's SSH collector.
"""

Cliconf = cliconf("huawei_vrp")
