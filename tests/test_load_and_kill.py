"""A bounded load run on loopback, with the server killed (-9) in the middle of it.

`acuback serve` (gunicorn) on a fresh SQLite install, eight clients for a minute: reads of
the patient list and of single patients, and registrations, through the JSON API. Half way
through, the whole server (master and workers) is killed without warning and started
again. Afterwards: no answer was a 5xx, every registration the server acknowledged (201)
is in the database, and SQLite's integrity check passes. The p99 is printed.

SQLite only: it is the embedded default, where durability rests on our own settings (WAL,
synchronous=NORMAL, immediate transactions); PostgreSQL's own WAL answers for itself.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from random import Random
from typing import Any

import pytest

from tests.test_deploy_server import ACUBACK, free_port

CLIENTS = 8
SECONDS = float(os.environ.get("ACUBACK_LOAD_SECONDS", "60"))
KILL_AT = SECONDS / 2


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    acknowledged: list[int] = field(default_factory=list)
    unreachable: int = 0
    # When an answer was cut short after its headers: only the kill may do that.
    cut: list[float] = field(default_factory=list)
    failures: list[BaseException] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, status: int, took: float) -> None:
        with self.lock:
            self.statuses[status] = self.statuses.get(status, 0) + 1
            self.latencies.append(took)


def run(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [ACUBACK, *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def start(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    # Its own process group, so one kill reaches the master and every worker at once.
    process = subprocess.Popen(
        [ACUBACK, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=5)  # noqa: S310
            return process
        except (urllib.error.URLError, ConnectionError):
            assert process.poll() is None, "the server stopped while starting"
            assert time.monotonic() < deadline, "the server did not answer within a minute"
            time.sleep(0.2)


@pytest.fixture
def install(tmp_path: Path) -> Iterator[dict[str, Any]]:
    env = os.environ | {"ACUBACK_VAR_DIR": str(tmp_path / "var")}
    env.pop("ACUBACK_DATABASE_URL", None)
    run(env, "manage", "migrate", "--noinput", "-v", "0")
    run(env, "demo")
    token = run(env, "token", "create", "demo-reception", "--name", "load run").split()[-1]
    yield {"env": env, "token": token, "db": tmp_path / "var" / "acuback.sqlite3"}


def client(base: str, token: str, number: int, until: float, tally: Tally) -> None:
    try:
        load(base, token, number, until, tally)
    except Exception as failure:  # the test fails on it, rather than a thread dying quietly
        tally.failures.append(failure)
        raise


def load(base: str, token: str, number: int, until: float, tally: Tally) -> None:
    rng = Random(number)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    mine: list[int] = []
    sent = 0
    while time.monotonic() < until:
        roll = rng.random()
        if roll < 0.3 or not mine:
            sent += 1
            body = {
                "given_name": f"Load{number}x{sent}",
                "family_name": "Runner",
                "date_of_birth": f"19{50 + number}-0{1 + sent % 9}-1{sent % 10}",
            }
            request = urllib.request.Request(  # noqa: S310  (our own http:// server)
                f"{base}/api/patients", json.dumps(body).encode(), headers, method="POST"
            )
        elif roll < 0.6:
            request = urllib.request.Request(f"{base}/api/patients?q=runner", headers=headers)  # noqa: S310
        else:
            request = urllib.request.Request(  # noqa: S310
                f"{base}/api/patients/{rng.choice(mine)}", headers=headers
            )
        began = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
                status, payload = answer.status, answer.read()
        except urllib.error.HTTPError as refused:
            status, payload = refused.code, refused.read()
        except http.client.IncompleteRead:
            with tally.lock:
                tally.cut.append(time.monotonic())  # killed mid-answer: nothing acknowledged
            continue
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            with tally.lock:
                tally.unreachable += 1  # the server is down: no answer, nothing acknowledged
            time.sleep(0.05)
            continue
        tally.add(status, time.monotonic() - began)
        if request.get_method() == "POST" and status == 201:
            made = json.loads(payload)["id"]
            mine.append(made)
            with tally.lock:
                tally.acknowledged.append(made)


def test_eight_clients_for_a_minute_and_a_kill_9_lose_nothing(
    install: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start(install["env"], port)
    tally = Tally()
    began = time.monotonic()
    threads = [
        threading.Thread(target=client, args=(base, install["token"], n, began + SECONDS, tally))
        for n in range(CLIENTS)
    ]
    for thread in threads:
        thread.start()
    try:
        time.sleep(KILL_AT)
        before_kill = len(tally.acknowledged)
        killed_at = time.monotonic()
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=30)
        server = start(install["env"], port)
        back_at = time.monotonic()
        for thread in threads:
            thread.join(timeout=SECONDS + 60)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    assert not tally.failures, tally.failures
    # An answer cut short is the kill's doing, never the running server's.
    assert all(killed_at <= at <= back_at for at in tally.cut), (killed_at, back_at, tally.cut)
    server_errors = {s: n for s, n in tally.statuses.items() if s >= 500}
    assert not server_errors, tally.statuses
    assert set(tally.statuses) <= {200, 201}, tally.statuses
    assert before_kill > 0 and len(tally.acknowledged) > before_kill  # writes on both sides
    with sqlite3.connect(install["db"]) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        stored = {row[0] for row in db.execute("SELECT id FROM clinics_patient")}
    lost = set(tally.acknowledged) - stored
    assert not lost, f"{len(lost)} acknowledged registrations are missing: {sorted(lost)[:10]}"

    latencies = sorted(tally.latencies)
    p99 = latencies[int(0.99 * (len(latencies) - 1))]
    with capsys.disabled():
        sys.stdout.write(
            f"\nload run: {len(latencies)} answers from {CLIENTS} clients in {SECONDS:.0f} s,"
            f" median {statistics.median(latencies) * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms,"
            f" no 5xx; killed -9 at {KILL_AT:.0f} s ({tally.unreachable} tries found it down,"
            f" {len(tally.cut)} answers cut short by the kill);"
            f" {len(tally.acknowledged)} acknowledged writes all kept; integrity ok\n"
        )
