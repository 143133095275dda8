"""Check the Word templates: a template someone edited in Word must still render.

`check_templates()` finds, for each template, what breaks rendering or would print garbage:
a file that is not a .docx, a tag cut across paragraphs or left unclosed, a Jinja syntax
error, a variable the context builder does not provide (a misspelt name), and, by rendering
probe plans, an unknown attribute (`f.mesage`) or a tag Word mangled so that it prints as
text. Each problem names the template file and the tag. `landbot kb validate` runs it.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Mapping
from functools import cache
from typing import Any

import docx
from docxtpl import DocxTemplate
from jinja2 import TemplateError, TemplateSyntaxError, meta
from lxml import etree

from doc_templates import DOC_KINDS, DOC_TYPES
from doc_templates.context import build_context
from doc_templates.render import jinja_env, render_context, template_bytes
from knowledge.checks import CheckResult
from knowledge.citation import Cite
from knowledge.findings import Finding
from knowledge.plan import KeySpec, Plan, schema
from knowledge.problems import Problem

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_COMPLETE_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
_DELIMITER = re.compile(r"\{\{|\{%|\{#|\}\}|%\}|#\}|\{ +[{%]|[}%] +\}")
_SAMPLE_DATE = dt.date(2026, 1, 1)


# --- probe plans --------------------------------------------------------------------------


def _sample_value(spec: KeySpec) -> Any:
    if spec.key == "jurisdiction":
        return "郑州市金水区"
    return {
        "text": "示例",
        "place": "示例",
        "flag_text": "示例",
        "area_m2": 10000.0,
        "money_yuan": 1000000.0,
        "price_yuan_m2": 5000.0,
        "pct": 50.0,
        "ratio": 2.0,
        "float": 10.0,
        "int": 3,
        "bool": True,
        "date": _SAMPLE_DATE,
        "choice": spec.choices[0] if spec.choices else "示例",
        "bool_map": dict.fromkeys(spec.subkeys, True),
    }[spec.type]


def sample_plan(kind: str, *, full: bool = True) -> Plan:
    """A plan with every key of `kind` filled (or only the project name and place)."""
    fields: dict[str, Any] = {}
    for spec in schema().keys_for(kind):
        if full or spec.key in ("project_name", "jurisdiction"):
            fields[spec.key] = _sample_value(spec)
    return Plan(kind=kind, fields=fields)


def sample_result(kind: str) -> CheckResult:
    cite = Cite("sample-doc", "一（一）")
    return CheckResult(
        kind=kind,
        findings=[
            Finding("sample-error", "error", "area_m2", "示例错误", cite),
            Finding("sample-warning", "warning", None, "示例警示", cite),
            Finding("sample-info", "info", "jurisdiction", "示例提示", Cite("sample-doc", "二")),
        ],
        computed={"sample_yuan": 1.0},
        notes=["示例说明"],
    )


def _lookup(cite: Cite) -> tuple[str, str | None]:
    return f"《示例文件》{cite.article}", "示例条文。"


def probe_contexts(doc_type: str) -> list[dict[str, Any]]:
    """Contexts that switch every conditional part of the template on, then off."""
    at = dt.datetime(2026, 1, 1, 8, 0)
    out = []
    for kind in DOC_KINDS[doc_type]:
        for full in (True, False):
            plan = sample_plan(kind, full=full)
            result = sample_result(kind) if full else CheckResult(kind=kind)
            out.append(
                build_context(
                    plan,
                    doc_type,
                    result,
                    generated_at=at,
                    kb_version="kb-probe",
                    cite_lookup=_lookup,
                )
            )
    return out


@cache
def context_keys(doc_type: str) -> frozenset[str]:
    """The variables the context builder provides to a `doc_type` template."""
    return frozenset(probe_contexts(doc_type)[0])


# --- the checks ---------------------------------------------------------------------------


def _parts(tpl: DocxTemplate) -> list[tuple[str, str]]:
    """(name, XML) of the body, the headers and the footers."""
    tpl.init_docx()
    parts = [("正文", tpl.get_xml())]
    for label, uri in (("页眉", tpl.HEADER_URI), ("页脚", tpl.FOOTER_URI)):
        for _, part in tpl.get_headers_footers(uri):
            parts.append((f"{label}（{part.partname}）", tpl.get_part_xml(part)))
    return parts


def _paragraph_texts(xml: str) -> list[str]:
    root = etree.fromstring(xml.encode("utf-8"))
    return ["".join(t.text or "" for t in p.iter(f"{_W}t")) for p in root.iter(f"{_W}p")]


def _snippet(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _split_tags(file: str, part: str, xml: str) -> list[Problem]:
    """Tags that do not open and close within one paragraph."""
    problems = []
    for number, text in enumerate(_paragraph_texts(xml), start=1):
        rest = _COMPLETE_TAG.sub("", text)
        if _DELIMITER.search(rest):
            problems.append(
                Problem(
                    file,
                    None,
                    f"{part}第{number}段的模板标记不完整或被拆到多个段落："
                    f"「{_snippet(text)}」 / broken or split tag in paragraph {number}",
                )
            )
    return problems


def _tag_with(name: str, xml: str) -> str:
    text = re.sub(r"<[^>]+>", "", xml)
    found = re.search(r"\{[{%][^{}]*\b" + re.escape(name) + r"\b[^{}]*[}%]\}", text)
    return found.group(0) if found else name


def _syntax_and_names(
    tpl: DocxTemplate, file: str, part: str, xml: str, expected: frozenset[str]
) -> list[Problem]:
    patched = re.sub(r"<w:p([ >])", r"\n<w:p\1", tpl.patch_xml(xml))
    try:
        ast = jinja_env().parse(patched)
    except TemplateSyntaxError as exc:
        lines = patched.splitlines()
        line = lines[exc.lineno - 1] if exc.lineno and exc.lineno <= len(lines) else ""
        where = _snippet(re.sub(r"<[^>]+>", "", line)) or "?"
        return [
            Problem(
                file,
                None,
                f"{part}的模板语法错误：{exc.message}；位置「{where}」 / Jinja syntax error",
            )
        ]
    problems = []
    for name in sorted(meta.find_undeclared_variables(ast) - expected):
        problems.append(
            Problem(
                file,
                None,
                f"{part}使用了未知变量 {name}（标记「{_tag_with(name, patched)}」），"
                f"内容生成器不提供此变量 / unknown variable '{name}'",
            )
        )
    return problems


def _probe(file: str, data: bytes, doc_type: str) -> list[Problem]:
    for context in probe_contexts(doc_type):
        try:
            rendered = render_context(data, context)
        except TemplateError as exc:
            return [Problem(file, None, f"模板渲染失败：{exc} / rendering failed: {exc}")]
        except (etree.LxmlError, ValueError, KeyError) as exc:
            return [Problem(file, None, f"渲染结果不是有效的 Word 文件：{exc} / invalid output")]
        document = docx.Document(io.BytesIO(rendered))
        texts = [p.text for p in document.paragraphs]
        texts += [p.text for t in document.tables for c in t._cells for p in c.paragraphs]
        for section in document.sections:
            for hf in (section.header, section.even_page_header, section.footer):
                texts += [p.text for p in hf.paragraphs]
        leftovers = [t for t in texts if _DELIMITER.search(t)]
        if leftovers:
            return [
                Problem(
                    file,
                    None,
                    f"有模板标记未被识别、会原样印出：「{_snippet(leftovers[0])}」"
                    " / a tag prints as text",
                )
            ]
    return []


def check_template(file: str, data: bytes, doc_type: str) -> list[Problem]:
    """The problems of one template (`file` names it in the messages)."""
    try:
        tpl = DocxTemplate(io.BytesIO(data))
        parts = _parts(tpl)
    except (zipfile.BadZipFile, KeyError, ValueError, etree.LxmlError) as exc:
        return [Problem(file, None, f"无法作为 Word 文件打开：{exc} / not a readable .docx")]
    expected = context_keys(doc_type)
    problems: list[Problem] = []
    for part, xml in parts:
        problems += _split_tags(file, part, xml)
        problems += _syntax_and_names(tpl, file, part, xml, expected)
    if problems:
        return problems
    return _probe(file, data, doc_type)


def check_templates(templates: Mapping[str, bytes] | None = None) -> list[Problem]:
    """Check the packaged templates (or `templates`: doc type → .docx bytes)."""
    problems: list[Problem] = []
    for doc_type in DOC_TYPES:
        data = templates[doc_type] if templates is not None else template_bytes(doc_type)
        problems += check_template(f"doc_templates/{doc_type}.docx", data, doc_type)
    return problems


def validate_templates() -> list[Problem]:
    """The Word templates (issue 6) as a `kb validate` validator: they parse, use only known
    variables and render."""
    return check_templates()
