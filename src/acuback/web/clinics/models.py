"""Clinics are tenants: every patient record belongs to exactly one clinic."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models

from acuback.web.clinics.text import fold, name_words


class PaperSize(models.TextChoices):
    A4 = "A4", "A4"
    LETTER = "Letter", "US Letter"


class Clinic(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)
    created = models.DateTimeField(auto_now_add=True)
    # Printed on letters and invoices, so a doctor or insurer knows where to reply.
    address = models.TextField("Postal address", blank=True, default="")
    phone = models.CharField("Phone", max_length=32, blank=True, default="")
    email = models.EmailField("Email", blank=True, default="")
    # A clinic prints on one paper size every time (US and Canada: Letter; elsewhere A4).
    paper_size = models.CharField(
        "Paper size for documents", max_length=6, choices=PaperSize.choices, default=PaperSize.A4
    )

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    ADMIN = "admin", "Clinic admin"
    PRACTITIONER = "practitioner", "Practitioner"
    RECEPTION = "reception", "Reception"


class Membership(models.Model):
    """A staff user's place in one clinic. Patients are not members."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership"
    )
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="members")
    role = models.CharField(max_length=20, choices=Role.choices)

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}, {self.clinic})"


class Sex(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"
    OTHER = "other", "Other"
    UNKNOWN = "unknown", "Not stated"


class ContactBy(models.TextChoices):
    PHONE = "phone", "Phone call"
    SMS = "sms", "Text message (SMS)"
    EMAIL = "email", "Email"
    POST = "post", "Post"


class Patient(models.Model):
    """Demographics only; clinical notes live in the care app.

    Every detail beyond the name, date of birth and sex is optional and blank ("" or None)
    when unknown. Phone numbers are stored normalised: digits, with a leading + if given.
    """

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="patients")
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)
    created = models.DateTimeField(auto_now_add=True)

    phone = models.CharField(max_length=32, verbose_name="Phone", blank=True, default="")
    email = models.EmailField(verbose_name="Email", blank=True, default="")
    address = models.TextField(verbose_name="Postal address", blank=True, default="")
    preferred_contact = models.CharField(
        "How to contact them", max_length=10, choices=ContactBy.choices, blank=True, default=""
    )
    emergency_contact_name = models.CharField(
        max_length=200, verbose_name="Emergency contact: name", blank=True, default=""
    )
    emergency_contact_phone = models.CharField(
        max_length=32, verbose_name="Emergency contact: phone", blank=True, default=""
    )
    gp_name = models.CharField(max_length=200, verbose_name="GP's name", blank=True, default="")
    gp_practice = models.CharField(
        max_length=200, verbose_name="GP practice", blank=True, default=""
    )
    gp_contact = models.CharField(
        max_length=300, verbose_name="GP practice phone or address", blank=True, default=""
    )
    insurer = models.CharField(max_length=200, verbose_name="Insurer", blank=True, default="")
    policy_number = models.CharField(
        max_length=100, verbose_name="Policy number", blank=True, default=""
    )
    insurer_visits = models.PositiveIntegerField(
        "Visits the insurer covers", null=True, blank=True, validators=[MinValueValidator(1)]
    )
    treatment_consent_on = models.DateField("Consent to treatment given on", null=True, blank=True)
    data_sharing_consent_on = models.DateField(
        "Consent to share data given on", null=True, blank=True
    )
    guardian_name = models.CharField(
        max_length=200, verbose_name="Parent or guardian: name", blank=True, default=""
    )
    guardian_relationship = models.CharField(
        max_length=100, verbose_name="Relationship to the patient", blank=True, default=""
    )
    guardian_phone = models.CharField(
        max_length=32, verbose_name="Parent or guardian: phone", blank=True, default=""
    )
    # Given and family name folded (no accents, lower case) for searching; kept by save().
    name_folded = models.CharField(max_length=201, editable=False, default="")

    class Meta:
        ordering = ["family_name", "given_name"]
        indexes = [
            models.Index(fields=["clinic", "family_name"]),
            models.Index(
                fields=["clinic", "date_of_birth", "family_name", "given_name"],
                name="patient_search_birth",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.name_folded = fold(f"{self.given_name} {self.family_name}")
        update_fields = kwargs.get("update_fields")
        renamed = update_fields is None or bool({"given_name", "family_name"} & set(update_fields))
        if update_fields is not None and renamed:
            kwargs["update_fields"] = {*update_fields, "name_folded"}
        super().save(*args, **kwargs)
        if renamed:
            PatientNameWord.index([self])


class PatientNameWord(models.Model):
    """Each word of a patient's folded name, so a name search starts from an index.

    The patient list finds names by how their words start ("fen" finds Fenwick); a
    search inside a long column would read every patient, a search here reads an index.
    Kept by Patient.save(); patients made another way (bulk_create) call `index` after.
    """

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="name_words")
    # db_index: on PostgreSQL Django adds a pattern index, which LIKE 'fen%' uses.
    word = models.CharField(max_length=100, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["patient", "word"], name="patient_name_word_once")
        ]

    def __str__(self) -> str:
        return self.word

    @staticmethod
    def index(patients: list[Patient]) -> None:
        """(Re)write the words of these patients' names."""
        PatientNameWord.objects.filter(patient__in=patients).delete()
        PatientNameWord.objects.bulk_create(
            PatientNameWord(patient=patient, word=word[:100])
            for patient in patients
            for word in dict.fromkeys(name_words(f"{patient.given_name} {patient.family_name}"))
        )
