"""What every browser test shares: where screenshots go, signing in, and the page check.

Screenshots go to $ACUBACK_SCREENSHOTS (default: screenshots/ under ACUBACK_VAR_DIR), so a
person can look at them after a run.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from django.conf import settings

from tests.conftest import PASSWORD

WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}
# Codes look like 'chronic-low-back-pain', 'home_visit' or a seed's file name; words don't.
CODE = re.compile(r"\b[a-z0-9]+(?:[-_][a-z0-9]+){2,}\b|\b[a-z]+_[a-z_]+\b|\.txt\b")


def shots_dir() -> Path:
    path = Path(os.environ.get("ACUBACK_SCREENSHOTS", Path(settings.VAR_DIR) / "screenshots"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def sign_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)


def check_page(page: Any, name: str) -> None:
    """Keep a full-page screenshot; fail on a code on screen or on sideways scrolling."""
    page.screenshot(path=str(shots_dir() / f"{name}.png"), full_page=True)
    text = page.inner_text("main")
    # A <code> element is a value shown to be copied as it is (an API token, its first
    # letters): a random secret such as 'acb_og-…' would read as a code half the time.
    for literal in page.locator("main code").all_inner_texts():
        text = text.replace(literal, " ")
    assert not CODE.findall(text), (name, CODE.findall(text)[:5])
    overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert not overflow, f"{name} scrolls sideways"


def no_serious_accessibility_problem(page: Any) -> None:
    """axe-core (bundled with axe-playwright-python, nothing downloaded) finds nothing
    serious or critical on the page as it is now (WCAG 2.2 AA)."""
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page).response["violations"]
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']}"
        for v in violations
        if v["impact"] in {"serious", "critical"}
    ]
    assert not bad, bad
