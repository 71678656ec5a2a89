"""Owned asyncio tasks: every task has an owner that cancels it on stop and hears its failure.

A fire-and-forget task can be garbage-collected mid-flight and its exception lost; a task in
an :class:`OwnedTasks` set is referenced until it ends, and a failure goes to ``on_error``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any


class OwnedTasks:
    """A tracked set of tasks with one error handler."""

    def __init__(self, on_error: Callable[[str, BaseException], None]) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()
        self._on_error = on_error

    def __len__(self) -> int:
        return len(self._tasks)

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        """Run ``coro`` as an owned task on the running loop."""
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and (exc := task.exception()) is not None:
            self._on_error(task.get_name(), exc)

    async def cancel_all(self) -> None:
        """Cancel every task and wait until they have ended."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    async def idle(self) -> None:
        """Wait until every task (including ones spawned meanwhile) has finished and been
        accounted for (its failure reported)."""
        while self._tasks:
            pending = [t for t in self._tasks if not t.done()]
            if pending:
                await asyncio.wait(pending)
            else:
                # Finished, but the done callbacks that report and forget them are queued. (A
                # gather of finished tasks completes eagerly on 3.12 and never yields, so
                # awaiting one here would spin forever without letting those callbacks run.)
                await asyncio.sleep(0)
