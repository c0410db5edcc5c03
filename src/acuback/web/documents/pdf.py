"""Every printed document goes through here: one stylesheet, the clinic's paper, one audit row.

WeasyPrint renders the same Django templates the pages use. It is imported inside
`render_pdf` because it loads Pango at import, which no page needs.
"""

from __future__ import annotations

from typing import Any

from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.http import content_disposition_header

from acuback.web.audit.models import Action
from acuback.web.audit.service import record
from acuback.web.clinics.models import Clinic, PaperSize

PAPERS: dict[str, str] = {PaperSize.A4: "A4", PaperSize.LETTER: "letter"}


def _css_string(text: str) -> str:
    """Text as a quoted CSS string: a clinic's name goes into the page footer."""
    flat = " ".join(text.split())
    return '"' + flat.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_pdf(
    template: str,
    context: dict[str, Any],
    paper: str = PaperSize.A4,
    footer: str = "",
    stylesheets: tuple[str, ...] = ("documents/print.css",),
    request: HttpRequest | None = None,
) -> bytes:
    """The template printed on the paper (A4 or Letter), footer left and page X of Y right."""
    from weasyprint import CSS, HTML  # type: ignore[import-untyped]

    html = render_to_string(template, context, request=request)
    sheets = []
    for name in stylesheets:
        path = finders.find(name)
        assert isinstance(path, str), name
        sheets.append(CSS(filename=path))
    # The paper and the footer's words differ by clinic and document; the rest is print.css.
    sheets.append(
        CSS(
            string=f"@page {{ size: {PAPERS.get(paper, 'A4')};"
            f" @bottom-left {{ content: {_css_string(footer)}; }} }}"
        )
    )
    return bytes(HTML(string=html).write_pdf(stylesheets=sheets))


def pdf_response(
    request: HttpRequest,
    pdf: bytes,
    *,
    filename: str,
    what: str,
    clinic: Clinic,
    patient_id: int | None,
) -> HttpResponse:
    """The PDF as a download that no cache keeps, with its export written to the audit trail."""
    record(request, Action.EXPORT, what, clinic=clinic, patient_id=patient_id)
    response = HttpResponse(pdf, content_type="application/pdf")
    # Django's helper quotes the name and encodes a name like "Łukasz Żółć" (RFC 6266).
    response["Content-Disposition"] = content_disposition_header(True, filename) or "attachment"
    response["Cache-Control"] = "no-store"
    return response


def document(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    clinic: Clinic,
    patient_id: int | None,
    filename: str,
    what: str,
    footer: str | None = None,
) -> HttpResponse:
    """Render a staff document on the clinic's own paper and send it as a download."""
    pdf = render_pdf(
        template,
        {"clinic": clinic, **context},
        paper=clinic.paper_size,
        footer=clinic.name if footer is None else footer,
        request=request,
    )
    return pdf_response(
        request, pdf, filename=filename, what=what, clinic=clinic, patient_id=patient_id
    )
