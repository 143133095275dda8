"""`landbot generate PLAN_FILE --doc TYPE [-o OUT.docx] [--pdf]`: write a document (CONTRACT §2).

The plan is checked against the policy rules first; a plan with errors still gives a 方案
(marked 草稿) and a memo that states the errors first. `--pdf` also writes OUT.pdf with
LibreOffice when it is installed, else the .docx alone and a note. Exit 0, or 2 on bad input.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from doc_templates import DOC_TYPES
from knowledge.errors import BadInput, ServiceUnavailable


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "generate",
        help="生成储备方案、供地方案或审批呈报单（.docx，可选 PDF）/ write a document",
        description="根据方案文件生成文书 / write a .docx (and PDF) from a plan file",
    )
    p.add_argument("plan_file", metavar="PLAN_FILE", help="方案文件（JSON 或 YAML）/ plan file")
    p.add_argument(
        "--doc",
        required=True,
        choices=DOC_TYPES,
        help="文书类型 / document type",
    )
    p.add_argument(
        "-o",
        "--output",
        metavar="OUT.docx",
        help="输出文件（默认：当前目录下以项目名称命名）/ output file (default: named after the project)",
    )
    p.add_argument("--pdf", action="store_true", help="同时生成 PDF / also write OUT.pdf")
    p.set_defaults(func=run)


def write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to `path` via a temporary file, so a failure never leaves half a file."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=".landbot-", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise BadInput(
            f"无法写入目录 {path.parent}：{exc.strerror}",
            f"cannot write to {path.parent}: {exc.strerror}",
        ) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, _file_mode(path))  # mkstemp makes 0600; a document is an ordinary file
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise BadInput(
            f"无法写入 {path}：{exc.strerror}", f"cannot write {path}: {exc.strerror}"
        ) from None


def _file_mode(path: Path) -> int:
    """The mode of the file being replaced, else what a new file gets under the umask."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def output_path(raw: str | None, default_name: str) -> Path:
    if not raw:
        return Path.cwd() / default_name
    path = Path(raw).expanduser()
    if path.is_dir():
        return path / default_name
    if path.suffix.lower() != ".docx":
        raise BadInput(
            f"输出文件 {raw} 应以 .docx 结尾", f"the output file {raw} must end in .docx"
        )
    if not path.parent.is_dir():
        raise BadInput(f"目录不存在：{path.parent}", f"no such directory: {path.parent}")
    return path


def run(args: argparse.Namespace) -> int:
    import datetime as dt

    from doc_templates.context import check_doc_kind
    from doc_templates.render import default_filename, render_document
    from knowledge.checks import check_plan
    from knowledge.plan import load_plan_file

    plan = load_plan_file(args.plan_file)
    check_doc_kind(plan, args.doc)
    out = output_path(args.output, default_filename(plan, args.doc))
    result = check_plan(plan)
    data = render_document(plan, args.doc, result, generated_at=dt.datetime.now().astimezone())
    write_atomically(out, data)
    errors = sum(f.severity == "error" for f in result.findings)
    print(f"已生成 / written: {out}")
    if errors:
        print(
            f"注意：合规审查发现 {errors} 项错误，文书已标注“草稿”。"
            f" / note: {errors} error finding(s); the document is marked as a draft."
        )
    if args.pdf:
        from doc_templates.pdf import NO_PDF_NOTE, PDF_FAILED_NOTE, available, convert_once

        if not available():
            print(NO_PDF_NOTE, file=sys.stderr)
            return 0
        pdf = convert_once(data)
        if pdf is None:
            raise ServiceUnavailable(*PDF_FAILED_NOTE.split(" / ", 1))
        pdf_path = out.with_suffix(".pdf")
        write_atomically(pdf_path, pdf)
        print(f"已生成 / written: {pdf_path}")
    return 0
