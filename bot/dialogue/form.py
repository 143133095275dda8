"""Forms as data: `bot/dialogue/forms/<kind>.yaml` (a package, so the YAML is package data), loaded and validated once.

A form lists sections of fields. Each field names a canonical key of `knowledge/plan_schema.yaml`
(type, label, range and choices come from there) and adds the prompt, help, an example,
`optional`, an optional `when` condition (see `conditions.py`), `aliases` (other names
for the field, for 修改 <字段名> and multi-field messages) and, for a choice field,
`bare_value: true` (in a multi-field message a bare value such as 住宅用地 names this
field; see `multi.py`), and `copied: false` for what identifies one parcel (地块编号…):
复制草稿 leaves it empty in the copy. The loader fails naming
the file and the field when a form refers to an unknown key, type or `when` field, misses a
canonical key of its kind, or has a field attribute it does not know.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib import resources
from typing import Any

import yaml

from bot.dialogue.conditions import Condition, ConditionError, compared_values, parse_condition
from bot.dialogue.parsers import REGISTRY
from knowledge.errors import LandbotError
from knowledge.plan import PLAN_KINDS, KeySpec, match_choice, schema

# The packaged forms: the two plans, and the 程序判定 questions about a parcel.
FORM_FILES = {
    "reserve_plan": "reserve_plan.yaml",
    "supply_plan": "supply_plan.yaml",
    "parcel": "parcel_query.yaml",
}
FORM_KINDS = (*PLAN_KINDS, "parcel")
FIELD_ATTRS = {"key", "prompt", "help", "example", "optional", "when", "sub_prompts", "aliases",
               "bare_value", "copied"}  # fmt: skip


class FormError(LandbotError):
    """A form file that does not match the schema: names the file and the field."""

    def __init__(self, filename: str, where: str, problem: str) -> None:
        super().__init__(
            f"表单 {filename} 的{where}有误：{problem}", f"form {filename}, {where}: {problem}"
        )
        self.filename = filename
        self.where = where


@dataclass(frozen=True)
class FormField:
    key: str
    spec: KeySpec
    section: str
    prompt: str
    help: str
    example: str
    optional: bool = False
    when: Condition | None = None
    sub_prompts: Mapping[str, str] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()  # other names officials use for it (修改 起拍价)
    bare_value: bool = False  # a bare value of it (住宅用地) names it in a multi-field message
    copied: bool = True  # False: identifies the parcel, so 复制草稿 leaves it empty

    @property
    def label(self) -> str:
        return self.spec.label

    @property
    def is_map(self) -> bool:
        return self.spec.type == "bool_map"

    def applies(self, answers: Mapping[str, Any]) -> bool:
        return self.when is None or self.when.holds(answers)


Question = tuple[str, str | None]  # (key, sub-key of a map field or None)
MEMO_LIMIT = 4096  # distinct answer combinations remembered per form (few in practice)


@dataclass(frozen=True)
class Applicable:
    """The fields that apply to some answers, and their questions, in form order."""

    fields: tuple[FormField, ...]
    questions: tuple[Question, ...]
    keys: frozenset[str]


@dataclass(frozen=True)
class Form:
    kind: str
    title: str
    sections: tuple[str, ...]
    fields: tuple[FormField, ...]
    filename: str = ""
    # answers of the keys the `when` conditions read → what applies (see `applicable`)
    _memo: dict[tuple[Any, ...], Applicable] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    @cached_property
    def _by_key(self) -> dict[str, FormField]:
        return {f.key: f for f in self.fields}

    @cached_property
    def _condition_keys(self) -> tuple[str, ...]:
        keys: set[str] = set()
        for f in self.fields:
            if f.when is not None:
                keys |= f.when.keys()
        return tuple(sorted(keys))

    def field(self, key: str) -> FormField:
        return self._by_key[key]

    def has(self, key: str) -> bool:
        return key in self._by_key

    def applicable(self, answers: Mapping[str, Any]) -> list[FormField]:
        return list(self.applying(answers).fields)

    def applying(self, answers: Mapping[str, Any]) -> Applicable:
        """What applies to `answers`, worked out once per combination of the answers the
        conditions read (a condition sees a missing answer and None alike)."""
        try:
            signature = tuple(_frozen(answers.get(k)) for k in self._condition_keys)
            found = self._memo.get(signature)
        except TypeError:  # an unhashable answer: no memo
            return self._work_out(answers)
        if found is None:
            found = self._work_out(answers)
            if len(self._memo) >= MEMO_LIMIT:
                self._memo.clear()
            self._memo[signature] = found
        return found

    def _work_out(self, answers: Mapping[str, Any]) -> Applicable:
        fields = tuple(f for f in self.fields if f.applies(answers))
        questions: list[Question] = []
        for f in fields:
            if f.is_map:
                questions.extend((f.key, sub) for sub in f.spec.subkeys)
            else:
                questions.append((f.key, None))
        return Applicable(fields, tuple(questions), frozenset(f.key for f in fields))


def _frozen(value: Any) -> Any:
    """A hashable stand-in for an answer that is equal exactly when the answers are equal
    (the type is kept apart, so that e.g. 1 and True, which conditions treat alike only by
    accident, never share an entry)."""
    if isinstance(value, Mapping):
        return (dict, tuple(sorted((k, _frozen(v)) for k, v in value.items())))
    if isinstance(value, list | tuple):
        return (list, tuple(_frozen(v) for v in value))
    return (type(value), value)


def _text(raw: Mapping[str, Any], attr: str, filename: str, where: str) -> str:
    value = raw.get(attr)
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise FormError(filename, where, f"缺少 {attr}（应为非空文字）/ missing {attr}")
    return value.strip()


def parse_form(data: Any, filename: str) -> Form:
    """Build and validate a form from its YAML mapping."""
    if not isinstance(data, Mapping):
        raise FormError(filename, "顶层", "应为包含 kind、title、sections 的映射")
    kind = data.get("kind")
    if kind not in FORM_KINDS:
        raise FormError(filename, "kind", f"未知的方案类型 {kind!r}")
    title = _text(data, "title", filename, "title")
    sections_raw = data.get("sections")
    if not isinstance(sections_raw, list) or not sections_raw:
        raise FormError(filename, "sections", "应为非空列表")
    sch = schema()
    fields: list[FormField] = []
    seen: set[str] = set()
    sections: list[str] = []
    for si, sec in enumerate(sections_raw):
        if not isinstance(sec, Mapping) or not isinstance(sec.get("fields"), list):
            raise FormError(filename, f"sections[{si}]", "应为包含 title 和 fields 的映射")
        sec_title = _text(sec, "title", filename, f"sections[{si}]")
        sections.append(sec_title)
        for fi, raw in enumerate(sec["fields"]):
            fields.append(_parse_field(raw, kind, sec_title, seen, filename, f"{si}.{fi}"))
            seen.add(fields[-1].key)
    expected = [s.key for s in sch.keys_for(kind)]
    missing = [k for k in expected if k not in seen]
    if missing:
        raise FormError(filename, missing[0], f"缺少规范字段 {', '.join(missing)}")
    return Form(kind, title, tuple(sections), tuple(fields), filename)


def _parse_field(
    raw: Any, kind: str, section: str, seen: set[str], filename: str, pos: str
) -> FormField:
    if not isinstance(raw, Mapping) or not isinstance(raw.get("key"), str):
        raise FormError(filename, f"field {pos}", "每个字段应为含 key 的映射")
    key = raw["key"]
    sch = schema()
    where = f"字段 {key} "
    if key not in sch.keys:
        raise FormError(filename, where, f"未知的键 {key}（plan_schema.yaml 中没有）")
    spec = sch.keys[key]
    if kind not in spec.kinds and "parcel" not in spec.kinds:
        raise FormError(filename, where, f"键 {key} 不属于 {kind}")
    if spec.type not in REGISTRY:
        raise FormError(filename, where, f"未知的类型 {spec.type}（没有对应的解析器）")
    if key in seen:
        raise FormError(filename, where, "重复出现")
    unknown = set(raw) - FIELD_ATTRS
    if unknown:
        raise FormError(filename, where, f"未知的属性 {', '.join(sorted(map(str, unknown)))}")
    optional = raw.get("optional", False)
    if not isinstance(optional, bool):
        raise FormError(filename, where, "optional 应为 true 或 false")
    when = None
    if raw.get("when") is not None:
        try:
            when = parse_condition(raw["when"])
        except ConditionError as exc:
            raise FormError(filename, where, f"when 条件无效：{exc}") from None
        for ref in sorted(when.keys()):
            if ref not in sch.keys:
                raise FormError(filename, where, f"when 引用了未知的键 {ref}")
            if ref not in seen:
                raise FormError(filename, where, f"when 引用的 {ref} 必须是本表单中更早的字段")
        for ref, value in compared_values(when):
            ref_spec = sch.keys[ref]
            if ref_spec.type == "choice" and (
                not isinstance(value, str) or match_choice(ref_spec, value) != value
            ):
                raise FormError(filename, where, f"when 中 {ref} 的值 {value!r} 不是有效选项")
    sub_prompts: dict[str, str] = {}
    if spec.type == "bool_map":
        given = raw.get("sub_prompts")
        if not isinstance(given, Mapping) or set(given) != set(spec.subkeys):
            raise FormError(
                filename, where, f"sub_prompts 应逐一给出 {', '.join(spec.subkeys)} 的问题"
            )
        sub_prompts = {k: str(given[k]) for k in spec.subkeys}
    elif "sub_prompts" in raw:
        raise FormError(filename, where, "只有映射类字段才有 sub_prompts")
    aliases = raw.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
        raise FormError(filename, where, "aliases 应为非空文字的列表")
    bare_value = raw.get("bare_value", False)
    if not isinstance(bare_value, bool):
        raise FormError(filename, where, "bare_value 应为 true 或 false")
    if bare_value and spec.type != "choice":
        raise FormError(filename, where, "只有选项类字段才能设 bare_value")
    copied = raw.get("copied", True)
    if not isinstance(copied, bool):
        raise FormError(filename, where, "copied 应为 true 或 false")
    return FormField(
        key=key,
        spec=spec,
        section=section,
        prompt=_text(raw, "prompt", filename, where),
        help=_text(raw, "help", filename, where),
        example=_text(raw, "example", filename, where),
        optional=optional,
        when=when,
        sub_prompts=sub_prompts,
        aliases=tuple(a.strip() for a in aliases),
        bare_value=bare_value,
        copied=copied,
    )


def load_form_text(text: str, filename: str) -> Form:
    """Parse a form from YAML text (used by `load_form` and by tests of bad forms)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise FormError(filename, "YAML", str(exc).splitlines()[0]) from None
    return parse_form(data, filename)


@cache
def load_form(kind: str) -> Form:
    """The packaged form for `kind` (reserve_plan | supply_plan | parcel), loaded once."""
    if kind not in FORM_FILES:
        raise FormError(f"{kind}.yaml", "kind", f"没有这种表单：{kind}")
    filename = FORM_FILES[kind]
    text = resources.files("bot.dialogue.forms").joinpath(filename).read_text("utf-8")
    form = load_form_text(text, filename)
    if form.kind != kind:
        raise FormError(filename, "kind", f"应为 {kind}，实为 {form.kind}")
    return form
