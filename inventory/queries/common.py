"""What every query shares: pages with totals, the division scope, typed rows."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict
from sqlalchemy import ColumnElement, Select, and_, func, select
from sqlalchemy.orm import QueryableAttribute, Session

from netcensus.errors import NotFound, UserError

from ..hierarchy import prefix_successor, under
from ..models import Site

T = TypeVar("T")
# A column as a query names it: a mapped attribute (Device.site_id) or an expression.
Column = ColumnElement[Any] | QueryableAttribute[Any]

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 1000


class Row(BaseModel):
    """A typed, read-only result row; ``model_dump(mode="json")`` is what the API serves."""

    model_config = ConfigDict(frozen=True)


class Page(BaseModel, Generic[T]):
    """One page of a list and the size of the whole list (for page links and counters).

    ``per_page`` None means the whole list in one page (the CLI and exports ask for that).
    """

    model_config = ConfigDict(frozen=True)

    items: list[T]
    total: int
    page: int
    per_page: int | None

    @property
    def pages(self) -> int:
        if not self.per_page:
            return 1
        return max(1, -(-self.total // self.per_page))


def check_paging(page: int, per_page: int | None) -> None:
    if page < 1:
        raise UserError(f"page must be 1 or more, got {page}")
    if per_page is not None and not 1 <= per_page <= MAX_PER_PAGE:
        raise UserError(f"per_page must be between 1 and {MAX_PER_PAGE}, got {per_page}")


def paginate(
    session: Session, query: Any, page: int, per_page: int | None
) -> tuple[list[Any], int]:
    """The rows of one page of ``query`` (already ordered) and the total across all pages."""
    check_paging(page, per_page)
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    if per_page is not None:
        query = query.limit(per_page).offset((page - 1) * per_page)
    return list(session.execute(query)), total


def site_ids_under(code: str) -> Select[Any]:
    """The ids of the sites in ``code``'s subtree (a range scan on the code index)."""
    return select(Site.id).where(under(code))


def in_subtree(site_id_column: Column, code: str | None) -> ColumnElement[bool] | None:
    """``site_id_column`` lies in ``code``'s subtree; None when there is nothing to restrict."""
    if code is None:
        return None
    return site_id_column.in_(site_ids_under(code))


def where_all(query: Any, *clauses: ColumnElement[bool] | None) -> Any:
    """Apply the clauses that are not None: optional filters read as one line each."""
    for clause in clauses:
        if clause is not None:
            query = query.where(clause)
    return query


def within_scope(code: str | None, scope: str | None) -> bool:
    """Whether division ``code`` lies in the subtree ``scope`` (None: no limit)."""
    if scope is None:
        return True
    return code is not None and code.startswith(scope)


def require_site(session: Session, code: str, scope: str | None) -> Site:
    """The site with ``code``, if it exists and lies in the scope; NotFound otherwise."""
    site = (
        session.scalar(select(Site).where(Site.code == code)) if within_scope(code, scope) else None
    )
    if site is None:
        raise NotFound(
            f"no site with code {code!r}; import division codes with "
            "`netcensus sites import-divisions FILE` or declare it in the inventory"
        )
    return site


def code_under(column: Column, code: str) -> ColumnElement[bool]:
    """:func:`hierarchy.under` for any code column (an aliased site's, for instance)."""
    return and_(column >= code, column < prefix_successor(code))
