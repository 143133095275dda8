"""Transcribe a source text of shared/ into a corpus YAML draft (a one-off helper, kept for
provenance). The committed YAML in knowledge/corpus/ is the source of truth and was checked by
hand; rerun only to start a new document:

    python -m knowledge.tools.transcribe SHARED_DIR DOC_ID [-o knowledge/corpus/DOC_ID.yaml]

Cleaning applies only the artifact fixes the seeds README lists (page-break space runs, hard line
breaks inside sentences, blank lines between lines, `[bookmark: _GoBack]`, `第2章`, `荣阳市`) and,
for the markdown national texts, drops the markdown markup (`#` markers, `<!-- -->` comments).
Structure: see knowledge/corpus/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from pathlib import Path
from typing import Any

import yaml

from knowledge.corpus import LABEL_NUMERAL, cn_to_int
from knowledge.tools.sources import SOURCES, clean_lines

SECTION = re.compile(rf"^({LABEL_NUMERAL})、\s*(.*)$")
ITEM = re.compile(rf"^[（(]\s*({LABEL_NUMERAL})\s*[）)]\s*(.*)$")
NUMBERED = re.compile(r"^(\d+)[.．、]\s*(.*)$")
PAREN_NUM = re.compile(r"^[（(](\d+)[）)]\s*(.*)$")
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩"
CHAPTER = re.compile(rf"^第{LABEL_NUMERAL}章\s*.*$")
SECTION_JIE = re.compile(rf"^第{LABEL_NUMERAL}节\s*.*$")
ARTICLE = re.compile(rf"^(第{LABEL_NUMERAL}条)\s*(.*)$")
TERMINAL = (*tuple("。；：！？;:"), "”。")


def _title_like(text: str) -> bool:
    return not text.rstrip().endswith(TERMINAL) and len(text) <= 30


class Unit:
    def __init__(self, label: str, first: str, headings: list[str]) -> None:
        self.label = label
        self.paras = [first] if first else []
        self.headings = list(headings)
        self.items: list[Unit] = []
        self.pending: list[str] = []
        self.open = False

    def full_text(self) -> str:
        return "\n".join(self.paras)

    def add(self, para: str) -> None:
        self.paras.append(para)

    def to_yaml(self, top: bool) -> dict[str, Any]:
        out: dict[str, Any] = {"label": self.label}
        if top:
            out["headings"] = self.headings
        out["text"] = self.full_text()
        if self.items:
            out["items"] = [i.to_yaml(False) for i in self.items]
        return out


def _attach_to(parent: Unit, para: str) -> None:
    """Add a paragraph to `parent` and to the sub-item it continues: an item with a title
    line owns the paragraphs below it; an item ending in punctuation owns them only when
    another item follows (they are sandwiched), else they belong to the parent alone."""
    parent.add(para)
    if parent.items:
        last = parent.items[-1]
        if getattr(last, "open", False):
            last.add(para)
        else:
            last.pending.append(para)


def _new_item(parent: Unit, sub: Unit) -> None:
    if parent.items:
        prev = parent.items[-1]
        prev.paras.extend(prev.pending)
        prev.pending = []
    parent.items.append(sub)


def parse(paras: list[str], style: str) -> list[Unit]:
    units: list[Unit] = []
    headings: list[str] = []
    section_label = ""
    current: Unit | None = None  # the top-level article
    for para in paras:
        if style == "articles":
            if CHAPTER.match(para):
                headings = [para]
                current = None
                continue
            if SECTION_JIE.match(para):
                headings = [*headings[:1], para]
                current = None
                continue
            m = ARTICLE.match(para)
            if m:
                current = Unit(m.group(1), para, headings)
                units.append(current)
                continue
            if current is None:
                raise ValueError(f"text outside an article: {para[:30]}")
            m = ITEM.match(para) or NUMBERED.match(para)
            number: int | None = None
            if m:
                num = m.group(1)
                number = int(num) if num.isdigit() else cn_to_int(num)
            elif para[0] in CIRCLED:
                number = CIRCLED.index(para[0]) + 1
            if number is not None:
                sub = Unit(f"{current.label} {number}", para, headings)
                sub.open = _title_like(para)
                _new_item(current, sub)
                current.add(para)
                continue
            _attach_to(current, para)
            continue
        # sections style: 一、 sections, （一） items (labelled 一（一） or, continuous, （一）)
        m = SECTION.match(para)
        if m:
            section_label = m.group(1)
            headings = [para]
            current = None
            continue
        m = ITEM.match(para)
        if m:
            label = (
                f"（{m.group(1)}）" if style == "continuous" else f"{section_label}（{m.group(1)}）"
            )
            current = Unit(label, para, headings)
            units.append(current)
            continue
        if current is None:
            current = Unit(section_label, para, headings)
            units.append(current)
            continue
        m = NUMBERED.match(para)
        if m and style != "continuous":
            sub = Unit(f"{current.label}{m.group(1)}", para, headings)
            sub.open = _title_like(para)
            _new_item(current, sub)
            current.add(para)
            continue
        m = PAREN_NUM.match(para)
        if m and current.items:
            parent = current.items[-1]
            sub = Unit(f"{parent.label}（{m.group(1)}）", para, headings)
            _new_item(parent, sub)
            parent.add(para)
            current.add(para)
            continue
        _attach_to(current, para)
    return units


def build(shared: Path, doc_id: str) -> dict[str, Any]:
    cfg = SOURCES[doc_id]
    raw = (shared / cfg["source"]).read_text("utf-8")
    paras = clean_lines(
        raw,
        markdown=cfg["source"].endswith(".md"),
        front_lines=cfg.get("front_lines", 0),
        no_join_after=cfg.get("no_join_after", ()),
        join_after=cfg.get("join_after", ()),
    )
    front = paras[: cfg.get("front_lines", 0)]
    for index in sorted(cfg.get("front_merge", ()), reverse=True):  # a title broken in two
        front[index : index + 2] = [front[index] + front[index + 1]]
    rest = paras[cfg.get("front_lines", 0) :]
    back: list[str] = []
    if cfg.get("back_from"):
        idx = next(i for i, p in enumerate(rest) if p.startswith(cfg["back_from"]))
        rest, back = rest[:idx], rest[idx:]
    specials: list[Unit] = []
    if cfg.get("notice"):
        specials.append(Unit("通知", "\n".join(rest[: cfg["notice"]]), []))
        specials[-1].paras = rest[: cfg["notice"]]
        rest = rest[cfg["notice"] :]
    preamble_heads = []
    if cfg.get("preamble_heading"):
        preamble_heads = [rest[0]]
        rest = rest[1:]
    annex: list[str] = []
    if cfg.get("annex_from"):
        idx = next(i for i, p in enumerate(rest) if p.replace(" ", "") == cfg["annex_from"])
        rest, annex = rest[:idx], rest[idx:]
    closing: list[str] = []
    if cfg.get("closing_from"):
        idx = next(i for i, p in enumerate(rest) if p.startswith(cfg["closing_from"]))
        rest, closing = rest[:idx], rest[idx:]
    first_body = next(
        (
            i
            for i, p in enumerate(rest)
            if SECTION.match(p) or CHAPTER.match(p) or ARTICLE.match(p) or ITEM.match(p)
        ),
        len(rest),
    )
    if first_body:
        pre = Unit("前言", "", preamble_heads)
        pre.paras = rest[:first_body]
        specials.append(pre)
    units = specials + parse(rest[first_body:], cfg["style"])
    if closing:
        tail = Unit("附则", "", [])
        tail.paras = closing
        units.append(tail)
    if annex:
        ann = Unit("附件", "", [annex[0]])
        ann.paras = annex[1:]
        units.append(ann)
    meta = {k: v for k, v in cfg.items() if k in META_KEYS}
    for key in ("valid_from", "valid_to"):
        if isinstance(meta.get(key), str):
            meta[key] = dt.date.fromisoformat(meta[key])
    meta["front"] = front
    meta["articles"] = [u.to_yaml(True) for u in units]
    meta["back"] = back
    return meta


HEADER = (
    "# Corpus document (format and labels: knowledge/corpus/README.md). Transcribed verbatim from\n"
    "# shared/<source>; only the extraction artifacts listed in shared/seeds/README.md are cleaned.\n"
    "# Check with `landbot kb validate` after any edit.\n"
)

META_KEYS = (
    "doc_id",
    "title",
    "number",
    "issuer",
    "date",
    "valid_from",
    "valid_to",
    "level",
    "scope",
    "scope_tags",
    "scope_rules",
    "draft",
    "status_note",
    "defers_to_higher",
    "source",
    "fixes",
)


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _list(dumper: yaml.SafeDumper, value: list[Any]) -> yaml.Node:
    short = all(isinstance(v, str) and "\n" not in v and len(v) < 30 for v in value)
    return dumper.represent_sequence(
        "tag:yaml.org,2002:seq", value, flow_style=short and bool(value)
    )


_Dumper.add_representer(str, _str)
_Dumper.add_representer(list, _list)


def dump(data: dict[str, Any]) -> str:
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100000)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("shared", type=Path)
    ap.add_argument("doc_id", nargs="+")
    ap.add_argument("-o", "--out-dir", type=Path)
    args = ap.parse_args(argv)
    for doc_id in args.doc_id:
        text = HEADER + dump(build(args.shared, doc_id))
        if args.out_dir:
            (args.out_dir / f"{doc_id}.yaml").write_text(text, "utf-8")
        else:
            sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
