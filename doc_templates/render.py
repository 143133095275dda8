"""Render a plan into a .docx: docxtpl in a sandboxed, autoescaping, StrictUndefined Jinja.

User text is never a template: it only enters as context values, escaped for XML here
(`<`, `&`, braces as character references so that docxtpl's own post-processing cannot
touch `{{`/`{%`), with line breaks kept (docxtpl turns "\\n" into a Word line break) and the
characters XML cannot hold removed.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
from collections.abc import MutableMapping
from functools import cache
from importlib import resources
from typing import Any

from docxtpl import DocxTemplate
from jinja2 import StrictUndefined, Template, nodes
from jinja2.sandbox import SandboxedEnvironment
from jinja2.utils import LRUCache
from markupsafe import Markup

from doc_templates import DOC_LABELS, DOC_TYPES
from doc_templates.context import ReviewInfo, build_context, check_doc_kind
from knowledge.checks import CheckResult
from knowledge.plan import Plan

# XML 1.0 forbids most C0 controls; \a and \f would also become paragraph/page breaks in
# docxtpl. Tabs and line feeds stay (docxtpl renders them as w:tab / w:br).
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_XML_ESCAPES = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    '"': "&#34;",
    "'": "&#39;",
    "{": "&#123;",
    "}": "&#125;",
    "%": "&#37;",
}
_XML_SPECIAL = re.compile("[&<>\"'{}%]")


def clean_text(text: str) -> str:
    """Normalise line breaks and drop what XML cannot hold; everything else stays as typed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n")
    text = text.replace("\u2029", "\n")
    text = _SURROGATE.sub("\ufffd", text)
    return _FORBIDDEN.sub("", text)


def xml_text(text: str) -> Markup:
    """`text` escaped for a w:t element, marked safe so Jinja does not escape it twice."""
    escaped = _XML_SPECIAL.sub(lambda m: _XML_ESCAPES[m.group(0)], clean_text(text))
    return Markup(escaped)


def escape_context(value: Any) -> Any:
    """Escape every string in the context (recursively); booleans and numbers stay."""
    if isinstance(value, str):
        return xml_text(value)
    if isinstance(value, dict):
        return {k: escape_context(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [escape_context(v) for v in value]
    return value


# Distinct template sources kept prepared: 3 templates × (body, headers, footers, file
# properties) need about 20; the rest is room for templates under check (kb validate).
PREPARED_CACHE_SIZE = 64


class _CompileOnceEnvironment(SandboxedEnvironment):
    """docxtpl compiles each XML part with `from_string` on every render, although a
    template's parts are the same each time: compile each source once. A compiled Jinja
    template is immutable and safe to render again, from any thread."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._compiled = LRUCache(PREPARED_CACHE_SIZE)  # source → Template

    def from_string(
        self,
        source: str | nodes.Template,
        globals: MutableMapping[str, Any] | None = None,
        template_class: type[Template] | None = None,
    ) -> Template:
        if not isinstance(source, str) or globals is not None or template_class is not None:
            return super().from_string(source, globals, template_class)
        template: Template | None = self._compiled.get(source)
        if template is None:
            template = self._compiled[source] = super().from_string(source)
        return template


@cache
def jinja_env() -> SandboxedEnvironment:
    """The one environment templates render in: sandboxed, autoescaping, strict."""
    return _CompileOnceEnvironment(autoescape=True, undefined=StrictUndefined)


class _Template(DocxTemplate):
    """A DocxTemplate that prepares each distinct XML part once: docxtpl's `patch_xml` (the
    regex clean-up that turns Word's XML into Jinja source) depends on the XML alone, and
    would otherwise redo the same work on every render. The document itself is still
    opened afresh from the template's bytes each time, since rendering changes it."""

    _patched = LRUCache(PREPARED_CACHE_SIZE)  # Word XML → Jinja source

    def patch_xml(self, src_xml: str) -> str:
        patched: str | None = self._patched.get(src_xml)
        if patched is None:
            patched = self._patched[src_xml] = super().patch_xml(src_xml)
        return patched


@cache
def template_bytes(doc_type: str) -> bytes:
    """The packaged .docx template of `doc_type`."""
    return resources.files("doc_templates").joinpath(f"{doc_type}.docx").read_bytes()


def render_context(template: bytes, context: dict[str, Any]) -> bytes:
    """Render a template (bytes of a .docx) with an already built context."""
    tpl = _Template(io.BytesIO(template))
    tpl.render(escape_context(context), jinja_env(), autoescape=True)
    out = io.BytesIO()
    tpl.save(out)
    return out.getvalue()


def render_document(
    plan: Plan,
    doc_type: str,
    result: CheckResult,
    *,
    generated_at: dt.datetime,
    review: ReviewInfo | None = None,
) -> bytes:
    """The .docx bytes of a `doc_type` document (reserve_plan, supply_plan, approval_memo).

    Raises `BadInput` when the plan's kind does not fit the document type.
    """
    context = build_context(plan, doc_type, result, generated_at=generated_at, review=review)
    return render_context(template_bytes(doc_type), context)


# --- file names ---------------------------------------------------------------------------

_FULLWIDTH = str.maketrans(
    {
        "/": "／",
        "\\": "＼",
        ":": "：",
        "*": "＊",
        "?": "？",
        '"': "＂",
        "<": "＜",
        ">": "＞",
        "|": "｜",
    }
)
# Device names Windows refuses as a file name, with any extension, in any case (COM0/LPT0 and
# the superscript digits included, as Windows treats them).
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"} | {
    f"{p}{n}" for p in ("COM", "LPT") for n in "0123456789¹²³"
}
MAX_NAME_BYTES = 200  # well under the 255-byte limit of common file systems


def safe_filename(stem: str, suffix: str, *, max_bytes: int = MAX_NAME_BYTES) -> str:
    """`stem + suffix` made valid on Windows, macOS and Linux file systems.

    Reserved characters become their full-width forms, control and format characters go,
    white space collapses, leading/trailing dots and spaces go, reserved Windows device
    names get a prefix, and the stem is cut (at a character boundary) so that the UTF-8
    name stays within `max_bytes`.
    """
    text = unicodedata.normalize("NFC", clean_text(stem)).translate(_FULLWIDTH)
    text = "".join(
        " " if ch.isspace() else ch
        for ch in text
        if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn") or ch.isspace()
    )
    # no leading ~ (Word hides ~$… as its lock files), -, or dots (hidden on Unix, .. a path)
    text = re.sub(" +", " ", text).strip(" .").lstrip("~-. ")
    if not text:
        text = "未命名"
    if text.split(".")[0].upper().rstrip(" ") in _WINDOWS_RESERVED:
        text = "_" + text
    budget = max_bytes - len(suffix.encode("utf-8"))
    while len(text.encode("utf-8")) > budget:
        text = text[:-1]
    text = text.rstrip(" .") or "未命名"
    return text + suffix


def default_filename(plan: Plan, doc_type: str) -> str:
    """`<项目名称><储备方案|供地方案|审批呈报单>.docx`, safe for every file system."""
    check_doc_kind(plan, doc_type)
    name = str(plan.get("project_name") or "").strip() or "未命名项目"
    label = DOC_LABELS[doc_type]
    if doc_type == "approval_memo":
        label = f"{DOC_LABELS[plan.kind]}{label}"
    stem_suffix = "" if name.endswith(label) else label
    # Keep the document type whole: cut the project name, never the label.
    label_bytes = len((stem_suffix + ".docx").encode("utf-8"))
    head = safe_filename(name, "", max_bytes=MAX_NAME_BYTES - label_bytes)
    return safe_filename(head + stem_suffix, ".docx")


__all__ = ["DOC_TYPES", "ReviewInfo", "default_filename", "render_document", "safe_filename"]
