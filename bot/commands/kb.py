"""`landbot kb list | show DOC_ID [ARTICLE] | validate`: inspect and validate the knowledge base."""

from __future__ import annotations

import argparse

from knowledge.errors import BadInput
from knowledge.problems import Validator

_LEVELS = {"national": "国家", "provincial": "省级", "city": "市级", "county": "县级"}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("kb", help="查看与校验知识库 / inspect and validate the knowledge base")
    kb_sub = p.add_subparsers(dest="kb_command", metavar="KB_COMMAND")
    ls = kb_sub.add_parser("list", help="列出文件 / list the documents")
    ls.set_defaults(func=run_list)
    show = kb_sub.add_parser("show", help="显示文件或条文 / show a document or one article")
    show.add_argument("doc_id", help="文件编号，如 zhengzhou-2021-4")
    show.add_argument("article", nargs="*", help="条文编号，如 四（二）、第十三条 7")
    show.set_defaults(func=run_show)
    val = kb_sub.add_parser("validate", help="校验知识库 / validate the knowledge base")
    val.set_defaults(func=run_validate)
    p.set_defaults(func=lambda args: _usage(p))


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def _width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def run_list(args: argparse.Namespace) -> int:
    from knowledge.corpus import load_corpus

    corpus = load_corpus()
    rows = [("doc_id", "级别", "文号", "有效期", "条文数", "标题")]
    for doc in corpus.documents.values():
        rows.append(
            (
                doc.doc_id,
                _LEVELS.get(doc.level, doc.level),
                doc.number or "—",
                doc.validity_text(),
                str(len(doc.articles)),
                doc.title
                + ("（征询意见稿）" if doc.draft and "征询意见稿" not in doc.title else ""),
            )
        )
    widths = [max(_width(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        print(
            "  ".join(_pad(cell, w) for cell, w in zip(row, widths, strict=False)) + "  " + row[-1]
        )
    total = sum(len(d.articles) for d in corpus.documents.values())
    print(
        f"\n共 {len(corpus.documents)} 个文件、{total} 条条文 / "
        f"{len(corpus.documents)} documents, {total} articles"
    )
    return 0


def run_show(args: argparse.Namespace) -> int:
    from knowledge.corpus import load_corpus
    from knowledge.problems import close_labels

    corpus = load_corpus()
    doc = corpus.document(args.doc_id)
    if doc is None:
        from rapidfuzz import process

        close = [
            m[0]
            for m in process.extract(args.doc_id, list(corpus.documents), limit=3, score_cutoff=50)
        ]
        hint = f"；相近：{'、'.join(close)}" if close else ""
        raise BadInput(
            f"没有文件 {args.doc_id!r}（用 landbot kb list 查看全部{hint}）",
            f"no document {args.doc_id!r} (see `landbot kb list`"
            + (f"; close: {', '.join(close)}" if close else "")
            + ")",
        )
    label = " ".join(args.article or []).strip()
    if label:
        args.article = label
        article = doc.article(label)
        if article is None:
            close = close_labels(doc, args.article)
            raise BadInput(
                f"{doc.doc_id} 中没有条文 {args.article!r}"
                + (f"；相近的编号：{'、'.join(close)}" if close else ""),
                f"no article {args.article!r} in {doc.doc_id}"
                + (f"; close labels: {', '.join(close)}" if close else ""),
            )
        print(f"《{doc.title}》{article.label}")
        if article.heading:
            print(f"（{article.heading}）")
        print(article.text)
        return 0
    print(f"《{doc.title}》")
    print(f"doc_id：{doc.doc_id}")
    print(f"文号：{doc.number or '无'}")
    print(f"发布机关：{doc.issuer}")
    print(f"日期：{doc.date or '未载明'}")
    print(f"有效期：{doc.validity_text()}")
    print(f"级别：{_LEVELS.get(doc.level, doc.level)}")
    print(
        f"适用范围：{'全国' if not doc.scope else '、'.join(doc.scope)}"
        + (f"（仅 {'、'.join(sorted(doc.scope_tags))}）" if doc.scope_tags else "")
    )
    for rule in doc.scope_rules:
        applies = {"binding": "适用", "reference": "参照执行", None: "不适用"}[rule.applicability]
        who = "、".join([*rule.places, *sorted(rule.tags)])
        print(
            f"分级适用：{'、'.join(rule.articles)} → {who}：{applies}"
            + (f"（依据 {rule.basis}）" if rule.basis else "")
        )
    if doc.draft:
        print("状态：征询意见稿")
    if doc.status_note:
        print(f"说明：{doc.status_note}")
    print(f"来源：shared/{doc.source}")
    print(f"条文：{len(doc.articles)} 条")
    heading = None
    for article in doc.articles:
        if article.parent is None and article.heading != heading and article.heading:
            print(f"\n{article.heading}")
        if article.parent is None:
            heading = article.heading
        indent = "    " if article.parent else ""
        print(f"\n{indent}[{article.label}]")
        for line in article.text.split("\n"):
            print(indent + line)
    return 0


def validators() -> list[Validator]:
    """What `kb validate` runs: the knowledge base's own validators (corpus, jurisdictions, plan
    figures, rules, procedure data) and, a layer above them, the templates' check."""
    from doc_templates.check import validate_templates
    from knowledge.validate import VALIDATORS

    return [*VALIDATORS, validate_templates]


def run_validate(args: argparse.Namespace) -> int:
    from knowledge.problems import run_validators

    problems = run_validators(validators())
    for problem in problems:
        print(problem)
    if problems:
        print(
            f"\n知识库校验失败：{len(problems)} 个问题 / knowledge base invalid: "
            f"{len(problems)} problem(s)"
        )
        return 1
    from knowledge.corpus import load_corpus
    from knowledge.jurisdictions import all_places

    corpus = load_corpus()
    articles = sum(len(d.articles) for d in corpus.documents.values())
    print(
        f"知识库校验通过：{len(corpus.documents)} 个文件、{articles} 条条文、"
        f"{len(all_places())} 个地区，{len(validators())} 项校验 / knowledge base valid"
    )
    return 0
