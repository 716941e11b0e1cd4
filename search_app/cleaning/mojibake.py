"""Text that was UTF-8 read as Windows-1252 (or Latin-1) and saved again as UTF-8.

A page imported through a system that got its encoding wrong carries its
curly quotes and dashes as "â€™" or "â\\x80\\x99": the words no longer match
a query ("Whatâ€™s" is the token "Whatâ"). The bytes of such a page are valid
UTF-8, so no decoder sees the fault; the text shows it. "â€" (the first two
bytes of U+2000-U+203F, the quotes, dashes and ellipsis) never occurs in real
text, so a page with a few of them is repaired, every sequence that decodes
as UTF-8 when read back through Windows-1252; other pages are left alone (a
German "ß”" is two bytes of valid UTF-8 too, but the page has no "â€"). The
parsed text is repaired, not the markup: a page may also write the broken
characters as entities ("&acirc;&euro;&trade;").
"""

from __future__ import annotations

import re

# Characters Windows-1252 (or Latin-1, for the bytes it leaves undefined and
# for C1 controls) writes as a UTF-8 continuation byte, 0x80-0xBF.
_CONT = "\u0080-\u00bf" + "".join(bytes((b,)).decode("cp1252", "ignore") for b in range(0x80, 0xA0))
_SEQUENCE = re.compile(
    f"[\u00c2-\u00df][{_CONT}]|[\u00e0-\u00ef][{_CONT}]{{2}}|[\u00f0-\u00f4][{_CONT}]{{3}}"
)
_MARKS = ("\u00e2\u20ac", "\u00e2\u0080")  # "â€" / "â\x80": E2 80, general punctuation
_MIN_MARKS = 3  # one stray "â€" is a typo or a quote of broken text, not a broken page


def _bytes_of(char: str) -> bytes:
    code = ord(char)
    return bytes((code,)) if code < 0x100 else char.encode("cp1252")


def _fix(match: re.Match[str]) -> str:
    seq = match.group(0)
    try:
        return b"".join(_bytes_of(c) for c in seq).decode("utf-8")
    except UnicodeDecodeError:
        return seq


def broken(texts: list[str]) -> bool:
    """Whether these texts of one page clearly carry doubly encoded UTF-8."""
    return sum(text.count(mark) for text in texts for mark in _MARKS) >= _MIN_MARKS


def repair(text: str) -> str:
    """One text of a broken page with every doubly encoded sequence undone."""
    return _SEQUENCE.sub(_fix, text)
