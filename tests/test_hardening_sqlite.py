"""SQLite with concurrent writers: transactions queue for the write lock instead of failing."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, connections, transaction


@pytest.fixture
def sqlite_only() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL takes row locks (select_for_update) instead")


def test_the_test_database_is_a_file_that_threads_share(sqlite_only: None, db: Any) -> None:
    name = connection.settings_dict["NAME"]
    assert Path(name).name.startswith("test-") and Path(name).is_file()


@pytest.fixture
def counter(sqlite_only: None, transactional_db: Any) -> Iterator[None]:
    # A table of its own, so that only the database settings are under test.
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE hardening_counter (value INTEGER NOT NULL)")
        cursor.execute("INSERT INTO hardening_counter (value) VALUES (0)")
    yield
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE hardening_counter")


def test_read_then_write_transactions_do_not_lose_updates(counter: None) -> None:
    # Each thread reads the counter, pauses, writes it back plus one. Deferred transactions
    # would all read together and then fail with "database is locked" or lose updates;
    # IMMEDIATE ones take the write lock at BEGIN, so the others wait their turn.
    threads_count = 8
    barrier = threading.Barrier(threads_count, timeout=30)
    errors: list[BaseException] = []

    def add_one() -> None:
        try:
            barrier.wait()
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT value FROM hardening_counter")
                (value,) = cursor.fetchone()
                time.sleep(0.02)
                cursor.execute("UPDATE hardening_counter SET value = %s", [value + 1])
        except BaseException as exc:  # reported in the test's thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=add_one) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    with connection.cursor() as cursor:
        cursor.execute("SELECT value FROM hardening_counter")
        assert cursor.fetchone() == (threads_count,)
