"""Errors a user can cause and fix. The CLI prints these without a traceback."""


class UserError(Exception):
    """A mistake in input or usage: the message alone tells the user what to fix."""

    exit_code = 2


class SchemaOutOfDate(UserError):
    """The database schema is older (or newer) than this version of netcensus expects."""


class InventoryError(UserError):
    """One or more problems in declared inventory files; nothing was changed."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


class Forbidden(UserError):
    """A change the asker's role or scope does not allow (the web answers 403)."""


class NotFound(UserError):
    """Asked for something the store does not hold, or that lies outside the asker's scope.

    The two read the same on purpose: a user limited to one county learns nothing about
    the objects of another.
    """
