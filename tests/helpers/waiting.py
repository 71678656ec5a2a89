"""Wait for what must happen: a condition re-checked whenever a core event fires.

No counting of loop turns: the wait ends the moment the condition holds. The time limit only
turns a hang into a failure that names what never happened.
"""

from __future__ import annotations

from collections.abc import Callable

from eventkit import Event

from terminal.startup import SmokeFailure, wait_for


async def until(event: Event, predicate: Callable[[], object], what: str) -> None:
    """Wait until ``predicate()`` holds, re-checking whenever ``event`` fires.

    Raises:
        AssertionError: it did not happen (the message names ``what``).
    """
    try:
        await wait_for(event, predicate, what, seconds=10.0)
    except SmokeFailure as exc:
        raise AssertionError(str(exc)) from None
