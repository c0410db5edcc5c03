"""The public self-check: no sign-in, nothing stored, nothing logged, nothing cached.

The answers live only in this request: no model, no session, no audit row, no log line.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from acuback.clinical import self_check
from acuback.knowledge.loader import knowledge_base
from acuback.web.care.templatetags.care import source_name


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
