"""The knowledge base for staff: one page per entry, so every citation on screen is a link.

Not patient data, so not audited; any signed-in member of a clinic may read it.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from acuback.knowledge.loader import knowledge_base, title_of
from acuback.web.clinics import service as clinics

VERIFIED = {
    "V": "checked against the source",
    "P": "partly checked",
    "U": "not yet checked against the source",
}


@login_required
def knowledge_entry(request: HttpRequest, code: str) -> HttpResponse:
    clinics.membership_of(request.user)  # staff of a clinic only
    kb = knowledge_base()
    try:
        collection, entry = kb.entry(code)
    except KeyError as exc:
        raise Http404("No such knowledge-base entry") from exc
    cited_by = [
        (other_code, title_of(other))
        for name, entries in kb.collections()
        for other_code, other in entries.items()
        if code in getattr(other, "sources", ())
    ]
    context = {
        "code": code,
        "collection": collection.replace("_", " "),
        "entry": entry,
        "title": title_of(entry),
        "verified": VERIFIED.get(getattr(entry, "verified", ""), ""),
        "cited_by": sorted(cited_by, key=lambda item: item[1])[:60],
    }
    return render(request, "care/knowledge_entry.html", context)
