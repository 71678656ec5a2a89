"""Fault injection for tests: what the simulated exchange should do wrong next."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class Faults:
    """Faults armed on a :class:`~terminal.broker.sim.SimBroker`.

    Attributes:
        reject_next: Reasons with which the next orders are rejected, first in first out.
        extra_delay: Seconds added to every report's latency.
        halted: Keys of halted instruments (no quotes, no fills, new orders rejected).
        refuse_modify_next: Reasons with which the next modifications are refused, first in
            first out (the order keeps working at the terms it had).
    """

    reject_next: list[str] = field(default_factory=list)
    extra_delay: float = 0.0
    halted: set[str] = field(default_factory=set)
    refuse_modify_next: list[str] = field(default_factory=list)

    def take_rejection(self) -> str | None:
        """Return the reason of an armed rejection and disarm it, or None."""
        return self.reject_next.pop(0) if self.reject_next else None

    def take_modify_refusal(self) -> str | None:
        """Return the reason of an armed modify refusal and disarm it, or None."""
        return self.refuse_modify_next.pop(0) if self.refuse_modify_next else None
