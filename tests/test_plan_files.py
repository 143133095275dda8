"""Hostile plan and parcel files (knowledge/plan_files.py): whatever a file holds, `check`,
`procedure` and `generate` answer exit 2 with one bilingual line naming the key — never a
traceback, never a wrong plan checked because a key was given twice."""

from __future__ import annotations

import contextlib
import json
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from bot.cli import main
from knowledge.errors import BadInput
from knowledge.plan import parcel_from_mapping, plan_from_mapping
from knowledge.plan_files import (
    MAX_DEPTH,
    MAX_FILE_BYTES,
    Oversized,
    parse_mapping_bytes,
    parse_mapping_text,
)

Content = Callable[[bool], str]  # the file's text, for a plan (False) or a parcel file (True)
PLAN = {"kind": "supply_plan", "fields": {"jurisdiction": "新密市", "project_name": "某地块"}}


def nested(depth: int, leaf: object = 1) -> object:
    value = leaf
    for i in range(depth):
        value = [value] if i % 2 else {"k": value}
    return value


def depth_of(value: object) -> int:
    """Levels of mappings and lists (a scalar is 0); iterative, for values 1,000 deep."""
    deepest, todo = 0, [(value, 0)]
    while todo:
        item, depth = todo.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth + 1)
            todo.extend((v, depth + 1) for v in (item.values() if isinstance(item, dict) else item))
    return deepest


def plan_json(**fields: str) -> Content:
    """A plan file (or, for `procedure`, a parcel file) whose named fields hold raw JSON."""
    extra = "".join(f', "{k}": {v}' for k, v in fields.items())

    def content(parcel: bool) -> str:
        if parcel:
            return json.dumps(PLAN["fields"], ensure_ascii=False)[:-1] + extra + "}"
        return json.dumps(PLAN, ensure_ascii=False)[:-2] + extra + "}}"

    return content


def plan_yaml(extra: str) -> Content:
    """A plan file (or a parcel file) with `extra` lines, indented as fields, added."""

    def content(parcel: bool) -> str:
        if parcel:
            return "jurisdiction: 新密市\n" + textwrap.dedent(extra)
        return "kind: supply_plan\nfields:\n  jurisdiction: 新密市\n" + extra

    return content


def raw(text: str) -> Content:
    return lambda parcel: text


CASES = {
    # name: (file name, content, the key the line must name)
    "json nested 1000 deep": ("p.json", plan_json(project_name="[" * 1000 + "]" * 1000),
                              "project_name"),
    "json mappings 1000 deep": ("p.json", plan_json(location='{"a":' * 1000 + "1" + "}" * 1000),
                                "location"),
    "yaml flow nested 1000 deep": ("p.yaml", plan_yaml("  project_name: " + "[" * 1000 + "]" * 1000),
                                   "project_name"),
    "yaml block nested 1000 deep": (
        "p.yaml",
        plan_yaml("  location:\n" + "".join(" " * (i + 3) + f"k{i}:\n" for i in range(1000))),
        "location",
    ),
    "number of 400 digits (json)": ("p.json", plan_json(area_m2="9" * 400), "area_m2"),
    "number of 400 digits (yaml)": ("p.yaml", plan_yaml("  area_m2: " + "9" * 400 + "\n"),
                                    "area_m2"),
    "int of 400 digits": ("p.yaml", plan_yaml("  appraisal_agencies: " + "9" * 400 + "\n"),
                          "appraisal_agencies"),
    "number of 5000 digits (interpreter limit)": ("p.json", plan_json(deposit_yuan="7" * 5000),
                                                  "deposit_yuan"),
    "number of 2 million digits (json)": ("p.json", plan_json(area_m2="9" * 2_000_000), "area_m2"),
    "number of 2 million digits (yaml)": ("p.yaml", plan_yaml("  area_m2: " + "9" * 2_000_000),
                                          "area_m2"),
    "float 1e400": ("p.json", plan_json(area_m2="1e400"), "area_m2"),
    "NaN in json": ("p.json", plan_json(area_m2="NaN"), "NaN"),
    "10 MB text field": ("p.yaml", plan_yaml("  project_name: " + "地" * 3_500_000 + "\n"),
                         "project_name"),
    "kind twice (yaml)": ("p.yaml", raw("kind: supply_plan\nfields:\n  jurisdiction: 新密市\n"
                          "kind: reserve_plan\n"), "kind"),
    "kind twice (json)": ("p.json", raw('{"kind": "supply_plan",\n "fields": {"jurisdiction": '
                          '"新密市"},\n "kind": "reserve_plan"}'), "kind"),
    "field twice": ("p.yaml", plan_yaml("  jurisdiction: 郑州市\n"), "jurisdiction"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
@pytest.mark.parametrize("command", ["check", "procedure", "generate"])
def test_a_hostile_file_is_one_line_and_exit_2(
    case: str, command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name, content, key = CASES[case]
    path = tmp_path / name
    path.write_text(content(command == "procedure"), encoding="utf-8")
    args = {
        "check": ["check", str(path)],
        "procedure": ["procedure", str(path)],
        "generate": ["generate", str(path), "--doc", "supply_plan", "-o", str(tmp_path / "o.docx")],
    }[command]
    assert main(args) == 2
    out, err = capsys.readouterr()
    lines = [line for line in (out + err).splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert "Traceback" not in out + err and " / " in lines[0]  # Chinese / English
    assert key in lines[0], lines[0]
    assert not (tmp_path / "o.docx").exists()


def test_the_duplicate_message_names_both_lines() -> None:
    text = "kind: supply_plan\nfields:\n  jurisdiction: 新密市\nkind: reserve_plan\n"
    with pytest.raises(BadInput) as exc:
        parse_mapping_text(text, "p.yaml", as_json=False)
    assert "第 1 行和第 4 行" in exc.value.zh and "lines 1 and 4" in exc.value.en


def test_limits_leave_real_plans_alone() -> None:
    plan = {"kind": "supply_plan", "fields": {"jurisdiction": "新密市", "area_m2": 123456789.25,
            "deposit_yuan": 4_100_000_000, "net_land": {"no_disputes": True}}}  # fmt: skip
    for as_json, text in ((True, json.dumps(plan)), (False, yaml.safe_dump(plan))):
        assert parse_mapping_text(text, "p", as_json=as_json) == plan
    for as_json in (True, False):
        deepest = nested(MAX_DEPTH)
        assert parse_mapping_text(json.dumps(deepest), "p", as_json=as_json) == deepest
        with pytest.raises(BadInput, match="嵌套"):
            parse_mapping_text(json.dumps(nested(MAX_DEPTH + 1)), "p", as_json=as_json)


def test_the_size_limit_counts_bytes_and_names_the_key() -> None:
    text = plan_yaml("  boundaries: " + "东" * (MAX_FILE_BYTES // 3 + 10) + "\n")(False)
    with pytest.raises(BadInput) as exc:
        parse_mapping_bytes(text.encode("utf-8"), "p.yaml", as_json=False)
    assert "boundaries" in exc.value.zh and "MB" in exc.value.zh


# ------------------------------------------------------------------------ property-based

json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**60), max_value=10**60),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
)
json_value = st.recursive(
    json_leaf,
    lambda kids: (
        st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=8), kids, max_size=4)
    ),
    max_leaves=20,
)
keys = st.sampled_from(["kind", "fields", "jurisdiction", "area_m2", "project_name", "as_of",
                        "net_land", "term_years", "x"])  # fmt: skip


def _load_everything(data: object) -> None:
    """Every loader on the parsed data: a result or BadInput, nothing else."""
    for load in (plan_from_mapping, parcel_from_mapping):
        with contextlib.suppress(BadInput):
            load(data)


@hsettings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(
    value=json_value,
    depth=st.integers(min_value=0, max_value=1200),
    key=keys,
    as_json=st.booleans(),
)
def test_any_nesting_parses_or_is_bad_input(value: object, depth: int, key: str, as_json: bool):
    data = {"kind": "supply_plan", "fields": {"jurisdiction": "新密市", key: nested(depth, value)}}
    # deep YAML in flow style (JSON is YAML's flow style): PyYAML cannot dump it itself
    text = json.dumps(data) if as_json or depth > 50 else yaml.safe_dump(data)
    try:
        parsed = parse_mapping_text(text, "p", as_json=as_json)
    except BadInput as exc:
        assert "嵌套" not in exc.zh or depth_of(data) > MAX_DEPTH, exc.zh
        return
    assert depth_of(data) <= MAX_DEPTH
    _load_everything(parsed)


@hsettings(max_examples=100)
@given(
    digits=st.integers(min_value=31, max_value=20_000),
    key=st.sampled_from(["area_m2", "term_years", "deposit_yuan", "appraisal_agencies", "x"]),
    as_json=st.booleans(),
)
def test_huge_numbers_name_their_key(digits: int, key: str, as_json: bool) -> None:
    literal = "8" * digits
    text = (plan_json(**{key: literal}) if as_json else plan_yaml(f"  {key}: {literal}\n"))(False)
    parsed = parse_mapping_text(text, "p", as_json=as_json)
    assert isinstance(parsed["fields"][key], Oversized)  # never converted
    with pytest.raises(BadInput) as exc:
        plan_from_mapping(parsed)
    assert key in exc.value.zh and key in exc.value.en


@hsettings(max_examples=100)
@given(
    first=keys,
    values=st.lists(
        st.text(st.characters(categories=["L", "N"]), max_size=5), min_size=2, max_size=3
    ),
)
def test_a_key_twice_is_named_never_last_wins(first: str, values: list[str]) -> None:
    lines = "\n".join(f"{first}: {json.dumps(v, ensure_ascii=False)}" for v in values)
    with pytest.raises(BadInput) as exc:
        parse_mapping_text(lines + "\n", "p.yaml", as_json=False)
    assert first in exc.value.zh
    body = ", ".join(f"{json.dumps(first)}: {json.dumps(v)}" for v in values)
    with pytest.raises(BadInput) as exc:
        parse_mapping_text("{" + body + "}", "p.json", as_json=True)
    assert first in exc.value.zh


@hsettings(max_examples=200)
@given(blob=st.binary(max_size=300), as_json=st.booleans())
def test_any_bytes_parse_or_are_bad_input(blob: bytes, as_json: bool) -> None:
    for data in (blob, "kind: supply_plan\n".encode("utf-16") + blob, b"\xef\xbb\xbf" + blob):
        try:
            parsed = parse_mapping_bytes(data, "p", as_json=as_json)
        except BadInput:
            continue
        _load_everything(parsed)
