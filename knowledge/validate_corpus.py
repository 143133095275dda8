"""The corpus, jurisdiction and plan-figure validators of `landbot kb validate`.

Listed in `knowledge.validate.VALIDATORS` (which imports this module only when it runs):
every corpus YAML against the CONTRACT §4 schema (keys, labels, dates, scope ids, scope rules),
the jurisdiction hierarchy (unique ids, unambiguous aliases), and the structured figures of the
郑州 2024 supply plan (they add up and cite existing articles).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Container
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from knowledge import corpus as corpus_mod
from knowledge.problems import (
    LineMap,
    Problem,
    YamlError,
    check_cite,
    display_path,
    load_yaml_lines,
)


def _line(node: Any, key: Any = None) -> int:
    if isinstance(node, LineMap):
        return node.line_of(key) if key is not None else node.line
    return int(getattr(node, "line", 0))


# ------------------------------------------------------------------------- corpus

_DOC_KEYS: dict[str, type | tuple[type, ...]] = {
    "doc_id": str, "title": str, "number": (str, type(None)), "issuer": str,
    "date": (str, dt.date, type(None)), "valid_from": (dt.date, type(None)),
    "valid_to": (dt.date, type(None)), "level": str, "scope": list, "scope_tags": list,
    "scope_rules": list, "draft": bool, "status_note": str, "source": str, "front": list,
    "defers_to_higher": (str, type(None)),
    "back": list, "articles": list,
}  # fmt: skip
_REQUIRED = ("doc_id", "title", "issuer", "level", "scope", "source", "articles")
_RULE_KEYS = {"articles", "applicability", "places", "tags", "basis", "note"}
_ARTICLE_KEYS = {"label", "headings", "text", "items", "questions"}
QUESTION_CHARS = (4, 40)  # a question an article answers: a short line, as officials type it


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _known_tags() -> set[str]:
    from knowledge.jurisdictions import all_places

    return {t for p in all_places() for t in p.tags}


@dataclass
class _Found:
    """The problems found in one file, in the order they were found."""

    file: str
    problems: list[Problem] = field(default_factory=list)

    def add(self, line: int | None, message: str) -> None:
        self.problems.append(Problem(self.file, line, message))


def _check_unknown_keys(node: LineMap, known: Container[str], found: _Found) -> None:
    for key in node:
        if key not in known:
            found.add(node.line_of(key), f"未知键 {key!r} / unknown key")


def _check_articles(
    items: Any, parent: LineMap | None, seen: dict[str, int], found: _Found
) -> None:
    if not isinstance(items, list):
        found.add(_line(items), "articles/items 应为列表 / must be a list")
        return
    for item in items:
        if not isinstance(item, LineMap):
            found.add(_line(items), "条文应为映射 / article must be a mapping")
            continue
        _check_unknown_keys(item, _ARTICLE_KEYS, found)
        label = item.get("label")
        if not isinstance(label, str) or not label:
            found.add(item.line, "条文缺少 label / article without label")
            continue
        at_label = item.line_of("label")
        if not corpus_mod.label_ok(label):
            found.add(at_label, f"条文编号 {label!r} 不符合 CONTRACT §4 格式 / malformed label")
        if label in seen:
            found.add(
                at_label, f"条文编号 {label!r} 重复（第 {seen[label]} 行已有）/ duplicate label"
            )
        seen[label] = at_label
        text = item.get("text")
        if not isinstance(text, str) or not text.strip():
            found.add(item.line_of("text"), f"{label}: 缺少正文 / empty text")
            text = ""
        headings = item.get("headings", [])
        if parent is None and (
            not isinstance(headings, list) or not all(isinstance(h, str) for h in headings)
        ):
            found.add(
                item.line_of("headings"), f"{label}: headings 应为字符串列表 / must be strings"
            )
        if parent is not None:
            plabel = str(parent.get("label"))
            if not label.startswith(plabel):
                found.add(
                    at_label,
                    f"子项 {label!r} 的编号应以上级 {plabel!r} 开头 / sub-item label must extend parent",
                )
            if text and _squash(text) not in _squash(str(parent.get("text", ""))):
                found.add(
                    item.line_of("text"),
                    f"子项 {label} 的正文不在上级 {plabel} 的正文中 / sub-item text not in parent",
                )
        if "questions" in item:
            _check_questions(item["questions"], item.line_of("questions"), label, found)
        if "items" in item:
            _check_articles(item["items"], item, seen, found)


def _check_questions(questions: Any, line: int, label: str, found: _Found) -> None:
    """`questions`: a list of distinct short Chinese questions (what the article answers)."""
    if not isinstance(questions, list):
        found.add(line, f"{label}: questions 应为问题列表 / questions must be a list")
        return
    low, high = QUESTION_CHARS
    seen: set[str] = set()
    for q in questions:
        if not isinstance(q, str) or not q.strip():
            found.add(line, f"{label}: questions 中有空项或非文字 / empty or non-text question")
            continue
        text = q.strip()
        if not re.search(r"[\u4e00-\u9fff]", text):
            found.add(line, f"{label}: 问题 {text!r} 应为中文 / question must be Chinese")
        if not low <= len(text) <= high:
            found.add(
                line,
                f"{label}: 问题 {text!r} 应为 {low}–{high} 字 / question must have {low}-{high} characters",
            )
        if text in seen:
            found.add(line, f"{label}: 问题 {text!r} 重复 / duplicate question")
        seen.add(text)


def check_document(data: Any, file: str, place_ids: set[str], tags: set[str]) -> list[Problem]:
    """Problems of one parsed corpus document."""
    if not isinstance(data, LineMap):
        return [Problem(file, 1, "文件内容应为映射 / the file must hold a mapping")]
    found = _Found(file)
    _check_keys(data, found)
    level = data.get("level")
    _check_dates(data, found)
    raw_scope = data.get("scope")
    scope: list[Any] = raw_scope if isinstance(raw_scope, list) else []
    at_scope = data.line_of("scope")
    if level == "national" and scope:
        found.add(at_scope, "全国性文件的 scope 应为空 / national: scope must be empty")
    if level not in (None, "national") and not scope:
        found.add(at_scope, "地方文件须有 scope / a local document needs a scope")
    for pid in scope:
        if str(pid) not in place_ids:
            found.add(
                _line(scope) or at_scope,
                f"scope 中的地点 {pid!r} 不在 jurisdictions.yaml 中 / unknown place id",
            )
    for tag in data.get("scope_tags") or []:
        if str(tag) not in tags:
            found.add(data.line_of("scope_tags"), f"未知标签 {tag!r} / unknown tag")
    seen: dict[str, int] = {}
    if isinstance(data.get("articles"), list):
        _check_articles(data["articles"], None, seen, found)
    for rule in data.get("scope_rules") or []:
        _check_rule(rule, seen, place_ids, tags, found)
    defer = data.get("defers_to_higher")
    if isinstance(defer, str) and defer not in seen:
        found.add(data.line_of("defers_to_higher"), f"条文 {defer!r} 不存在 / no such article")
    return found.problems


def _check_keys(data: LineMap, found: _Found) -> None:
    """Unknown keys, missing keys, values of the wrong type, an unknown level."""
    _check_unknown_keys(data, _DOC_KEYS, found)
    for key in _REQUIRED:
        if key not in data:
            found.add(data.line, f"缺少 {key} / missing key {key}")
    for key, types in _DOC_KEYS.items():
        if key in data and not isinstance(data[key], types):
            if key in ("valid_from", "valid_to"):
                msg = f"{key} 应为日期 YYYY-MM-DD / must be an ISO date"
            else:
                msg = f"{key} 类型错误 / wrong type ({type(data[key]).__name__})"
            found.add(data.line_of(key), msg)
    level = data.get("level")
    if isinstance(level, str) and level not in corpus_mod.DOC_LEVELS:
        found.add(data.line_of("level"), f"level {level!r} 应为 {'/'.join(corpus_mod.DOC_LEVELS)}")


def _check_dates(data: LineMap, found: _Found) -> None:
    """The validity period runs forwards; the date of issue is a date within it."""
    vf, vt = data.get("valid_from"), data.get("valid_to")
    if isinstance(vf, dt.date) and isinstance(vt, dt.date) and vf > vt:
        found.add(
            data.line_of("valid_to"), f"有效期止 {vt} 早于起 {vf} / valid_to before valid_from"
        )
    date = data.get("date")
    if isinstance(date, dt.date):
        date = date.isoformat()
    at_date = data.line_of("date")
    if isinstance(date, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", date):
        try:
            day = dt.date.fromisoformat(date)
        except ValueError:
            found.add(at_date, f"date {date!r} 不是有效日期")
        else:
            if isinstance(vt, dt.date) and day > vt:
                found.add(at_date, f"成文日期 {date} 晚于有效期止 / date after valid_to")
    elif date is not None and not (isinstance(date, str) and re.fullmatch(r"\d{4}(-\d{2})?", date)):
        found.add(at_date, "date 应为 YYYY、YYYY-MM 或 YYYY-MM-DD / malformed date")


def _check_rule(
    rule: Any, labels: dict[str, int], place_ids: set[str], tags: set[str], found: _Found
) -> None:
    if not isinstance(rule, LineMap):
        found.add(_line(rule), "scope_rules 的每项应为映射 / rule must be a mapping")
        return
    _check_unknown_keys(rule, _RULE_KEYS, found)
    if rule.get("applicability") not in (*corpus_mod.APPLICABILITY, None):
        found.add(rule.line_of("applicability"), "applicability 应为 binding、reference 或 null")
    for prefix in rule.get("articles") or []:
        if not any(corpus_mod._label_within(label, str(prefix)) for label in labels):
            found.add(
                rule.line_of("articles"),
                f"scope_rules 中的条文 {prefix!r} 不存在 / no such article",
            )
    if not rule.get("articles"):
        found.add(rule.line, "scope_rules 须列出 articles / rule without articles")
    for pid in rule.get("places") or []:
        if str(pid) not in place_ids:
            found.add(rule.line_of("places"), f"未知地点 {pid!r} / unknown place")
    for tag in rule.get("tags") or []:
        if str(tag) not in tags:
            found.add(rule.line_of("tags"), f"未知标签 {tag!r} / unknown tag")
    basis = rule.get("basis")
    if basis is not None and str(basis) not in labels:
        found.add(rule.line_of("basis"), f"依据条文 {basis!r} 不存在 / no such article")


def validate_corpus() -> list[Problem]:
    """Schema, labels, dates, scope ids of every corpus YAML."""
    from knowledge.jurisdictions import all_places

    place_ids = {p.id for p in all_places()}
    tags = _known_tags()
    problems: list[Problem] = []
    owners: dict[str, str] = {}
    files = corpus_mod.corpus_files(corpus_mod.corpus_dir())
    if not files:
        return [
            Problem(display_path(corpus_mod.corpus_dir()), 0, "语料库为空 / the corpus is empty")
        ]
    for f in files:
        name = display_path(f)
        try:
            data = load_yaml_lines(f.read_text("utf-8"))
        except YamlError as exc:
            problems.append(Problem(name, exc.line, exc.message))
            continue
        except UnicodeDecodeError:
            problems.append(Problem(name, 0, "文件不是 UTF-8 编码 / not UTF-8"))
            continue
        problems.extend(check_document(data, name, place_ids, tags))
        if isinstance(data, LineMap) and isinstance(data.get("doc_id"), str):
            doc_id, at_id = data["doc_id"], data.line_of("doc_id")
            if doc_id in owners:
                problems.append(Problem(name, at_id, f"doc_id {doc_id!r} 与 {owners[doc_id]} 重复"))
            owners[doc_id] = name
            if Path(str(f.name)).stem != doc_id:
                problems.append(
                    Problem(name, at_id, f"文件名应为 {doc_id}.yaml / file name ≠ doc_id")
                )
    return problems


def validate_jurisdictions() -> list[Problem]:
    """The hierarchy loads, ids are unique, aliases point to one place each."""
    from importlib import resources

    from knowledge import jurisdictions as j

    name = display_path(resources.files("knowledge").joinpath("jurisdictions.yaml"))
    try:
        places = j.all_places()
    except (ValueError, KeyError, yaml.YAMLError) as exc:
        return [Problem(name, 0, f"地区层级无法加载 / cannot load: {exc}")]
    found = _Found(name)
    owner: dict[str, str] = {}
    for place in places:
        for alias in (place.name, *place.aliases, *([place.full] if place.full else [])):
            if alias in owner and owner[alias] != place.id:
                found.add(
                    0, f"别名 {alias!r} 同时属于 {owner[alias]} 和 {place.id} / ambiguous alias"
                )
            owner.setdefault(alias, place.id)
    return found.problems


def validate_plan_figures() -> list[Problem]:
    """The structured data adds up and cites existing articles."""
    from importlib import resources

    from knowledge import plan_figures as pf

    source = resources.files("knowledge").joinpath("data/zhengzhou_2024_supply_plan.yaml")
    name = display_path(source)
    lines = source.read_text("utf-8").splitlines()

    def line_of(needle: str) -> int:
        return next((i for i, text in enumerate(lines, 1) if needle in text), 1)

    try:
        plan = pf.zhengzhou_2024_supply_plan()
        annex = pf.zhengzhou_2021_4_annex()
        cites = pf.all_citations()
    except (KeyError, ValueError, TypeError, yaml.YAMLError) as exc:
        return [Problem(name, 0, f"结构化数据无法加载 / cannot load: {exc}")]
    found = _Found(name)
    if plan.hectares_total() != plan.total_ha:
        found.add(
            line_of("total_ha"),
            f"各类用地面积合计 {plan.hectares_total()} ≠ 总量 {plan.total_ha} / sum ≠ total",
        )
    if abs(plan.share_total() - Decimal(100)) > Decimal("0.02"):
        found.add(line_of("categories"), f"各类用地占比合计 {plan.share_total()}% ≠ 100%")
    for cat in plan.categories:
        computed = plan.computed_share_pct(cat.name)
        if computed is None or abs(computed - cat.share_pct) > Decimal("0.01"):
            found.add(
                line_of(f"name: {cat.name}"),
                f"{cat.name} 占比 {cat.share_pct}% 与面积不符（{computed}%）/ share ≠ hectares",
            )
    try:
        doc = corpus_mod.load_corpus().document(plan.doc_id)
    except (KeyError, ValueError, TypeError, AttributeError, yaml.YAMLError):
        return found.problems  # the corpus validator reports why
    if doc is not None and (doc.valid_from, doc.valid_to) != (plan.valid_from, plan.valid_to):
        found.add(line_of("period"), "计划期限与文件有效期不一致 / period ≠ document validity")
    for m in plan.milestones:
        if not plan.valid_from <= m.by <= plan.valid_to:
            found.add(line_of(str(m.by)), f"节点 {m.by} 不在计划期限内 / milestone outside period")
    for cite in cites:
        problem = check_cite(cite.doc_id, cite.article, name, 0)
        if problem:
            found.problems.append(problem)
    if not annex.members:
        found.add(0, "附件成员名单为空 / empty annex")
    return found.problems
