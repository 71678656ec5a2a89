"""Shared test configuration. Qt runs offscreen: no display is needed."""

import os

import pytest
from hypothesis import HealthCheck, settings

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_API", "pyside6")

# pytest-qt's qapp, with garbage collected on the GUI thread only (as the window does).
from tests.helpers.qt_session import collection_stays_on_the_gui_thread, qapp  # noqa: F401

pytest_plugins = ["tests.logfail", "pytester"]

# Hypothesis's deadline (200 ms per example) and its too_slow health check are wall-clock
# assertions: on a loaded 2-core machine they fail tests whose behaviour is right. Timing claims
# belong in bench/; here every property test runs without them.
settings.register_profile("terminal", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("terminal")


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    """Name the random order's seed even under -q, so any failing run can be replayed."""
    seed = getattr(config.option, "randomly_seed", None)
    if config.pluginmanager.hasplugin("randomly") and isinstance(seed, int):
        terminalreporter.write_line(
            f"random test order seed {seed}; replay this order with: "
            f'make test PYTEST_ARGS="-p randomly --randomly-seed={seed}"'
        )
