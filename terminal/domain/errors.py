"""The two roots of the core's errors.

:class:`DomainError` is a refusal a trader should see: bad input, a halted desk, a blocked
order. Each names the problem in words a trader understands; the window shows it as a warning.

:class:`InvariantError` is a broken invariant: the core reached a state its rules exclude (an
illegal lifecycle transition, a broker report naming an order nobody knows). That is a bug, not
a refusal: it is logged with its traceback and raised as a critical alert, never shown as a
yellow warning. It deliberately shares no base with :class:`DomainError` (nor ``ValueError``),
so no ``except DomainError`` can swallow it.
"""


class DomainError(ValueError):
    """Base class for refusals: invalid domain input (bad price, quantity, instrument)."""


class InvariantError(RuntimeError):
    """Base class for broken invariants of the core (bugs, never a trader's mistake)."""


class InvalidPrice(DomainError):
    """A price is NaN, infinite, negative, absurd or not on the instrument's tick."""


class InvalidQuantity(DomainError):
    """A quantity is zero, negative, fractional where whole units are needed, or absurd."""


class InvalidOrder(DomainError):
    """An order intent is inconsistent (e.g. a limit order without a limit price)."""


class UnknownInstrument(DomainError):
    """The broker or the instrument store does not know the instrument."""


class IllegalTransition(InvariantError):
    """An order was asked to move between two lifecycle states the table does not allow."""
