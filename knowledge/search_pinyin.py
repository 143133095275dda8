"""Do two characters sound alike? Chinese typos are mostly homophones typed with a pinyin input
method (融断 for 熔断, 竟自持 for 竞自持), so the search corrects a character only into one that is
pronounced the same; a word typed in pinyin letters (rongduan) is read as the word of the
corpus or the lexicon spelt so (熔断).

The table `search_pinyin.txt` (package data) maps the 6,763 GB2312 characters to their toneless
pinyin, one line a syllable: "rong 容荣融熔…". It was generated once by `python -m
knowledge.search_pinyin --generate` with the `pypinyin` package (MIT licence), which is only
needed to regenerate it; reading it needs nothing but the standard library.
"""

from __future__ import annotations

import sys
from functools import cache
from importlib import resources

TABLE = "search_pinyin.txt"


@cache
def _table() -> dict[str, str]:
    text = resources.files("knowledge").joinpath(TABLE).read_text("utf-8")
    out: dict[str, str] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        syllable, chars = line.split(" ", 1)
        for ch in chars.strip():
            out.setdefault(ch, syllable)
    return out


def pinyin(ch: str) -> str | None:
    """The toneless pinyin of a character, or None when the table does not hold it."""
    return _table().get(ch)


def spell(word: str) -> str | None:
    """The toneless pinyin of a word, syllables run together (熔断 → rongduan), or None."""
    syllables = [pinyin(ch) for ch in word]
    return None if any(s is None for s in syllables) else "".join(s for s in syllables if s)


def same_sound(a: str, b: str) -> bool:
    """True when both characters are in the table with the same toneless pinyin."""
    pa = pinyin(a)
    return pa is not None and pa == pinyin(b)


def _generate() -> str:  # pragma: no cover - a one-off tool
    from pypinyin import Style
    from pypinyin import pinyin as to_pinyin

    groups: dict[str, list[str]] = {}
    for hi in range(0xB0, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                ch = bytes([hi, lo]).decode("gb2312")
            except UnicodeDecodeError:
                continue
            syllable = to_pinyin(ch, style=Style.NORMAL, heteronym=False)[0][0]
            if syllable.isascii() and syllable.isalpha():
                groups.setdefault(syllable, []).append(ch)
    lines = [
        "# toneless pinyin → GB2312 characters; generated with pypinyin (see search_pinyin.py)"
    ]
    lines += [f"{s} {''.join(chars)}" for s, chars in sorted(groups.items())]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover
    if sys.argv[1:] == ["--generate"]:
        sys.stdout.write(_generate())
    else:
        print("usage: python -m knowledge.search_pinyin --generate > knowledge/search_pinyin.txt")
