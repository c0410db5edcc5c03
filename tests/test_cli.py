"""The `acuback` command line, run as a user would run it."""

from __future__ import annotations

import subprocess
import sys


def acuback(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "acuback", *args], capture_output=True, text=True, check=False
    )


def test_kb_check_prints_counts_and_succeeds() -> None:
    result = acuback("kb", "check")
    assert result.returncode == 0, result.stderr
    assert "seeds" in result.stdout
    assert "all references resolve" in result.stdout


def test_kb_show_prints_entry_and_spelled_out_sources() -> None:
    result = acuback("kb", "show", "cherkin-2009")
    assert result.returncode == 0, result.stderr
    assert "Arch Intern Med 2009" in result.stdout


def test_kb_show_unknown_code_exits_2_with_message() -> None:
    result = acuback("kb", "show", "no-such-code")
    assert result.returncode == 2
    assert "no knowledge-base entry has the code 'no-such-code'" in result.stderr
    assert result.stdout == ""
