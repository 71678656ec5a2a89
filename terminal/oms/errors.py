"""Errors of the order path, under the two roots of :mod:`terminal.domain.errors`.

Refusals (:class:`OrderError`, a :class:`~terminal.domain.errors.DomainError`) are meant for the
trader: each message says what was refused and why. Broken invariants
(:class:`~terminal.domain.errors.InvariantError`) are bugs: they are logged with their traceback
and raised as critical alerts.
"""

from terminal.domain.errors import DomainError, InvariantError


class OrderError(DomainError):
    """An order command was refused."""


class UnknownOrder(OrderError):
    """No order with that id (or it can no longer take the command)."""


class TradingHalted(OrderError):
    """Trading is halted (kill switch) or reduce-only and the intent would add risk."""


class ApprovalRefused(OrderError):
    """The order cannot be approved (BLOCK verdict, missing override, already approved...)."""


class NotPermitted(OrderError):
    """The signed-in desk user may not do this (role, four-eyes, another workstation's order)."""


class SubmissionFailed(OrderError):
    """The broker refused or failed the submission; the order is marked rejected."""


class ModifyFailed(OrderError):
    """The broker refused or failed a modification; the order keeps the terms it holds there."""


class OrderBookError(InvariantError):
    """A change the order book cannot apply: an unknown order, an order staged twice."""


class UnknownOrderReport(InvariantError):
    """A broker report names one of our client order ids that the book does not hold."""


class MissingApproval(InvariantError):
    """An order without an approval record was about to be sent to a broker."""
