"""Pre-trade risk verdicts, attached to every staged order."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class VerdictLevel(IntEnum):
    """Ordered so that ``max()`` of several levels is the overall verdict."""

    PASS = 0
    WARN = 1
    BLOCK = 2


@dataclass(frozen=True, slots=True)
class RiskReason:
    """One rule's finding: which rule, how bad, and a sentence for the trader."""

    rule: str
    level: VerdictLevel
    message: str


@dataclass(frozen=True, slots=True)
class Verdict:
    """The outcome of a pre-trade check: the worst level and every reason found."""

    level: VerdictLevel
    reasons: tuple[RiskReason, ...] = ()

    @classmethod
    def of(cls, reasons: list[RiskReason] | tuple[RiskReason, ...]) -> Verdict:
        level = max((r.level for r in reasons), default=VerdictLevel.PASS)
        return cls(level, tuple(reasons))

    @property
    def summary(self) -> str:
        if not self.reasons:
            return self.level.name
        return f"{self.level.name}: " + "; ".join(r.message for r in self.reasons)


PASS = Verdict(VerdictLevel.PASS)
