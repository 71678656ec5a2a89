"""Errors raised by domain validation. Each names the problem in words a trader understands."""


class DomainError(ValueError):
    """Base class for invalid domain input (bad price, quantity, instrument, transition)."""


class InvalidPrice(DomainError):
    """A price is NaN, infinite, negative, absurd or not on the instrument's tick."""


class InvalidQuantity(DomainError):
    """A quantity is zero, negative, fractional where whole units are needed, or absurd."""


class InvalidOrder(DomainError):
    """An order intent is inconsistent (e.g. a limit order without a limit price)."""


class UnknownInstrument(DomainError):
    """The broker or the instrument store does not know the instrument."""


class IllegalTransition(DomainError):
    """An order was asked to move between two lifecycle states the table does not allow."""
