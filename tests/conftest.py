"""Shared test configuration. Qt runs offscreen: no display is needed."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_API", "pyside6")

# pytest-qt's qapp, with garbage collected on the GUI thread only (as the window does).
from tests.helpers.qt_session import qapp  # noqa: F401
