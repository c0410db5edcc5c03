"""/api/docs: Swagger UI from acuback's own static files, nothing fetched from elsewhere."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser_helpers import WIDTHS, shots_dir


@pytest.mark.django_db(transaction=True)
def test_the_api_docs_render_from_local_files(live_server: Any, page: Any) -> None:
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url))
    page.set_viewport_size(dict(zip(("width", "height"), WIDTHS["desktop"], strict=True)))
    page.goto(f"{live_server.url}/api/docs")
    page.get_by_text("/api/patients/{patient_id}/intakes").first.wait_for()
    page.screenshot(path=str(shots_dir() / "api-docs-desktop.png"), full_page=False)
    assert page.locator(".opblock").count() >= 20, "every operation is listed"
    assert fetched and all(url.startswith(live_server.url) for url in fetched), fetched
    assert any(url.endswith("/static/ninja/swagger-ui-bundle.js") for url in fetched)
