"""The Word templates: in sync with their builder, variables = context, broken edits detected."""

from __future__ import annotations

import io
import zipfile

import pytest
from docxtpl import DocxTemplate

from doc_templates import DOC_TYPES, build_templates
from doc_templates.check import check_template, check_templates, context_keys, probe_contexts
from doc_templates.render import jinja_env, template_bytes
from knowledge.plan import schema


def _xml_parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {name: z.read(name) for name in z.namelist()}


@pytest.mark.parametrize("doc_type", DOC_TYPES)
def test_committed_template_equals_the_builder_output(doc_type: str) -> None:
    built = _xml_parts(build_templates.build(doc_type))
    committed = _xml_parts(template_bytes(doc_type))
    assert built.keys() == committed.keys()
    for name in built:
        assert built[name] == committed[name], (
            f"{doc_type}.docx:{name} differs from build_templates.py; run "
            "`python -m doc_templates.build_templates` and commit the templates"
        )


@pytest.mark.parametrize("doc_type", DOC_TYPES)
def test_template_variables_are_exactly_what_the_context_provides(doc_type: str) -> None:
    tpl = DocxTemplate(io.BytesIO(template_bytes(doc_type)))
    used = tpl.get_undeclared_template_variables(jinja_env())
    provided = context_keys(doc_type)
    assert used - provided == set(), "template uses variables the context builder lacks"
    assert provided - used == set(), "context provides variables no template prints (misspelt?)"


@pytest.mark.parametrize("doc_type", DOC_TYPES)
def test_context_keys_do_not_depend_on_the_plan(doc_type: str) -> None:
    keys = {frozenset(c) for c in probe_contexts(doc_type)}
    assert len(keys) == 1


@pytest.mark.parametrize("kind", ["reserve_plan", "supply_plan"])
def test_every_plan_key_has_a_place_in_its_document(kind: str) -> None:
    keys = {spec.key for spec in schema().keys_for(kind)}
    assert keys <= context_keys(kind)


def test_packaged_templates_pass_the_check() -> None:
    assert check_templates() == []


def test_validator_is_registered() -> None:
    from bot.commands.kb import validators

    names = {getattr(v, "__name__", "") for v in validators()}
    assert "validate_templates" in names


# --- broken templates, as someone editing in Word could leave them ----------------------


def mutate(doc_type: str, old: str, new: str, part: str = "word/document.xml") -> bytes:
    """The packaged template with `old` replaced by `new` in one XML part."""
    src = zipfile.ZipFile(io.BytesIO(template_bytes(doc_type)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == part:
                text = data.decode("utf-8")
                assert old in text, old
                data = text.replace(old, new, 1).encode("utf-8")
            dst.writestr(info, data)
    return out.getvalue()


def problems_of(doc_type: str, data: bytes) -> str:
    found = check_template(f"doc_templates/{doc_type}.docx", data, doc_type)
    assert found, "the broken template was not detected"
    assert all(p.file == f"doc_templates/{doc_type}.docx" for p in found)
    return "\n".join(p.message for p in found)


def test_misspelt_variable_is_named_with_its_tag() -> None:
    data = mutate("reserve_plan", "{{ funding_source }}", "{{ funding_sourse }}")
    text = problems_of("reserve_plan", data)
    assert "funding_sourse" in text and "{{ funding_sourse }}" in text


def test_tag_split_across_paragraphs() -> None:
    # Word: someone pressed Enter inside the tag
    data = mutate(
        "supply_plan",
        "{{ notice_terms }}</w:t></w:r></w:p>",
        "{{ notice_</w:t></w:r></w:p><w:p><w:r><w:t>terms }}</w:t></w:r></w:p>",
    )
    assert "notice_" in problems_of("supply_plan", data)


def test_tag_split_across_runs_still_works() -> None:
    # Word often splits a tag into runs (spell check, formatting): docxtpl joins them
    data = mutate(
        "supply_plan",
        "{{ notice_terms }}</w:t>",
        '{{ notice_</w:t></w:r><w:proofErr w:type="spellStart"/><w:r><w:rPr><w:b/></w:rPr>'
        "<w:t>terms }}</w:t>",
    )
    assert check_template("doc_templates/supply_plan.docx", data, "supply_plan") == []


def test_jinja_syntax_error() -> None:
    data = mutate("approval_memo", "{%p for line in summary %}", "{%p for line summary %}")
    text = problems_of("approval_memo", data)
    assert "语法错误" in text


def test_unclosed_loop() -> None:
    data = mutate("approval_memo", "{%p endfor %}", "")
    assert "语法错误" in problems_of("approval_memo", data)


def test_misspelt_attribute_found_by_rendering() -> None:
    data = mutate("reserve_plan", "{{ f.message }}", "{{ f.mesage }}")
    assert "mesage" in problems_of("reserve_plan", data)


def test_mangled_braces_would_print() -> None:
    data = mutate("reserve_plan", "{{ reserve_basis }}", "{ { reserve_basis }}")
    assert "reserve_basis" in problems_of("reserve_plan", data)


def test_broken_header_tag() -> None:
    data = mutate("supply_plan", "{% if is_draft %}", "{% if is_draft", part="word/header1.xml")
    assert "页眉" in problems_of("supply_plan", data)


def test_not_a_docx() -> None:
    assert "无法作为 Word 文件打开" in problems_of("reserve_plan", b"not a zip file")


def test_check_templates_reports_each_file() -> None:
    broken = mutate("supply_plan", "{{ land_status }}", "{{ land_statu }}")
    problems = check_templates(
        {t: (broken if t == "supply_plan" else template_bytes(t)) for t in DOC_TYPES}
    )
    assert [p.file for p in problems] == ["doc_templates/supply_plan.docx"]
    assert "land_statu" in str(problems[0])
