"""The FAQ ranked by the database the site runs on: PostgreSQL full-text search or SQLite FTS5.

`acuback.clinical.ask` ranks with any `SearchBackend`; it must not import Django, so the
PostgreSQL backend lives here, in the web layer. `backend_for(kb)` chooses by
`connection.vendor`: on PostgreSQL `PostgresIndex`, elsewhere the in-memory SQLite FTS5
`SqliteIndex` that `acuback ask` uses.

`PostgresIndex` keeps no table: each search is one SQL statement that receives the FAQ as
arrays (`unnest`), builds a `tsvector` per topic with `setweight` (A the question, B the
labels of the entries cited, C the answer; English stemming) and ranks each query word
with `ts_rank_cd`, plus `TITLE_WEIGHT` times `ts_rank_cd` over the question alone (as
`SqliteIndex` adds a bm25 over the questions). `ts_rank_cd` knows nothing of how common a
word is, so each word's rank is multiplied by bm25's inverse document frequency over the
26 topics (`ln(1 + (N - df + 0.5) / (df + 0.5))`) and the words' ranks are summed: "pain"
or "acupuncture", in nearly every topic, no longer outweigh the word that matters. 26 short
texts take well under a millisecond to index, and the knowledge base, not the database,
stays the one place the answers are kept.

Its scores are not bm25's, so it brings its own threshold, `MIN_SCORE`, calibrated on the
same on-topic paraphrases and off-topic questions as `SqliteIndex` (tests/test_ask.py;
tests/test_public_search.py checks it on PostgreSQL).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from django.db import connection

from acuback.clinical.ask import Hit, SearchBackend, _faq_rows, index_for, normalise, words
from acuback.knowledge.loader import KnowledgeBase

# Calibrated on the shipped FAQ with PostgreSQL 15: the 26 on-topic paraphrases of
# tests/test_ask.py score 1.7 or more for their best topic; off-topic questions 1.3 or
# less ("can acupuncture help <another condition>" 1.26, "is it going to rain this
# weekend" 1.0).
MIN_SCORE = 1.5
# Weights of D, C, B and A for ts_rank_cd: the answer (C) counts little because nearly
# every answer says "acupuncture", "needles" or "back".
RANK_WEIGHTS = "{0.0, 0.05, 0.3, 1.0}"
TITLE_WEIGHT = 1.0

_SEARCH = f"""
WITH faq AS (
    SELECT topic,
           setweight(to_tsvector('english', question), 'A')
           || setweight(to_tsvector('english', cited), 'B')
           || setweight(to_tsvector('english', answer), 'C') AS doc,
           to_tsvector('english', question) AS title
    FROM unnest(%(topics)s::text[], %(questions)s::text[], %(answers)s::text[],
                %(cited)s::text[]) AS f(topic, question, answer, cited)
), terms AS (
    SELECT DISTINCT plainto_tsquery('english', t) AS query
    FROM unnest(%(terms)s::text[]) AS t
    WHERE numnode(plainto_tsquery('english', t)) > 0
), scored AS (
    SELECT faq.topic,
           ts_rank_cd('{RANK_WEIGHTS}'::float4[], faq.doc, terms.query)
           + {TITLE_WEIGHT} * ts_rank_cd(faq.title, terms.query) AS rank,
           faq.doc @@ terms.query AS found,
           count(*) FILTER (WHERE faq.doc @@ terms.query) OVER (PARTITION BY terms.query) AS df,
           count(*) OVER (PARTITION BY terms.query) AS n
    FROM faq CROSS JOIN terms
)
SELECT topic, sum(ln(1 + (n - df + 0.5) / (df + 0.5)) * rank) AS score
FROM scored
WHERE found
GROUP BY topic
ORDER BY score DESC, topic
LIMIT %(limit)s
"""  # noqa: S608 - constants only; the patient's words travel as parameters

_KNOWS = """
SELECT EXISTS (
    SELECT 1 FROM unnest(%(texts)s::text[]) AS t
    WHERE to_tsvector('english', t) @@ plainto_tsquery('english', %(word)s)
)
"""


class PostgresIndex:
    """The FAQ ranked with PostgreSQL full-text search on Django's current connection."""

    min_score = MIN_SCORE

    def __init__(self, kb: KnowledgeBase) -> None:
        rows = _faq_rows(kb)
        self._columns = {
            "topics": [r[0] for r in rows],
            "questions": [r[1] for r in rows],
            "answers": [r[2] for r in rows],
            "cited": [r[3] for r in rows],
        }
        self._texts = [" ".join(r[1:]) for r in rows]
        known: set[str] = set()
        for row in rows:
            for text in row[1:]:
                known.update(words(normalise(text)))
        self._vocabulary = frozenset(known)
        self._knows: dict[str, bool] = {}
        self._lock = threading.Lock()

    def vocabulary(self) -> frozenset[str]:
        return self._vocabulary

    def knows(self, word: str) -> bool:
        if word in self._vocabulary:
            return True
        with self._lock:
            cached = self._knows.get(word)
        if cached is None:
            with connection.cursor() as cursor:
                cursor.execute(_KNOWS, {"texts": self._texts, "word": word})
                cached = bool(cursor.fetchone()[0])
            with self._lock:
                if len(self._knows) > 10_000:  # patients' words are unbounded
                    self._knows.clear()
                self._knows[word] = cached
        return cached

    def search(self, terms: Sequence[str], limit: int) -> list[Hit]:
        if not terms:
            return []
        with connection.cursor() as cursor:
            cursor.execute(
                _SEARCH, {**self._columns, "terms": list(dict.fromkeys(terms)), "limit": limit}
            )
            found = cursor.fetchall()
        return [Hit(topic=topic, score=round(float(score), 3)) for topic, score in found]


_INDEXES: dict[int, tuple[KnowledgeBase, PostgresIndex]] = {}
_LOCK = threading.Lock()


def postgres_index(kb: KnowledgeBase) -> PostgresIndex:
    """One `PostgresIndex` per knowledge base, so typo targets are worked out once."""
    with _LOCK:
        cached = _INDEXES.get(id(kb))
        if cached is None or cached[0] is not kb:
            cached = (kb, PostgresIndex(kb))
            _INDEXES[id(kb)] = cached
        return cached[1]


def backend_for(kb: KnowledgeBase) -> SearchBackend:
    """PostgreSQL full-text search on PostgreSQL, SQLite FTS5 (bm25) otherwise."""
    if connection.vendor == "postgresql":
        return postgres_index(kb)
    return index_for(kb)
