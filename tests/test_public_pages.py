"""The public pages of issue 11 (no sign-in): ask a question, the questions, the evidence,
finding a practitioner, home visits, costs. Runs on SQLite and on PostgreSQL.

Source of the expected behaviour: issue 11 (a red flag's urgent advice above any answer;
an unanswerable question says so and suggests the practitioner; nothing typed is stored
or logged; at most 5 answers; over-long questions answer 400), the FAQ
(knowledge/data/faq.yaml), the guideline positions and dates of evidence.yaml
(from shared/reference/clinical-facts.md) and registration.yaml.
"""

from __future__ import annotations

import html
import logging
import re
from datetime import date
from typing import Any

import pytest
from django.apps import apps
from django.test import Client

from acuback.clinical.ask import MAX_ANSWERS, MAX_QUESTION_CHARS
from acuback.knowledge.loader import knowledge_base
from acuback.web.public import content
from tests.browser_helpers import CODE

pytestmark = pytest.mark.django_db

KB = knowledge_base()
PAGES = [
    "/ask/",
    "/questions/",
    "/questions/does-it-work/",
    "/evidence/",
    "/practitioners/",
    "/home-visits/",
    "/costs/",
]
PUBLIC = ("/self-check/", "/ask/", "/questions/", "/evidence/", "/practitioners/")
PUBLIC += ("/home-visits/", "/costs/", "/static/", "#", "?q=")
RED_FLAG = "I have numbness around my bottom and can't control my bladder, is acupuncture ok?"


def main_text(response: Any) -> str:
    body = response.content.decode()
    main = body[body.index("<main") : body.index("</main>")]
    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", main).split()))


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def ask(q: str) -> Any:
    return Client().get("/ask/", {"q": q})


# --- every page ------------------------------------------------------------------------


@pytest.mark.parametrize("url", PAGES)
def test_each_page_needs_no_account_shows_no_codes_and_links_only_to_public_pages(
    url: str, clinics: Any
) -> None:
    for client in (Client(), Client()):
        response = client.get(url)
        assert response.status_code == 200
        text = main_text(response)
        assert not CODE.findall(text), CODE.findall(text)[:5]
        body = response.content.decode()
        for href in re.findall(r'href="([^"]*)"', body):
            assert href.startswith(PUBLIC), href
        # The shared navigation, with the current page marked.
        assert body.count('aria-current="page"') == 1
        for name in ("Self-check", "Ask a question", "Evidence", "Costs", "Home visits"):
            assert f">{name}</a>" in body
        client.force_login(clinics["practitioner"])  # signed in, still nothing of the clinic


def test_every_page_names_its_sources_in_words_and_lists_them_in_full() -> None:
    for url in PAGES[2:]:  # the list of questions only links to them
        body = Client().get(url).content.decode()
        assert "Sources on this page" in body, url
        assert ".txt" not in body and "doi:" not in body.split("Sources on this page")[0], url


# --- ask a question --------------------------------------------------------------------


def test_an_empty_question_shows_the_form_with_examples_that_are_answered() -> None:
    response = Client().get("/ask/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    body = response.content.decode()
    assert 'method="get"' in body and 'name="q"' in body
    assert "For example" in body
    for example in content.EXAMPLE_QUESTIONS:
        assert html.escape(example) in body
        assert ask(example).context["answered"], example
    assert "answers-heading" not in body


def test_a_question_gets_at_most_five_answers_with_sources_and_their_pages() -> None:
    response = ask("does acupuncture hurt, is it safe and how many sessions will I need?")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    answers = response.context["answers"]
    assert 1 <= len(answers) <= MAX_ANSWERS
    body = response.content.decode()
    assert 'href="/questions/is-it-painful/"' in body
    assert "Sources: seed article 002, AACP codes" in body
    # The reference list names the partly checked source as such.
    assert "(partly checked)" in body


def test_the_best_answer_comes_first() -> None:
    response = ask("how much does it cost, will my insurance pay?")
    assert response.context["answers"][0]["code"] == "cost-and-insurance"
    text = main_text(response)
    assert text.index("What does acupuncture cost") < text.index("Sources on this page")


def test_a_question_we_cannot_answer_says_so_and_suggests_the_practitioner() -> None:
    for question in ("how do I bake bread", "can acupuncture cure cancer"):
        response = ask(question)
        assert response.status_code == 200
        text = main_text(response)
        assert "We have no answer to that question" in text
        assert "ask your practitioner" in text
        assert response.context["answers"] == []
        assert "Get help now" not in text


def test_a_red_flag_shows_the_urgent_advice_first_above_any_answer() -> None:
    response = ask(RED_FLAG)
    assert response.status_code == 200
    text = main_text(response)
    assert "Get help now" in text
    urgent = text.index("Get help now")
    assert text.index("call emergency services") > urgent
    assert "Numbness in the saddle area" in text
    # Above the form and every answer.
    assert urgent < text.index("Your question")
    for answer in response.context["answers"]:
        assert urgent < text.index(answer["question"])
    assert "This is not a diagnosis" in text
    assert "Sources: " in text[urgent : text.index("This is not a diagnosis")]


def test_a_less_urgent_warning_sign_says_how_soon() -> None:
    text = main_text(ask("I have had a fever with my back pain since Tuesday, can I have needles?"))
    assert "See a doctor soon" in text
    assert "Get help now" not in text


def test_an_over_long_question_answers_400_with_a_message() -> None:
    response = ask("why " * (MAX_QUESTION_CHARS // 4 + 1))
    assert response.status_code == 400
    assert "no-store" in response["Cache-Control"]
    text = main_text(response)
    assert f"a question may be at most {MAX_QUESTION_CHARS:,}" in text
    assert 'aria-invalid="true"' in response.content.decode()


def test_a_question_with_search_syntax_is_only_words() -> None:
    for question in ['pain" OR 1=1; --', "pain & !needle | (back:*)", "'; drop table x; --"]:
        assert ask(question).status_code == 200


def test_nothing_typed_is_stored_or_logged(caplog: pytest.LogCaptureFixture, clinics: Any) -> None:
    client = Client()
    before = row_counts()
    assert sum(before.values()) > 0
    with caplog.at_level(logging.DEBUG):
        assert client.get("/ask/", {"q": RED_FLAG}).status_code == 200
        assert client.get("/ask/", {"q": "bladder " * 200}).status_code == 400
        # The development server's request line, as runserver logs it.
        logging.getLogger("django.server").info(
            '"%s" %s %s', "GET /ask/?q=numbness+bladder HTTP/1.1", "200", "1234"
        )
    assert row_counts() == before
    assert "sessionid" not in client.cookies
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert "GET /ask/?" in logged  # the request line itself is still logged
    for word in ("numbness", "bladder", "bottom"):
        assert word not in logged


def test_other_methods_are_refused() -> None:
    assert Client().post("/ask/", {"q": "does it hurt"}).status_code == 405


# --- the questions -----------------------------------------------------------------------


def test_the_groups_hold_every_faq_topic_once() -> None:
    grouped = [code for _, codes in content.GROUPS for code in codes]
    assert sorted(grouped) == sorted(KB.faq)
    assert len(grouped) == len(set(grouped)) == 26


def test_the_questions_are_listed_by_group() -> None:
    response = Client().get("/questions/")
    body = response.content.decode()
    for code, faq in KB.faq.items():
        assert body.count(f'href="/questions/{code}/"') == 1
        assert html.escape(faq.label) in body
    assert body.index("What acupuncture is and whether it works") < body.index(
        'href="/questions/does-it-work/"'
    )
    assert body.index("Safety") < body.index('href="/questions/is-it-safe/"')


def test_one_question_with_its_sources_in_words_and_related_questions() -> None:
    response = Client().get("/questions/guidelines/")
    assert response.status_code == 200
    text = main_text(response)
    assert "What do medical guidelines say about acupuncture for back pain?" in text
    assert "Sources: NICE NG59, WHO 2023, Qaseem 2017, CMS NCD 30.3.3, G-BA 2006" in text
    assert "NICE NG59 - low back pain and sciatica" in text  # a cited entry, by name
    assert "Related questions" in text
    related = [r["code"] for r in response.context["related"]]
    assert related[0] == "does-it-work"  # it cites the guidelines answer
    assert "guidelines" not in related and len(related) <= content.RELATED_MAX


def test_an_unknown_question_is_404_with_the_way_back() -> None:
    response = Client().get("/questions/no-such-question/")
    assert response.status_code == 404
    body = response.content.decode()
    assert 'href="/questions/"' in body
    assert "Back to patients" not in body


# --- the evidence --------------------------------------------------------------------------


def test_the_evidence_summary_is_honest_about_sham_and_safety() -> None:
    text = main_text(Client().get("/evidence/"))
    assert "Compared with usual care" in text
    assert "Compared with sham (pretend) acupuncture" in text
    assert "Safety" in text
    assert "about 10 points more than usual care" in text
    assert "47.6% improved" in text and "44.2% with sham" in text
    assert "3 people had a serious one" in text
    assert "Source: Mu 2020" in text


def test_the_guidelines_side_by_side_with_positions_dates_and_standing() -> None:
    response = Client().get("/evidence/")
    text = main_text(response)
    names = [g["name"] for g in response.context["guidelines"]]
    assert names == ["NICE NG59", "WHO 2023", "American College of Physicians 2017"]
    nice, who, acp = response.context["guidelines"]
    assert (nice["position"], who["position"], acp["position"]) == (
        "Do not offer",
        "May be offered",
        "Recommends it",
    )
    assert nice["published"] == "30 Nov 2016" and nice["updated"] == "11 Dec 2020"
    assert who["published"] == "7 Dec 2023" and who["current"]
    assert not acp["current"]
    assert acp["standing"] == "Past its review date"
    assert "valid for 5 years after publication, so this one only until 4 Apr 2022" in text
    assert "conditional because the evidence behind it is of low certainty" in text
    assert "only partly checked by us" in text  # NICE's reason, from secondary sources


def test_the_review_date_is_worked_out_not_written_in() -> None:
    before = content.evidence_page(KB, date(2022, 4, 3))["guidelines"][2]
    after = content.evidence_page(KB, date(2022, 4, 4))["guidelines"][2]
    assert before["standing"] == "Current"
    assert after["standing"] == "Past its review date"


# --- practitioners, home visits, costs -------------------------------------------------------


def test_practitioners_by_country_with_sources() -> None:
    response = Client().get("/practitioners/")
    text = main_text(response)
    countries = [c["name"] for c in response.context["countries"]]
    assert countries[:2] == ["United Kingdom", "United States"]
    for body in (
        "British Acupuncture Council (BAcC)",
        "Acupuncture Association of Chartered Physiotherapists (AACP)",
        "British Medical Acupuncture Society (BMAS)",
        "American Academy of Medical Acupuncture",
    ):
        assert body in text
    assert "Source: MacPherson 2001, BAcC guidance" in text
    assert "We list only the bodies our sources name" in text
    for entry in KB.registration.values():
        assert entry.check in text


def test_home_visits_put_the_signs_that_cannot_wait_beside_the_visit() -> None:
    text = main_text(Client().get("/home-visits/"))
    assert KB.faq["home-visits"].description in text
    assert text.index("Can I be treated at home") < text.index("When should I see a doctor")
    assert "Sources: seed article 000, NICE NG59, Bigos 1994" in text


def test_costs_name_the_cover_rules_with_their_sources() -> None:
    text = main_text(Client().get("/costs/"))
    assert KB.faq["cost-and-insurance"].description in text
    assert "up to 12 visits in 90 days, 8 more if you are improving" in text
    assert "In force since 21 Jan 2020. Source: CMS NCD 30.3.3" in text


def test_the_evidence_schema_checks_its_new_fields() -> None:
    from pydantic import ValidationError

    from acuback.knowledge.schema import EvidenceItem

    base = KB.evidence["ev-acp-2017"].model_dump(by_alias=True)
    with pytest.raises(ValidationError, match="updated lies before published"):
        EvidenceItem.model_validate({**base, "updated": date(2016, 1, 1)})
    with pytest.raises(ValidationError):
        EvidenceItem.model_validate({**base, "valid_years": 0})
    leap = EvidenceItem.model_validate({**base, "published": date(2016, 2, 29)})
    assert leap.review_due() == date(2021, 2, 28)
    assert KB.evidence["ev-who-2023"].review_due() is None
