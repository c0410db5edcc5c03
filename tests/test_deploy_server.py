"""`acuback serve`: the production server, from a fresh install (issue 13).

The real command runs in a subprocess against a new SQLite file in a new var folder, as
on a fresh clone: no collectstatic, nothing but `migrate` beforehand.
"""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from acuback.web import server

ACUBACK = str(Path(sys.executable).parent / "acuback")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def fresh_install(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    var = tmp_path_factory.mktemp("fresh") / "var"
    env = os.environ | {"ACUBACK_VAR_DIR": str(var)}
    env.pop("ACUBACK_DATABASE_URL", None)
    done = subprocess.run(
        [ACUBACK, "manage", "migrate", "--noinput", "-v", "0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return env


@pytest.fixture(scope="module")
def running(fresh_install: dict[str, str]) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    port = free_port()
    process = subprocess.Popen(
        [ACUBACK, "serve", "--port", str(port), "--workers", "1"],
        env=fresh_install,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{base}/login/", timeout=5)  # noqa: S310
            break
        except (urllib.error.URLError, ConnectionError):
            assert process.poll() is None, process.communicate()[0]
            assert time.monotonic() < deadline, "the server did not answer within a minute"
            time.sleep(0.3)
    yield base, process
    if process.poll() is None:
        process.terminate()
        process.wait(timeout=30)


def get(url: str) -> tuple[int, dict[str, str], bytes]:
    with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310
        return answer.status, dict(answer.headers), answer.read()


def test_serve_runs_gunicorn_and_serves_static_files_without_collectstatic(
    running: tuple[str, subprocess.Popen[str]],
) -> None:
    base, _ = running
    status, headers, body = get(f"{base}/login/")
    assert status == 200
    assert headers["Server"].startswith("gunicorn")
    assert b"Sign in" in body or b"sign in" in body
    status, headers, body = get(f"{base}/static/acuback/site.css")
    assert status == 200 and headers["Content-Type"].startswith("text/css") and body
    # The API docs' Swagger files come from ninja's own package, not a CDN.
    status, _, body = get(f"{base}/static/ninja/swagger-ui-bundle.js")
    assert status == 200 and len(body) > 100_000


def test_the_access_log_never_writes_the_query_string(
    running: tuple[str, subprocess.Popen[str]],
) -> None:
    base, process = running
    get(f"{base}/login/?next=/patients/%3Fq%3DMargaretFinchley")
    time.sleep(0.5)
    process.terminate()
    log, _ = process.communicate(timeout=30)
    assert '"GET /login/ HTTP/1.1" 200' in log
    assert "Finchley" not in log and "?" not in log.split('"GET /login/')[1].split("\n")[0]


def test_workers_follow_the_cores_and_are_capped() -> None:
    assert 3 <= server.default_workers() <= server.MAX_WORKERS


def test_the_var_folder_and_the_database_file_are_for_the_owner_only(
    fresh_install: dict[str, str],
) -> None:
    var = Path(fresh_install["ACUBACK_VAR_DIR"])
    assert stat.S_IMODE(var.stat().st_mode) == 0o700
    database = var / "acuback.sqlite3"
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
    for extra in ("acuback.sqlite3-wal", "acuback.sqlite3-shm", "secret_key"):
        if (var / extra).exists():
            assert stat.S_IMODE((var / extra).stat().st_mode) == 0o600, extra


def test_a_worker_starts_with_the_engine_prepared_and_out_of_the_collectors_way(
    fresh_install: dict[str, str],
) -> None:
    # What a gunicorn worker runs as it starts: the indexes are made, and all that was
    # loaded is frozen, so later collections do not walk it.
    probe = (
        "import gc; from acuback.web import wsgi; "
        "from acuback.knowledge.loader import knowledge_base; "
        "print(knowledge_base().index.derived.kept, gc.get_freeze_count())"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        env=fresh_install,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    kept, frozen = map(int, done.stdout.split())
    assert kept > 0 and frozen > kept
