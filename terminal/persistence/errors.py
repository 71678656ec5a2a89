"""Errors of the persistence layer."""


class PersistenceError(RuntimeError):
    """The database cannot be opened or used; the message names the database and the problem."""
