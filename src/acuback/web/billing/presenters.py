"""What the billing pages show: money in the clinic's currency, invoices in plain words.

Presenters format; they decide nothing (that is `service`) and build no URLs.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from acuback.web.billing.models import Invoice, PaymentMethod

SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "$", "AUD": "A$", "CAD": "C$", "NZD": "NZ$"}


def money(amount: Decimal | int | None, currency: str) -> str:
    """£1,234.50: always two decimals, the currency's sign (or its code before the amount)."""
    if amount is None:
        return ""
    value = Decimal(amount).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "−" if value < 0 else ""
    digits = f"{abs(value):,.2f}"
    symbol = SYMBOLS.get(currency.upper())
    return f"{sign}{symbol}{digits}" if symbol else f"{sign}{currency.upper()} {digits}"


def document_name(invoice: Invoice) -> str:
    """A paid invoice is the patient's receipt."""
    return "Receipt" if invoice.is_paid else "Invoice"


# How a payment was made, as a sentence says it: "paid in full on 3 Dec 2026 by card".
PAID_HOW: dict[str, str] = {
    PaymentMethod.CARD: "by card",
    PaymentMethod.CASH: "in cash",
    PaymentMethod.BANK_TRANSFER: "by bank transfer",
    PaymentMethod.INSURER: "by the insurer",
}


def paid_how(invoice: Invoice) -> str:
    return PAID_HOW.get(invoice.payment_method, "") if invoice.is_paid else ""


def state(invoice: Invoice) -> str:
    if invoice.paid_on is None:
        return "Unpaid"
    return f"Paid {paid_how(invoice)}"
