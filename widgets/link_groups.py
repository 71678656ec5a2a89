"""Link groups (as TWS Mosaic's colours): the panes of one group follow one instrument.

Plain Python, no widgets: the session holds one :class:`LinkGroups` and routes each selection
through it; the panes ask it which group they are in. Every pane starts in :data:`MAIN`, the
group of the session's active instrument (what every pane followed before there were groups), so
one chart, ladder, tape and chain behave as they always did until the trader gives one a colour.
A pane in :data:`UNLINKED` keeps its own instrument: a selection elsewhere does not reach it.
"""

from __future__ import annotations

from terminal.domain import Instrument

#: The group of the session's active instrument (the watchlist's, by default).
MAIN = "main"
#: No group: the pane keeps the instrument it shows.
UNLINKED = "none"
#: The colour groups, in menu order.
COLOURS: tuple[str, ...] = ("red", "green", "blue", "yellow", "purple")
#: Every group a pane can be in, in menu order.
GROUPS: tuple[str, ...] = (MAIN, *COLOURS, UNLINKED)
#: How each group is drawn (the pane's link button and its dock title).
SWATCHES: dict[str, str] = {
    MAIN: "#d0d0d0",
    "red": "#e05252",
    "green": "#3fb950",
    "blue": "#4d8fe6",
    "yellow": "#e3c341",
    "purple": "#a371f7",
    UNLINKED: "",
}


class LinkGroups:
    """Which group each pane is in, and the instrument each group shows.

    Panes are named by their pane id (``"chart"``, ``"chart-2"``); a pane never joined is in
    :data:`MAIN`.
    """

    def __init__(self) -> None:
        self._group: dict[str, str] = {}
        self._instrument: dict[str, Instrument] = {}

    def group_of(self, pane_id: str) -> str:
        return self._group.get(pane_id, MAIN)

    def join(self, pane_id: str, group: str) -> Instrument | None:
        """Put ``pane_id`` in ``group``; returns the group's instrument for the pane to show
        (None for :data:`UNLINKED` or a group that shows nothing yet).

        Raises:
            ValueError: ``group`` is not one of :data:`GROUPS`.
        """
        if group not in GROUPS:
            raise ValueError(f"unknown link group {group!r}")
        if group == MAIN:
            self._group.pop(pane_id, None)
        else:
            self._group[pane_id] = group
        return self.instrument(group)

    def leave(self, pane_id: str) -> None:
        """Forget ``pane_id`` (it closed); the group keeps its instrument."""
        self._group.pop(pane_id, None)

    def members(self, group: str, pane_ids: list[str]) -> list[str]:
        """Which of ``pane_ids`` are in ``group``."""
        return [p for p in pane_ids if self.group_of(p) == group]

    def instrument(self, group: str) -> Instrument | None:
        """What ``group`` shows (nothing for :data:`UNLINKED`)."""
        return None if group == UNLINKED else self._instrument.get(group)

    def select(self, group: str, instrument: Instrument) -> bool:
        """``instrument`` was chosen in a pane of ``group``: the whole group shows it.

        Returns whether the group's panes must change (a group already showing it, or
        :data:`UNLINKED`, which reaches no other pane, need not).
        """
        if group == UNLINKED:
            return False
        current = self._instrument.get(group)
        self._instrument[group] = instrument
        return current is None or current.key != instrument.key

    def groups_in_use(self) -> dict[str, Instrument]:
        """Each group that shows an instrument (to save with a workspace)."""
        return dict(self._instrument)

    def assignments(self) -> dict[str, str]:
        """Each pane not in :data:`MAIN` and its group (to save with a workspace)."""
        return dict(self._group)
