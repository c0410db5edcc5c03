"""Thin views over the appointment book's service: read, call, render, audit.

Every record is looked up within the signed-in user's clinic, so another clinic's
appointment, patient, practitioner or plan answers 404. Domain errors become 404 (not
found), 403 (role), 409 (clash, status) or 400 (input).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.forms import DateField, TimeField, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from acuback.clinical.base import InputError, spoken
from acuback.web.appointments import forms, presenters, service
from acuback.web.appointments.models import Appointment, Kind, Status
from acuback.web.audit.models import Action
from acuback.web.audit.service import record
from acuback.web.care import service as care
from acuback.web.clinics import service as clinics
from acuback.web.clinics.models import Clinic, Membership

View = Callable[..., HttpResponse]


def book_view(view: View) -> View:
    """Every member of the clinic uses the book: reception, practitioners and admins."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        membership = clinics.membership_of(request.user)
        try:
            return view(request, membership, *args, **kwargs)
        except service.NotFound as exc:
            raise Http404("No such record") from exc

    return login_required(wrapper)


def staff(request: HttpRequest) -> User:
    if not isinstance(request.user, User):
        raise PermissionDenied("Sign in first.")
    return request.user


def _form_error(form: Any, exc: InputError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.sentence)


def _practitioner_filter(clinic: Clinic, practitioner_id: int | None) -> User | None:
    return service.practitioner_in(clinic, practitioner_id) if practitioner_id else None


def _query(day: date, practitioner: User | None) -> str:
    query = f"?day={day.isoformat()}"
    return query + (f"&practitioner={practitioner.pk}" if practitioner else "")


# --- the day and the week --------------------------------------------------------------


def _book_query(request: HttpRequest, membership: Membership) -> tuple[date, User | None]:
    form = forms.DayForm(request.GET)
    if not form.is_valid():
        raise InputError("day", "Write the day as YYYY-MM-DD and the practitioner as a number.")
    practitioner = _practitioner_filter(membership.clinic, form.cleaned_data["practitioner"])
    return form.day_or(timezone.localdate()), practitioner


@book_view
def day_view(request: HttpRequest, membership: Membership) -> HttpResponse:
    clinic = membership.clinic
    try:
        day, practitioner = _book_query(request, membership)
    except InputError as exc:
        return render(request, "appointments/bad_query.html", {"problem": exc.message}, status=400)
    rules = service.rules_for(clinic)
    people = [practitioner] if practitioner else list(service.practitioners_of(clinic))
    appointments = list(service.appointments_between(clinic, day, day, practitioner))
    record(request, Action.VIEW, f"appointment book {day.isoformat()}", clinic=clinic)
    return render(
        request,
        "appointments/day.html",
        {
            "day": day,
            "practitioner": practitioner,
            "practitioners": service.practitioners_of(clinic),
            "columns": presenters.day_columns(rules, day, people, appointments),
            "hours": presenters.hour_marks(rules, day),
            "height": presenters.grid_height(rules, day),
            "cancelled": [a for a in appointments if a.status == Status.CANCELLED],
            "rules": rules,
            "previous": _query(day - timedelta(days=1), practitioner),
            "next": _query(day + timedelta(days=1), practitioner),
            "today": _query(timezone.localdate(), practitioner),
            "week": _query(day, practitioner),
        },
    )


@book_view
def week_view(request: HttpRequest, membership: Membership) -> HttpResponse:
    clinic = membership.clinic
    try:
        day, practitioner = _book_query(request, membership)
    except InputError as exc:
        return render(request, "appointments/bad_query.html", {"problem": exc.message}, status=400)
    monday = day - timedelta(days=day.weekday())
    sunday = monday + timedelta(days=6)
    found = service.appointments_between(clinic, monday, sunday, practitioner)
    practitioners = list(service.practitioners_of(clinic))
    record(request, Action.VIEW, f"appointment book week of {monday.isoformat()}", clinic=clinic)
    context: dict[str, Any] = {
        "monday": monday,
        "sunday": sunday,
        "practitioner": practitioner,
        "practitioners": practitioners,
        "previous": _query(monday - timedelta(days=7), practitioner),
        "next": _query(monday + timedelta(days=7), practitioner),
        "today": _query(timezone.localdate(), practitioner),
        "day_query": _query(day, practitioner),
        "today_date": timezone.localdate(),
    }
    if practitioner is None:
        # A clinic group's week runs to hundreds of visits: the whole clinic's week says how
        # full each practitioner's day is, and each line opens that practitioner's day.
        rows = found.values_list("practitioner_id", "starts_at", "ends_at", "status")
        context["clinic_days"] = presenters.clinic_week(monday, practitioners, list(rows))
    else:
        context["days"] = presenters.week_days(monday, list(found))
    return render(request, "appointments/week.html", context)


# --- booking ---------------------------------------------------------------------------


def _initial(request: HttpRequest, clinic: Clinic) -> dict[str, Any]:
    """Prefill from the query string (a click on the book, a patient's page)."""
    initial: dict[str, Any] = {"day": timezone.localdate(), "travel_before": 0, "travel_after": 0}
    prefill = forms.BookingForm(request.GET, clinic=clinic)
    prefill.is_valid()
    for name in ("patient", "practitioner", "type", "day", "time"):
        if name in prefill.cleaned_data and prefill.cleaned_data[name] is not None:
            initial[name] = prefill.cleaned_data[name]
    if "patient" in initial:
        patient = service.patient_in(clinic, initial["patient"])
        initial["address"] = service.patient_address(patient)
    return initial


@book_view
def new(request: HttpRequest, membership: Membership) -> HttpResponse:
    clinic = membership.clinic
    if request.method != "POST":
        form = forms.BookingForm(initial=_initial(request, clinic), clinic=clinic)
        return _booking_page(request, form)
    form = forms.BookingForm(request.POST, clinic=clinic)
    if not form.is_valid():
        return _booking_page(request, form, status=400)
    data = form.cleaned_data
    booking = service.Booking(
        patient=service.patient_in(clinic, data["patient"]),
        practitioner=service.practitioner_in(clinic, data["practitioner"]),
        type=service.type_in(clinic, data["type"]),
        starts_at=service.at(data["day"], data["time"]),
        address=data["address"],
        travel_before=data["travel_before"],
        travel_after=data["travel_after"],
    )
    try:
        appointment = service.book(clinic, staff(request), booking)
    except InputError as exc:
        _form_error(form, exc)
        return _booking_page(request, form, status=400)
    except service.Clash as exc:
        return _booking_page(request, form, clash=exc, status=409)
    record(request, Action.CREATE, f"appointment {appointment.pk}", clinic=clinic,
           patient_id=appointment.patient_id)  # fmt: skip
    messages.success(request, f"Appointment booked for {service.when(appointment.starts_at)}.")
    return redirect("appointment-detail", appointment_id=appointment.pk)


def _booking_page(
    request: HttpRequest,
    form: forms.BookingForm,
    clash: service.Clash | None = None,
    status: int = 200,
) -> HttpResponse:
    instead: dict[str, Any] | None = None
    if clash is not None and clash.nearest is not None:
        nearest = service.local(clash.nearest)
        # The same booking again, at the nearest free slot: one click books it.
        instead = {name: form.data.get(name, "") for name in form.fields}
        instead.update(day=nearest.date().isoformat(), time=f"{nearest:%H:%M}")
    return render(
        request,
        "appointments/booking_form.html",
        {
            "form": form,
            "clash": clash,
            "instead": instead,
            "nearest": service.local(clash.nearest) if clash and clash.nearest else None,
            "home_visit_types": form.home_visit_types,
        },
        status=status,
    )


# --- one appointment -------------------------------------------------------------------


@book_view
def detail(request: HttpRequest, membership: Membership, appointment_id: int) -> HttpResponse:
    appointment = service.appointment_in(membership.clinic, appointment_id)
    return _detail_page(request, membership, appointment)


def _detail_page(
    request: HttpRequest,
    membership: Membership,
    appointment: Appointment,
    problem: str = "",
    status_form: forms.StatusForm | None = None,
    move_form: forms.MoveForm | None = None,
    clash: service.Clash | None = None,
    status: int = 200,
) -> HttpResponse:
    record(request, Action.VIEW, f"appointment {appointment.pk}", clinic=membership.clinic,
           patient_id=appointment.patient_id)  # fmt: skip
    clinical = membership.role in service.CLINICAL_ROLES
    rules = service.rules_for(membership.clinic)
    local_start = service.local(appointment.starts_at)
    return render(
        request,
        "appointments/detail.html",
        {
            "appointment": appointment,
            "clinical": clinical,
            "actions": service.allowed_actions(appointment),
            "can_start_session": clinical
            and appointment.status == Status.ARRIVED
            and appointment.plan_id is not None
            and appointment.session_id is None,
            "problem": problem,
            "status_form": status_form or forms.StatusForm(),
            "move_form": move_form
            or forms.MoveForm(
                initial={"day": local_start.date(), "time": local_start.time()}, rules=rules
            ),
            "notice": presenters.notice(appointment),
            "clash": clash,
            "rules": rules,
            "travel": service.travel_blocks(appointment),
            "day_query": _query(local_start.date(), appointment.practitioner),
        },
        status=status,
    )


STATUS_DONE = {
    "arrive": "{patient} has arrived.",
    "done": "Appointment marked done.",
    "no_show": "{patient} marked as not attending.",
    "cancel": "Appointment on {when} cancelled.",
}


@book_view
@require_POST
def change_status(
    request: HttpRequest, membership: Membership, appointment_id: int
) -> HttpResponse:
    appointment = service.appointment_in(membership.clinic, appointment_id)
    form = forms.StatusForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, membership, appointment, status_form=form, status=400)
    action = form.cleaned_data["action"]
    before = appointment.get_status_display()
    try:
        appointment = service.change_status(appointment, action, form.cleaned_data["reason"])
    except InputError as exc:
        _form_error(form, exc)
        return _detail_page(request, membership, appointment, status_form=form, status=400)
    except service.TransitionRefused as exc:
        return _detail_page(request, membership, appointment, problem=str(exc), status=409)
    record(request, Action.CHANGE, f"appointment {appointment.pk} {action}",
           clinic=membership.clinic, patient_id=appointment.patient_id,
           changes={"Status": [before, appointment.get_status_display()]})  # fmt: skip
    text = STATUS_DONE[action].format(
        patient=appointment.patient, when=service.when(appointment.starts_at)
    )
    if appointment.status == Status.CANCELLED and appointment.cancelled_late:
        text += (
            f" Late: {appointment.cancel_notice_hours} hours' notice, under the clinic's "
            f"{service.rules_for(membership.clinic).cancellation_notice_hours}."
        )
    messages.success(request, text)
    return redirect("appointment-detail", appointment_id=appointment.pk)


@book_view
@require_POST
def move(request: HttpRequest, membership: Membership, appointment_id: int) -> HttpResponse:
    appointment = service.appointment_in(membership.clinic, appointment_id)
    form = forms.MoveForm(request.POST, rules=service.rules_for(membership.clinic))
    if not form.is_valid():
        return _detail_page(request, membership, appointment, move_form=form, status=400)
    starts_at = service.at(form.cleaned_data["day"], form.cleaned_data["time"])
    before = service.when(appointment.starts_at)
    try:
        appointment = service.move(appointment, starts_at)
    except InputError as exc:
        _form_error(form, exc)
        return _detail_page(request, membership, appointment, move_form=form, status=400)
    except service.TransitionRefused as exc:
        return _detail_page(request, membership, appointment, problem=str(exc), status=409)
    except service.Clash as exc:
        return _detail_page(request, membership, appointment, move_form=form, clash=exc, status=409)
    record(request, Action.CHANGE, f"appointment {appointment.pk} moved",
           clinic=membership.clinic, patient_id=appointment.patient_id,
           changes={"Starts": [before, service.when(appointment.starts_at)]})  # fmt: skip
    messages.success(request, f"Appointment moved to {service.when(appointment.starts_at)}.")
    return redirect("appointment-detail", appointment_id=appointment.pk)


@book_view
@require_POST
def start_session(
    request: HttpRequest, membership: Membership, appointment_id: int
) -> HttpResponse:
    appointment = service.appointment_in(membership.clinic, appointment_id)
    try:
        appointment = service.start_session(appointment, staff(request), membership.role)
    except service.NotPermitted as exc:
        raise PermissionDenied(str(exc)) from exc
    except (service.TransitionRefused, care.SessionNotOpenable) as exc:
        return _detail_page(request, membership, appointment, problem=str(exc), status=409)
    except InputError as exc:
        return _detail_page(request, membership, appointment, problem=exc.message, status=409)
    assert appointment.session is not None
    record(request, Action.CREATE, f"session {appointment.session.pk} from appointment "
           f"{appointment.pk}", clinic=membership.clinic,
           patient_id=appointment.patient_id)  # fmt: skip
    messages.success(request, f"Session {appointment.session.number} opened.")
    return redirect("session-detail", session_id=appointment.session.pk)


@book_view
def appointment_ics(
    request: HttpRequest, membership: Membership, appointment_id: int
) -> HttpResponse:
    appointment = service.appointment_in(membership.clinic, appointment_id)
    record(request, Action.EXPORT, f"appointment {appointment.pk} calendar file",
           clinic=membership.clinic, patient_id=appointment.patient_id)  # fmt: skip
    body = service.ics([appointment], membership.clinic.name)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="appointment-{appointment.pk}.ics"'
    return response


# --- a practitioner's calendar feed ---------------------------------------------------


@book_view
def feed(request: HttpRequest, membership: Membership) -> HttpResponse:
    if membership.role not in service.BOOKING_ROLES:
        raise PermissionDenied("Calendar feeds are for practitioners.")
    user = staff(request)
    url = None
    if request.method == "POST":
        token = service.renew_feed(user)
        url = request.build_absolute_uri(reverse("appointment-feed-ics", args=[token]))
        record(request, Action.CHANGE, "calendar feed address renewed", clinic=membership.clinic)
        messages.success(request, "New calendar address made; the old one no longer works.")
    return render(
        request,
        "appointments/feed.html",
        {"url": url, "has_feed": service.has_feed(user)},
    )


def feed_ics(request: HttpRequest, token: str) -> HttpResponse:
    """The private feed: the secret in the address is the only key, so no sign-in."""
    try:
        owner = service.feed_owner(token)
    except service.NotFound as exc:
        raise Http404("No such calendar") from exc
    membership = Membership.objects.filter(user=owner).select_related("clinic").first()
    if membership is None:
        raise Http404("No such calendar")
    # The secret is left out of the trail: the trail is read by people the feed is not for.
    record(request, Action.EXPORT, "calendar feed", clinic=membership.clinic, user=owner,
           path="/appointments/feed/(secret)/calendar.ics")  # fmt: skip
    body = service.ics(service.feed_appointments(owner), f"acuback: {membership.clinic.name}")
    return HttpResponse(body, content_type="text/calendar; charset=utf-8")


# --- booking a course in one step -----------------------------------------------------


def _course_form(request: HttpRequest, clinic: Clinic) -> forms.CourseForm:
    data = request.POST if request.method == "POST" else request.GET
    if "practitioner" in data:
        return forms.CourseForm(data, clinic=clinic)
    # First visit: propose at once with the usual choices (the user if a practitioner,
    # a treatment, 09:00).
    initial: dict[str, Any] = {"time": "09:00", "travel_before": 0, "travel_after": 0}
    user = staff(request)
    practitioners = service.practitioners_of(clinic)
    chosen = practitioners.filter(pk=user.pk).first() or practitioners.first()
    if chosen is not None:
        initial["practitioner"] = chosen.pk
    treatment = service.types_for(clinic).filter(kind=Kind.TREATMENT).first()
    if treatment is not None:
        initial["type"] = treatment.pk
    return forms.CourseForm(initial, clinic=clinic)


def _chosen(request: HttpRequest) -> list[tuple[int, datetime]]:
    """The ticked sessions with their (possibly adjusted) date and time."""
    chosen = []
    for raw in request.POST.getlist("book"):
        if not raw.isdigit():
            raise InputError("sessions", "Unknown session.")
        number = int(raw)
        try:
            day = DateField().clean(request.POST.get(f"day-{number}"))
            clock = TimeField().clean(request.POST.get(f"time-{number}"))
        except ValidationError as exc:
            raise InputError("sessions", f"Session {number}: give a date and a time.") from exc
        chosen.append((number, service.at(day, clock)))
    return chosen


@book_view
def course(request: HttpRequest, membership: Membership, plan_id: int) -> HttpResponse:
    clinic = membership.clinic
    plan = service.plan_in(clinic, plan_id)
    form = _course_form(request, clinic)
    problem, clash, status = "", None, 200
    if request.method == "POST" and not form.is_valid():
        status = 400
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        practitioner = service.practitioner_in(clinic, data["practitioner"])
        type_ = service.type_in(clinic, data["type"])
        try:
            booked = service.book_course(
                clinic, staff(request), plan, practitioner, type_, _chosen(request),
                data["address"], data["travel_before"], data["travel_after"],
            )  # fmt: skip
        except InputError as exc:
            problem, status = exc.message, 400
        except service.Clash as exc:
            problem, clash, status = "Nothing was booked. " + str(exc), exc, 409
        else:
            for appointment in booked:
                record(request, Action.CREATE, f"appointment {appointment.pk}", clinic=clinic,
                       patient_id=plan.patient_id)  # fmt: skip
            first, last = booked[0].starts_at, booked[-1].starts_at
            messages.success(
                request,
                f"{len(booked)} appointment{'s' if len(booked) != 1 else ''} booked, "
                f"{spoken(service.local(first).date())} to {spoken(service.local(last).date())}.",
            )
            return redirect(reverse("plan-book", args=[plan.pk]) + _course_query(form))
    return _course_page(request, membership, plan, form, problem, clash, status)


def _course_query(form: forms.CourseForm) -> str:
    data = form.cleaned_data
    return (
        f"?practitioner={data['practitioner']}&type={data['type']}&time={data['time']:%H:%M}"
        f"&travel_before={data['travel_before']}&travel_after={data['travel_after']}"
    )


def _course_page(
    request: HttpRequest,
    membership: Membership,
    plan: Any,
    form: forms.CourseForm,
    problem: str,
    clash: service.Clash | None,
    status: int,
) -> HttpResponse:
    clinic = membership.clinic
    record(request, Action.VIEW, f"course booking for plan {plan.pk}", clinic=clinic,
           patient_id=plan.patient_id)  # fmt: skip
    proposal = None
    if form.is_valid():
        data = form.cleaned_data
        proposal = service.propose_course(
            plan,
            service.practitioner_in(clinic, data["practitioner"]),
            service.type_in(clinic, data["type"]),
            data["time"],
            data["travel_before"],
            data["travel_after"],
        )
    course_plan = plan.course
    chosen_type = service.type_in(clinic, form.cleaned_data["type"]) if form.is_valid() else None
    booked = list(
        Appointment.objects.filter(plan=plan).exclude(status=Status.CANCELLED)
        .select_related("practitioner", "type")
    )  # fmt: skip
    covered = service.visits_covered(plan.patient)
    return render(
        request,
        "appointments/course.html",
        {
            "plan": plan,
            "patient": plan.patient,
            "course": course_plan,
            "form": form,
            "proposal": proposal,
            "booked": booked,
            "problem": problem,
            "clash": clash,
            "covered": covered,
            "planned_count": len(course_plan.sessions),
            "over_cover": covered is not None and len(course_plan.sessions) > covered,
            "clinical": membership.role in service.CLINICAL_ROLES,
            "home_visit": chosen_type is not None and chosen_type.is_home_visit,
            "start_times": forms.start_times(service.rules_for(clinic)),
        },
        status=status,
    )
