"""Text helpers shared by the clinic models and service (no Django)."""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """A name for comparing: accents dropped, case folded, spaces collapsed."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.casefold().split())
