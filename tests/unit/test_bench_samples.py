"""The GUI storm bench's latency samples (bench/_samples.py) keep its memory flat.

``bench/gui_load.py`` reports the GUI process's RSS growth, so what the bench itself records
must not grow: its 5 ms probe kept every lateness in a list (32 bytes a sample, about 0.4 MB a
minute at 200 samples a second), which the RSS slope counted as the terminal's.
"""

import importlib.util
import random
import sys
import tracemalloc
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture(scope="module")
def samples_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("_samples", BENCH / "_samples.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("_samples", module)
    spec.loader.exec_module(module)
    return module


def test_recording_many_more_samples_than_reserved_allocates_nothing_more(
    samples_module: ModuleType,
) -> None:
    samples = samples_module.Samples(1_000)
    for i in range(1_000):  # filled: from here on every value replaces one or is dropped
        samples.append(float(i))
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for i in range(50_000):
            samples.append(i * 0.5)  # a new float each time, as a latency is
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    # A list would have grown by 50,000 floats and slots (1.6 MB); a few objects are noise.
    assert grown < 4_096
    assert samples.n == 51_000
    assert len(samples.kept()) == 1_000


def test_every_value_is_kept_while_they_fit(samples_module: ModuleType) -> None:
    samples = samples_module.Samples(samples_module.capacity(10, 100))
    rng = random.Random(3)
    values = [rng.uniform(0, 50) for _ in range(1_000)]
    for value in values:
        samples.append(value)
    assert samples.kept() == values
    assert samples.max == max(values)


def test_past_the_room_the_kept_values_are_a_uniform_sample(samples_module: ModuleType) -> None:
    samples = samples_module.Samples(2_000)
    for i in range(100_000):  # 0 … 99,999 in order: a biased keeper would keep the early ones
        samples.append(float(i))
    kept = sorted(samples.kept())
    median = kept[len(kept) // 2]
    assert 45_000 < median < 55_000
    assert samples.max == 99_999.0
    assert kept[-1] > 90_000
