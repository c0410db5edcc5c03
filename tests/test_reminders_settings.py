"""Email settings from the environment: files under VAR_DIR/mail by default, SMTP on demand."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SHOW = (
    "import json; from acuback.web import settings as s; print(json.dumps({"
    "'backend': s.EMAIL_BACKEND, 'path': str(getattr(s, 'EMAIL_FILE_PATH', '')), "
    "'host': getattr(s, 'EMAIL_HOST', ''), 'port': getattr(s, 'EMAIL_PORT', 0), "
    "'user': getattr(s, 'EMAIL_HOST_USER', ''), 'tls': getattr(s, 'EMAIL_USE_TLS', False), "
    "'ssl': getattr(s, 'EMAIL_USE_SSL', False), 'sender': s.DEFAULT_FROM_EMAIL, "
    "'tasks': s.TASKS['default']['BACKEND']}))"
)


def settings_with(tmp_path: Path, **env: str) -> dict[str, object]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ACUBACK_")}
    clean.update(ACUBACK_VAR_DIR=str(tmp_path), ACUBACK_SECRET_KEY="x" * 50, **env)
    done = subprocess.run(
        [sys.executable, "-c", SHOW], env=clean, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout)
    return result


def test_by_default_emails_are_files_in_var_mail(tmp_path: Path) -> None:
    found = settings_with(tmp_path)
    assert found["backend"] == "django.core.mail.backends.filebased.EmailBackend"
    assert found["path"] == str(tmp_path.resolve() / "mail")
    assert found["tasks"] == "django_tasks_db.DatabaseBackend"


def test_an_smtp_host_switches_to_smtp_with_starttls(tmp_path: Path) -> None:
    found = settings_with(
        tmp_path,
        ACUBACK_SMTP_HOST="mail.example.org",
        ACUBACK_SMTP_USER="clinic",
        ACUBACK_SMTP_PASSWORD="secret",
        ACUBACK_EMAIL_FROM="Home Clinic <desk@example.org>",
    )
    assert found["backend"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (found["host"], found["port"], found["user"]) == ("mail.example.org", 587, "clinic")
    assert found["tls"] is True and found["ssl"] is False
    assert found["sender"] == "Home Clinic <desk@example.org>"


@pytest.mark.parametrize(("tls", "port", "use_tls", "use_ssl"),
                         [("ssl", 465, False, True), ("none", 25, False, False)])  # fmt: skip
def test_smtp_tls_modes(tmp_path: Path, tls: str, port: int, use_tls: bool, use_ssl: bool) -> None:
    found = settings_with(tmp_path, ACUBACK_SMTP_HOST="mx", ACUBACK_SMTP_TLS=tls)
    assert (found["port"], found["tls"], found["ssl"]) == (port, use_tls, use_ssl)
    found = settings_with(tmp_path, ACUBACK_SMTP_HOST="mx", ACUBACK_SMTP_TLS=tls,
                          ACUBACK_SMTP_PORT="2525")  # fmt: skip
    assert found["port"] == 2525
