"""Invoices for done visits: numbered per clinic, one per appointment, paid or unpaid.

An invoice keeps what it said when it was issued (the lines, prices, currency and the
insurer note), so a later change of price or cover never rewrites a document a patient
holds. It names the visit type and its date, never anything clinical.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models

from acuback.web.appointments.models import Appointment
from acuback.web.clinics.models import Clinic, Patient


class InvoiceCounter(models.Model):
    """The last invoice number a clinic gave out; locked while the next one is taken."""

    clinic = models.OneToOneField(Clinic, on_delete=models.CASCADE, related_name="+")
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"Invoice numbers of {self.clinic}: last {self.last_number}"


class PaymentMethod(models.TextChoices):
    CARD = "card", "Card"
    CASH = "cash", "Cash"
    BANK_TRANSFER = "bank_transfer", "Bank transfer"
    INSURER = "insurer", "Paid by the insurer"


class Invoice(models.Model):
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+")
    number = models.PositiveIntegerField(help_text="Sequential within the clinic, never reused")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="invoices")
    appointment = models.OneToOneField(
        Appointment, on_delete=models.PROTECT, related_name="invoice"
    )
    visit_on = models.DateField()
    issued_on = models.DateField()
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    currency = models.CharField(max_length=3)
    total = models.DecimalField(
        max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    cover_note = models.TextField(
        blank=True, help_text="What the insurer covers: a note, not a claim"
    )
    paid_on = models.DateField(null=True, blank=True)
    payment_method = models.CharField(max_length=20, choices=PaymentMethod.choices, blank=True)
    paid_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "number"], name="one_invoice_number_per_clinic"
            ),
            models.CheckConstraint(
                condition=models.Q(paid_on__isnull=True, payment_method="")
                | (models.Q(paid_on__isnull=False) & ~models.Q(payment_method="")),
                name="invoice_paid_with_date_and_method",
            ),
        ]

    def __str__(self) -> str:
        return f"Invoice {self.number} of {self.clinic}"

    @property
    def is_paid(self) -> bool:
        return self.paid_on is not None


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveSmallIntegerField()
    description = models.CharField(max_length=200)
    amount = models.DecimalField(
        max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "position"], name="one_line_per_position")
        ]

    def __str__(self) -> str:
        return f"{self.description}: {self.amount}"
