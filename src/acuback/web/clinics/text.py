"""Text helpers shared by the clinic models and service (no Django)."""

from __future__ import annotations

import re
import unicodedata


def fold(text: str) -> str:
    """A name for comparing: accents dropped, case folded, spaces collapsed."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.casefold().split())


_NOT_A_LETTER = re.compile(r"[\W_]+")


def name_words(text: str) -> list[str]:
    """The folded words of a name, split at spaces, hyphens and apostrophes.

    "O'Brien-Smith" gives o, brien, smith: each can be searched by how it starts.
    """
    return [word for word in _NOT_A_LETTER.split(fold(text)) if word]
