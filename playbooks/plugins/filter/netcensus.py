"""Ansible filters netcensus's playbooks use: redaction before a result leaves the task.

A task's result is written to ansible-runner's event files; a running configuration is
redacted by the SSH collector's own rules (collectors/redact.py) before that happens.
"""

from typing import Any

from netcensus.collectors.redact import redact


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {"netcensus_redact": redact}
