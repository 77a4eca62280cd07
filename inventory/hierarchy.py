"""Hierarchy by division-code prefix: "everything under 4401" is an index range scan.

Division codes are digit strings whose prefixes are their ancestors (44 ⊃ 4401 ⊃ 440103 ⊃
440103001), so a subtree is the half-open interval [prefix, prefix-successor).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_

from .models import Site


def prefix_successor(prefix: str) -> str:
    """The smallest string greater than every string starting with ``prefix``.

    >>> prefix_successor("4401")
    '4402'
    >>> prefix_successor("4409")
    '440:'
    """
    if not prefix:
        raise ValueError("an empty prefix has no successor")
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


def under(code: str, *, include_self: bool = True) -> ColumnElement[bool]:
    """A WHERE clause selecting the sites in the subtree of ``code``.

    Served by the unique index on ``sites.code`` on SQLite and PostgreSQL alike.
    """
    clause = and_(Site.code >= code, Site.code < prefix_successor(code))
    if include_self:
        return clause
    return and_(clause, Site.code != code)


def ancestors(code: str, known_lengths: tuple[int, ...] = (2, 4, 6, 9, 12)) -> list[str]:
    """Codes of the ancestors of ``code``, top first.

    >>> ancestors("440103001")
    ['44', '4401', '440103']
    """
    return [code[:n] for n in known_lengths if n < len(code)]
