"""The public self-check: "Is acupuncture suitable for my back pain?"

A stranger answers a few questions in everyday words; each answer maps to an intake code,
`answers_to_intake` builds an engine Intake and `self_check` runs the same screening a
practitioner sees, then says the result in plain language. Nothing here stores anything.
The questions are our own words; what they ask comes from red_flags.yaml and findings.yaml.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from acuback.clinical.base import Result
from acuback.clinical.intake import Intake, LocalFinding, read_intake
from acuback.clinical.screening import Reason, screen
from acuback.knowledge.loader import KnowledgeBase
from acuback.knowledge.schema import TriageLevel

SEED_000 = "000_8db77b63525bdbd8.txt"
SEED_001 = "001_8feff73504b1d674.txt"
SEED_002 = "002_722906761ce8ad95.txt"
SEED_003 = "003_efbd8760369fde24.txt"
SEED_004 = "004_6a26f83fca00681b.txt"

Outcome = Literal["get_help_now", "see_doctor_first", "may_suit"]


class Choice(Result):
    value: str
    label: str


class Question(Result):
    """One question in everyday words; `key` is the form field name."""

    key: str
    text: str
    hint: str = ""
    choices: tuple[Choice, ...]


class Step(Result):
    title: str
    intro: str
    questions: tuple[Question, ...]


YES_NO = (Choice(value="no", label="No"), Choice(value="yes", label="Yes"))


def _yes_no(key: str, text: str, hint: str = "") -> Question:
    return Question(key=key, text=text, hint=hint, choices=YES_NO)


# What a yes adds to the intake: (intake field, code).
RED_FLAG_ANSWERS: dict[str, str] = {
    "saddle_numbness": "rf-saddle-anaesthesia",
    "bladder": "rf-bladder-disturbance",
    "bowel": "rf-bowel-incontinence",
    "legs_weak": "rf-severe-leg-deficit",
    "leg_weaker": "rf-increasing-leg-weakness",
    "sudden_severe": "rf-aaa-sudden-severe-pain",
    "fever": "rf-fever",
    "serious_injury": "rf-major-trauma",
    "weak_bones_fall": "rf-minor-trauma-fragile-bone",
    "weight_loss": "rf-weight-loss",
    "night_pain": "rf-night-pain",
}
HISTORY_ANSWERS: dict[str, str] = {"cancer": "cancer", "bleeding_disorder": "bleeding-disorder"}
MEDICATION_ANSWERS: dict[str, str] = {"blood_thinners": "anticoagulant"}
DEVICE_ANSWERS: dict[str, str] = {
    "pacemaker": "pacemaker",
    "defibrillator": "implanted-defibrillator",
    "stimulator": "implanted-pump",
    "other_implant": "other-metal-implant",
}
# A neutral age band, each mapped to an age inside it.
AGE_BANDS: dict[str, int] = {"under_18": 16, "18_49": 35, "50_plus": 60}
# How long the pain has lasted, in weeks, for each answer.
DURATIONS: dict[str, float] = {"under_6_weeks": 3, "6_to_12_weeks": 9, "over_3_months": 26}
# Where skin trouble is asked about: the low back, where back-pain needles mostly go.
SKIN_REGION = "lumbosacral"

STEPS: tuple[Step, ...] = (
    Step(
        title="Warning signs",
        intro="These are rare, but they matter most. Answer them first.",
        questions=(
            _yes_no(
                "saddle_numbness",
                "Is the skin between your legs, around your bottom or genitals, numb or "
                "does it feel odd?",
                "The area you would sit on when riding a bike.",
            ),
            _yes_no(
                "bladder",
                "Since the back pain started, has peeing changed? For example, you cannot "
                "start, cannot go at all, cannot tell when you need to, or you leak.",
            ),
            _yes_no(
                "bowel",
                "Since the back pain started, have you had accidents with your bowels, or "
                "stopped feeling when you need to poo?",
            ),
            _yes_no(
                "legs_weak",
                "Are both legs weak or numb, or is weakness or numbness spreading quickly?",
            ),
            _yes_no(
                "leg_weaker",
                "Is one leg or foot getting weaker day by day, or does your foot drag or "
                "slap when you walk?",
            ),
            _yes_no(
                "sudden_severe",
                "Did very bad pain in your back or belly start all of a sudden?",
            ),
            _yes_no(
                "fever",
                "Along with the back pain, have you had a high temperature, or shivering "
                "you could not stop?",
            ),
            _yes_no(
                "cancer",
                "Have you ever had cancer?",
                "Even if it was treated long ago.",
            ),
            _yes_no(
                "serious_injury",
                "Did the pain start after a bad accident, such as a car crash or a fall "
                "from a height?",
            ),
            _yes_no(
                "weak_bones_fall",
                "Do you have thin, fragile bones (osteoporosis) or take steroid tablets "
                "for a long time, and did the pain start after a small fall, a lift or "
                "for no reason?",
            ),
            _yes_no("weight_loss", "Have you lost weight lately without trying?"),
            _yes_no(
                "night_pain",
                "Does the pain go on all night, whatever position you lie in?",
            ),
            Question(
                key="age",
                text="How old are you?",
                choices=(
                    Choice(value="under_18", label="Under 18"),
                    Choice(value="18_49", label="18 to 49"),
                    Choice(value="50_plus", label="50 or over"),
                ),
            ),
        ),
    ),
    Step(
        title="Your health",
        intro="Some mean a doctor should agree first; others change how treatment is done.",
        questions=(
            _yes_no("pregnant", "Are you pregnant, or could you be?"),
            _yes_no(
                "blood_thinners",
                "Do you take medicine that thins your blood?",
                "For example warfarin, apixaban, rivaroxaban, dabigatran or heparin injections.",
            ),
            _yes_no(
                "bleeding_disorder",
                "Do you bleed or bruise very easily because of a blood condition?",
                "For example haemophilia, or a low platelet count.",
            ),
            _yes_no("pacemaker", "Do you have a pacemaker?"),
            _yes_no("defibrillator", "Do you have a heart device that can give a shock?"),
            _yes_no(
                "stimulator",
                "Do you have another device inside your body, such as a pain pump or a "
                "nerve stimulator?",
            ),
            _yes_no(
                "other_implant",
                "Do you have any other implant, such as a new hip or knee, or screws and "
                "rods in your spine?",
            ),
            _yes_no(
                "skin_problem",
                "Is the skin over the painful part of your back broken, infected or sore, "
                "for example with eczema or a rash?",
            ),
        ),
    ),
    Step(
        title="Your back pain",
        intro="One last question.",
        questions=(
            Question(
                key="duration",
                text="How long have you had this back pain?",
                choices=(
                    Choice(value="under_6_weeks", label="Less than 6 weeks"),
                    Choice(value="6_to_12_weeks", label="6 weeks to 3 months"),
                    Choice(value="over_3_months", label="More than 3 months"),
                ),
            ),
        ),
    ),
)

QUESTIONS: dict[str, Question] = {q.key: q for step in STEPS for q in step.questions}


class SelfCheckError(ValueError):
    """An answer is missing or not one of the choices; `key` names the question."""

    def __init__(self, key: str, message: str) -> None:
        self.key = key
        self.message = message
        super().__init__(f"{key}: {message}")


def unanswered(answers: Mapping[str, str]) -> tuple[str, ...]:
    """The questions without a valid answer, in the order they are asked."""
    return tuple(
        key
        for key, question in QUESTIONS.items()
        if answers.get(key) not in {c.value for c in question.choices}
    )


def _yes(answers: Mapping[str, str], key: str) -> bool:
    return answers[key] == "yes"


def check_answers(answers: Mapping[str, str]) -> dict[str, str]:
    """Every question answered with one of its choices, or SelfCheckError."""
    clean: dict[str, str] = {}
    for key, question in QUESTIONS.items():
        value = answers.get(key)
        if value is None or value == "":
            raise SelfCheckError(key, "Please choose an answer.")
        if value not in {c.value for c in question.choices}:
            raise SelfCheckError(key, "Please choose one of the answers shown.")
        clean[key] = value
    return clean


def answers_to_intake(answers: Mapping[str, str], kb: KnowledgeBase) -> Intake:
    """The engine intake these answers describe (validated by `read_intake`)."""
    clean = check_answers(answers)
    pregnant = _yes(clean, "pregnant")
    raw = {
        "age": AGE_BANDS[clean["age"]],
        "sex": "female" if pregnant else "unknown",
        "pregnant": pregnant,
        "pain_duration_weeks": DURATIONS[clean["duration"]],
        "red_flags": [code for key, code in RED_FLAG_ANSWERS.items() if _yes(clean, key)],
        "history": [code for key, code in HISTORY_ANSWERS.items() if _yes(clean, key)],
        "medications": [code for key, code in MEDICATION_ANSWERS.items() if _yes(clean, key)],
        "devices": [code for key, code in DEVICE_ANSWERS.items() if _yes(clean, key)],
        "local_findings": [LocalFinding(finding="skin-condition", region=SKIN_REGION).model_dump()]
        if _yes(clean, "skin_problem")
        else [],
    }
    return read_intake(raw, kb)


class Statement(Result):
    """One sentence for the patient and where it comes from (knowledge-base codes)."""

    text: str
    sources: tuple[str, ...]


class SelfCheckResult(Result):
    outcome: Outcome
    heading: str
    summary: Statement
    act: tuple[Statement, ...]
    why: tuple[Statement, ...]
    expect: tuple[Statement, ...]
    notes: tuple[Statement, ...]


HEADINGS: dict[Outcome, str] = {
    "get_help_now": "Get help now",
    "see_doctor_first": "Talk to your doctor first",
    "may_suit": "It may suit you: discuss it with a practitioner",
}

OUTCOMES: dict[TriageLevel, Outcome] = {
    TriageLevel.EMERGENCY: "get_help_now",
    TriageLevel.URGENT_REFERRAL: "see_doctor_first",
    TriageLevel.PHYSICIAN_CLEARANCE: "see_doctor_first",
    TriageLevel.DEFER: "see_doctor_first",
    TriageLevel.CAUTION: "may_suit",
    TriageLevel.PROCEED: "may_suit",
}

# Each engine reason in plain words; the sources are the engine's own for that reason.
PLAIN: dict[str, str] = {
    "cauda-equina-syndrome": (
        "Numbness between the legs, changes in peeing or pooing, or weakness in both legs "
        "with back pain can mean the nerves at the bottom of the spine are being squeezed. "
        "Treated within hours, lasting harm can often be prevented."
    ),
    "metastatic-cord-compression": (
        "After cancer, new weakness, numbness or bladder or bowel changes with back pain "
        "need a check the same day."
    ),
    "abdominal-aortic-aneurysm": (
        "Very bad back or belly pain that starts all of a sudden can come from the main "
        "blood vessel in the belly. It needs checking straight away."
    ),
    "spinal-metastasis": (
        "Back pain in someone who has had cancer should be checked by your doctor or cancer "
        "team before any back treatment."
    ),
    "malignancy": (
        "Losing weight without trying, or pain that never eases at night, should be checked "
        "by a doctor within days."
    ),
    "spinal-infection": (
        "A high temperature or shivering with back pain can be an infection. See a doctor today."
    ),
    "vertebral-fracture": (
        "After a bad accident, or a small fall with fragile bones, a bone in the spine may "
        "be broken. After a bad accident go to the emergency department now; otherwise see "
        "your doctor today or tomorrow."
    ),
    "progressive-neurological-deficit": (
        "A leg or foot getting weaker can mean a nerve is being damaged. See a doctor today."
    ),
    "paediatric-back-pain": (
        "Back pain under 18 needs a doctor's check first. Go with a parent or carer."
    ),
    "axial-spondyloarthritis": (
        "Your pain may come from inflammation of the spine, which a doctor can test for."
    ),
    "pelvic-abdominal-organ-cause": (
        "Back pain can come from organs in the belly or pelvis; a doctor should check first."
    ),
    "ci-pregnancy-points": (
        "In pregnancy, ask your doctor or midwife first. Some points and areas are left out."
    ),
    "ci-anticoagulant": (
        "Blood thinners make bleeding and bruising more likely. Your doctor should agree "
        "first; then only very fine, shallow needles are used."
    ),
    "ci-bleeding-disorder": (
        "A blood condition that makes you bleed easily needs your doctor's agreement first."
    ),
    "ci-pacemaker-electro": (
        "With a pacemaker, your doctor should agree first. Needles with electric current "
        "are not used."
    ),
    "ci-defibrillator-electro": (
        "With a heart device that can shock, your doctor should agree first. Needles with "
        "electric current are not used."
    ),
    "ci-pump-electro": (
        "With a pump or stimulator inside you, no needles go near it and no electric "
        "current is used. Tell the practitioner where it is."
    ),
    "ci-metal-implant": (
        "Tell your doctor and the practitioner about any implant: no needles go into or "
        "right over it."
    ),
    "ci-cancer": "Tell the practitioner about the cancer: needles are kept away from it.",
    "ci-skin-condition": (
        "Needles are not put through broken, sore or infected skin; other places are used."
    ),
    "skin-condition": "",
}
AGE_CAUTION = {
    "rf-age-over-50": (
        "Over 50, new back pain a little more often has another cause. Mention any new "
        "symptoms to the practitioner."
    ),
}
DOCTOR_CAN_AGREE = Statement(
    text="With your doctor's agreement, acupuncture is often still possible, with changes "
    "to keep it safe.",
    sources=(SEED_004, SEED_001),
)
FALLBACK = "Something in your answers needs a closer look by a doctor."


def _statement(reason: Reason) -> Statement | None:
    text = PLAIN.get(reason.code, FALLBACK)
    if reason.code == "malignancy" and reason.level == TriageLevel.CAUTION:
        text = AGE_CAUTION["rf-age-over-50"] if "Age over 50" in reason.text else text
        if "Age under 20" in reason.text:
            return None
    return Statement(text=text, sources=reason.sources) if text else None


EMERGENCY_ACT: tuple[Statement, ...] = (
    Statement(
        text="Call emergency services now (999 in the UK, 112 in Europe, 911 in North "
        "America), or go straight to the nearest emergency department. Do not wait to see "
        "whether it passes, and do not drive yourself.",
        sources=("nice-ng59-2016", "nice-ng156-2020"),
    ),
    Statement(
        text="Do not have acupuncture until a doctor has seen you.",
        sources=("nice-ng59-2016",),
    ),
)
DOCTOR_ACT: tuple[Statement, ...] = (
    Statement(
        text="See your own doctor before you book acupuncture, and show them these answers.",
        sources=(SEED_001, SEED_003),
    ),
)
DOCTOR_SOON = Statement(
    text="Contact a doctor soon, within the time given under Why below. If you feel very "
    "unwell, or weakness, numbness or bladder or bowel trouble appear meanwhile, go to the "
    "emergency department.",
    sources=("nice-ng59-2016", "nice-cg75-2008"),
)
PRACTITIONER_ACT: tuple[Statement, ...] = (
    Statement(
        text="Book a first appointment with a qualified practitioner and tell them about "
        "your back pain, your health and your medicines.",
        sources=(SEED_001, SEED_000),
    ),
)
EXPECT: tuple[Statement, ...] = (
    Statement(
        text="At the first visit the practitioner asks more questions and examines you "
        "before deciding whether acupuncture suits you.",
        sources=(SEED_002, SEED_000),
    ),
    Statement(
        text="A course is often one or two sessions a week for several weeks. Whether it "
        "helps is usually reviewed after 6 to 8 weeks.",
        sources=(SEED_004, "cherkin-2009"),
    ),
    Statement(
        text="The needles are very thin, and most people find them comfortable. They "
        "usually stay in for about 10 minutes, and someone keeps an eye on you throughout.",
        sources=(SEED_002,),
    ),
    Statement(
        text="Afterwards you may feel a little sore or tired. This is common, mild and "
        "usually settles within a day. Serious side effects are very rare.",
        sources=(SEED_002, SEED_004, SEED_001, "macpherson-2004"),
    ),
)
MOSTLY_HARMLESS = Statement(
    text="Most back pain has no serious cause and gets better within weeks or months.",
    sources=(SEED_000,),
)
NOTES: tuple[Statement, ...] = (
    Statement(
        text="This check does not tell you what is causing your pain, and it does not "
        "replace a doctor or a practitioner.",
        sources=(SEED_002,),
    ),
    MOSTLY_HARMLESS,
    Statement(
        text="If new warning signs appear later, such as numbness between the legs or "
        "trouble peeing, get help straight away.",
        sources=("nice-ng59-2016",),
    ),
)


def outcome_for(level: TriageLevel) -> Outcome:
    return OUTCOMES[level]


def self_check(answers: Mapping[str, str], kb: KnowledgeBase) -> SelfCheckResult:
    """The plain-language result of these answers, red flags first. Stores nothing."""
    screening = screen(answers_to_intake(answers, kb), kb)
    outcome = outcome_for(screening.level)
    # The engine lists reasons most severe first, red flags before contraindications.
    reasons = screening.reasons
    if outcome == "get_help_now":
        # In an emergency only the emergency is said: the rest would only distract.
        reasons = tuple(r for r in reasons if r.level == TriageLevel.EMERGENCY)
    why = tuple(dict.fromkeys(s for r in reasons if (s := _statement(r)) is not None))
    if outcome == "get_help_now":
        summary = Statement(
            text="One or more of your answers can be a sign of something serious that "
            "needs a doctor today, before anything else.",
            sources=screening.triage.sources,
        )
        act = EMERGENCY_ACT
        expect: tuple[Statement, ...] = ()
    elif outcome == "see_doctor_first":
        summary = Statement(
            text="Some of your answers mean a doctor should check you before acupuncture.",
            sources=screening.triage.sources,
        )
        act = DOCTOR_ACT
        if screening.level == TriageLevel.URGENT_REFERRAL:
            act = (DOCTOR_SOON, *DOCTOR_ACT)
        if screening.level == TriageLevel.PHYSICIAN_CLEARANCE:
            act = (*DOCTOR_ACT, DOCTOR_CAN_AGREE)
        expect = ()
    else:
        summary = Statement(
            text="Nothing in your answers rules acupuncture out. A practitioner will decide "
            "with you after asking more.",
            sources=screening.triage.sources,
        )
        act = PRACTITIONER_ACT
        expect = EXPECT
    # Reassurance that most back pain is harmless has no place beside an emergency.
    notes = tuple(n for n in NOTES if outcome != "get_help_now" or n is not MOSTLY_HARMLESS)
    return SelfCheckResult(
        outcome=outcome,
        heading=HEADINGS[outcome],
        summary=summary,
        act=act,
        why=why,
        expect=expect,
        notes=notes,
    )
