"""The capability names a declaration or a target may use: built-in plus deployment-defined.

Kept in ``inventory`` because the inventory loader checks declaration names too; what each
built-in capability means (how it is observed) lives in ``compliance.coverage``.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from .enums import Capability
from .models import CapabilityDefinition


def known_capabilities(session: Session) -> list[str]:
    """Built-in names, then those defined in loaded target files."""
    defined = session.scalars(select(CapabilityDefinition.key).order_by(CapabilityDefinition.key))
    return [c.value for c in Capability] + list(defined)


def unknown_capability(name: str, known: Iterable[str]) -> str | None:
    """The problem with ``name`` (with a suggestion), or None when it is known.

    >>> unknown_capability("hotlin", ["lan", "hotline"])
    "unknown capability 'hotlin'; did you mean 'hotline'?"
    >>> unknown_capability("lan", ["lan"]) is None
    True
    """
    known = list(known)
    if name in known:
        return None
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    hint = (
        f"did you mean '{close[0]}'?"
        if close
        else "expected one of " + ", ".join(known) + " (or define it under capabilities: "
        "in a target file and load it with `netcensus targets load`)"
    )
    return f"unknown capability '{name}'; {hint}"
