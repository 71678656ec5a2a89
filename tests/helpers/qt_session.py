"""The test session's QApplication as the terminal runs it: garbage is collected on the GUI thread.

pytest-qt's ``qapp`` is overridden (``tests/conftest.py`` imports this fixture) to install the
window's :class:`~widgets.gui_gc.GuiThreadCollector`, so the suite runs under the same rule as the
product: from the moment a QApplication exists, no thread but the GUI thread runs the cyclic
garbage collector. Qt is imported only when a test asks for the application, so the core's tests
still run where Qt is not installed.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

_COLLECTING: list[object] = []  # the session's collector, once the application exists


@pytest.fixture(scope="session")
def qapp(qapp: Any) -> Iterator[Any]:
    from widgets.gui_gc import GuiThreadCollector

    collector = GuiThreadCollector(parent=qapp)
    _COLLECTING.append(collector)
    yield qapp
    _COLLECTING.clear()
    collector.stop()


@pytest.fixture(autouse=True)
def collection_stays_on_the_gui_thread() -> Iterator[None]:
    """Fail the test that leaves automatic garbage collection on once the application exists:
    the rest of the session would collect on any thread (the database writer's deadlocked
    with the GUI thread inside Qt once, a stopped collector freed after its test restored)."""
    yield
    import gc

    if _COLLECTING and gc.isenabled():
        gc.disable()  # the next tests run under the rule again
        pytest.fail("this test left automatic garbage collection on (it must stay off)")
