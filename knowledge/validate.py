"""`landbot kb validate`: an extensible list of validators of the knowledge base.

Each validator is a function without arguments returning a list of `Problem(file, line, message)`.
Other areas append their own (rules, templates):

    from knowledge.validate import VALIDATORS, Problem, check_cite
    VALIDATORS.append(my_validator)

`check_cite` checks that a citation resolves to an existing article. `load_yaml_lines` parses YAML
keeping line numbers (`LineMap.line_of(key)`, `.line`) for precise problems.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from knowledge import corpus as corpus_mod


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line or 0}: {self.message}"


Validator = Callable[[], list[Problem]]


# ------------------------------------------------------------------------- YAML with line numbers


class LineMap(dict[Any, Any]):
    """A mapping that remembers the (1-based) line of itself and of each key."""

    line: int = 0
    key_lines: dict[Any, int]

    def line_of(self, key: Any) -> int:
        return self.key_lines.get(key, self.line)


class LineList(list[Any]):
    line: int = 0


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineMap:
    loader.flatten_mapping(node)
    out = LineMap()
    out.line = node.start_mark.line + 1
    out.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in out:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_lines[key] = key_node.start_mark.line + 1
    return out


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> LineList:
    out = LineList(loader.construct_object(child, deep=True) for child in node.value)
    out.line = node.start_mark.line + 1
    return out


def _construct_timestamp(loader: _LineLoader, node: yaml.ScalarNode) -> Any:
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:  # 2024-13-45: keep the text, the schema check reports it with its line
        return loader.construct_scalar(node)


_LineLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


class YamlError(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def load_yaml_lines(text: str) -> Any:
    """Parse YAML keeping line numbers; YamlError(line, message) when it does not parse."""
    try:
        return yaml.load(text, Loader=_LineLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        raise YamlError(line, f"YAML 无法解析 / cannot parse: {exc.problem or exc}") from exc
    except yaml.YAMLError as exc:
        raise YamlError(0, f"YAML 无法解析 / cannot parse: {exc}") from exc


def display_path(path: Any) -> str:
    """A path as the user best recognises it: relative to the working directory when inside."""
    text = str(path)
    try:
        rel = os.path.relpath(text)
    except ValueError:
        return text
    return rel if not rel.startswith("..") else text


def _line(node: Any, key: Any = None) -> int:
    if isinstance(node, LineMap):
        return node.line_of(key) if key is not None else node.line
    return int(getattr(node, "line", 0))


# ------------------------------------------------------------------------- citations


def check_cite(doc_id: Any, article: Any, file: str, line: int | None) -> Problem | None:
    """A Problem when (doc_id, article) is not an article of the corpus, else None."""
    try:
        corpus = corpus_mod.load_corpus()
    except (KeyError, ValueError, TypeError, AttributeError, yaml.YAMLError):
        return Problem(file, line, "语料库无法加载，无法核对引用 / corpus does not load")
    doc = corpus.document(str(doc_id))
    if doc is None:
        return Problem(file, line, f"引用了不存在的文件 doc_id {doc_id!r} / unknown doc_id")
    if article is not None and doc.article(str(article)) is None:
        close = close_labels(doc, str(article))
        hint = f"（相近：{'、'.join(close)}）" if close else ""
        return Problem(
            file,
            line,
            f"{doc_id} 中没有条文 {article!r}{hint} / no article {article!r} in {doc_id}",
        )
    return None


def close_labels(doc: corpus_mod.Document, label: str, limit: int = 5) -> list[str]:
    """Labels of `doc` that look like `label` (for hints)."""
    from rapidfuzz import fuzz, process

    labels = [a.label for a in doc.articles]
    hits = process.extract(label, labels, scorer=fuzz.ratio, limit=limit, score_cutoff=40)
    return [h[0] for h in hits]


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
_ARTICLE_KEYS = {"label", "headings", "text", "items"}


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _known_tags() -> set[str]:
    from knowledge.jurisdictions import all_places

    return {t for p in all_places() for t in p.tags}


def _check_articles(
    items: Any,
    file: str,
    parent: LineMap | None,
    seen: dict[str, int],
    problems: list[Problem],
) -> None:
    if not isinstance(items, list):
        problems.append(Problem(file, _line(items), "articles/items 应为列表 / must be a list"))
        return
    for item in items:
        if not isinstance(item, LineMap):
            problems.append(Problem(file, _line(items), "条文应为映射 / article must be a mapping"))
            continue
        for key in item:
            if key not in _ARTICLE_KEYS:
                problems.append(Problem(file, item.line_of(key), f"未知键 {key!r} / unknown key"))
        label = item.get("label")
        if not isinstance(label, str) or not label:
            problems.append(Problem(file, item.line, "条文缺少 label / article without label"))
            continue
        if not corpus_mod.label_ok(label):
            problems.append(
                Problem(
                    file,
                    item.line_of("label"),
                    f"条文编号 {label!r} 不符合 CONTRACT §4 格式 / malformed label",
                )
            )
        if label in seen:
            problems.append(
                Problem(
                    file,
                    item.line_of("label"),
                    f"条文编号 {label!r} 重复（第 {seen[label]} 行已有）/ duplicate label",
                )
            )
        seen[label] = item.line_of("label")
        text = item.get("text")
        if not isinstance(text, str) or not text.strip():
            problems.append(Problem(file, item.line_of("text"), f"{label}: 缺少正文 / empty text"))
            text = ""
        headings = item.get("headings", [])
        if parent is None and (
            not isinstance(headings, list) or not all(isinstance(h, str) for h in headings)
        ):
            problems.append(
                Problem(
                    file,
                    item.line_of("headings"),
                    f"{label}: headings 应为字符串列表 / must be strings",
                )
            )
        if parent is not None:
            plabel = str(parent.get("label"))
            if not label.startswith(plabel):
                problems.append(
                    Problem(
                        file,
                        item.line_of("label"),
                        f"子项 {label!r} 的编号应以上级 {plabel!r} 开头 / sub-item label must extend parent",
                    )
                )
            if text and _squash(text) not in _squash(str(parent.get("text", ""))):
                problems.append(
                    Problem(
                        file,
                        item.line_of("text"),
                        f"子项 {label} 的正文不在上级 {plabel} 的正文中 / sub-item text not in parent",
                    )
                )
        if "items" in item:
            _check_articles(item["items"], file, item, seen, problems)


def check_document(data: Any, file: str, place_ids: set[str], tags: set[str]) -> list[Problem]:
    """Problems of one parsed corpus document."""
    problems: list[Problem] = []
    if not isinstance(data, LineMap):
        return [Problem(file, 1, "文件内容应为映射 / the file must hold a mapping")]
    for key in data:
        if key not in _DOC_KEYS:
            problems.append(Problem(file, data.line_of(key), f"未知键 {key!r} / unknown key"))
    for key in _REQUIRED:
        if key not in data:
            problems.append(Problem(file, data.line, f"缺少 {key} / missing key {key}"))
    for key, types in _DOC_KEYS.items():
        if key in data and not isinstance(data[key], types):
            if key in ("valid_from", "valid_to"):
                msg = f"{key} 应为日期 YYYY-MM-DD / must be an ISO date"
            else:
                msg = f"{key} 类型错误 / wrong type ({type(data[key]).__name__})"
            problems.append(Problem(file, data.line_of(key), msg))
    level = data.get("level")
    if isinstance(level, str) and level not in corpus_mod.DOC_LEVELS:
        problems.append(
            Problem(
                file,
                data.line_of("level"),
                f"level {level!r} 应为 {'/'.join(corpus_mod.DOC_LEVELS)}",
            )
        )
    vf, vt = data.get("valid_from"), data.get("valid_to")
    if isinstance(vf, dt.date) and isinstance(vt, dt.date) and vf > vt:
        problems.append(
            Problem(
                file,
                data.line_of("valid_to"),
                f"有效期止 {vt} 早于起 {vf} / valid_to before valid_from",
            )
        )
    date = data.get("date")
    if isinstance(date, dt.date):
        date = date.isoformat()
    if isinstance(date, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", date):
        try:
            day = dt.date.fromisoformat(date)
        except ValueError:
            problems.append(Problem(file, data.line_of("date"), f"date {date!r} 不是有效日期"))
        else:
            if isinstance(vt, dt.date) and day > vt:
                problems.append(
                    Problem(
                        file,
                        data.line_of("date"),
                        f"成文日期 {date} 晚于有效期止 / date after valid_to",
                    )
                )
    elif date is not None and not (isinstance(date, str) and re.fullmatch(r"\d{4}(-\d{2})?", date)):
        problems.append(
            Problem(
                file, data.line_of("date"), "date 应为 YYYY、YYYY-MM 或 YYYY-MM-DD / malformed date"
            )
        )
    raw_scope = data.get("scope")
    scope: list[Any] = raw_scope if isinstance(raw_scope, list) else []
    if level == "national" and scope:
        problems.append(
            Problem(
                file,
                data.line_of("scope"),
                "全国性文件的 scope 应为空 / national: scope must be empty",
            )
        )
    if level not in (None, "national") and not scope:
        problems.append(
            Problem(
                file, data.line_of("scope"), "地方文件须有 scope / a local document needs a scope"
            )
        )
    for pid in scope:
        if str(pid) not in place_ids:
            problems.append(
                Problem(
                    file,
                    _line(scope) or data.line_of("scope"),
                    f"scope 中的地点 {pid!r} 不在 jurisdictions.yaml 中 / unknown place id",
                )
            )
    for tag in data.get("scope_tags") or []:
        if str(tag) not in tags:
            problems.append(
                Problem(file, data.line_of("scope_tags"), f"未知标签 {tag!r} / unknown tag")
            )
    seen: dict[str, int] = {}
    if isinstance(data.get("articles"), list):
        _check_articles(data["articles"], file, None, seen, problems)
    for rule in data.get("scope_rules") or []:
        problems.extend(_check_rule(rule, file, seen, place_ids, tags))
    defer = data.get("defers_to_higher")
    if isinstance(defer, str) and defer not in seen:
        problems.append(
            Problem(
                file, data.line_of("defers_to_higher"), f"条文 {defer!r} 不存在 / no such article"
            )
        )
    return problems


def _check_rule(
    rule: Any, file: str, labels: dict[str, int], place_ids: set[str], tags: set[str]
) -> list[Problem]:
    if not isinstance(rule, LineMap):
        return [Problem(file, _line(rule), "scope_rules 的每项应为映射 / rule must be a mapping")]
    problems = [
        Problem(file, rule.line_of(k), f"未知键 {k!r} / unknown key")
        for k in rule
        if k not in _RULE_KEYS
    ]
    if rule.get("applicability") not in (*corpus_mod.APPLICABILITY, None):
        problems.append(
            Problem(
                file, rule.line_of("applicability"), "applicability 应为 binding、reference 或 null"
            )
        )
    for prefix in rule.get("articles") or []:
        if not any(corpus_mod._label_within(label, str(prefix)) for label in labels):
            problems.append(
                Problem(
                    file,
                    rule.line_of("articles"),
                    f"scope_rules 中的条文 {prefix!r} 不存在 / no such article",
                )
            )
    if not rule.get("articles"):
        problems.append(
            Problem(file, rule.line, "scope_rules 须列出 articles / rule without articles")
        )
    for pid in rule.get("places") or []:
        if str(pid) not in place_ids:
            problems.append(
                Problem(file, rule.line_of("places"), f"未知地点 {pid!r} / unknown place")
            )
    for tag in rule.get("tags") or []:
        if str(tag) not in tags:
            problems.append(Problem(file, rule.line_of("tags"), f"未知标签 {tag!r} / unknown tag"))
    basis = rule.get("basis")
    if basis is not None and str(basis) not in labels:
        problems.append(
            Problem(file, rule.line_of("basis"), f"依据条文 {basis!r} 不存在 / no such article")
        )
    return problems


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
            doc_id = data["doc_id"]
            if doc_id in owners:
                problems.append(
                    Problem(
                        name, data.line_of("doc_id"), f"doc_id {doc_id!r} 与 {owners[doc_id]} 重复"
                    )
                )
            owners[doc_id] = name
            stem = Path(str(f.name)).stem
            if stem != doc_id:
                problems.append(
                    Problem(
                        name,
                        data.line_of("doc_id"),
                        f"文件名应为 {doc_id}.yaml / file name ≠ doc_id",
                    )
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
    problems: list[Problem] = []
    owner: dict[str, str] = {}
    for place in places:
        for alias in (place.name, *place.aliases, *([place.full] if place.full else [])):
            if alias in owner and owner[alias] != place.id:
                problems.append(
                    Problem(
                        name,
                        0,
                        f"别名 {alias!r} 同时属于 {owner[alias]} 和 {place.id} / ambiguous alias",
                    )
                )
            owner.setdefault(alias, place.id)
    return problems


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
    problems: list[Problem] = []
    if plan.hectares_total() != plan.total_ha:
        problems.append(
            Problem(
                name,
                line_of("total_ha"),
                f"各类用地面积合计 {plan.hectares_total()} ≠ 总量 {plan.total_ha} / sum ≠ total",
            )
        )
    if abs(plan.share_total() - Decimal(100)) > Decimal("0.02"):
        problems.append(
            Problem(name, line_of("categories"), f"各类用地占比合计 {plan.share_total()}% ≠ 100%")
        )
    for cat in plan.categories:
        computed = plan.computed_share_pct(cat.name)
        if computed is None or abs(computed - cat.share_pct) > Decimal("0.01"):
            problems.append(
                Problem(
                    name,
                    line_of(f"name: {cat.name}"),
                    f"{cat.name} 占比 {cat.share_pct}% 与面积不符（{computed}%）/ share ≠ hectares",
                )
            )
    try:
        doc = corpus_mod.load_corpus().document(plan.doc_id)
    except (KeyError, ValueError, TypeError, AttributeError, yaml.YAMLError):
        return problems  # the corpus validator reports why
    if doc is not None and (doc.valid_from, doc.valid_to) != (plan.valid_from, plan.valid_to):
        problems.append(
            Problem(
                name, line_of("period"), "计划期限与文件有效期不一致 / period ≠ document validity"
            )
        )
    for m in plan.milestones:
        if not plan.valid_from <= m.by <= plan.valid_to:
            problems.append(
                Problem(
                    name,
                    line_of(str(m.by)),
                    f"节点 {m.by} 不在计划期限内 / milestone outside period",
                )
            )
    for cite in cites:
        problem = check_cite(cite.doc_id, cite.article, name, 0)
        if problem:
            problems.append(problem)
    if not annex.members:
        problems.append(Problem(name, 0, "附件成员名单为空 / empty annex"))
    return problems


def validate_rules() -> list[Problem]:
    """The policy rules of knowledge/rules (issue 4): they load and cite existing articles."""
    from knowledge.rules_engine.validate import validate_rules as run

    return run()


def validate_procedure() -> list[Problem]:
    """The procedure advisor's data (issue 5): well-formed, every citation resolves."""
    from knowledge.procedure.loader import locate, validate

    return [Problem(*locate(p)) for p in validate()]


def validate_templates() -> list[Problem]:
    """The Word templates (issue 6): they parse, use only known variables and render."""
    from doc_templates.check import check_templates

    return check_templates()


VALIDATORS: list[Validator] = [
    validate_corpus, validate_jurisdictions, validate_plan_figures, validate_rules,
    validate_procedure, validate_templates,
]


def run_all() -> list[Problem]:
    """Run every registered validator; a validator that crashes is itself a problem."""
    problems: list[Problem] = []
    for validator in list(VALIDATORS):
        try:
            problems.extend(validator())
        except Exception as exc:  # a broken validator must not hide the others' findings
            name = getattr(validator, "__name__", repr(validator))
            problems.append(Problem(name, 0, f"校验器出错 / validator failed: {exc!r}"))
    return problems
