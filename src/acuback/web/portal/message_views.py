"""Messages in the portal: the patient's conversation with the clinic, and writing to it.

Thin views over `message_service`; every view goes through `patient_view` (the signed-in
patient's own record only) and writes an audit row. No URL here takes an id: a patient
only ever reaches their own conversation.
"""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from acuback.web.audit.models import Action
from acuback.web.audit.service import record
from acuback.web.clinics.models import Patient
from acuback.web.paging import page_number
from acuback.web.portal import message_service as conversations
from acuback.web.portal.access import patient_view


class WriteForm(forms.Form):
    body = forms.CharField(
        label="Your message",
        strip=False,  # the service strips, and counts what the patient wrote
        required=False,
        help_text=(
            f"Up to {conversations.MAX_LENGTH:,} characters. Your practitioner reads it, "
            "not reception; to book or change an appointment, call the clinic."
        ),
        widget=forms.Textarea(attrs={"rows": 6}),
    )


def _page(
    request: HttpRequest, patient: Patient, form: WriteForm, status: int = 200
) -> HttpResponse:
    thread = conversations.conversation(patient, page_number(request.GET.get("page")))
    # Shown as new on this visit, then marked read: those on the page.
    new = {m.pk for m in thread.messages if not m.from_patient and m.read_at is None}
    conversations.mark_read_by_patient(patient, request.user, new)  # type: ignore[arg-type]
    context = {
        "patient": patient,
        "section": "messages",
        "form": form,
        "thread": thread,
        "new": new,
        "max_length": conversations.MAX_LENGTH,
        # Confirmed by the page itself from a fixed word in the address.
        "sent": request.GET.get("done") == "sent",
    }
    return render(request, "portal/messages.html", context, status=status)


@patient_view
@require_http_methods(["GET", "POST"])
def messages_page(request: HttpRequest, patient: Patient) -> HttpResponse:
    def audit(action: Action, what: str) -> None:
        record(request, action, what, clinic=patient.clinic, patient_id=patient.pk)

    if request.method != "POST":
        audit(Action.VIEW, "messages")
        return _page(request, patient, WriteForm())
    form = WriteForm(request.POST)
    if form.is_valid():
        try:
            sent = conversations.write_to_clinic(
                patient,
                request.user,  # type: ignore[arg-type]
                form.cleaned_data["body"],
            )
        except conversations.MessageRefused as refused:
            form.add_error("body", str(refused))
        else:
            audit(Action.CREATE, f"message {sent.pk} from the patient")
            return redirect(f"{reverse('portal-messages')}?done=sent")
    audit(Action.VIEW, "messages (message refused)")
    return _page(request, patient, form, status=400)
