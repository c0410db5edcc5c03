"""Forms whose choices come from the knowledge base.

A form with errors is shown again with everything typed still in it and each field's
problem beside it; the engine's own messages are attached to the field they name.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms

from acuback.clinical.base import InputError
from acuback.clinical.intake import Intake, read_intake
from acuback.clinical.screening import Restriction
from acuback.knowledge.loader import KnowledgeBase, knowledge_base
from acuback.knowledge.schema import FindingKind
from acuback.web.care.models import (
    AdverseEvent,
    Decision,
    Response,
    SessionRecord,
    Severity,
    Stimulation,
)
from acuback.web.clinics.models import Patient


def _choices(entries: dict[str, Any]) -> list[tuple[str, str]]:
    return [(code, entry.label) for code, entry in entries.items()]


def _findings(kb: KnowledgeBase, *kinds: FindingKind) -> list[tuple[str, str]]:
    return [(c, f.label) for c, f in kb.findings.items() if f.kind in kinds]


class DateInput(forms.DateInput):
    """The browser's date picker, which reads and writes only ISO dates."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def _choices_of(form: forms.BaseForm, name: str) -> forms.ChoiceField:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    return field


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


class CodesField(forms.MultipleChoiceField):
    """Checkboxes drawn from the knowledge base; `read_intake` judges the codes, not this."""

    def valid_value(self, value: str) -> bool:
        return True


class CodeField(forms.ChoiceField):
    def valid_value(self, value: str) -> bool:
        return True


LOCAL_ROWS = 2  # skin or limb problems a single intake records; most have none
SIDE_CHOICES = [("both", "Both sides"), ("left", "Left"), ("right", "Right")]
STARTBACK_ITEMS = [f"startback-{i}" for i in range(1, 10)]


def engine_field(path: str) -> str | None:
    """The form field an engine error names ("local_findings[1].side" -> "local_side_1")."""
    parts = path.replace("[", ".").replace("]", "").split(".")
    if parts[0] == "startback" and len(parts) > 1:
        return parts[1]
    if parts[0] == "local_findings" and len(parts) > 2:
        return f"local_{parts[2]}_{parts[1]}"
    if parts[0] in {"age", "sex", "intake"}:
        return None  # from the patient's record or the answers as a whole
    return parts[0]


# Optional answers a best-effort preview may leave out when they are what is wrong.
_DROPPABLE = {
    "pain_pattern", "pain_sites", "conditions", "history", "medications", "devices",
    "local_findings", "pregnancy_weeks", "startback", "nrs",
}  # fmt: skip


class IntakeForm(forms.Form):
    """Widgets to data; every clinical check is `read_intake`'s, attached to its field."""

    # Short sections, in the order an assessment runs; red flags come early.
    SECTIONS = [
        ("The pain", ["pain_duration_weeks", "pain_pattern", "pain_sites", "conditions", "nrs"]),
        ("Red flags", ["red_flags"]),
        ("History, medicines and devices", ["history", "medications", "devices"]),
        (
            "Skin and limbs",
            [
                f"local_{part}_{row}"
                for row in range(LOCAL_ROWS)
                for part in ("finding", "region", "side")
            ],
        ),
        ("Pregnancy and driving", ["pregnant", "pregnancy_weeks", "driving_after_treatment"]),
        ("STarT Back", STARTBACK_ITEMS),
    ]

    pain_duration_weeks = forms.DecimalField(label="How long has the pain lasted (weeks)?")
    pain_pattern = forms.ChoiceField(
        required=False,
        choices=[
            ("", "-"),
            ("constant", "Constant"),
            ("intermittent", "Comes and goes"),
            ("recurrent", "Recurrent episodes"),
        ],
    )
    pain_sites = CodesField(required=False, widget=forms.CheckboxSelectMultiple)
    conditions = CodesField(required=False, widget=forms.CheckboxSelectMultiple)
    red_flags = CodesField(
        required=False, widget=forms.CheckboxSelectMultiple, label="Red flags (tick each yes)"
    )
    history = CodesField(required=False, widget=forms.CheckboxSelectMultiple)
    medications = CodesField(required=False, widget=forms.CheckboxSelectMultiple)
    devices = CodesField(
        required=False, widget=forms.CheckboxSelectMultiple, label="Implanted devices"
    )
    pregnant = forms.BooleanField(required=False)
    pregnancy_weeks = forms.IntegerField(required=False)
    driving_after_treatment = forms.BooleanField(required=False, label="Will drive after treatment")
    nrs = forms.DecimalField(required=False, label="Pain now (NRS 0-10)")

    def __init__(self, *args: Any, patient: Patient, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.patient = patient
        self.intake: Intake | None = None
        kb = knowledge_base()
        _choices_of(self, "pain_sites").choices = _choices(kb.pain_sites)
        _choices_of(self, "conditions").choices = _choices(kb.conditions)
        _choices_of(self, "red_flags").choices = [
            (c, f.question) for c, f in kb.red_flags.items() if f.asked
        ]
        # Pregnancy and driving have their own fields above, so they are not asked twice.
        _choices_of(self, "history").choices = [
            (code, label)
            for code, label in _findings(kb, FindingKind.HISTORY, FindingKind.STATE)
            if code not in {"pregnant", "driving-after-treatment"}
        ]
        _choices_of(self, "medications").choices = _findings(kb, FindingKind.MEDICATION)
        _choices_of(self, "devices").choices = _findings(kb, FindingKind.DEVICE)
        local = [("", "none")] + _findings(kb, FindingKind.SKIN, FindingKind.LIMB)
        for row in range(LOCAL_ROWS):
            self.fields[f"local_finding_{row}"] = CodeField(
                required=False, choices=local, label="Skin or limb problem"
            )
            self.fields[f"local_region_{row}"] = CodeField(
                required=False, choices=[("", "-"), *_choices(kb.regions)], label="where"
            )
            self.fields[f"local_side_{row}"] = CodeField(
                required=False, choices=SIDE_CHOICES, initial="both", label="side"
            )
        # STarT Back wording is Keele's and is not shipped: the practitioner asks the items
        # from their licensed copy and records agree (1) or disagree (0).
        for item in STARTBACK_ITEMS:
            self.fields[item] = forms.TypedChoiceField(
                required=False,
                coerce=int,
                empty_value=None,
                choices=[("", "-"), ("0", "0"), ("1", "1")],
                label=f"STarT Back item {item.rsplit('-', 1)[1]}",
            )

    def answers(self) -> dict[str, Any]:
        """The cleaned widgets as engine input (knowledge-base codes), unjudged."""
        data = self.cleaned_data
        answers: dict[str, Any] = {
            "age": age_on(self.patient.date_of_birth, date.today()),
            "sex": self.patient.sex,
            "pregnant": bool(data.get("pregnant")),
            "pain_duration_weeks": float(data.get("pain_duration_weeks") or 0),
            "driving_after_treatment": bool(data.get("driving_after_treatment")),
        }
        if data.get("pregnancy_weeks") is not None:
            answers["pregnancy_weeks"] = data["pregnancy_weeks"]
        if data.get("pain_pattern"):
            answers["pain_pattern"] = data["pain_pattern"]
        for name in ("pain_sites", "conditions", "red_flags", "history", "medications", "devices"):
            answers[name] = list(data.get(name) or [])
        local = [
            {
                "finding": data[f"local_finding_{row}"],
                "region": data.get(f"local_region_{row}") or "",
                "side": data.get(f"local_side_{row}") or "both",
            }
            for row in range(LOCAL_ROWS)
            if data.get(f"local_finding_{row}")
        ]
        if local:
            answers["local_findings"] = local
        if data.get("nrs") is not None:
            answers["nrs"] = float(data["nrs"])
        startback = {item: data[item] for item in STARTBACK_ITEMS if data.get(item) is not None}
        if startback:
            answers["startback"] = startback
        return answers

    def sections(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [(title, [self[name] for name in names]) for title, names in self.SECTIONS]

    def partial_intake(self) -> Intake | None:
        """The answers that can be read, for a preview while other fields still need fixing.

        Red flags and contraindications must show even while a typo sits elsewhere, so a
        field that is wrong is left out (or, for the duration, read as unknown: 0 weeks).
        """
        data = dict(self.cleaned_data) if hasattr(self, "cleaned_data") else {}
        data.setdefault("pain_duration_weeks", 0)
        self.cleaned_data = data
        answers = self.answers()
        kb = knowledge_base()
        for _ in range(len(_DROPPABLE) + 1):
            try:
                return read_intake(answers, kb)
            except InputError as exc:
                key = exc.field.replace("[", ".").split(".")[0]
                if key not in _DROPPABLE or key not in answers:
                    return None
                answers.pop(key)
        return None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        try:
            self.intake = read_intake(self.answers(), knowledge_base())
        except InputError as exc:
            name = engine_field(exc.field)
            self.add_error(name if name in self.fields else None, exc.sentence)
        return data


class DecisionForm(forms.ModelForm[Decision]):
    class Meta:
        model = Decision
        fields = ["kind", "on", "note"]
        widgets = {"on": DateInput()}
        labels = {"on": "Date", "kind": "Decision"}


class PlanForm(forms.Form):
    start = forms.DateField(widget=DateInput(), label="First session")


SIDES = [("both", "Both sides"), ("left", "Left"), ("right", "Right"), ("midline", "Midline")]


class SessionForm(forms.ModelForm[SessionRecord]):
    points_text = forms.CharField(
        required=False,
        label="Points and sides",
        help_text="One per line: code and side, e.g. 'bl23 both', 'gv3 midline', 'bl40 left'",
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    class Meta:
        model = SessionRecord
        fields = [
            "day",
            "needles_inserted",
            "needles_removed",
            "needle_type",
            "needle_diameter_mm",
            "needle_length_mm",
            "depth_mm",
            "response_sought",
            "stimulation",
            "electrical_settings",
            "retention_minutes",
            "moxibustion",
            "cupping",
            "tui_na",
            "ear_seeds",
            "advice",
            "nrs_before",
            "nrs_after",
            "next_appointment",
        ]
        widgets = {
            "day": DateInput(),
            "next_appointment": DateInput(),
            "advice": forms.Textarea(attrs={"rows": 2}),
        }
        labels = {
            "day": "Date",
            "needle_type": "Needle type (maker, material)",
            "needle_diameter_mm": "Needle diameter (mm)",
            "needle_length_mm": "Needle length (mm)",
            "depth_mm": "Depth of insertion (mm)",
            "retention_minutes": "Needle retention (minutes)",
            "ear_seeds": "Ear seeds",
            "tui_na": "Tui Na",
            "nrs_before": "Pain before (NRS 0-10)",
            "nrs_after": "Pain after (NRS 0-10)",
            "advice": "Advice given",
        }
        help_texts = {"needle_type": ""}

    restrictions_applied = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Restrictions applied in this session",
        help_text="Tick each one you followed; a method with a restriction is refused unticked.",
    )

    def __init__(
        self, *args: Any, restrictions: tuple[Restriction, ...] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        # Kept for the page, which lists them above the chart.
        self.restrictions = restrictions
        # STRICTA's order: the points first, then needles, stimulation and retention.
        self.order_fields(["day", "points_text"])
        _choices_of(self, "restrictions_applied").choices = [
            (r.key, f"{r.label}: {r.rule}") for r in restrictions
        ]
        if not restrictions:
            del self.fields["restrictions_applied"]
        elif self.instance.pk:
            # Also when bound: what was there before, for the audit trail's old values.
            self.initial["restrictions_applied"] = self.instance.restrictions_applied
        _choices_of(self, "response_sought").choices = [("", "-"), *Response.choices]
        _choices_of(self, "stimulation").choices = [("", "-"), *Stimulation.choices]
        for name in ("nrs_before", "nrs_after"):
            self.fields[name].validators.append(_nrs_range)
        if self.instance.pk:
            self.initial["points_text"] = "\n".join(
                f"{p['code']} {p['side']}" for p in self.instance.points
            )

    def clean_points_text(self) -> list[dict[str, str]]:
        kb = knowledge_base()
        sides = {s for s, _ in SIDES}
        points = []
        for number, line in enumerate(self.cleaned_data["points_text"].splitlines(), 1):
            words = line.split()
            if not words:
                continue
            code = words[0].lower()
            side = words[1].lower() if len(words) > 1 else "both"
            if code not in kb.points:
                raise forms.ValidationError(f"Line {number}: '{code}' is not a known point code.")
            if side not in sides:
                raise forms.ValidationError(
                    f"Line {number}: side must be one of {', '.join(sorted(sides))}."
                )
            points.append({"code": code, "side": side})
        return points

    def chart(self) -> SessionRecord:
        """The charted session, unsaved: the service checks it against screening first."""
        session = super().save(commit=False)
        session.points = self.cleaned_data["points_text"]
        session.restrictions_applied = list(self.cleaned_data.get("restrictions_applied") or [])
        return session

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("stimulation") == Stimulation.ELECTRICAL and not data.get(
            "electrical_settings"
        ):
            self.add_error("electrical_settings", "Record frequency and intensity for electrical.")
        return data


def _nrs_range(value: Any) -> None:
    if value is not None and not 0 <= value <= 10:
        raise forms.ValidationError("Pain scores run from 0 to 10.")


class AdverseEventForm(forms.ModelForm[AdverseEvent]):
    severity = forms.ChoiceField(choices=[("", "-"), *Severity.choices])

    class Meta:
        model = AdverseEvent
        fields = ["severity", "description", "follow_up"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "follow_up": forms.Textarea(attrs={"rows": 2}),
        }
        labels = {"description": "What happened", "follow_up": "Follow-up"}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("severity") in {Severity.MODERATE, Severity.SERIOUS} and not data.get(
            "follow_up"
        ):
            self.add_error("follow_up", "Record the follow-up for a moderate or serious event.")
        return data


class MessageForm(forms.Form):
    body = forms.CharField(
        label="Message to the patient", max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


class SessionStartForm(forms.Form):
    day = forms.DateField(widget=DateInput(attrs={"id": "session-day"}), label="Session date")


class ScoreForm(forms.Form):
    instrument = forms.ChoiceField()
    value = forms.DecimalField(decimal_places=1)
    day = forms.DateField(widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kb = knowledge_base()
        instruments = {t.instrument for t in kb.thresholds.values()}
        _choices_of(self, "instrument").choices = [
            (c, i.label) for c, i in kb.instruments.items() if c in instruments
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        instrument = knowledge_base().instruments.get(data.get("instrument", ""))
        value = data.get("value")
        if (
            instrument
            and value is not None
            and not (instrument.minimum <= value <= instrument.maximum)
        ):
            self.add_error(
                "value",
                f"{instrument.label} runs from {instrument.minimum:g} to {instrument.maximum:g}.",
            )
        return data
