"""The search index over the corpus articles: built once, cached on disk, loaded fast.

Two token channels feed BM25 (knowledge/search.py fuses them):
- "b": character bigrams (and single characters) of the normalised text. Chinese has no spaces;
  bigrams need no dictionary, tolerate typos and unseen words, and on the evaluation set they
  rank as well as jieba words (tests/data/questions.yaml; bench/bench_search.py prints both).
- "w": the words of the corpus's own vocabulary found in the text (every dictionary word that
  occurs, like jieba's full mode). The vocabulary comes from jieba's segmentation of the corpus
  plus the search synonyms, computed once when the index is built; questions are then matched
  against it without loading jieba, so `landbot ask` starts fast.

The index is a plain JSON file in the user's cache directory (LANDBOT_CACHE_DIR overrides it),
named after the knowledge-base version and the index format, so any change to the corpus or to
the synonyms builds a new one. A cache that cannot be read or written is simply rebuilt in memory.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import math
import os
import re
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from knowledge.textnorm import is_cjk, normalise

log = logging.getLogger(__name__)

INDEX_FORMAT = 6  # bump when the tokenisation or the file layout changes
MAX_WORD = 8  # longest vocabulary word looked up
GENERAL_MIN_FREQ = 5  # jieba dictionary words rarer than this are not kept
_UNIT = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]|[0-9a-z][0-9a-z.%]*")
_SEGMENT = re.compile(r"[^\u3400-\u4dbf\u4e00-\u9fff0-9a-z.%]+")


def compact(text: str) -> str:
    """Normalised text without punctuation or spaces: 带“方案”出让 → 带方案出让."""
    return _SEGMENT.sub("", text)


# ------------------------------------------------------------------------------- vocabulary


@dataclass(frozen=True)
class Lexicon:
    """The search vocabulary data of knowledge/synonyms.yaml, normalised."""

    groups: tuple[tuple[str, ...], ...]
    expansions: dict[str, tuple[str, ...]]
    fillers: tuple[str, ...]  # longest first
    stop_chars: frozenset[str]
    digest: str
    # intent → (cues in a question, marks of the articles that answer such a question)
    intents: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = field(default_factory=dict)

    def terms(self) -> set[str]:
        out = {t for g in self.groups for t in g}
        out.update(self.expansions)
        for targets in self.expansions.values():
            out.update(targets)
        return {t for t in out if len(t) >= 2}


@cache
def lexicon() -> Lexicon:
    """The synonyms, expansions, fillers and stop characters (package data, read once)."""
    raw = resources.files("knowledge").joinpath("synonyms.yaml").read_bytes()
    data = yaml.load(raw, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
    groups = tuple(
        tuple(dict.fromkeys(compact(normalise(str(t))) for t in group if str(t).strip()))
        for group in data.get("synonyms") or ()
    )
    expansions = {
        compact(normalise(str(k))): tuple(compact(normalise(str(t))) for t in v)
        for k, v in (data.get("expansions") or {}).items()
    }
    fillers = tuple(
        sorted({normalise(str(f)) for f in data.get("fillers") or ()}, key=len, reverse=True)
    )
    return Lexicon(
        groups=tuple(g for g in groups if len(g) >= 2),
        expansions=expansions,
        fillers=tuple(f for f in fillers if f),
        stop_chars=frozenset(str(data.get("stop_chars") or "")),
        digest=hashlib.sha256(raw).hexdigest()[:12],
        intents={
            str(name): (
                tuple(compact(normalise(str(c))) for c in spec.get("cues") or ()),
                tuple(compact(normalise(str(m))) for m in spec.get("marks") or ()),
            )
            for name, spec in (data.get("intents") or {}).items()
        },
    )


# ------------------------------------------------------------------------------- tokenising


def units(text: str) -> list[list[str]]:
    """Normalised text → runs of units (a CJK character or an ASCII word/number), split at
    punctuation: bigrams never cross a comma."""
    out = []
    for segment in _SEGMENT.split(text):
        found = _UNIT.findall(segment)
        if found:
            out.append(found)
    return out


def bigram_tokens(text: str) -> list[str]:
    """Character bigrams plus single units ("#" prefix) of normalised text."""
    tokens: list[str] = []
    for run in units(text):
        tokens.extend(a + b for a, b in itertools.pairwise(run))
        tokens.extend("#" + u for u in run)
    return tokens


def word_tokens(text: str, vocab: dict[str, int] | set[str]) -> list[str]:
    """Every vocabulary word occurring in normalised text (overlaps included)."""
    tokens: list[str] = []
    n = len(text)
    for i in range(n):
        if not is_cjk(text[i]):
            continue
        for length in range(2, min(MAX_WORD, n - i) + 1):
            piece = text[i : i + length]
            if piece in vocab:
                tokens.append(piece)
    return tokens


# ------------------------------------------------------------------------------- the index


@dataclass
class Channel:
    """BM25 statistics of one token channel."""

    postings: dict[str, list[tuple[int, int]]]  # token → [(article index, term frequency)]
    lengths: list[int]
    avg_length: float
    idf: dict[str, float] = field(default_factory=dict)
    # token → [(article index, BM25 contribution)], filled on first use by knowledge.search
    scored: dict[str, list[tuple[int, float]]] = field(default_factory=dict, repr=False)

    @classmethod
    def build(cls, docs: list[list[str]]) -> Channel:
        postings: dict[str, list[tuple[int, int]]] = {}
        for i, tokens in enumerate(docs):
            for token, tf in Counter(tokens).items():
                postings.setdefault(token, []).append((i, tf))
        lengths = [len(d) for d in docs]
        channel = cls(postings, lengths, (sum(lengths) / len(lengths)) if lengths else 1.0)
        channel.compute_idf()
        return channel

    def compute_idf(self) -> None:
        n = len(self.lengths)
        self.idf = {
            t: math.log(1 + (n - len(p) + 0.5) / (len(p) + 0.5)) for t, p in self.postings.items()
        }

    def max_idf(self) -> float:
        n = len(self.lengths)
        return math.log(1 + (n + 0.5) / 0.5)

    def to_json(self) -> dict[str, Any]:
        return {
            "postings": {t: [x for pair in p for x in pair] for t, p in self.postings.items()},
            "lengths": self.lengths,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Channel:
        postings = {
            t: list(zip(flat[0::2], flat[1::2], strict=True))
            for t, flat in data["postings"].items()
        }
        lengths = list(data["lengths"])
        channel = cls(postings, lengths, (sum(lengths) / len(lengths)) if lengths else 1.0)
        channel.compute_idf()
        return channel


@dataclass
class SearchIndex:
    keys: list[tuple[str, str]]  # (doc_id, label) per article, corpus order
    texts: list[str]  # compact normalised text (no punctuation), for phrase checks
    headings: list[str]  # compact normalised section headings
    titles: dict[str, str]  # doc_id → normalised title (+ 文号)
    vocab: dict[str, int]  # word → number of articles containing it
    b: Channel
    w: Channel
    # the questions each article answers (corpus `questions`), compact normalised, "|" between
    questions: list[str] = field(default_factory=list)
    q: Channel | None = None  # character bigrams of those questions: a field of its own
    # newline-separated content words of jieba's dictionary that the corpus lacks
    general_nouns: str = ""
    general_verbs: str = ""
    key: str = ""
    _general: dict[str, str] | None = field(default=None, repr=False)
    _all_text: str | None = field(default=None, repr=False)

    def general_words(self) -> dict[str, str]:
        """Common Chinese content words absent from the corpus, word → "n" | "v" (护照: n,
        结婚: v): a question made of them is about something the knowledge base does not
        cover."""
        if self._general is None:
            general = dict.fromkeys(self.general_verbs.split("\n"), "v")
            general.update(dict.fromkeys(self.general_nouns.split("\n"), "n"))
            general.pop("", None)
            self._general = general
        return self._general

    def occurs(self, piece: str) -> bool:
        """True when `piece` occurs in some article (compact text or heading)."""
        if self._all_text is None:
            self._all_text = "|".join((*self.texts, *self.headings, *self.questions))
        return piece in self._all_text

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "keys": [list(k) for k in self.keys],
            "texts": self.texts,
            "headings": self.headings,
            "titles": self.titles,
            "vocab": self.vocab,
            "b": self.b.to_json(),
            "w": self.w.to_json(),
            "questions": self.questions,
            "q": self.q.to_json() if self.q is not None else None,
            "general_nouns": self.general_nouns,
            "general_verbs": self.general_verbs,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SearchIndex:
        return cls(
            keys=[(str(d), str(label)) for d, label in data["keys"]],
            texts=list(data["texts"]),
            headings=list(data["headings"]),
            titles=dict(data["titles"]),
            vocab=dict(data["vocab"]),
            b=Channel.from_json(data["b"]),
            w=Channel.from_json(data["w"]),
            questions=list(data["questions"]),
            q=Channel.from_json(data["q"]) if data.get("q") else None,
            general_nouns=str(data["general_nouns"]),
            general_verbs=str(data["general_verbs"]),
            key=str(data["key"]),
        )


# jieba part-of-speech tags of dictionary words that carry content when a question uses them
_NOUN_TAGS = frozenset({"n", "nz", "ns", "nt", "vn", "an", "ng", "j", "i", "l"})
_VERB_TAGS = frozenset({"v", "vd", "vg", "vi", "vq", "a", "ad", "ag", "b", "z"})


def _jieba_vocabulary(texts: list[str]) -> tuple[set[str], dict[str, str]]:
    """Words (2+ characters, CJK only) of jieba's search-mode segmentation of the texts, and
    the common content words (2-4 characters) of jieba's dictionary that are not among them,
    as word → "n" (noun-like) or "v" (verb-like). Function words, numbers and names are left
    out: 以后 or 还要 in a question say nothing about its subject."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    words: set[str] = set()
    for text in texts:
        for word in jieba.lcut_for_search(text):
            if 2 <= len(word) <= MAX_WORD and all(is_cjk(ch) for ch in word):
                words.add(word)
    general: dict[str, str] = {}
    with jieba.dt.get_dict_file() as fh:
        for raw in fh:
            parts = raw.decode("utf-8").split()
            if len(parts) < 3 or not 2 <= len(parts[0]) <= 4 or not parts[1].isdigit():
                continue
            word, freq, tag = parts[0], int(parts[1]), parts[2]
            if freq < GENERAL_MIN_FREQ or word in words or not all(is_cjk(ch) for ch in word):
                continue
            if tag in _NOUN_TAGS:
                general[word] = "n"
            elif tag in _VERB_TAGS:
                general[word] = "v"
    return words, general


def build_index(key: str = "") -> SearchIndex:
    """Build the index from the corpus (uses jieba for the vocabulary: about a second)."""
    from knowledge.corpus import load_corpus

    corpus = load_corpus()
    keys: list[tuple[str, str]] = []
    texts: list[str] = []
    headings: list[str] = []
    full: list[str] = []  # normalised heading and text: what the tokens come from
    asked: list[str] = []  # normalised questions the article answers, one a line
    for article in corpus.articles():
        keys.append((article.doc_id, article.label))
        text, heading = normalise(article.text), normalise(article.heading)
        texts.append(compact(text))
        headings.append(compact(heading))
        full.append(f"{heading}\n{text}")
        asked.append("\n".join(normalise(q) for q in article.questions))
    titles = {
        d.doc_id: compact(normalise(" ".join(x for x in (d.title, d.number or "") if x)))
        for d in corpus.documents.values()
    }
    corpus_words, general = _jieba_vocabulary(full)
    words = {w for w in corpus_words | lexicon().terms() if len(w) >= 2}
    w_docs = [word_tokens(compact(t), words) for t in full]
    df = Counter(tok for doc in w_docs for tok in set(doc))
    vocab = {w: df.get(w, 0) for w in sorted(words)}
    return SearchIndex(
        keys=keys,
        texts=texts,
        headings=headings,
        titles=titles,
        vocab=vocab,
        b=Channel.build([bigram_tokens(t) for t in full]),
        w=Channel.build(w_docs),
        questions=["|".join(compact(q) for q in a.split("\n") if q) for a in asked],
        q=Channel.build([bigram_tokens(a) for a in asked]),
        general_nouns="\n".join(
            sorted(w for w, c in general.items() if c == "n" and w not in words)
        ),
        general_verbs="\n".join(
            sorted(w for w, c in general.items() if c == "v" and w not in words)
        ),
        key=key,
    )


# ------------------------------------------------------------------------------- caching


def cache_dir() -> Path:
    """LANDBOT_CACHE_DIR, else the user's cache directory for landbot."""
    override = os.environ.get("LANDBOT_CACHE_DIR")
    if override:
        return Path(override).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("landbot", appauthor=False))


def index_key() -> str:
    """Changes whenever the corpus, the rules, the synonyms or the code that builds the index
    (tokenisation, normalisation) change."""
    from knowledge.version import kb_version

    code = hashlib.sha256()
    package = resources.files("knowledge")
    for name in ("search_index.py", "textnorm.py", "numerals.py"):
        try:
            code.update(package.joinpath(name).read_bytes())
        except OSError:  # installed without sources: the format number still guards
            code.update(name.encode())
    return f"{kb_version()}-s{lexicon().digest}-c{code.hexdigest()[:8]}-f{INDEX_FORMAT}"


def _cache_file(key: str) -> Path:
    return cache_dir() / f"search-index-{key}.json"


def _read_cache(path: Path, key: str) -> SearchIndex | None:
    try:
        data = json.loads(path.read_text("utf-8"))
        if data.get("key") != key:
            return None
        return SearchIndex.from_json(data)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("search index cache %s unreadable (%s); rebuilding", path, exc)
        return None


def _write_cache(path: Path, index: SearchIndex) -> None:
    tmp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".search-index-", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(index.to_json(), fh, ensure_ascii=False, separators=(",", ":"))
        os.replace(tmp, path)  # atomic: a concurrent reader sees the old file or the new one
        tmp = None
        for stale in path.parent.glob("search-index-*.json"):
            if stale != path:
                stale.unlink(missing_ok=True)
    except OSError as exc:
        log.warning("cannot write the search index cache %s (%s)", path, exc)
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)


@cache
def get_index() -> SearchIndex:
    """The index of the current corpus: from the disk cache, else built and cached."""
    key = index_key()
    path = _cache_file(key)
    found = _read_cache(path, key)
    if found is not None:
        return found
    index = build_index(key)
    _write_cache(path, index)
    return index
