"""The policy corpus: documents article by article, verbatim, with their metadata (issue 3).

One YAML file a document in `knowledge/corpus/` (package data) is the source of truth; see
`knowledge/corpus/README.md` for the format and the labelling scheme. `load_corpus()` reads them
once. `applicability()` tells whether a document (or one of its articles) governs a place on a
date: "binding", "reference" (参照执行) or None.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from importlib.abc import Traversable
from typing import Any

import yaml

from knowledge.jurisdictions import Place, find_place, within
from knowledge.numerals import cn_to_number, int_to_cn

DOC_LEVELS = ("national", "provincial", "city", "county")
APPLICABILITY = ("binding", "reference")


@dataclass(frozen=True)
class Article:
    doc_id: str
    label: str  # CONTRACT §4 label: 四（二）, 第十三条, （十三）, 三（二）2, 第十三条 7, 前言, 附则
    heading: str  # the section heading(s) it sits under, joined by " › "
    text: str  # verbatim; paragraphs separated by "\n"
    headings: tuple[str, ...] = ()  # the same headings, outermost first
    parent: str | None = None  # for a sub-item: the label of the article that contains it
    # questions it answers, as officials ask them (doc2query by hand): searched as their own
    # field, never shown as policy text
    questions: tuple[str, ...] = ()

    @property
    def is_subitem(self) -> bool:
        return self.parent is not None


@dataclass(frozen=True)
class ScopeRule:
    """How articles apply below the document's own level, as the document itself says."""

    articles: tuple[str, ...]  # label prefixes: "六（二）" also covers "六（二）1"
    applicability: str | None  # "binding" | "reference" | None (does not apply)
    places: tuple[str, ...] = ()  # place ids (a place within one of them matches)
    tags: frozenset[str] = frozenset()  # or a place carrying one of these tags
    basis: str | None = None  # the article that says so, e.g. 六（四）
    note: str = ""

    def covers_article(self, label: str) -> bool:
        return any(_label_within(label, prefix) for prefix in self.articles)

    def covers_place(self, place: Place) -> bool:
        if any(within(place, pid) for pid in self.places):
            return True
        return bool(self.tags & place.tags)


@dataclass(frozen=True)
class Document:
    doc_id: str
    title: str
    number: str | None  # 文号
    issuer: str
    date: str | None  # as the document states it ("2021-01-04", "2025")
    valid_from: dt.date | None
    valid_to: dt.date | None
    level: str  # national | provincial | city | county
    scope: tuple[str, ...]  # place ids it governs (empty for national = everywhere)
    articles: tuple[Article, ...]
    scope_tags: frozenset[str] = frozenset()  # if set: only places within scope with a tag
    scope_rules: tuple[ScopeRule, ...] = ()
    source: str = ""  # the file it was transcribed from, relative to shared/
    draft: bool = False  # a draft for comment (征询意见稿)
    status_note: str = ""
    defers_to_higher: str | None = None  # label of the article saying later national or
    # provincial rules prevail over this document (焦政办规〔2025〕1号 附则)
    front: tuple[str, ...] = ()  # verbatim text before the first article (masthead)
    back: tuple[str, ...] = ()  # verbatim text after the last article (colophon)
    _index: dict[str, Article] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._index.update({a.label: a for a in self.articles})

    def article(self, label: str) -> Article | None:
        """The article with this label; tolerant of 第十二条（七） / 第十二条第七项 / spaces."""
        found = self._index.get(label)
        if found is None:
            found = self._index.get(normalise_label(label))
        return found

    def top_level(self) -> list[Article]:
        """Articles that are not sub-items (their texts concatenate to the whole body)."""
        return [a for a in self.articles if a.parent is None]

    def is_national(self) -> bool:
        return self.level == "national"

    def in_force(self, on: dt.date) -> bool:
        if self.valid_from is not None and on < self.valid_from:
            return False
        return not (self.valid_to is not None and on > self.valid_to)

    def governs(self, place: Place | None) -> bool:
        """True when the place is inside the document's own scope (national: every place)."""
        if self.level == "national" or not self.scope:
            return True
        if place is None:
            return False
        if not any(within(place, pid) for pid in self.scope):
            return False
        return not self.scope_tags or bool(self.scope_tags & place.tags)

    def validity_text(self) -> str:
        start = self.valid_from.isoformat() if self.valid_from else "?"
        end = self.valid_to.isoformat() if self.valid_to else "…"
        if not self.valid_from and not self.valid_to:
            return "未载明"
        return f"{start} 至 {end}"


@dataclass
class Corpus:
    documents: dict[str, Document]

    def document(self, doc_id: str) -> Document | None:
        return self.documents.get(doc_id)

    def article(self, doc_id: str, label: str) -> Article | None:
        doc = self.documents.get(doc_id)
        return doc.article(label) if doc else None

    def articles(self) -> Iterator[Article]:
        for doc in self.documents.values():
            yield from doc.articles

    def ancestors(self, doc_id: str, label: str) -> list[str]:
        """Labels of the articles that contain this one, nearest first (四（二）1 → [四（二）])."""
        out: list[str] = []
        article = self.article(doc_id, label)
        while article is not None and article.parent is not None:
            out.append(article.parent)
            article = self.article(doc_id, article.parent)
        return out


# ---------------------------------------------------------------------------------- labels

LABEL_NUMERAL = "[零一二三四五六七八九十百千]+"  # the Chinese numbers of article labels
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
SPECIAL_LABELS = ("通知", "前言", "附则", "附件")
LABEL_RE = re.compile(
    rf"^(?:{LABEL_NUMERAL}(?:（{LABEL_NUMERAL}）(?:\d+(?:（\d+）)?)?)?"  # 一 / 四（二） / 三（二）2 / 一（三）1（5）
    rf"|（{LABEL_NUMERAL}）(?:\d+)?"  # （十三） / （五）1
    rf"|第{LABEL_NUMERAL}条(?: \d+)?"  # 第十三条 / 第十三条 7
    rf"|(?:{'|'.join(SPECIAL_LABELS)})\d*)$"
)


def label_ok(label: str) -> bool:
    """True when `label` has the CONTRACT §4 form."""
    return bool(LABEL_RE.match(label))


def cn_to_int(text: str) -> int:
    """Chinese numerals up to the thousands: 二十六 → 26, 三百四十七 → 347 (ValueError if not)."""
    number = cn_to_number(text)
    if number is None:
        raise ValueError(f"not a Chinese numeral: {text!r}")
    return number


def normalise_label(label: str) -> str:
    """Accept common ways of writing a label: ASCII parentheses, 第十二条第（七）项, 第十二条(7)."""
    s = re.sub(r"\s+", " ", label.strip())
    s = s.replace("(", "（").replace(")", "）")
    s = s.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    s = re.sub(r"(?<=[一二三四五六七八九十])\s*[、.．,，]\s*(?=（)", "", s)  # 四、（二） → 四（二）
    m = re.match(rf"^(第{LABEL_NUMERAL}条)\s*第?[（]?({LABEL_NUMERAL}|\d+)[）]?[项]?$", s)
    if m:
        item = m.group(2)
        return f"{m.group(1)} {item if item.isdigit() else cn_to_int(item)}"
    m = re.match(rf"^(第{LABEL_NUMERAL}条)\s*([{_CIRCLED}])$", s)
    if m:
        return f"{m.group(1)} {_CIRCLED.index(m.group(2)) + 1}"
    m = re.match(r"^第(\d+)条(.*)$", s)
    if m and int(m.group(1)) < 10000:  # no article is numbered beyond the thousands
        return normalise_label(f"第{int_to_cn(int(m.group(1)))}条{m.group(2)}")
    s = re.sub(r"(?<=[）\u4e00-\u9fff])\s+(?=\d)", "", s) if not s.startswith("第") else s
    return s.rstrip("、.．")


def _label_within(label: str, prefix: str) -> bool:
    if label == prefix:
        return True
    if not label.startswith(prefix):
        return False
    rest = label[len(prefix) :]
    return rest[:1].isdigit() or rest.startswith(("（", " "))


# ---------------------------------------------------------------------------------- loading


def corpus_dir() -> Traversable:
    """The package folder holding the corpus YAML files."""
    return resources.files("knowledge").joinpath("corpus")


def _yaml_load(text: str) -> Any:
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def _date(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def _articles_from(
    doc_id: str, items: list[dict[str, Any]], parent: str | None, headings: tuple[str, ...]
) -> list[Article]:
    out: list[Article] = []
    for item in items:
        own = tuple(str(h) for h in item.get("headings") or ()) if parent is None else headings
        article = Article(
            doc_id=doc_id,
            label=str(item["label"]),
            heading=" › ".join(own),
            text=str(item["text"]).strip(),
            headings=own,
            parent=parent,
            questions=tuple(str(q).strip() for q in item.get("questions") or () if str(q).strip()),
        )
        out.append(article)
        out.extend(_articles_from(doc_id, item.get("items") or [], article.label, own))
    return out


def document_from_mapping(data: dict[str, Any]) -> Document:
    """Build a Document from one parsed corpus YAML (KeyError/ValueError when malformed)."""
    doc_id = str(data["doc_id"])
    rules = tuple(
        ScopeRule(
            articles=tuple(str(a) for a in r.get("articles") or ()),
            applicability=r.get("applicability"),
            places=tuple(str(p) for p in r.get("places") or ()),
            tags=frozenset(str(t) for t in r.get("tags") or ()),
            basis=r.get("basis"),
            note=str(r.get("note") or ""),
        )
        for r in data.get("scope_rules") or ()
    )
    date = data.get("date")
    return Document(
        doc_id=doc_id,
        title=str(data["title"]),
        number=data.get("number"),
        issuer=str(data.get("issuer") or ""),
        date=None if date is None else str(date),
        valid_from=_date(data.get("valid_from")),
        valid_to=_date(data.get("valid_to")),
        level=str(data["level"]),
        scope=tuple(str(s) for s in data.get("scope") or ()),
        scope_tags=frozenset(str(t) for t in data.get("scope_tags") or ()),
        scope_rules=rules,
        source=str(data.get("source") or ""),
        draft=bool(data.get("draft", False)),
        status_note=str(data.get("status_note") or ""),
        defers_to_higher=data.get("defers_to_higher"),
        front=tuple(str(x) for x in data.get("front") or ()),
        back=tuple(str(x) for x in data.get("back") or ()),
        articles=tuple(_articles_from(doc_id, data.get("articles") or [], None, ())),
    )


def corpus_files(root: Traversable | None = None) -> list[Traversable]:
    folder = root if root is not None else corpus_dir()
    return sorted(
        (f for f in folder.iterdir() if f.name.endswith((".yaml", ".yml"))),
        key=lambda f: f.name,
    )


def load_corpus_from(root: Traversable) -> Corpus:
    docs: dict[str, Document] = {}
    for f in corpus_files(root):
        doc = document_from_mapping(_yaml_load(f.read_text("utf-8")))
        docs[doc.doc_id] = doc
    return Corpus(docs)


@cache
def load_corpus() -> Corpus:
    """The corpus of the package, read once."""
    return load_corpus_from(corpus_dir())


# ---------------------------------------------------------------------------------- applicability


def applicability(
    doc_id: str, place: Place | None, on: dt.date, article: str | None = None
) -> str | None:
    """ "binding", "reference" (参照执行) or None: does the document (or that article) govern
    `place` on date `on`? place=None means a place outside the knowledge base: only national
    documents apply there. Article-level statements of the document (scope_rules) are honoured.
    """
    doc = load_corpus().document(doc_id)
    if doc is None:
        return None
    return document_applicability(doc, place, on, article)


def document_applicability(
    doc: Document, place: Place | None, on: dt.date, article: str | None = None
) -> str | None:
    if not doc.in_force(on):
        return None
    if doc.level == "national":
        return "binding"
    if place is None or not doc.governs(place):
        return None
    if article is not None:
        label = normalise_label(article)
        for rule in doc.scope_rules:
            if rule.covers_article(label) and rule.covers_place(place):
                return rule.applicability
    return "binding"


def applies(doc_id: str, place: Place | None, on: dt.date, article: str | None = None) -> bool:
    """True when the document (or article) is binding for `place` on `on`."""
    return applicability(doc_id, place, on, article) == "binding"


def applicable_documents(place: Place | None, on: dt.date) -> list[Document]:
    """Documents binding or to be referred to at `place` on `on`: national ones first."""
    docs = [
        d
        for d in load_corpus().documents.values()
        if document_applicability(d, place, on) is not None
    ]
    order = {level: i for i, level in enumerate(DOC_LEVELS)}
    return sorted(docs, key=lambda d: (order.get(d.level, 9), d.doc_id))


def place_of(place_id: str | None) -> Place | None:
    """Convenience: the Place for an id, None for None or an unknown id."""
    return find_place(place_id) if place_id else None
