"""Bytes to text: BOM, declared charset, <meta charset>, then detection.

The order follows what browsers do (WHATWG "encoding sniffing"), with one
difference: a declaration is only trusted when the bytes decode under it, so
a page that says UTF-8 but was saved as Windows-1252 still reads right.
Latin-1 and ASCII labels mean Windows-1252, as in browsers: pages labelled
ISO-8859-1 routinely contain curly quotes from the 0x80-0x9F range.
"""

from __future__ import annotations

import codecs
import logging
import re

from .errors import CleaningError

log = logging.getLogger(__name__)

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_WHATWG_ALIASES = {"latin_1": "cp1252", "ascii": "cp1252", "iso8859_1": "cp1252"}
_META_CHARSET = re.compile(rb"""<meta[^>]+?charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
_XML_DECL = re.compile(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([\w.:-]+)""", re.IGNORECASE)
# Magic numbers of the binary formats most often fed to a text pipeline by mistake.
_MAGIC = (
    (b"%PDF", "PDF"),
    (b"PK\x03\x04", "ZIP/Office"),
    (b"\x89PNG", "PNG"),
    (b"GIF8", "GIF"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"\x1f\x8b", "gzip"),
    (b"BZh", "bzip2"),
    (b"\xd0\xcf\x11\xe0", "OLE/Word"),
    (b"RIFF", "RIFF"),
    (b"\x7fELF", "ELF"),
)
_HIGH_BYTES = bytes(range(0x80, 0x100))
# Latin-script single-byte code pages: Windows-1252 reads these unless the
# detector also recognises the language the regional page is for.
_LATIN = {
    "cp1250",
    "cp1252",
    "cp1254",
    "cp1257",
    "latin_1",
    "iso8859_2",
    "iso8859_3",
    "iso8859_4",
    "iso8859_9",
    "iso8859_10",
    "iso8859_13",
    "iso8859_14",
    "iso8859_15",
    "iso8859_16",
    "mac_roman",
    "mac_latin2",
    "mac_iceland",
    "mac_turkish",
    "cp850",
    "cp437",
}
_CENTRAL = ("Polish", "Czech", "Slovak", "Hungarian", "Croatian", "Slovene", "Romanian")
_REGIONAL = {
    "cp1250": _CENTRAL,
    "iso8859_2": _CENTRAL,
    "cp1254": ("Turkish",),
    "iso8859_9": ("Turkish",),
    "cp1257": ("Lithuanian", "Latvian", "Estonian"),
    "iso8859_13": ("Lithuanian", "Latvian", "Estonian"),
}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f\ufffd]")
_MAX_CONTROL_SHARE = 0.01  # a few stray control characters happen; 1 % is binary


def _codec(label: str | None) -> str | None:
    """The Python codec for a charset label, or None for an unknown label."""
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().strip("\"'").lower()).name
    except LookupError:
        log.debug("unknown charset label %r", label)
        return None
    return _WHATWG_ALIASES.get(name.replace("-", "_"), name)


def _try(raw: bytes, codec: str | None) -> str | None:
    if codec is None:
        return None
    try:
        return raw.decode(codec)
    except (UnicodeDecodeError, LookupError):
        log.debug("bytes do not decode as declared %s", codec)
        return None


def _detect(raw: bytes) -> str:
    """Text of undeclared, non-UTF-8 bytes.

    Statistical detection is unreliable on Western text, where only a few
    accents and curly quotes are non-ASCII: it names Baltic or Chinese code
    pages for an English page. So Windows-1252 (the web's commonest legacy
    encoding) wins unless the detector both names a regional code page and
    recognises that region's language, or the bytes are mostly non-ASCII
    (Cyrillic, Greek, CJK pages).
    """
    from charset_normalizer import from_bytes

    sample = raw[:200_000]
    best = from_bytes(sample).best()
    codec = _codec(best.encoding) if best is not None else None
    language = best.language if best is not None else ""
    if codec and language in _REGIONAL.get(codec, ()):
        text = _try(raw, codec)
        if text is not None:
            return text
    western = _try(raw, "cp1252")
    high = len(sample) - len(sample.translate(None, _HIGH_BYTES))
    if western is not None and (codec is None or codec in _LATIN or high < 0.1 * len(sample)):
        return western
    text = _try(raw, codec) if codec else None
    if text is None:
        raise CleaningError("undecodable bytes: no text encoding fits")
    return text


def check_binary(raw: bytes) -> None:
    """Raise CleaningError for bytes that are plainly not a text document."""
    head = raw[:16]
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            raise CleaningError(f"binary data ({kind}), not a text or HTML document")
    if b"\x00" in raw[:4096] and not any(raw.startswith(bom) for bom, _ in _BOMS):
        raise CleaningError("binary data (NUL bytes), not a text or HTML document")


def decode(raw: bytes, charset: str | None = None, html: bool = True) -> str:
    """Text of a document's bytes; raises CleaningError when they are not text."""
    check_binary(raw)
    text = None
    for bom, codec in _BOMS:
        if raw.startswith(bom):
            text = _try(raw[len(bom) :], codec)
            break
    if text is None:
        text = _try(raw, _codec(charset))
    if text is None:
        head = raw[:4096]
        declared = _META_CHARSET.search(head) if html else None
        declared = declared or _XML_DECL.search(head)
        if declared is not None:
            codec = _codec(declared.group(1).decode("ascii", "replace"))
            # A page that could state its charset in ASCII is not UTF-16/32 (WHATWG).
            if codec and codec.startswith(("utf_16", "utf_32", "utf-16", "utf-32")):
                codec = "utf-8"
            text = _try(raw, codec)
    if text is None:
        text = _try(raw, "utf-8")
    if text is None:
        text = _detect(raw)
    check_text(text)
    return text


def check_text(text: str) -> None:
    """Raise CleaningError for text that is mostly control characters (binary read as text)."""
    sample = text[:20_000]
    if sample and len(_CONTROL.findall(sample)) > _MAX_CONTROL_SHARE * len(sample):
        raise CleaningError("binary or undecodable data: too many control characters")
