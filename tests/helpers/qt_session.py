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


@pytest.fixture(scope="session")
def qapp(qapp: Any) -> Iterator[Any]:
    from widgets.gui_gc import GuiThreadCollector

    collector = GuiThreadCollector(parent=qapp)
    yield qapp
    collector.stop()
