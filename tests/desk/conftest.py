"""Desk tests: several terminals (processes or cores) on one real PostgreSQL database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.helpers.postgres import fresh_database


@pytest.fixture
def pg_url() -> Iterator[str]:
    """The URL of a fresh, empty PostgreSQL database, dropped afterwards."""
    with fresh_database() as url:
        yield url
