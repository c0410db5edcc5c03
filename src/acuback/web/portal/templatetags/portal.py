from __future__ import annotations

from typing import Any

from django import template

from acuback.web.clinics.models import Patient
from acuback.web.portal.service import PortalStatus, portal_status

register = template.Library()


@register.inclusion_tag("portal/_staff_card.html", takes_context=True)
def portal_access(
    context: dict[str, Any],
    patient: Patient,
    back: str = "detail",
    status: PortalStatus | None = None,
) -> dict[str, Any]:
    """The patient's portal access and the invitation button, for the staff pages (a page
    that already read the access passes it as `status`)."""
    return {
        "patient": patient,
        "status": status or portal_status(patient),
        "back": back,
        "csrf_token": context.get("csrf_token"),
    }
