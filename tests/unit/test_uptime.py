"""The start-up figure counts from the process's start, not from when the terminal's code ran."""

from __future__ import annotations

import subprocess
import sys

#: Spends CPU before importing terminal.uptime, then prints what was spent and the age it gives.
SPEND_THEN_ASK = """
import time
spent_from = time.perf_counter()
while time.perf_counter() - spent_from < 0.3:
    pass
spent = time.perf_counter() - spent_from
from terminal.uptime import process_age
print(spent, process_age())
"""


def test_the_process_age_includes_what_ran_before_the_terminal_was_imported() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SPEND_THEN_ASK], capture_output=True, text=True, check=True
    )
    spent, age = map(float, done.stdout.split())
    # /proc's clocks tick every 10 ms: the age may round down by up to two ticks.
    assert age >= spent - 0.02
