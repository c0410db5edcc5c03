"""The pain diary in the portal: write a day's ratings, see them on the practitioner's charts.

Thin views over `diary_service`; every view goes through `patient_view` (the signed-in
patient's own record only) and writes an audit row. An entry's number in a URL is looked
up among the patient's own diary entries, so another patient's number answers 404.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from acuback.clinical.base import InputError, spoken
from acuback.knowledge.loader import knowledge_base
from acuback.web.audit.models import Action
from acuback.web.audit.service import record
from acuback.web.care import presenters
from acuback.web.care import service as care
from acuback.web.care.models import PlanRecord, ScoreRecord
from acuback.web.clinics.models import Patient
from acuback.web.portal import diary_service as diary
from acuback.web.portal.access import patient_view
from acuback.web.portal.diary_forms import SERVICE_FIELDS, DiaryForm


def _audit(request: HttpRequest, action: Action, what: str, patient: Patient) -> None:
    record(request, action, what, clinic=patient.clinic, patient_id=patient.pk)


# What the page confirms after a change. Said by the page itself from a fixed word in the
# address (anything else shows nothing), so the confirmation needs no session storage.
DONE = {
    "saved": ("Saved to your diary.", ""),
    "corrected": ("Your entry is corrected.", ""),
    "deleted": ("Your entry is deleted.", ""),
    "locked": (
        "Entries can be changed only on the day they were written. Add a new entry "
        "instead, or tell the clinic in a message.",
        "error",
    ),
}


def _done(what: str) -> HttpResponse:
    return redirect(f"{reverse('portal-diary')}?done={what}")


def _refused(form: DiaryForm, exc: InputError) -> None:
    field = SERVICE_FIELDS.get(exc.field)
    form.add_error(field if field in form.fields else None, exc.sentence)


def _limit_days(form: DiaryForm, patient: Patient) -> None:
    widget = form.fields["day"].widget
    widget.attrs["max"] = diary.today().isoformat()
    widget.attrs["min"] = diary.earliest_day(patient).isoformat()


def _entry_rows(patient: Patient) -> list[dict[str, Any]]:
    kb = knowledge_base()
    return [
        {
            "entry": entry,
            "label": "Pain" if entry.instrument == "nrs" else kb.instruments["peg"].label,
            "items": diary.items_of(entry),
            "editable": diary.editable(entry),
        }
        for entry in diary.entries(patient)
    ]


def _page(
    request: HttpRequest, patient: Patient, form: DiaryForm | None = None, status: int = 200
) -> HttpResponse:
    if form is None:
        form = DiaryForm(initial={"day": diary.today()})
    _limit_days(form, patient)
    plan = PlanRecord.objects.filter(patient=patient).first()
    # The same charts and series the practitioner sees, the diary drawn beside the clinic's.
    charts = presenters.outcome_charts(
        *care.clinic_and_diary_scores(patient, plan), reported_label="Your diary"
    )
    context = {
        "patient": patient,
        "section": "diary",
        "form": form,
        "charts": charts,
        "rows": _entry_rows(patient),
        "earliest": spoken(diary.earliest_day(patient)),
        "days_back": diary.DAYS_BACK,
        "done": DONE.get(request.GET.get("done", "")),
    }
    return render(request, "portal/diary.html", context, status=status)


@patient_view
@require_http_methods(["GET", "POST"])
def diary_page(request: HttpRequest, patient: Patient) -> HttpResponse:
    if request.method != "POST":
        _audit(request, Action.VIEW, "pain diary", patient)
        return _page(request, patient)
    form = DiaryForm(request.POST)
    if form.is_valid():
        try:
            saved = diary.record(patient, _user(request), form.chosen_day, form.ratings())
        except InputError as exc:
            _refused(form, exc)
        else:
            ids = ", ".join(str(s.pk) for s in saved)
            _audit(request, Action.CREATE, f"diary entry {ids} by the patient", patient)
            return _done("saved")
    _audit(request, Action.VIEW, "pain diary (entry refused)", patient)
    return _page(request, patient, form, status=400)


def _user(request: HttpRequest) -> Any:
    # `patient_view` has let only a signed-in patient through.
    return request.user


def _entry(patient: Patient, score_id: int) -> ScoreRecord:
    try:
        return diary.entry_of(patient, score_id)
    except diary.EntryNotFound as exc:
        raise Http404("No such diary entry") from exc


def _initial(entry: ScoreRecord) -> dict[str, Any]:
    initial: dict[str, Any] = {"day": entry.day}
    if entry.instrument == "nrs":
        initial["nrs"] = entry.items.get("nrs-1", int(entry.value))
    else:
        for code in diary.PEG_ITEMS:
            initial[code.replace("-", "_")] = entry.items.get(code)
    return initial


@patient_view
@require_http_methods(["GET", "POST"])
def diary_entry(request: HttpRequest, patient: Patient, score_id: int) -> HttpResponse:
    """Correct one entry (on the day it was written)."""
    entry = _entry(patient, score_id)
    locked = not diary.editable(entry)
    if request.method == "POST" and not locked:
        form = DiaryForm(request.POST, instrument=entry.instrument)
        if form.is_valid():
            try:
                diary.correct(entry, form.chosen_day, form.ratings())
            except diary.EntryLocked:
                locked = True
            except InputError as exc:
                _refused(form, exc)
            else:
                _audit(request, Action.CHANGE, f"diary entry {entry.pk} corrected", patient)
                return _done("corrected")
        status = 400
    else:
        form = DiaryForm(initial=_initial(entry), instrument=entry.instrument)
        status = 409 if request.method == "POST" else 200
    _limit_days(form, patient)
    _audit(request, Action.VIEW, f"diary entry {entry.pk}", patient)
    context = {
        "patient": patient,
        "section": "diary",
        "form": form,
        "entry": entry,
        "locked": locked,
        "written": spoken(timezone.localdate(entry.created)),
        "items": diary.items_of(entry),
        "label": "Pain" if entry.instrument == "nrs" else knowledge_base().instruments["peg"].label,
    }
    return render(request, "portal/diary_entry.html", context, status=status)


@patient_view
@require_POST
def diary_delete(request: HttpRequest, patient: Patient, score_id: int) -> HttpResponse:
    entry = _entry(patient, score_id)
    what = f"diary entry {entry.pk} ({entry.instrument} {entry.value:g} for {entry.day})"
    try:
        diary.delete(entry)
    except diary.EntryLocked:
        _audit(request, Action.VIEW, f"diary entry {entry.pk} (delete refused)", patient)
        return _done("locked")
    _audit(request, Action.CHANGE, f"{what} deleted by the patient", patient)
    return _done("deleted")
