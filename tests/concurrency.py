"""Fire requests at the app at the same moment, to test what holds under concurrency.

    responses = simultaneous(8, lambda client: client.post(url, data), user=practitioner)
    assert sorted(r.status_code for r in responses) == [302] + [409] * 7

Each thread has its own `django.test.Client` (signed in with `force_login` when `user` is
given) and so its own database connection; all threads wait at a barrier and send their
request together. The threads see only committed rows, so the test must be transactional:
`@pytest.mark.django_db(transaction=True)`. SQLite needs the file test database and the
IMMEDIATE transaction mode that `acuback.web.settings` configures.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection, connections
from django.http import HttpResponse
from django.test import Client

MakeRequest = Callable[[Client], HttpResponse]


def simultaneous(
    n: int, make_request: MakeRequest, *, user: Any | None = None, timeout: float = 120.0
) -> list[HttpResponse]:
    """`n` threads send the same request at once; their responses in thread order."""
    return all_at_once([make_request] * n, user=user, timeout=timeout)


def all_at_once(
    requests: Sequence[MakeRequest], *, user: Any | None = None, timeout: float = 120.0
) -> list[HttpResponse]:
    """One thread per request, released together; their responses in the same order."""
    if connection.in_atomic_block:
        # The threads could not see this test's rows, which are never committed.
        raise RuntimeError("simultaneous requests need @pytest.mark.django_db(transaction=True)")
    count = len(requests)
    barrier = threading.Barrier(count, timeout=timeout)
    responses: list[HttpResponse | None] = [None] * count
    errors: list[BaseException] = []
    errors_lock = threading.Lock()

    def run(index: int) -> None:
        try:
            client = Client()
            if user is not None:
                client.force_login(user)
            barrier.wait()
            responses[index] = requests[index](client)
        except BaseException as exc:  # re-raised in the test's thread below
            barrier.abort()  # the others would otherwise wait for this thread until timeout
            with errors_lock:
                errors.append(exc)
        finally:
            # Each thread opened its own connection; left open it would outlive the test
            # and keep PostgreSQL from dropping the test database.
            connections.close_all()

    threads = [
        threading.Thread(target=run, args=(i,), name=f"simultaneous-{i}") for i in range(count)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    if stuck := [t.name for t in threads if t.is_alive()]:
        raise TimeoutError(f"requests still running after {timeout} s: {stuck}")
    # A thread that failed breaks the barrier for the others: report its error, not theirs.
    first = [e for e in errors if not isinstance(e, threading.BrokenBarrierError)] or errors
    if first:
        raise first[0]
    done = [response for response in responses if response is not None]
    assert len(done) == count, "a thread ended without a response or an error"
    return done
