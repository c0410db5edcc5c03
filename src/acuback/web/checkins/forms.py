"""The check-in form in plain words; the values are the pure rule's answer codes."""

from __future__ import annotations

from django import forms

from acuback.clinical.check_in import MAX_NOTE_CHARS

CHOOSE = "Please choose one answer."


def _choice(label: str, choices: list[tuple[str, str]], hint: str = "") -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=choices,
        widget=forms.RadioSelect,
        help_text=hint,
        error_messages={"required": CHOOSE, "invalid_choice": CHOOSE},
    )


class CheckInForm(forms.Form):
    soreness = _choice(
        "Is it sore where the needles were?",
        [("none", "No"), ("mild", "A little"), ("a_lot", "Yes, it still hurts a lot")],
    )
    bruising = _choice(
        "Do you have a bruise where the needles were?",
        [("none", "No"), ("small", "A small one"), ("large", "A large one, or it is spreading")],
    )
    dizziness = _choice(
        "Have you felt dizzy or fainted since the session?", [("no", "No"), ("yes", "Yes")]
    )
    pain = _choice(
        "Is your back pain worse than before the session?",
        [("no", "No"), ("a_little", "A little worse"), ("much_worse", "Much worse")],
    )
    warning_signs = _choice(
        "Since the session, have you had new numbness, new weakness in your legs, or new "
        "trouble passing urine or controlling your bowels?",
        [("no", "No"), ("yes", "Yes")],
    )
    note = forms.CharField(
        label="Anything else you would like to tell us? (optional)",
        required=False,
        max_length=MAX_NOTE_CHARS,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=f"Up to {MAX_NOTE_CHARS:,} characters.",
        error_messages={
            "max_length": f"Please keep this to {MAX_NOTE_CHARS:,} characters or fewer "
            "(you wrote %(show_value)s)."
        },
    )
