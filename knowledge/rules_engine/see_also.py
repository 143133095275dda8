"""`see_also:` of a rule: a local article named beside a national finding, as context.

A national rule decides (e.g. 民法典 第三百四十七条: 经营性用地 are sold by public bidding); a
local text may restate, permit or encourage the same thing (焦政办规〔2025〕1号（十四）: "灵活选择
拍卖、挂牌等方式"). The finding stays the national rule's — its severity and its `cite` — and, where
the local article applies to the plan's place and date (and the entry's optional `when` holds),
its message ends with the local article quoted:

    see_also:
      - doc_id: jiaozuo-2025-1
        article: （十四）
        quote: "对经营性用地以及同一宗地有两个以上意向用地者，灵活选择拍卖、挂牌等方式组织供应。"
        when: {eq: [supply_method, {value: 协议出让}]}    # optional

`landbot kb validate` checks that the article exists and that the quote is verbatim in it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from knowledge.rules_engine.conditions import Cond

_KEYS = frozenset({"doc_id", "article", "quote", "when"})


@dataclass(frozen=True)
class SeeAlso:
    doc_id: str
    article: str
    quote: str  # verbatim part of the article's text
    when: Cond | None = None

    def text(self) -> str:
        """What the finding's message ends with: `另见<文号或标题> <条>：「<quote>」`."""
        return f"另见{document_name(self.doc_id)} {self.article}：「{self.quote}」"


def parse_see_also(
    raw: Any, own_doc: str, compile_cond: Callable[[Any], Cond]
) -> tuple[SeeAlso, ...]:
    """The `see_also` entries of a rule (ValueError naming the problem)."""
    if raw is None:
        return ()
    if not isinstance(raw, list) or not raw:
        raise ValueError("'see_also' needs a list of {doc_id, article, quote}")
    out = []
    for item in raw:
        if not isinstance(item, dict):
            raise ValueError("a 'see_also' entry is a mapping {doc_id, article, quote}")
        unknown = set(item) - _KEYS
        if unknown:
            raise ValueError(f"'see_also': unknown keys {sorted(unknown)}")
        for key in ("doc_id", "article", "quote"):
            if not isinstance(item.get(key), str) or not item[key].strip():
                raise ValueError(f"'see_also' entry needs '{key}' (text)")
        if item["doc_id"] == own_doc:
            raise ValueError("'see_also' names another document than the rule's own")
        when = compile_cond(item["when"]) if item.get("when") is not None else None
        out.append(SeeAlso(item["doc_id"], item["article"], item["quote"].strip(), when))
    return tuple(out)


@cache
def document_name(doc_id: str) -> str:
    """The document's 文号, or its title in 《》 when it has none."""
    from knowledge.corpus import load_corpus

    doc = load_corpus().document(doc_id)
    if doc is None:
        return doc_id
    return doc.number or f"《{doc.title}》"
