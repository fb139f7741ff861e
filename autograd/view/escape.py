r"""One rule for user text (labels, titles, op names) that reaches a picture or a page.

Labels come from users and from files (``nn.load``), and pictures and the
stepper page are meant to be shared, so every text they show goes through
``visible`` first and is then quoted for where it goes:

* ``visible(text)``: what the text looks like when shown. Characters that
  would be invisible, break a line, reorder the text or make the XML invalid
  are written as escapes: ``\n \r \t``, ``␀`` for NUL, ``\x1b`` for the
  other control characters, ``\u202e`` for bidi controls and the other
  format characters (zero-width joiners excepted: emoji need them), lone
  surrogates and U+FFFE/U+FFFF. A text of whitespace alone is written as
  its escapes (``" "`` is ``\x20``), so that a box never looks unlabelled
  when it is labelled.
* ``dot_string(text)``: ``visible`` text for a DOT attribute: Graphviz's own
  escapes (``\N``, ``\G``, ``\L``, ``\l``, ...) and entities (``&amp;``,
  which Graphviz decodes even outside HTML-like labels) show as written, and
  a text such as ``<x> URL="..."`` is never read as an HTML-like label.
* ``html_text(text)``: ``visible`` text inside an HTML-like label that
  glassgrad builds itself (the table of a box): ``& < > " '`` as entities
  and backslashes doubled (Graphviz expands ``\N`` there too).

    >>> visible("a\nb\x00\x1b\u202eEVIL")
    'a\\nb␀\\x1b\\u202eEVIL'
    >>> visible("\t"), visible(" "), visible("x" * 200, limit=5)
    ('\\t', '\\x20', 'xxxx…')
    >>> print(dot_string('<x> URL="javascript:alert(1)" \\N &amp;'))
    <x> URL="javascript:alert(1)" \\N &amp;amp;
    >>> print(html_text("\\N & <b>"))
    \\N &amp; &lt;b&gt;
"""

from __future__ import annotations

import html
import unicodedata

MAX_SHOWN = 100
"""Pictures show at most this many characters of a text (escapes counted), then "…":
a 20 MB label from a file would otherwise make a 20 MB box that Graphviz lays out for minutes."""

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\0": "␀"}
_KEPT_FORMAT = {"\u200c", "\u200d"}  # zero-width (non-)joiners: emoji and some scripts need them
_HIDDEN = {"Cc", "Cf", "Cs", "Zl", "Zp"}  # controls, format (bidi), surrogates, line/paragraph separators


def _escape(c: str) -> str:
    if c in _NAMED:
        return _NAMED[c]
    code = ord(c)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _hidden(c: str) -> bool:
    if c in _KEPT_FORMAT:
        return False
    return unicodedata.category(c) in _HIDDEN or c in "\ufffe\uffff"  # not characters in XML


def visible(text: str, limit: int | None = None) -> str:
    """``text`` as it should be shown: hidden characters as escapes, cut to ``limit`` characters.

    A cut text ends in "…" and is at most ``limit`` characters long; an
    escape is never cut in two.
    """
    if text and text.isspace():
        parts = [_escape(c) for c in text]
    else:
        parts = [_escape(c) if _hidden(c) else c for c in text]
    if limit is not None and sum(map(len, parts)) > limit:
        kept: list[str] = []
        room = limit - 1
        for part in parts:
            if len(part) > room:
                break
            kept.append(part)
            room -= len(part)
        parts = [*kept, "…"]
    return "".join(parts)


def dot_string(text: str, limit: int | None = MAX_SHOWN) -> str:
    """``text`` for a DOT attribute (a label, a tooltip): the ``graphviz`` package quotes it."""
    import graphviz  # type: ignore[import-untyped]  # here: the namer and explain need no graphviz

    return graphviz.escape(visible(text, limit).replace("&", "&amp;"))  # type: ignore[no-any-return]


def html_text(text: str, limit: int | None = MAX_SHOWN) -> str:
    """``text`` for the inside of an HTML-like label that glassgrad writes."""
    return html.escape(visible(text, limit).replace("\\", "\\\\"), quote=True)
