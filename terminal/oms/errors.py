"""Errors raised by the order manager. Each message is meant for the trader."""

from terminal.domain.errors import DomainError


class OrderError(DomainError):
    """An order command was refused."""


class UnknownOrder(OrderError):
    """No order with that id."""


class TradingHalted(OrderError):
    """Trading is halted (kill switch) or reduce-only and the intent would add risk."""


class ApprovalRefused(OrderError):
    """The order cannot be approved (BLOCK verdict, missing override, already approved...)."""


class SubmissionFailed(OrderError):
    """The broker refused or failed the submission; the order is marked rejected."""
