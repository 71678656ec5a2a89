"""Owned tasks: failures are reported, stop cancels everything."""

from __future__ import annotations

import asyncio

import pytest

from terminal.tasks import OwnedTasks

pytestmark = pytest.mark.asyncio


async def test_a_failing_task_reports_its_name_and_error() -> None:
    errors: list[tuple[str, str]] = []
    tasks = OwnedTasks(lambda name, exc: errors.append((name, str(exc))))

    async def boom() -> None:
        raise RuntimeError("broker went away")

    tasks.spawn(boom(), "resync")
    await tasks.idle()
    assert errors == [("resync", "broker went away")] and len(tasks) == 0


async def test_cancel_all_ends_running_tasks_without_reporting_errors() -> None:
    errors: list[str] = []
    tasks = OwnedTasks(lambda name, exc: errors.append(name))
    task = tasks.spawn(asyncio.Event().wait(), "waiting")
    await tasks.cancel_all()
    assert task.cancelled() and errors == [] and len(tasks) == 0


async def test_idle_returns_when_a_task_finished_before_it_was_called() -> None:
    errors: list[str] = []
    tasks = OwnedTasks(lambda name, exc: errors.append(name))
    woken: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    async def boom() -> None:
        woken.set_result(None)  # wakes the test ahead of this task's own done callbacks
        raise RuntimeError("lost")

    task = tasks.spawn(boom(), "boom")
    await woken
    assert task.done() and len(tasks) == 1  # finished, not yet reported
    await asyncio.wait_for(tasks.idle(), 5)
    assert len(tasks) == 0 and errors == ["boom"]
