"""Latency samples in memory reserved up front, for ``bench/gui_load.py``.

The bench measures the GUI process's resident set, so what it records must not grow it: a list
of floats grows 32 bytes a sample (the float and its slot), and the 5 ms probe alone samples 200
times a second, about 0.4 MB a minute that was the bench's, not the terminal's. A
:class:`Samples` holds its values in an array of doubles allocated and written once, at the size
the run needs (:func:`capacity`); past that it keeps a uniform random sample of all the values
(Vitter's algorithm R), so percentiles stay unbiased while the memory stays put.

Not a benchmark of its own (``scripts/bench_quick.py`` skips files starting with ``_``).
"""

from __future__ import annotations

import random
from array import array


def capacity(seconds: float, per_second: float) -> int:
    """Room for ``seconds`` of samples at ``per_second``, with a margin."""
    return int(seconds * per_second * 1.1) + 64


class Samples:
    """Up to ``size`` values in memory reserved now; beyond, a uniform sample of all of them.

    ``n`` counts every value added and ``max`` is the largest, whether kept or not.
    """

    def __init__(self, size: int, seed: int = 5) -> None:
        # bytes(...) is written as it is made: the pages are resident from the start.
        self._values = array("d", bytes(8 * max(1, size)))
        self._rng = random.Random(seed)
        self.n = 0
        self.max = float("-inf")

    def append(self, value: float) -> None:
        values, n = self._values, self.n
        if n < len(values):
            values[n] = value
        else:
            slot = self._rng.randrange(n + 1)
            if slot < len(values):
                values[slot] = value
        self.n = n + 1
        if value > self.max:
            self.max = value

    def kept(self) -> list[float]:
        """The values kept: all of them, or a uniform sample once more came than fit."""
        return self._values[: min(self.n, len(self._values))].tolist()

    def __len__(self) -> int:
        return self.n
