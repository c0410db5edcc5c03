"""The public pages: no sign-in. The self-check and Ask a question store nothing.

The self-check's answers and the question asked live only in their request: no model, no
session, no audit row, no log line, never cached. The other pages (the questions, the
evidence, finding a practitioner, home visits, costs) are built by `content` from the
knowledge base.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from acuback.clinical import ask, self_check
from acuback.clinical.base import InputError
from acuback.knowledge.loader import knowledge_base
from acuback.web.care.templatetags.care import source_name
from acuback.web.public import content
from acuback.web.public.search import backend_for


def _cited(statements: tuple[self_check.Statement, ...]) -> list[dict[str, str]]:
    return [
        {"text": s.text, "cite": ", ".join(source_name(code) for code in s.sources)}
        for s in statements
    ]


def _steps(answers: dict[str, str], missing: tuple[str, ...]) -> list[dict[str, Any]]:
    return [
        {
            "number": number,
            "title": step.title,
            "intro": step.intro,
            "questions": [
                {
                    "key": q.key,
                    "text": q.text,
                    "hint": q.hint,
                    "choices": q.choices,
                    "answer": answers.get(q.key, ""),
                    "missing": q.key in missing,
                }
                for q in step.questions
            ],
        }
        for number, step in enumerate(self_check.STEPS, start=1)
    ]


@never_cache
@require_http_methods(["GET", "POST"])
def self_check_page(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return render(
            request,
            "public/self_check.html",
            {"steps": _steps({}, ()), "total": len(self_check.STEPS)},
        )
    answers = {key: request.POST.get(key, "") for key in self_check.QUESTIONS}
    missing = self_check.unanswered(answers)
    if missing:
        return render(
            request,
            "public/self_check.html",
            {
                "steps": _steps(answers, missing),
                "total": len(self_check.STEPS),
                "missing": len(missing),
                "first_missing": missing[0],
            },
            status=400,
        )
    result = self_check.self_check(answers, knowledge_base())
    return render(
        request,
        "public/self_check_result.html",
        {
            "result": result,
            "summary": _cited((result.summary,))[0],
            "act": _cited(result.act),
            "why": _cited(result.why),
            "expect": _cited(result.expect),
            "notes": _cited(result.notes),
        },
    )


# --- ask a question and the other public pages ---------------------------------------


@never_cache
@require_http_methods(["GET"])
def ask_page(request: HttpRequest) -> HttpResponse:
    """Free text -> the best FAQ answers, urgent advice first. The question is stored
    nowhere and logged nowhere; it travels in the address (a search, bookmarkable), so
    the page says so and is never cached."""
    question = request.GET.get("q", "")
    context: dict[str, Any] = {
        "q": question,
        "examples": content.EXAMPLE_QUESTIONS,
        "max_chars": ask.MAX_QUESTION_CHARS,
    }
    if not question.strip():
        return render(request, "public/ask.html", context)
    kb = knowledge_base()
    try:
        result = ask.ask(question, kb, backend=backend_for(kb))
    except InputError as exc:
        context["error"] = f"Your question {exc.message}."
        return render(request, "public/ask.html", context, status=400)
    context.update(content.ask_page(result, kb))
    context["asked"] = True
    return render(request, "public/ask.html", context)


@require_http_methods(["GET"])
def questions_page(request: HttpRequest) -> HttpResponse:
    return render(request, "public/questions.html", {"groups": content.faq_index(knowledge_base())})


@require_http_methods(["GET"])
def question_page(request: HttpRequest, code: str) -> HttpResponse:
    kb = knowledge_base()
    if code not in kb.faq:
        # The public 404: the way back leads to the questions, not into the clinic.
        return render(request, "public/not_found.html", status=404)
    return render(request, "public/question.html", content.question_page(code, kb))


@require_http_methods(["GET"])
def evidence_page(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "public/evidence.html",
        content.evidence_page(knowledge_base(), timezone.localdate()),
    )


@require_http_methods(["GET"])
def practitioners_page(request: HttpRequest) -> HttpResponse:
    page = content.practitioners_page(knowledge_base())
    return render(request, "public/practitioners.html", page)


@require_http_methods(["GET"])
def home_visits_page(request: HttpRequest) -> HttpResponse:
    return render(request, "public/home_visits.html", content.home_visits_page(knowledge_base()))


@require_http_methods(["GET"])
def costs_page(request: HttpRequest) -> HttpResponse:
    return render(request, "public/costs.html", content.costs_page(knowledge_base()))
