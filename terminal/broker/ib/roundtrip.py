"""The round trip to TWS, measured: how long a request TWS must answer (reqCurrentTime) takes.

The request waits its turn in the data lane like any data request, so the clock starts when it
is written, not when it was asked for: the figure is TWS's (and the network's) answer time, and
the lanes' queues are reported on their own (``BrokerHealth.queued_orders``/``queued_data``).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Callable, Coroutine
from typing import Any

from ib_async import IB

from terminal.broker.base import BrokerError
from terminal.broker.ib.lanes import Lanes
from terminal.domain import Clock

#: A TWS that has not answered reqCurrentTime after this long is reported as not answering.
ANSWER_SECONDS = 10.0


class RoundTrip:
    def __init__(
        self,
        ib: IB,
        lanes: Lanes,
        clock: Clock,
        *,
        now: Callable[[], float] = time.monotonic,
        answer_seconds: float = ANSWER_SECONDS,
    ) -> None:
        self.ib = ib
        self.lanes = lanes
        self.clock = clock
        self._now = now
        self.answer_seconds = answer_seconds
        #: The last measured round trip (seconds), when, and why the last attempt failed.
        self.seconds: float | None = None
        self.measured_at: dt.datetime | None = None
        self.error = ""

    async def measure(self) -> float:
        """Time one reqCurrentTime from the moment it is written to TWS's answer.

        Raises:
            BrokerError: TWS did not answer within ``answer_seconds`` of the request being
                written (the figure is then unknown, and the error kept).
        """
        written: list[float] = []

        def ask() -> Coroutine[Any, Any, dt.datetime]:
            written.append(self._now())
            # Sent by this call; the wait for the answer starts now, not while it queued.
            answer = self.ib.reqCurrentTimeAsync()
            return asyncio.wait_for(answer, self.answer_seconds)

        try:
            await self.lanes.data_request(ask, "round trip")
        except TimeoutError:
            self.seconds, self.measured_at = None, self.clock.now()
            self.error = f"TWS did not answer a request within {self.answer_seconds:.0f} s"
            raise BrokerError(self.error) from None
        seconds = self._now() - written[0]
        self.seconds, self.measured_at, self.error = seconds, self.clock.now(), ""
        return seconds
