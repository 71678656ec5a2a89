"""Link groups without a window: which pane follows which group, and what each group shows."""

from __future__ import annotations

import pytest

from terminal.domain import Instrument
from widgets.link_groups import MAIN, UNLINKED, LinkGroups

AAPL, MSFT, SPY = Instrument("AAPL"), Instrument("MSFT"), Instrument("SPY")


def test_panes_start_in_the_main_group_and_join_a_colour() -> None:
    links = LinkGroups()
    assert links.group_of("chart") == MAIN
    assert links.join("chart", "red") is None  # red shows nothing yet
    assert links.group_of("chart") == "red"
    assert links.members("red", ["chart", "chart-2", "depth"]) == ["chart"]
    links.join("chart", MAIN)
    assert links.group_of("chart") == MAIN
    assert links.assignments() == {}


def test_two_groups_keep_their_own_instrument() -> None:
    links = LinkGroups()
    links.join("chart", "red")
    links.join("chart-2", "blue")
    assert links.select("red", MSFT)
    assert links.select("blue", SPY)
    assert not links.select("red", MSFT)  # already shown: no pane changes
    assert links.instrument("red") == MSFT and links.instrument("blue") == SPY
    # Joining a group that shows something hands the pane that instrument.
    assert links.join("depth", "blue") == SPY
    assert links.groups_in_use() == {"red": MSFT, "blue": SPY}


def test_an_unlinked_pane_is_reached_by_no_selection() -> None:
    links = LinkGroups()
    links.select(MAIN, AAPL)
    assert links.join("tape", UNLINKED) is None
    assert not links.select(UNLINKED, MSFT)
    assert links.instrument(UNLINKED) is None
    assert links.assignments() == {"tape": UNLINKED}
    links.leave("tape")
    assert links.group_of("tape") == MAIN


def test_an_unknown_group_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown link group"):
        LinkGroups().join("chart", "octarine")
