"""Rule files (`knowledge/rules/*.yaml`) → compiled `Rule`s, checked at load.

A rule file belongs to one document:

    doc_id: civil-code
    define: {name: <condition>, ...}          # named conditions for `use:` (optional)
    tables: {name: {label, key, article, entries: {...}}}   # lookup values (optional)
    out_of_period_note: {message: "<template>", kinds: [...]}   # note when the place is in
                                              # scope but the date is outside the validity
    rules:
      - id: cc-public-bidding-operating-land
        article: 第三百四十七条
        kinds: [supply_plan]
        severity: error                       # error | warning | info
        when: <condition>                     # optional: when the rule applies
        require: <condition>                  # what the plan must satisfy; fires when false
        message: "…{supply_method}…"          # states the requirement and the plan's value
        field: supply_method                  # optional: the field the finding points at
        replaces: [rule-id, …]                # optional: while this rule is in force there
        suppresses: [rule-id, …]              # optional: when this rule fires
        relaxes: rule-id                      # optional: fire instead of that rule (local
                                              # relaxation of a national rule)
        see_also: [{doc_id, article, quote, when?}]   # optional: a local article quoted at the
                                              # end of the message where it applies (see_also.py)
        required_fields: [key, …]             # shorthand: one presence rule per key,
                                              # ids <id>.<key>, `{_label}` = the key's label

`_shared.yaml` holds `define:` entries visible in every file. Anything unknown — operator,
name, format, rule id — raises `RuleError` naming the file and the rule.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from typing import Any

import yaml

from knowledge.plan import PLAN_KINDS, schema
from knowledge.rules_engine.compiler import Compiler
from knowledge.rules_engine.conditions import All, Cond, CondError, Present, Ref
from knowledge.rules_engine.derived import BUILTIN, Derived, Table
from knowledge.rules_engine.see_also import SeeAlso, parse_see_also
from knowledge.rules_engine.template import Template, TemplateError, parse_template

SEVERITIES = ("error", "warning", "info")
SPECIAL_PLACEHOLDERS = frozenset({"_label", "_place", "_year", "_title", "_validity"})
SHARED_FILE = "_shared.yaml"
_RULE_KEYS = frozenset(
    {
        "id",
        "article",
        "kinds",
        "severity",
        "when",
        "require",
        "message",
        "field",
        "replaces",
        "suppresses",
        "relaxes",
        "required_fields",
        "see_also",
        "note",
    }
)
_FILE_KEYS = frozenset({"doc_id", "define", "tables", "out_of_period_note", "rules", "note"})
_NUMBER_TYPES = frozenset(
    {"area_m2", "money_yuan", "price_yuan_m2", "pct", "ratio", "float", "int"}
)
_FAMILY = {
    "date": "date",
    "bool": "bool",
    "choice": "choice",
    "text": "text",
    "place": "text",
    "flag_text": "flag",
    "bool_map": "map",
}


class RuleError(ValueError):
    """A rule file that does not load: the message names the file and the rule."""

    def __init__(self, file: str, rule: str | None, message: str, line: int | None = None):
        where = f"{file}" + (f":{line}" if line else "") + (f" rule {rule}" if rule else "")
        super().__init__(f"{where}: {message}")
        self.file = file
        self.rule = rule
        self.line = line
        self.detail = message


@dataclass(frozen=True)
class Rule:
    id: str
    doc_id: str
    article: str
    kinds: frozenset[str]
    severity: str
    field: str | None
    when: Cond | None
    require: Cond | None
    message: Template
    source: str
    line: int | None = None
    replaces: tuple[str, ...] = ()
    suppresses: tuple[str, ...] = ()
    relaxes: str | None = None
    params: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    see_also: tuple[SeeAlso, ...] = ()

    def refs(self) -> set[str]:
        out: set[str] = set()
        for c in (self.when, self.require, *(s.when for s in self.see_also)):
            if c is not None:
                out |= c.refs()
        return out


@dataclass(frozen=True)
class PeriodNote:
    doc_id: str
    template: Template
    source: str
    kinds: frozenset[str] = frozenset(PLAN_KINDS)


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...]
    derived: Mapping[str, Derived]
    period_notes: tuple[PeriodNote, ...] = ()
    files: tuple[str, ...] = ()

    def by_id(self) -> dict[str, Rule]:
        return {r.id: r for r in self.rules}

    def for_kind(self, kind: str) -> list[Rule]:
        return [r for r in self.rules if kind in r.kinds]


class Names:
    """Every name a condition or message may use: plan fields, map sub-keys, computed values."""

    def __init__(self, derived: Mapping[str, Derived]) -> None:
        sch = schema()
        self._family: dict[str, str] = {}
        self._choices: dict[str, tuple[str, ...]] = {}
        self.labels: dict[str, str] = {}
        self.submaps: dict[str, tuple[str, ...]] = {}
        for key, spec in sch.keys.items():
            self._family[key] = "number" if spec.type in _NUMBER_TYPES else _FAMILY[spec.type]
            self._choices[key] = spec.choices
            self.labels[key] = spec.label
            if spec.type == "bool_map":
                self.submaps[key] = spec.subkeys
                for sub in spec.subkeys:
                    self._family[f"{key}.{sub}"] = "bool"
                    self.labels[f"{key}.{sub}"] = sch.labels.get(sub) or sch.label(sub)
        for name, d in derived.items():
            if name in self._family:
                raise ValueError(f"computed value {name} has the name of a plan field")
            self._family[name] = d.family
            self.labels[name] = d.label

    def family(self, name: str) -> str | None:
        return self._family.get(name)

    def choices(self, name: str) -> tuple[str, ...]:
        return self._choices.get(name, ())

    def is_field(self, name: str) -> bool:
        return name in schema().keys


def _lines(text: str) -> dict[int, int]:
    """Line numbers (1-based) of the items of the top-level `rules:` list."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return {}
    out: dict[int, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if getattr(key, "value", None) == "rules" and isinstance(value, yaml.SequenceNode):
                for i, item in enumerate(value.value):
                    out[i] = item.start_mark.line + 1
    return out


def _parse(name: str, text: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise RuleError(
            name, None, f"not valid YAML: {exc}", mark.line + 1 if mark else None
        ) from None
    if not isinstance(data, dict):
        raise RuleError(name, None, "a rule file is a mapping")
    unknown = set(data) - _FILE_KEYS
    if unknown:
        raise RuleError(name, None, f"unknown top-level keys {sorted(unknown)}")
    return data


def _tables(name: str, data: Mapping[str, Any]) -> list[Table]:
    out = []
    doc_id = str(data.get("doc_id") or "")
    for tname, t in (data.get("tables") or {}).items():
        try:
            out.append(
                Table(
                    name=str(tname),
                    label=str(t["label"]),
                    key=str(t["key"]),
                    entries={str(k): float(v) for k, v in t["entries"].items()},
                    doc_id=doc_id,
                    article=str(t["article"]),
                    kinds=frozenset(t.get("kinds") or PLAN_KINDS),
                    unit=str(t.get("unit") or ""),
                    source=name,
                )
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise RuleError(
                name, None, f"table {tname}: needs label, key, article, entries (numbers): {exc}"
            ) from None
    return out


class _FileLoader:
    def __init__(
        self,
        name: str,
        data: Mapping[str, Any],
        names: Names,
        shared: Mapping[str, Any],
        lines: Mapping[int, int],
    ) -> None:
        self.name = name
        self.data = data
        self.names = names
        self.lines = lines
        self.compiler = Compiler(names, {**shared, **(data.get("define") or {})})
        self.doc_id = str(data.get("doc_id") or "")
        if not self.doc_id:
            raise RuleError(name, None, "missing doc_id")

    def rules(self) -> list[tuple[Rule, Mapping[str, Any]]]:
        raw_rules = self.data.get("rules") or []
        if not isinstance(raw_rules, list):
            raise RuleError(self.name, None, "'rules' must be a list")
        out: list[tuple[Rule, Mapping[str, Any]]] = []
        for i, raw in enumerate(raw_rules):
            line = self.lines.get(i)
            rid = str(raw.get("id")) if isinstance(raw, dict) and raw.get("id") else f"#{i + 1}"
            try:
                out.extend(self._rule(raw, rid, line))
            except (CondError, TemplateError, ValueError) as exc:
                if isinstance(exc, RuleError):
                    raise
                raise RuleError(self.name, rid, str(exc), line) from None
        return out

    def _rule(self, raw: Any, rid: str, line: int | None) -> list[tuple[Rule, Mapping[str, Any]]]:
        if not isinstance(raw, dict):
            raise ValueError("a rule is a mapping")
        unknown = set(raw) - _RULE_KEYS
        if unknown:
            raise ValueError(f"unknown keys {sorted(unknown)}")
        for key in ("id", "article", "severity", "message"):
            if not raw.get(key):
                raise ValueError(f"missing '{key}'")
        if raw["severity"] not in SEVERITIES:
            raise ValueError(f"severity must be one of {SEVERITIES}, got {raw['severity']!r}")
        if raw.get("relaxes") is not None and raw.get("require") is not None:
            raise ValueError("a rule that 'relaxes' another uses that rule's 'require'")
        kinds = frozenset(raw.get("kinds") or ())
        if raw.get("relaxes") is None and not kinds:
            raise ValueError("missing 'kinds'")
        if kinds - set(PLAN_KINDS):
            raise ValueError(f"kinds must be among {PLAN_KINDS}, got {sorted(kinds)}")
        when = self.compiler.compile(raw["when"]) if raw.get("when") is not None else None
        require = self.compiler.compile(raw["require"]) if raw.get("require") is not None else None
        message = parse_template(str(raw["message"]))
        fld = raw.get("field")
        if fld is not None and not self.names.is_field(str(fld)):
            raise ValueError(f"'field' {fld!r} is not a plan field")
        base = Rule(
            id=rid,
            doc_id=self.doc_id,
            article=str(raw["article"]),
            kinds=kinds,
            severity=str(raw["severity"]),
            field=str(fld) if fld else None,
            when=when,
            require=require,
            message=message,
            source=self.name,
            line=line,
            replaces=tuple(str(x) for x in raw.get("replaces") or ()),
            suppresses=tuple(str(x) for x in raw.get("suppresses") or ()),
            relaxes=str(raw["relaxes"]) if raw.get("relaxes") else None,
            see_also=parse_see_also(raw.get("see_also"), self.doc_id, self.compiler.compile),
        )
        required = raw.get("required_fields")
        if required is None:
            if base.field is None:
                base = replace(
                    base,
                    field=self._first_field(raw.get("require"))
                    or self._first_field(raw.get("when")),
                )
            self._check_template(base)
            return [(base, raw)]
        if require is not None or base.relaxes:
            raise ValueError("'required_fields' replaces 'require' and 'relaxes'")
        if not isinstance(required, list) or not required:
            raise ValueError("'required_fields' needs a list of plan fields")
        out: list[tuple[Rule, Mapping[str, Any]]] = []
        for key in required:
            if not self.names.is_field(str(key)):
                raise ValueError(f"required field {key!r} is not a plan field")
            rule = replace(
                base,
                id=f"{rid}.{key}",
                field=str(key),
                require=Present(Ref(str(key))),
                replaces=tuple(r.replace("*", str(key)) for r in base.replaces),
                suppresses=tuple(r.replace("*", str(key)) for r in base.suppresses),
                params={"_label": self.names.labels[str(key)]},
            )
            self._check_template(rule)
            out.append((rule, raw))
        return out

    def _first_field(self, raw: Any) -> str | None:
        """The first plan field a raw condition names (depth first): the finding's subject."""
        if isinstance(raw, str):
            key = raw.split(".")[0]
            return key if self.names.is_field(key) else None
        items: Iterable[Any] = ()
        if isinstance(raw, Mapping):
            items = [v for k, v in raw.items() if k not in ("use", "value")]
        elif isinstance(raw, list):
            items = raw
        for item in items:
            found = self._first_field(item)
            if found:
                return found
        return None

    def _check_template(self, rule: Rule) -> None:
        for part in rule.message.parts:
            if not isinstance(part, tuple):
                continue
            name, fmt = part
            if name in SPECIAL_PLACEHOLDERS:
                continue
            if self.names.family(name) is None:
                raise ValueError(f"message placeholder {{{name}}} is not a field or computed value")
            if fmt == "pending" and self.names.family(name) != "map":
                raise ValueError(f"':pending' needs a bool map, {name} is not one")


def _finish(rules: list[tuple[Rule, Mapping[str, Any]]]) -> list[Rule]:
    """Resolve `relaxes` and check the ids rules refer to."""
    by_id: dict[str, Rule] = {}
    for rule, _ in rules:
        if rule.id in by_id:
            raise RuleError(rule.source, rule.id, "duplicate rule id", rule.line)
        by_id[rule.id] = rule
    out: list[Rule] = []
    for rule, raw in rules:
        if rule.relaxes:
            target = by_id.get(rule.relaxes)
            if target is None or target.relaxes:
                raise RuleError(
                    rule.source,
                    rule.id,
                    f"'relaxes' names an unknown or relaxing rule {rule.relaxes}",
                    rule.line,
                )
            when = All(tuple(c for c in (target.when, rule.when) if c is not None))
            rule = replace(
                rule,
                when=when if when.items else None,
                require=target.require,
                field=rule.field or target.field,
                kinds=rule.kinds or target.kinds,
                replaces=(*rule.replaces, target.id),
            )
        for target_id in (*rule.replaces, *rule.suppresses):
            wildcard = "*" in str(raw.get("replaces", "")) + str(raw.get("suppresses", ""))
            if target_id not in by_id and not wildcard:
                raise RuleError(
                    rule.source, rule.id, f"refers to unknown rule {target_id}", rule.line
                )
        out.append(rule)
    return out


def _period_note(name: str, doc_id: str, raw: Any) -> PeriodNote:
    """`out_of_period_note: "<template>"` or `{message: "<template>", kinds: [...]}`."""
    spec = raw if isinstance(raw, Mapping) else {"message": raw}
    kinds = frozenset(spec.get("kinds") or PLAN_KINDS)
    if not spec.get("message") or kinds - set(PLAN_KINDS):
        raise RuleError(name, None, "out_of_period_note needs a message and known kinds")
    try:
        template = parse_template(str(spec["message"]))
    except TemplateError as exc:
        raise RuleError(name, None, f"out_of_period_note: {exc}") from None
    unknown = set(template.names) - SPECIAL_PLACEHOLDERS
    if unknown:
        raise RuleError(name, None, f"out_of_period_note: unknown placeholders {sorted(unknown)}")
    return PeriodNote(doc_id, template, name, kinds)


def load_rules_from(files: Iterable[tuple[str, str]]) -> RuleSet:
    """Compile rule files given as (name, YAML text); `_shared.yaml` first if present."""
    files = sorted(files, key=lambda f: (f[0] != SHARED_FILE, f[0]))
    parsed = [(name, _parse(name, text), _lines(text)) for name, text in files]
    shared: dict[str, Any] = {}
    derived: dict[str, Derived] = {d.name: d for d in BUILTIN}
    for name, data, _ in parsed:
        if name == SHARED_FILE:
            shared = dict(data.get("define") or {})
            continue
        for table in _tables(name, data):
            if table.name in derived:
                raise RuleError(name, None, f"table {table.name} is already defined")
            derived[table.name] = table.as_derived()
    try:
        names = Names(derived)
    except ValueError as exc:
        raise RuleError("(computed values)", None, str(exc)) from None
    compiled: list[tuple[Rule, Mapping[str, Any]]] = []
    notes: list[PeriodNote] = []
    for name, data, lines in parsed:
        if name == SHARED_FILE:
            continue
        loader = _FileLoader(name, data, names, shared, lines)
        compiled.extend(loader.rules())
        if data.get("out_of_period_note"):
            notes.append(_period_note(name, loader.doc_id, data["out_of_period_note"]))
    return RuleSet(tuple(_finish(compiled)), derived, tuple(notes), tuple(n for n, *_ in parsed))


def rule_files() -> list[tuple[str, str]]:
    """The packaged rule files as (name, text)."""
    folder = resources.files("knowledge").joinpath("rules")
    return [
        (f.name, f.read_text("utf-8"))
        for f in sorted(folder.iterdir(), key=lambda f: f.name)
        if f.name.endswith((".yaml", ".yml"))
    ]


@cache
def load_rules() -> RuleSet:
    """The packaged rules, compiled once."""
    return load_rules_from(rule_files())


@cache
def names() -> Names:
    return Names(load_rules().derived)
