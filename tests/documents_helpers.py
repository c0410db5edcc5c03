"""What the document tests share: a patient waiting for a doctor's approval, and PDF readers.

Each PDF is read back twice: its text through pypdf (what a GP reads), and page 1 drawn
to PNG through pdfium into the tests' artefacts, where a person can look at it.
"""

from __future__ import annotations

import io
import re
from typing import Any

from django.test import Client
from pypdf import PdfReader

from acuback.clinical.intake import read_intake
from acuback.knowledge.loader import knowledge_base
from acuback.web.care import service as care
from acuback.web.care.models import IntakeRecord
from tests.browser_helpers import CODE, shots_dir

ON_BLOOD_THINNERS = {
    "age": 57,
    "sex": "female",
    "pain_duration_weeks": 26,
    "pain_sites": ["lumbar"],
    "conditions": ["chronic-low-back-pain"],
    "medications": ["anticoagulant"],
    "nrs": 6,
}
# Knowledge-base codes as stored (bl23, ex-b2), and the enum values the records hold.
POINT_CODE = re.compile(r"\b(?:bl|ki|gb|lr|gv|si|li|sp|st|ex)-?\d+\b")
ENUM_VALUES = ("clearance_received", "physician_clearance", "de_qi", "declined", "electrical")
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
# Points per inch: pypdf's mediabox is in points.
A4 = (595, 842)
LETTER = (612, 792)


def waiting_intake(patient: Any, user: Any) -> IntakeRecord:
    """An intake whose screening asks for the doctor's approval before any plan."""
    intake = read_intake(ON_BLOOD_THINNERS, knowledge_base())
    return care.record_intake(patient.clinic, patient, user, intake, ON_BLOOD_THINNERS)


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def page_size(pdf: bytes) -> tuple[int, int]:
    box = PdfReader(io.BytesIO(pdf)).pages[0].mediabox
    return round(float(box.width)), round(float(box.height))


def no_codes(text: str) -> None:
    assert not POINT_CODE.findall(text), POINT_CODE.findall(text)[:5]
    assert not CODE.findall(text), CODE.findall(text)[:5]
    assert not ISO_DATE.findall(text), ISO_DATE.findall(text)[:5]
    for value in ENUM_VALUES:
        assert value not in text, value


def page_one_png(pdf: bytes, name: str) -> Any:
    """Page 1 drawn at 100 dpi and kept as a PNG among the tests' artefacts."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    image = document[0].render(scale=100 / 72).to_pil()
    image.save(shots_dir() / f"{name}.png")
    document.close()
    return image


def dark_pixels(image: Any, box: tuple[int, int, int, int] | None = None) -> int:
    grey = image.convert("L")
    if box is not None:
        grey = grey.crop(box)
    return sum(1 for p in grey.get_flattened_data() if p < 200)
