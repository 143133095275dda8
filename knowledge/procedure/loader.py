"""Load the advisor's YAML data once and check it: structure, condition keys, and that every
citation resolves to an article of the corpus. A problem raises `ProcedureDataError` naming the
file and the entry, so a bad edit fails at start-up (and in `landbot kb validate`), never later.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from importlib import resources
from typing import Any

import yaml

from knowledge.citation import Cite
from knowledge.procedure.spec import (
    CONDITION_KEYS,
    PHASES,
    STAGES,
    ArchaeologySpec,
    CondCite,
    Ground,
    Knowledge,
    MethodRule,
    PreconditionSpec,
    StepSpec,
    SupplyRule,
    ZoneMode,
)

FILES = ("modes.yaml", "steps.yaml", "supply.yaml", "preconditions.yaml", "questions.yaml")
ArticleLookup = Callable[[str, str], object | None]


class ProcedureDataError(ValueError):
    """The advisor's data is malformed or cites an article that does not exist."""


def _read(name: str) -> Any:
    text = resources.files("knowledge.procedure").joinpath("data", name).read_text("utf-8")
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ProcedureDataError(f"{name}: not valid YAML: {exc}") from None


class _Reader:
    """Helpers that turn YAML nodes into records, naming file and entry in every error."""

    def __init__(self, file: str) -> None:
        self.file = file

    def fail(self, entry: str, message: str) -> ProcedureDataError:
        return ProcedureDataError(f"{self.file}: {entry}: {message}")

    def req(self, node: Mapping[str, Any], key: str, entry: str) -> Any:
        if not isinstance(node, Mapping) or node.get(key) in (None, ""):
            raise self.fail(entry, f"missing '{key}'")
        return node[key]

    def cite(self, node: Any, entry: str) -> Cite:
        if not isinstance(node, Mapping) or not node.get("doc_id") or not node.get("article"):
            raise self.fail(entry, f"a citation needs doc_id and article, got {node!r}")
        return Cite(str(node["doc_id"]), str(node["article"]))

    def cites(self, nodes: Any, entry: str) -> tuple[Cite, ...]:
        return tuple(self.cite(n, entry) for n in nodes or ())

    def cond(self, node: Any, entry: str) -> dict[str, Any]:
        if node is None:
            return {}
        if not isinstance(node, Mapping):
            raise self.fail(entry, f"a condition must be a mapping, got {node!r}")
        unknown = set(node) - CONDITION_KEYS
        if unknown:
            raise self.fail(entry, f"unknown condition key(s) {sorted(unknown)}")
        return dict(node)


def _ground(r: _Reader, node: Mapping[str, Any]) -> Ground:
    gid = str(r.req(node, "id", "ground ?"))
    entry = f"ground {gid}"
    cites = tuple(
        CondCite(r.cite(c, entry), r.cond(c.get("when"), entry)) for c in node.get("cites") or ()
    )
    if not cites:
        raise r.fail(entry, "a ground must cite at least one article")
    return Ground(
        id=gid,
        label=str(r.req(node, "label", entry)),
        acquisition=node.get("acquisition"),
        reason=str(r.req(node, "reason", entry)),
        cites=cites,
        keywords=tuple(str(k) for k in node.get("keywords") or ()),
        requires=r.cond(node.get("requires"), entry),
    )


def _modes(data: Mapping[str, Any]) -> dict[str, Any]:
    r = _Reader("modes.yaml")
    grounds = tuple(_ground(r, g) for g in data.get("grounds") or ())
    ids = [g.id for g in grounds]
    if len(set(ids)) != len(ids):
        raise r.fail("grounds", "duplicate ground id")
    modes = dict(r.req(data, "modes", "modes"))
    for g in grounds:
        if g.acquisition is not None and g.acquisition not in modes:
            raise r.fail(f"ground {g.id}", f"acquisition {g.acquisition!r} not in modes")
        if g.acquisition is not None and not g.keywords:
            raise r.fail(f"ground {g.id}", "needs keywords")
    zones = []
    for z in data.get("zone_modes") or ():
        entry = f"zone_modes {z.get('doc_id')}"
        zones.append(
            ZoneMode(
                doc_id=str(r.req(z, "doc_id", entry)),
                mode=str(r.req(z, "mode", entry)),
                inside_reason=str(r.req(z, "inside_reason", entry)),
                outside_reason=str(r.req(z, "outside_reason", entry)),
                unknown_reason=str(r.req(z, "unknown_reason", entry)),
                cites=r.cites(r.req(z, "cites", entry), entry),
            )
        )
    acq_cites = {
        str(k): r.cites(v, f"acquisition_cites {k}")
        for k, v in (data.get("acquisition_cites") or {}).items()
    }
    return {
        "grounds": grounds,
        "collective": _ground(r, r.req(data, "collective", "collective")),
        "modes": modes,
        "acquisition_cites": acq_cites,
        "zone_modes": tuple(zones),
    }


def _steps(data: Mapping[str, Any]) -> tuple[StepSpec, ...]:
    r = _Reader("steps.yaml")
    out: list[StepSpec] = []
    for node in data.get("steps") or ():
        sid = str(r.req(node, "id", "step ?"))
        entry = f"step {sid}"
        phase = str(r.req(node, "phase", entry))
        if phase not in PHASES:
            raise r.fail(entry, f"phase must be one of {PHASES}")
        try:
            order = float(r.req(node, "order", entry))
        except (TypeError, ValueError):
            raise r.fail(entry, "order must be a number") from None
        out.append(
            StepSpec(
                id=sid,
                phase=phase,
                order=order,
                title=str(r.req(node, "title", entry)),
                actor=str(r.req(node, "actor", entry)),
                cite=r.cite(r.req(node, "cite", entry), entry),
                see_also=r.cites(node.get("see_also"), entry),
                when=r.cond(node.get("when"), entry),
                unless=r.cond(node.get("unless"), entry),
                supersedes=tuple(str(s) for s in node.get("supersedes") or ()),
            )
        )
    ids = {s.id for s in out}
    if len(ids) != len(out):
        raise r.fail("steps", "duplicate step id")
    for s in out:
        for target in s.supersedes:
            if target not in ids:
                raise r.fail(f"step {s.id}", f"supersedes unknown step {target!r}")
    return tuple(out)


def _supply(data: Mapping[str, Any]) -> dict[str, Any]:
    r = _Reader("supply.yaml")
    methods = tuple(str(m) for m in r.req(data, "methods", "methods"))
    rules: list[MethodRule] = []
    for node in data.get("method_rules") or ():
        mid = str(r.req(node, "id", "method_rules ?"))
        entry = f"method_rules {mid}"
        allow = tuple(str(m) for m in node.get("allow") or ())
        exclude = tuple(str(m) for m in node.get("exclude") or ())
        for m in (*allow, *exclude):
            if m not in methods:
                raise r.fail(entry, f"unknown method {m!r}")
        rules.append(
            MethodRule(
                id=mid,
                reason=str(r.req(node, "reason", entry)),
                cite=r.cite(r.req(node, "cite", entry), entry),
                allow=allow,
                exclude=exclude,
                see_also=r.cites(node.get("see_also"), entry),
                when=r.cond(node.get("when"), entry),
                unless=r.cond(node.get("unless"), entry),
            )
        )
    supply_rules = []
    for node in data.get("rules") or ():
        rid = str(r.req(node, "id", "rules ?"))
        entry = f"rules {rid}"
        supply_rules.append(
            SupplyRule(
                id=rid,
                text=str(r.req(node, "text", entry)),
                cite=r.cite(r.req(node, "cite", entry), entry),
                when=r.cond(node.get("when"), entry),
                unless=r.cond(node.get("unless"), entry),
            )
        )
    return {"methods": methods, "method_rules": tuple(rules), "rules": tuple(supply_rules)}


def _preconditions(data: Mapping[str, Any], fact_keys: set[str]) -> dict[str, Any]:
    r = _Reader("preconditions.yaml")
    out: list[PreconditionSpec] = []
    for node in data.get("preconditions") or ():
        pid = str(r.req(node, "id", "precondition ?"))
        stage = str(r.req(node, "stage", pid))
        if stage not in STAGES:
            raise r.fail(pid, f"stage must be one of {STAGES}")
        fact = node.get("fact")
        if fact is not None and fact not in fact_keys:
            raise r.fail(pid, f"fact {fact!r} has no question in questions.yaml")
        out.append(
            PreconditionSpec(
                id=pid,
                stage=stage,
                item=str(r.req(node, "item", pid)),
                cite=r.cite(r.req(node, "cite", pid), pid),
                fact=fact,
                when=r.cond(node.get("when"), pid),
                unless=r.cond(node.get("unless"), pid),
            )
        )
    arch = []
    for node in data.get("archaeology") or ():
        entry = f"archaeology {node.get('doc_id')}"
        exempt = {str(k): str(v) for k, v in (node.get("exempt_facts") or {}).items()}
        for key in exempt:
            if key not in fact_keys:
                raise r.fail(entry, f"exempt fact {key!r} has no question in questions.yaml")
        arch.append(
            ArchaeologySpec(
                cite=r.cite(node, entry),
                exempt_facts=exempt,
                exempt_item=str(r.req(node, "exempt_item", entry)),
                required_item=str(r.req(node, "required_item", entry)),
                unknown_item=str(r.req(node, "unknown_item", entry)),
            )
        )
    return {"preconditions": tuple(out), "archaeology": tuple(arch)}


def parse_knowledge(raw: Mapping[str, Any]) -> Knowledge:
    """Build the records from the parsed YAML files (keyed by file name)."""
    questions = raw["questions.yaml"].get("questions") if raw.get("questions.yaml") else None
    if not isinstance(questions, Mapping) or not questions:
        raise ProcedureDataError("questions.yaml: questions: missing")
    q = {str(k): str(v) for k, v in questions.items()}
    return Knowledge(
        **_modes(raw["modes.yaml"] or {}),
        steps=_steps(raw["steps.yaml"] or {}),
        **_supply(raw["supply.yaml"] or {}),
        **_preconditions(raw["preconditions.yaml"] or {}, set(q)),
        questions=q,
    )


def check_citations(kn: Knowledge, lookup: ArticleLookup) -> list[str]:
    """Problems: citations that do not resolve with `lookup(doc_id, article)`."""
    problems = []
    for entry, cite in kn.all_cites():
        if lookup(cite.doc_id, cite.article) is None:
            problems.append(f"{entry}: no article {cite.doc_id} {cite.article}")
    return problems


@cache
def load_knowledge() -> Knowledge:
    """The advisor's data, read once and checked against the corpus."""
    from knowledge.corpus import load_corpus

    kn = parse_knowledge({name: _read(name) for name in FILES})
    corpus = load_corpus()
    problems = check_citations(kn, corpus.article)
    if problems:
        raise ProcedureDataError("; ".join(problems))
    return kn


def validate() -> list[str]:
    """Every problem of the advisor's data (for `landbot kb validate`); empty when sound."""
    from knowledge.corpus import load_corpus

    try:
        kn = parse_knowledge({name: _read(name) for name in FILES})
    except ProcedureDataError as exc:
        return [str(exc)]
    return check_citations(kn, load_corpus().article)


def locate(problem: str) -> tuple[str, int | None, str]:
    """(package path of the file, line of the entry or None, message) for a problem string."""
    file, _, rest = problem.partition(": ")
    if file not in FILES:
        return "knowledge/procedure/data", None, problem
    entry = rest.partition(": ")[0].split(" ")[-1]
    text = resources.files("knowledge.procedure").joinpath("data", file).read_text("utf-8")
    line = None
    for no, content in enumerate(text.splitlines(), 1):
        if content.strip() in (f"- id: {entry}", f"id: {entry}", f"- doc_id: {entry}"):
            line = no
            break
    return f"knowledge/procedure/data/{file}", line, rest
