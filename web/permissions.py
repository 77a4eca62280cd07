"""The permission matrix: which role may do what, and the division subtree it may do it in.

This module is the single place that decides access. Pages and the API name the
:class:`Action` each route needs (``web/guard.py``); tests generate every route × role ×
in-scope/out-of-scope case from :data:`MATRIX`; ``docs/security.md`` documents it.
"""

from __future__ import annotations

from enum import StrEnum

from netcensus.inventory.enums import Role


class Action(StrEnum):
    """What a route does, as far as access is concerned."""

    VIEW = "view"  # inventory, coverage, findings, scans, topology, targets
    VIEW_CONFIG = "view-config"  # stored (redacted) configuration text and diffs
    WAIVE = "waive"  # accept a finding's risk until a date
    DECLARE = "declare"  # declare a site's capability (what no scan can see)
    VIEW_VERDICTS = "view-verdicts"  # the assessor's verdict matrix (every device x rule)
    VIEW_AUDIT = "view-audit"  # the audit log
    OWN_ACCOUNT = "own-account"  # one's own password and API tokens
    MANAGE_USERS = "manage-users"  # add and disable accounts, revoke anyone's tokens
    RUN_SCAN = "run-scan"  # start a scan of a site subtree (the user's own, or inside it)
    VIEW_PLAYBOOKS = "view-playbooks"  # Ansible playbook runs, per-host results, task output


MATRIX: dict[Action, frozenset[Role]] = {
    Action.VIEW: frozenset(Role),
    # Even redacted, a running config maps the network's defences: not for every viewer.
    Action.VIEW_CONFIG: frozenset({Role.ADMIN, Role.SECURITY}),
    Action.WAIVE: frozenset({Role.ADMIN, Role.SECURITY}),
    # Planners track the build-out; what a site has is theirs to declare.
    Action.DECLARE: frozenset({Role.ADMIN, Role.PLANNER}),
    # Every passed and failed control of every device, with the config lines as evidence:
    # a map of the defences, like the configs themselves. Findings stay visible to all.
    Action.VIEW_VERDICTS: frozenset({Role.ADMIN, Role.SECURITY}),
    Action.VIEW_AUDIT: frozenset({Role.ADMIN}),
    Action.OWN_ACCOUNT: frozenset(Role),
    # Within the admin's own subtree: the scope rule lives in web/accounts.py.
    Action.MANAGE_USERS: frozenset({Role.ADMIN}),
    # A scan polls live devices with the server's credentials: an operator's decision.
    Action.RUN_SCAN: frozenset({Role.ADMIN}),
    # Remediation runs show which controls were missing and the devices' own output (a
    # failed task's message, a config diff): the same people who may read configs.
    Action.VIEW_PLAYBOOKS: frozenset({Role.ADMIN, Role.SECURITY}),
}


def allows(role: Role | str, action: Action) -> bool:
    """Whether ``role`` may perform ``action`` at all (scope is checked separately).

    >>> allows("viewer", Action.VIEW), allows("viewer", Action.WAIVE)
    (True, False)
    """
    return Role(role) in MATRIX[action]


def in_scope(scope_code: str | None, site_code: str | None) -> bool:
    """Whether an object at ``site_code`` lies in the subtree a user is limited to.

    A user without a scope sees the whole country. An object with no site (a device
    discovered but never placed) belongs to no subtree, so only national users see it.

    >>> in_scope("4405", "440513"), in_scope("4405", "4401"), in_scope(None, None)
    (True, False, True)
    >>> in_scope("4405", None)
    False
    """
    if scope_code is None:
        return True
    return site_code is not None and site_code.startswith(scope_code)
