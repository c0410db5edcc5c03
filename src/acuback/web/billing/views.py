"""Thin views over the billing service: read the request, call the service, render, audit.

Every record is looked up within the signed-in user's clinic, so another clinic's invoice,
patient or appointment answers 404. Domain errors become 404 (not found), 403 (role),
409 (state) or 400 (input). Every page view and every change writes an audit event.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from acuback.clinical.base import InputError
from acuback.web.audit.models import Action
from acuback.web.audit.service import record
from acuback.web.billing import forms, presenters, service
from acuback.web.billing.models import Invoice
from acuback.web.clinics import service as clinics
from acuback.web.clinics.models import Membership, Patient

View = Callable[..., HttpResponse]


def billing_view(view: View) -> View:
    """Every member of the clinic may look; the service decides who may change."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            membership = clinics.staff_membership(request.user)
        except clinics.NotStaff as exc:
            raise Http404("No clinic for this account") from exc
        try:
            return view(request, membership, *args, **kwargs)
        except service.NotFound as exc:
            raise Http404("No such record") from exc
        except service.NotPermitted as exc:
            raise PermissionDenied(str(exc)) from exc

    return login_required(wrapper)


def staff(request: HttpRequest) -> User:
    if not isinstance(request.user, User):
        raise PermissionDenied("Sign in first.")
    return request.user


def may_bill(membership: Membership) -> bool:
    return membership.role in service.BILLING_ROLES


@billing_view
def overview(request: HttpRequest, membership: Membership) -> HttpResponse:
    clinic = membership.clinic
    record(request, Action.VIEW, "invoices overview", clinic=clinic)
    return render(
        request,
        "billing/overview.html",
        {
            "unpaid": service.unpaid(clinic),
            "to_invoice": service.not_invoiced(clinic),
            "recent": service.recent(clinic),
            "may_bill": may_bill(membership),
        },
    )


@billing_view
def prices(request: HttpRequest, membership: Membership) -> HttpResponse:
    record(request, Action.VIEW, "price list", clinic=membership.clinic)
    return render(
        request,
        "billing/prices.html",
        {
            "types": service.price_list(membership.clinic),
            "currency": service.currency(),
            "is_admin": membership.role == "admin",
        },
    )


@billing_view
def patient_invoices(request: HttpRequest, membership: Membership, patient_id: int) -> HttpResponse:
    patient = service.patient_in(membership.clinic, patient_id)
    return _patient_page(request, membership, patient)


def _patient_page(
    request: HttpRequest,
    membership: Membership,
    patient: Patient,
    problem: str = "",
    status: int = 200,
) -> HttpResponse:
    record(request, Action.VIEW, f"invoices of patient {patient.pk}", clinic=membership.clinic,
           patient_id=patient.pk)  # fmt: skip
    return render(
        request,
        "billing/patient_invoices.html",
        {
            "patient": patient,
            "invoices": service.invoices_of(patient),
            "to_invoice": service.not_invoiced(membership.clinic, patient),
            "cover": service.cover_of(patient),
            "plan": service.latest_plan(patient),
            "may_bill": may_bill(membership),
            "problem": problem,
        },
        status=status,
    )


@billing_view
def plan_costs(request: HttpRequest, membership: Membership, plan_id: int) -> HttpResponse:
    """The course estimate on its own page: reception answers 'what will it cost?'."""
    plan = service.plan_in(membership.clinic, plan_id)
    record(request, Action.VIEW, f"costs of plan {plan.pk}", clinic=membership.clinic,
           patient_id=plan.patient_id)  # fmt: skip
    return render(request, "billing/plan_costs.html", {"plan": plan, "patient": plan.patient})


@billing_view
@require_POST
def issue(request: HttpRequest, membership: Membership, appointment_id: int) -> HttpResponse:
    clinic = membership.clinic
    appointment = service.appointment_in(clinic, appointment_id)
    try:
        invoice = service.issue(clinic, staff(request), membership.role, appointment)
    except service.AlreadyInvoiced as exc:
        messages.warning(request, str(exc))
        return redirect("invoice-detail", invoice_id=exc.invoice.pk)
    except service.Refused as exc:
        return _patient_page(request, membership, appointment.patient, str(exc), status=409)
    record(request, Action.CREATE, f"invoice {invoice.number} for appointment {appointment.pk}",
           clinic=clinic, patient_id=invoice.patient_id)  # fmt: skip
    messages.success(
        request,
        f"Invoice {invoice.number} issued to {invoice.patient}: "
        f"{presenters.money(invoice.total, invoice.currency)}.",
    )
    return redirect("invoice-detail", invoice_id=invoice.pk)


@billing_view
def invoice_detail(request: HttpRequest, membership: Membership, invoice_id: int) -> HttpResponse:
    invoice = service.invoice_in(membership.clinic, invoice_id)
    return _invoice_page(request, membership, invoice)


def _invoice_page(
    request: HttpRequest,
    membership: Membership,
    invoice: Invoice,
    form: forms.PaidForm | None = None,
    problem: str = "",
    status: int = 200,
) -> HttpResponse:
    record(request, Action.VIEW, f"invoice {invoice.number}", clinic=membership.clinic,
           patient_id=invoice.patient_id)  # fmt: skip
    return render(
        request,
        "billing/invoice.html",
        {
            "invoice": invoice,
            "clinic": membership.clinic,
            "patient": invoice.patient,
            "document": presenters.document_name(invoice),
            "paid_how": presenters.paid_how(invoice),
            "may_bill": may_bill(membership),
            "form": form or forms.PaidForm(initial={"paid_on": timezone.localdate()}),
            "problem": problem,
        },
        status=status,
    )


@billing_view
@require_POST
def mark_paid(request: HttpRequest, membership: Membership, invoice_id: int) -> HttpResponse:
    invoice = service.invoice_in(membership.clinic, invoice_id)
    if not may_bill(membership):
        raise PermissionDenied("Payments are recorded by reception or a clinic admin.")
    form = forms.PaidForm(request.POST)
    if not form.is_valid():
        return _invoice_page(request, membership, invoice, form=form, status=400)
    try:
        invoice = service.mark_paid(
            invoice, staff(request), membership.role,
            form.cleaned_data["paid_on"], form.cleaned_data["method"],
        )  # fmt: skip
    except InputError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return _invoice_page(request, membership, invoice, form=form, status=400)
    except service.Refused as exc:
        return _invoice_page(request, membership, invoice, problem=str(exc), status=409)
    record(request, Action.CHANGE, f"invoice {invoice.number} paid", clinic=membership.clinic,
           patient_id=invoice.patient_id)  # fmt: skip
    messages.success(request, f"Invoice {invoice.number} marked paid: it is now a receipt.")
    return redirect("invoice-detail", invoice_id=invoice.pk)
