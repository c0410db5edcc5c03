"""Requests per second of the plan page: `acuback serve` (gunicorn) against `--dev`.

Run by `make bench` on the SQLite cohort that bench/pages.py grew. Each server is started in
turn on a free loopback port and loaded by ApacheBench (`ab`, 8 at a time) as the demo
practitioner, after a warm-up; the two figures are from the same run, so their ratio holds
on a busy machine where the absolute numbers do not. It measures; it asserts nothing. Its
last line is JSON for scripts/bench.sh.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "acuback.web.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.test import Client  # noqa: E402

from acuback.web.care.models import PlanRecord  # noqa: E402
from acuback.web.clinics.models import Membership  # noqa: E402

ACUBACK = str(Path(sys.executable).parent / "acuback")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def signed_in_cookie() -> str:
    member = Membership.objects.filter(clinic__slug="demo-back-clinic", role="practitioner")
    found = member.first()
    assert found is not None
    client = Client()
    client.force_login(found.user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def requests_per_second(dev: bool, path: str, cookie: str, requests: int) -> dict[str, float]:
    port = free_port()
    command = [ACUBACK, "serve", "--port", str(port), *(["--dev"] if dev else [])]
    server = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}{path}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=5)  # noqa: S310
                break
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit(f"bench: {' '.join(command)} did not start") from None
                time.sleep(0.3)
        ab = ["ab", "-q", "-c", "8", "-C", cookie, "-s", "60"]
        subprocess.run([*ab, "-n", "40", url], capture_output=True, check=True)  # warm up
        done = subprocess.run(
            [*ab, "-n", str(requests), url], capture_output=True, text=True, check=True
        )
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)
    out = done.stdout

    def figure(pattern: str) -> float:
        found = re.search(pattern, out)
        return float(found.group(1)) if found else 0.0

    non_2xx = figure(r"Non-2xx responses:\s+(\d+)")
    failed = figure(r"Failed requests:\s+(\d+)")
    return {
        "rps": figure(r"Requests per second:\s+([\d.]+)"),
        "p99_ms": figure(r"\s99%\s+(\d+)"),
        "bad": non_2xx + failed,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=400)
    args = parser.parse_args()
    plan = PlanRecord.objects.filter(clinic__slug="demo-back-clinic").order_by("-start").first()
    assert plan is not None, "run bench/pages.py first: it grows the cohort"
    cookie = signed_in_cookie()
    path = f"/plans/{plan.pk}/"
    production = requests_per_second(False, path, cookie, args.requests)
    development = requests_per_second(True, path, cookie, args.requests)
    for name, found in (("acuback serve", production), ("acuback serve --dev", development)):
        print(
            f"  plan page, {name:<20} {found['rps']:7.1f} requests/s, p99 {found['p99_ms']:.0f} ms,"
            f" {found['bad']:.0f} not answered 200"
        )
    ratio = production["rps"] / development["rps"] if development["rps"] else 0.0
    print(f"  production server: {ratio:.1f}x the development server's requests per second")
    print(json.dumps({"production": production, "development": development, "ratio": ratio}))


if __name__ == "__main__":
    main()
