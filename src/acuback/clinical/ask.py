"""Ask a question: a patient's free text -> the best FAQ answers with their sources.

Three steps, each separate so that each can be tested and replaced:

1. **Red flags first.** The question is read for warning signs described in plain words
   (`knowledge/data/ask.yaml`, `red_flags`). Each names a red flag of the knowledge base;
   its pathology's urgency chooses the advice (`advice`), and the red flags' labels are
   the reasons. The advice says what to do and how fast, never what the patient has. A
   question is not an intake: the absence of the other features is unknown, so the
   pathology's own urgency is used, never the lower `on_its_own` level of a single flag.
2. **Words.** The question is split into words; stop words are dropped; a word the index
   does not know is replaced by its nearest known word (`difflib.get_close_matches`,
   cutoff 0.8), so typos still find their topic; then the patient's phrases ("slipped
   disc", "GP", "copay") add the words our answers use (`synonyms`).
3. **Ranking.** A `SearchBackend` ranks the FAQ entries for those words and `ask` keeps
   those scoring at least `MIN_SCORE`. A question that asks whether acupuncture cures a
   disease the knowledge base does not cover (`out_of_scope`) is not answered either.

The seam: `SearchBackend` is all `ask` needs from a full-text engine (`knows` a word,
`vocabulary` for typo correction, `search` returning topics with a score, higher is
better). `SqliteIndex` is the shipped backend: in-memory SQLite FTS5 tables built once
per knowledge base; the score is bm25 over question, answer and cited labels (question
weighted highest) plus `TITLE_WEIGHT` times bm25 over the questions alone. A PostgreSQL
backend for the web side would implement the same three methods over a `tsvector`
column (`ts_rank_cd` with `setweight` A for the question, B for cited labels, C for the
answer) and be passed as `ask(..., backend=...)`; `MIN_SCORE` is calibrated for bm25, so
such a backend would bring its own threshold (`SearchBackend.min_score`).
"""

from __future__ import annotations

import difflib
import re
import sqlite3
import threading
import unicodedata
from collections.abc import Sequence
from functools import cache, cached_property
from pathlib import Path
from typing import Protocol

import yaml
from pydantic import BaseModel, ConfigDict, Field

from acuback.clinical.base import InputError, Result
from acuback.knowledge.loader import DATA_DIR, KnowledgeBase
from acuback.knowledge.schema import TriageLevel

MAX_QUESTION_CHARS = 1_000
MAX_ANSWERS = 5
# Scores below this are not an answer. Calibrated on the shipped FAQ: the 26 on-topic
# paraphrases of tests/test_ask.py score 6.0 or more for their best topic; off-topic
# questions that share a stray word with an answer ("is it going to rain this weekend",
# "can you recommend a good pizza restaurant") score 4.3 or less, and "can acupuncture
# help <something else>" about 5.2 (the word "help" in "Which back problems can
# acupuncture help with?").
MIN_SCORE = 5.5
TYPO_CUTOFF = 0.8
MIN_TYPO_LENGTH = 4
# Column weights for bm25: the question, the answer, the labels of the entries cited.
WEIGHTS = (6.0, 1.0, 2.0)
# The score is the bm25 over all three columns plus this times the bm25 over the
# questions alone (see SqliteIndex).
TITLE_WEIGHT = 2.0
ASK_FILE = DATA_DIR / "ask.yaml"
ADVISED_LEVELS = (
    TriageLevel.EMERGENCY,
    TriageLevel.URGENT_REFERRAL,
    TriageLevel.PHYSICIAN_CLEARANCE,
)

_WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")


# --- results ----------------------------------------------------------------


class Answer(Result):
    topic: str = Field(description="Code of the FAQ entry")
    title: str = Field(description="The FAQ's question, as shown to patients")
    score: float = Field(description="Relevance, higher is better (bm25, sign flipped)")
    sources: list[str] = Field(description="Source codes of the answer (seeds, literature)")


class Urgent(Result):
    action: str = Field(description="What to do and how fast, in plain words")
    level: TriageLevel = Field(description="The most urgent level of the red flags found")
    reasons: list[str] = Field(description="Labels of the red flags the question describes")
    red_flags: list[str] = Field(description="Their codes")


class AskResult(Result):
    answered: bool
    answers: list[Answer] = Field(default_factory=list, max_length=MAX_ANSWERS)
    urgent: Urgent | None = None

    def contract(self) -> dict[str, object]:
        """The documented CLI shape: {answered, answers, urgent: null | {action, reasons}}."""
        return {
            "answered": self.answered,
            "answers": [a.model_dump(mode="json") for a in self.answers],
            "urgent": (
                None
                if self.urgent is None
                else {"action": self.urgent.action, "reasons": list(self.urgent.reasons)}
            ),
        }


# --- the patient's words (ask.yaml) ----------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Synonym(_Strict):
    said: list[str] = Field(min_length=1)
    means: str = Field(min_length=2)


class FlagPattern(_Strict):
    code: str
    all: list[list[str]] = Field(min_length=1)

    def matches(self, text: str) -> bool:
        return all(any(re.search(p, text) for p in group) for group in self.all)


class Lexicon(_Strict):
    stop_words: str
    synonyms: list[Synonym]
    out_of_scope: list[str]
    advice: dict[TriageLevel, str]
    red_flags: list[FlagPattern]

    @cached_property
    def stops(self) -> frozenset[str]:
        return frozenset(self.stop_words.split())

    @cached_property
    def phrases(self) -> list[tuple[tuple[str, ...], list[str]]]:
        """(phrase as words, the words it adds), longest phrase first."""
        found = [
            (tuple(words(normalise(said))), words(normalise(syn.means)))
            for syn in self.synonyms
            for said in syn.said
        ]
        return sorted(found, key=lambda item: -len(item[0]))

    @cached_property
    def synonym_words(self) -> frozenset[str]:
        return frozenset(w for phrase, _ in self.phrases for w in phrase)


def load_lexicon(path: Path = ASK_FILE) -> Lexicon:
    """Read and check ask.yaml; every pattern must compile and advice cover each level."""
    lexicon = Lexicon.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    for pattern in [p for f in lexicon.red_flags for g in f.all for p in g]:
        re.compile(pattern)
    for pattern in lexicon.out_of_scope:
        re.compile(pattern)
    missing = set(ADVISED_LEVELS) - set(lexicon.advice)
    if missing:
        raise ValueError(f"{path.name}: advice has no text for {sorted(missing)}")
    return lexicon


@cache
def lexicon() -> Lexicon:
    return load_lexicon()


# --- text -----------------------------------------------------------------


def normalise(text: str) -> str:
    """Lower case, accents and curly quotes folded, whitespace collapsed."""
    folded = unicodedata.normalize("NFKD", text)
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    folded = folded.replace("\u2019", "'").replace("\u2018", "'").lower()
    return " ".join(folded.split())


def words(text: str) -> list[str]:
    """Words of normalised text; "don't" -> "dont", "patient's" -> "patient"."""
    out: list[str] = []
    for word in _WORD.findall(text):
        word = word.removesuffix("'s").replace("'", "")
        out.extend(part for part in word.split("-") if part)
    return out


# --- the search seam --------------------------------------------------------


class Hit(BaseModel):
    model_config = ConfigDict(frozen=True)

    topic: str
    score: float


class SearchBackend(Protocol):
    """What `ask` needs from a full-text engine over the FAQ (see the module docstring)."""

    min_score: float

    def vocabulary(self) -> frozenset[str]:
        """Known words (unstemmed), the targets of typo correction."""
        ...

    def knows(self, word: str) -> bool:
        """Whether the word, after the engine's own stemming, occurs in the index."""
        ...

    def search(self, terms: Sequence[str], limit: int) -> list[Hit]:
        """Topics matching any of the terms, best first, higher score is better."""
        ...


def _faq_rows(kb: KnowledgeBase) -> list[tuple[str, str, str, str]]:
    rows = []
    for code, faq in kb.faq.items():
        cited = []
        for cite in faq.cites:
            try:
                _, entry = kb.entry(cite)
            except KeyError:
                continue
            label = getattr(entry, "label", None)
            if isinstance(label, str):
                cited.append(label)
        rows.append((code, faq.label, faq.description, "; ".join(cited)))
    return rows


class SqliteIndex:
    """The FAQ in an in-memory SQLite FTS5 table, ranked with bm25. Thread-safe."""

    min_score = MIN_SCORE

    def __init__(self, kb: KnowledgeBase) -> None:
        self._lock = threading.Lock()
        self._db = sqlite3.connect(":memory:", check_same_thread=False)
        self._db.execute(
            "CREATE VIRTUAL TABLE faq USING fts5("
            "topic UNINDEXED, question, answer, cited, "
            "tokenize = 'porter unicode61 remove_diacritics 2')"
        )
        rows = _faq_rows(kb)
        self._db.executemany(
            "INSERT INTO faq (topic, question, answer, cited) VALUES (?, ?, ?, ?)", rows
        )
        # The questions alone as well: in the whole FAQ nearly every answer says
        # "acupuncture", "needles", "points" or "back", so bm25 gives those words almost
        # no weight; among the 26 questions they still tell topics apart.
        self._db.execute(
            "CREATE VIRTUAL TABLE titles USING fts5("
            "topic UNINDEXED, question, tokenize = 'porter unicode61 remove_diacritics 2')"
        )
        self._db.executemany(
            "INSERT INTO titles (topic, question) VALUES (?, ?)", [r[:2] for r in rows]
        )
        self._db.execute("CREATE VIRTUAL TABLE faq_terms USING fts5vocab(faq, 'row')")
        self._stems = frozenset(r[0] for r in self._db.execute("SELECT term FROM faq_terms"))
        known: set[str] = set()
        for row in rows:
            for text in row[1:]:
                known.update(words(normalise(text)))
        self._vocabulary = frozenset(known)

    def vocabulary(self) -> frozenset[str]:
        return self._vocabulary

    def knows(self, word: str) -> bool:
        if word in self._vocabulary or word in self._stems:
            return True
        with self._lock:
            found = self._db.execute(
                "SELECT 1 FROM faq WHERE faq MATCH ? LIMIT 1", (_quote(word),)
            ).fetchone()
        return found is not None

    def search(self, terms: Sequence[str], limit: int) -> list[Hit]:
        if not terms:
            return []
        query = " OR ".join(_quote(t) for t in dict.fromkeys(terms))
        weights = ", ".join(str(w) for w in WEIGHTS)
        scores: dict[str, float] = {}
        with self._lock:
            whole = self._db.execute(
                f"SELECT topic, bm25(faq, 0, {weights}) FROM faq WHERE faq MATCH ?",  # noqa: S608
                (query,),
            ).fetchall()
            titles = self._db.execute(
                "SELECT topic, bm25(titles) FROM titles WHERE titles MATCH ?", (query,)
            ).fetchall()
        for topic, rank in whole:
            scores[topic] = -rank
        for topic, rank in titles:
            scores[topic] = scores.get(topic, 0.0) - TITLE_WEIGHT * rank
        best = sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:limit]
        return [Hit(topic=topic, score=round(score, 3)) for topic, score in best]


def _quote(term: str) -> str:
    """An FTS5 string literal: the patient's words are never FTS5 syntax."""
    return '"' + term.replace('"', '""') + '"'


_INDEXES: dict[int, tuple[KnowledgeBase, SqliteIndex]] = {}
_INDEX_LOCK = threading.Lock()


def index_for(kb: KnowledgeBase) -> SqliteIndex:
    """The index of this knowledge base, built on first use and kept."""
    with _INDEX_LOCK:
        cached = _INDEXES.get(id(kb))
        if cached is None or cached[0] is not kb:
            cached = (kb, SqliteIndex(kb))
            _INDEXES[id(kb)] = cached
        return cached[1]


# --- the query --------------------------------------------------------------


_KNOWN: dict[tuple[int, int], tuple[object, object, dict[str, list[str]]]] = {}
_FLAG_WORDS: dict[int, tuple[KnowledgeBase, frozenset[str]]] = {}


def _known(backend: SearchBackend, lex: Lexicon) -> dict[str, list[str]]:
    """Targets of typo correction, by first letter; worked out once per backend."""
    cached = _KNOWN.get((id(backend), id(lex)))
    if cached is None or cached[0] is not backend or cached[1] is not lex:
        by_letter: dict[str, list[str]] = {}
        for word in sorted(backend.vocabulary() | lex.synonym_words):
            by_letter.setdefault(word[0], []).append(word)
        cached = (backend, lex, by_letter)
        _KNOWN[(id(backend), id(lex))] = cached
    return cached[2]


def _corrected(
    tokens: list[str], backend: SearchBackend, known: dict[str, list[str]], keep: frozenset[str]
) -> list[str]:
    out = []
    for token in tokens:
        if (
            len(token) >= MIN_TYPO_LENGTH
            and not token.isdigit()
            and token not in keep
            and not backend.knows(token)
        ):
            # Typos rarely change the first letter; requiring it keeps "rice" from
            # becoming "price" and "learn" from becoming "clear".
            same_start = known.get(token[0], [])
            close = difflib.get_close_matches(token, same_start, n=1, cutoff=TYPO_CUTOFF)
            out.append(close[0] if close else token)
        else:
            out.append(token)
    return out


def _expanded(tokens: list[str], lex: Lexicon) -> list[str]:
    """Words the synonyms add for the patient's phrases, longest phrase first."""
    added: list[str] = []
    i = 0
    while i < len(tokens):
        for phrase, means in lex.phrases:
            if tuple(tokens[i : i + len(phrase)]) == phrase:
                added.extend(means)
                i += len(phrase)
                break
        else:
            i += 1
    return added


def query_terms(
    question: str,
    backend: SearchBackend,
    lex: Lexicon | None = None,
    keep: frozenset[str] = frozenset(),
) -> list[str]:
    """The words searched for: typo-corrected, synonyms expanded, stop words dropped.

    Words in `keep` (and the synonyms' words) are never "corrected": `ask` passes the
    words of the red flags, so "constant" does not become "contact".
    """
    lex = lex or lexicon()
    stops = lex.stops
    known = _known(backend, lex)
    tokens = words(normalise(question))
    corrected = _corrected(
        [t for t in tokens if t not in stops], backend, known, keep | lex.synonym_words
    )
    # Synonym phrases may contain stop words ("pins and needles"): match on all tokens,
    # with the corrections applied.
    fixes = dict(zip([t for t in tokens if t not in stops], corrected, strict=True))
    full = [fixes.get(t, t) for t in tokens]
    terms = corrected + _expanded(full, lex)
    return [t for t in dict.fromkeys(terms) if t not in stops]


def red_flags(question: str, kb: KnowledgeBase, lex: Lexicon | None = None) -> Urgent | None:
    """The urgent advice for the warning signs the question describes, or None."""
    lex = lex or lexicon()
    text = normalise(question)
    found = [f.code for f in lex.red_flags if f.matches(text)]
    flags = [kb.red_flags[code] for code in found if code in kb.red_flags]
    if not flags:
        return None
    levels = [kb.pathologies[flag.pathology].urgency for flag in flags]
    level = min(levels, key=lambda lvl: lvl.severity)
    if level not in lex.advice:  # a level below the advised ones gives no urgent advice
        return None
    return Urgent(
        action=" ".join(lex.advice[level].split()),
        level=level,
        reasons=[flag.label for flag in flags],
        red_flags=[flag.code for flag in flags],
    )


def _flag_words(kb: KnowledgeBase) -> frozenset[str]:
    """Words of the red flags' labels, questions and descriptions (real words, not typos)."""
    cached = _FLAG_WORDS.get(id(kb))
    if cached is None or cached[0] is not kb:
        found: set[str] = set()
        for flag in kb.red_flags.values():
            for text in (flag.label, flag.question, flag.description):
                found.update(words(normalise(text)))
        cached = (kb, frozenset(found))
        _FLAG_WORDS[id(kb)] = cached
    return cached[1]


def check_question(question: str) -> str:
    """The question stripped; empty or over-long questions are refused."""
    stripped = question.strip()
    if not stripped:
        raise InputError("question", "is empty: type a question")
    if len(stripped) > MAX_QUESTION_CHARS:
        raise InputError(
            "question",
            f"is {len(stripped):,} characters; a question may be at most {MAX_QUESTION_CHARS:,}",
        )
    return stripped


def ask(
    question: str,
    kb: KnowledgeBase,
    limit: int = MAX_ANSWERS,
    backend: SearchBackend | None = None,
) -> AskResult:
    """The FAQ answers for a patient's question, best first, with urgent advice first.

    Raises InputError for an empty or over-long question, ValueError for a bad limit.
    """
    if not 1 <= limit <= MAX_ANSWERS:
        raise ValueError(f"limit must be between 1 and {MAX_ANSWERS}")
    text = check_question(question)
    lex = lexicon()
    engine: SearchBackend = backend if backend is not None else index_for(kb)
    urgent = red_flags(text, kb, lex)
    normalised = normalise(text)
    if any(re.search(pattern, normalised) for pattern in lex.out_of_scope):
        return AskResult(answered=False, urgent=urgent)
    hits = [
        hit
        for hit in engine.search(query_terms(text, engine, lex, _flag_words(kb)), limit)
        if hit.score >= engine.min_score and hit.topic in kb.faq
    ]
    answers = [
        Answer(
            topic=hit.topic,
            title=kb.faq[hit.topic].label,
            score=hit.score,
            sources=list(kb.faq[hit.topic].sources),
        )
        for hit in hits
    ]
    return AskResult(answered=bool(answers), answers=answers, urgent=urgent)
