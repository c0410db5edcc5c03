"""Each main page's median time against a bare view, and the outcomes report's, at scale.

Run by `make bench` (scripts/bench.sh) once on SQLite and once on PostgreSQL. It grows the
demo clinic to --patients with `acuback demo --patients N`, starts as a server worker
does (acuback.web.wsgi.start_worker), then, in this process, asks
each page of Django's test client as the practitioner of the newest course, one of the
cohort's practitioners with about a seventh of its courses (the demo practitioner's own
Today is nearly empty, so it would flatter that page), in rounds, with a bare view
(a constant answer through the same middleware and sign-in) in every round, so each
ratio compares times taken in the same run under the same load. It measures; it asserts
nothing. Its last line is JSON for scripts/bench.sh.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "acuback.web.settings")

import django  # noqa: E402

django.setup()

from django.http import HttpRequest, HttpResponse  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.urls import include, path  # noqa: E402
from django.utils import timezone  # noqa: E402

from acuback.web.care.models import PlanRecord, SessionRecord  # noqa: E402
from acuback.web.clinics.models import Clinic, Membership, Patient  # noqa: E402
from acuback.web.reports import service as reports  # noqa: E402


def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


# The project's URLs and the bare view beside them.
urlpatterns = [path("bench/bare/", bare), path("", include("acuback.web.urls"))]


def pages(clinic: Clinic) -> dict[str, tuple[str, str, dict[str, Any] | None]]:
    """name: (method, url, data). The newest course of the clinic, as its practitioner sees it."""
    plan = newest_course(clinic)
    session = SessionRecord.objects.filter(plan=plan).order_by("-number").first()
    assert session is not None
    patient = plan.patient
    intake = {
        "pain_duration_weeks": "20",
        "pain_sites": ["lumbar"],
        "conditions": ["chronic-low-back-pain"],
        "nrs": "7",
    }
    return {
        "bare view": ("get", "/bench/bare/", None),
        "patient list": ("get", "/patients/", None),
        "search": ("get", f"/patients/?q={patient.family_name[:4].lower()}", None),
        "patient": ("get", f"/patients/{patient.pk}/", None),
        "plan": ("get", f"/plans/{plan.pk}/", None),
        "session": ("get", f"/sessions/{session.pk}/", None),
        "today": ("get", "/today/", None),
        "appointment book": ("get", "/appointments/week/", None),
        "intake preview": ("post", f"/patients/{patient.pk}/intake/preview/", intake),
    }


def newest_course(clinic: Clinic) -> PlanRecord:
    plan = PlanRecord.objects.filter(clinic=clinic).order_by("-start").first()
    assert plan is not None, "the clinic has no course: run `acuback demo --patients N` first"
    return plan


def timed(call: Callable[[], Any]) -> float:
    began = time.perf_counter()
    response = call()
    took = time.perf_counter() - began
    if response.status_code != 200:
        raise SystemExit(f"bench: {response.status_code} from {response.request['PATH_INFO']}")
    return took


@override_settings(ROOT_URLCONF=__name__, ALLOWED_HOSTS=["*"])
def measure_pages(clinic: Clinic, rounds: int) -> dict[str, float]:
    """Median seconds per page over `rounds` rounds, each round asking every page once."""
    practitioner = Membership.objects.get(
        clinic=clinic, user=newest_course(clinic).created_by, role="practitioner"
    )
    client = Client()
    client.force_login(practitioner.user)
    asked = pages(clinic)
    times: dict[str, list[float]] = {name: [] for name in asked}
    for round_ in range(rounds + 2):
        for name, (method, url, data) in asked.items():
            took = timed(lambda m=method, u=url, d=data: getattr(client, m)(u, d))
            if round_ >= 2:  # the first two rounds warm the caches
                times[name].append(took)
    return {name: statistics.median(found) for name, found in times.items()}


def measure_report(clinic: Clinic, rounds: int) -> float:
    today = timezone.localdate()
    found = []
    for _ in range(rounds + 1):
        began = time.perf_counter()
        reports.outcomes(clinic, today - timedelta(days=730), today, today)
        found.append(time.perf_counter() - began)
    return statistics.median(found[1:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    from django.core.management import call_command

    from acuback.cli import _grow_demo_cohort

    call_command("migrate", verbosity=0)
    call_command("load_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    _grow_demo_cohort(args.patients)
    clinic = Clinic.objects.get(slug="demo-back-clinic")
    database = django.db.connection.vendor
    print(
        f"{database}: {Patient.objects.filter(clinic=clinic).count()} patients,"
        f" {SessionRecord.objects.filter(clinic=clinic).count()} sessions",
        file=sys.stderr,
    )
    from acuback.web.wsgi import start_worker

    start_worker()  # as each server worker starts, once the cohort is in place
    medians = measure_pages(clinic, args.rounds)
    report = measure_report(clinic, max(3, args.rounds // 3))
    base = medians["bare view"]
    for name, took in medians.items():
        print(f"  {database:<10} {name:<18} {took * 1000:8.1f} ms  {took / base:6.1f}x bare")
    print(f"  {database:<10} {'outcomes report':<18} {report * 1000:8.1f} ms")
    ratios = {name: took / base for name, took in medians.items() if name != "bare view"}
    print(json.dumps({"database": database, "ratios": ratios, "report_ms": report * 1000}))


if __name__ == "__main__":
    main()
