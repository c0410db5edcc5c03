"""Patient accounts: invitations sent by the clinic, accepted by the patient.

Services raise domain errors; the views turn them into pages. Nothing here builds URLs:
the view passes the invitation link in.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser, User
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from acuback.web.clinics.models import Clinic, Patient
from acuback.web.portal.models import Invitation, PatientAccount


class NotPatient(LookupError):
    """The account is signed out or is not a patient's."""


class InvitationRefused(Exception):
    """The clinic cannot invite this patient (yet); the message says what to do."""


class InvitationNotValid(Exception):
    """The link is unknown, used or expired; the message says what to do."""


def invitation_hours() -> int:
    return int(getattr(settings, "ACUBACK_INVITATION_HOURS", 72))


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def account_of(user: AbstractBaseUser | AnonymousUser) -> PatientAccount:
    found = None
    if user.is_authenticated and user.is_active:
        found = (
            PatientAccount.objects.select_related("patient__clinic", "user")
            .filter(user_id=user.pk, user__membership__isnull=True)
            .first()
        )
    if found is None:
        raise NotPatient("No patient record for this account")
    return found


def is_patient(user: AbstractBaseUser | AnonymousUser) -> bool:
    return user.is_authenticated and PatientAccount.objects.filter(user_id=user.pk).exists()


def _email_taken(email: str, patient: Patient) -> bool:
    """Another sign-in already uses this address (a patient's username is their email)."""
    others = User.objects.filter(Q(username__iexact=email) | Q(email__iexact=email))
    return others.exclude(patient_account__patient=patient).exists()


def invite(
    clinic: Clinic, patient: Patient, by: User, now: datetime | None = None
) -> tuple[Invitation, str]:
    """A new invitation and its secret; any earlier unused invitation stops working.

    For a patient who already has an account, the link chooses a new password: that is
    how a forgotten password is replaced, through the clinic that knows the patient.
    """
    now = now or timezone.now()
    if patient.clinic_id != clinic.pk:
        raise InvitationRefused("This patient is not registered at your clinic.")
    email = patient.email.strip()
    if not email:
        raise InvitationRefused(
            "Add the patient's email address to their details first: "
            "the invitation is sent by email."
        )
    if _email_taken(email, patient):
        raise InvitationRefused(
            "Another account already uses this email address. Check the address with the "
            "patient; each patient needs their own."
        )
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        Invitation.objects.filter(patient=patient, used_at__isnull=True).update(used_at=now)
        invitation = Invitation.objects.create(
            clinic=clinic,
            patient=patient,
            email=email,
            token_hash=_hash(token),
            created=now,
            expires_at=now + timedelta(hours=invitation_hours()),
            created_by=by,
        )
    return invitation, token


def send_invitation(invitation: Invitation, link: str) -> None:
    context = {
        "patient": invitation.patient,
        "clinic": invitation.clinic,
        "link": link,
        "new_password": PatientAccount.objects.filter(patient=invitation.patient).exists(),
        "expires_at": timezone.localtime(invitation.expires_at),
    }
    EmailMessage(
        subject=f"Your invitation to the patient portal of {invitation.clinic.name}",
        body=render_to_string("portal/invitation_email.txt", context),
        to=[invitation.email],
    ).send()


def withdraw(invitation: Invitation, now: datetime | None = None) -> None:
    """The link stops working (it was never delivered)."""
    invitation.used_at = now or timezone.now()
    invitation.save(update_fields=["used_at"])


def open_invitation(token: str, now: datetime | None = None) -> Invitation:
    now = now or timezone.now()
    invitation = (
        Invitation.objects.select_related("patient", "clinic")
        .filter(token_hash=_hash(token))
        .first()
    )
    if invitation is None:
        raise InvitationNotValid(
            "This invitation link is not valid. Check that the whole link was copied, or ask "
            "the clinic to send a new one."
        )
    if invitation.used_at is not None:
        raise InvitationNotValid(
            "This invitation has already been used or replaced by a newer one. Sign in with "
            "your email address, or ask the clinic to send a new invitation."
        )
    if invitation.expires_at <= now:
        raise InvitationNotValid(
            "This invitation has expired. Ask the clinic to send you a new one."
        )
    return invitation


def new_patient_user(invitation: Invitation) -> User:
    """The user an accepted invitation creates or updates (unsaved), to check the password."""
    patient = invitation.patient
    account = PatientAccount.objects.select_related("user").filter(patient=patient).first()
    if account is not None:
        return account.user
    return User(
        username=invitation.email.lower(),
        email=invitation.email,
        first_name=patient.given_name[:150],
        last_name=patient.family_name[:150],
    )


def accept(token: str, password: str, now: datetime | None = None) -> User:
    """Create the patient's account, or give it a new password; the link then stops working.

    The sign-in name follows the address the invitation went to, so a patient whose email
    changed signs in with the new one.
    """
    now = now or timezone.now()
    with transaction.atomic():
        invitation = open_invitation(token, now)
        # Locked and read again so that two tabs submitting at once make one account.
        Invitation.objects.select_for_update().filter(pk=invitation.pk).get()
        invitation = open_invitation(token, now)
        if _email_taken(invitation.email, invitation.patient):
            raise InvitationNotValid(
                "Another account already uses this email address. Ask the clinic for help."
            )
        user = new_patient_user(invitation)
        user.username = invitation.email.lower()
        user.email = invitation.email
        user.set_password(password)
        user.save()
        PatientAccount.objects.get_or_create(
            patient=invitation.patient, defaults={"user": user, "clinic": invitation.clinic}
        )
        invitation.used_at = now
        invitation.save(update_fields=["used_at"])
    return user


@dataclass(frozen=True)
class PortalStatus:
    """What the staff see of a patient's portal access."""

    has_account: bool
    signed_in_last: datetime | None
    invited_until: datetime | None  # a pending invitation's expiry
    can_invite: bool
    why_not: str


def portal_status(patient: Patient, now: datetime | None = None) -> PortalStatus:
    now = now or timezone.now()
    account = PatientAccount.objects.select_related("user").filter(patient=patient).first()
    pending = (
        Invitation.objects.filter(patient=patient, used_at__isnull=True, expires_at__gt=now)
        .order_by("-created")
        .first()
    )
    why_not = "" if patient.email.strip() else "Add an email address to invite this patient."
    return PortalStatus(
        has_account=account is not None,
        signed_in_last=account.user.last_login if account else None,
        invited_until=pending.expires_at if pending else None,
        can_invite=not why_not,
        why_not=why_not,
    )
