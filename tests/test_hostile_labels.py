"""Labels an adversary would write, in every picture and page: they render, stay text, and show.

Labels come from users and from files (``nn.load``), and pictures and stepper
pages are shared, so each text of the corpus below is put everywhere a label
goes (a box, a cluster of ``nn``-style labels, a folded neuron, the output,
the title) and drawn by ``draw_graph``, ``render`` (SVG, PNG, DOT),
``render_steps`` and the ``glassgrad`` command. Each picture must render,
its SVG must parse as XML, nothing in it may link or run (no ``href``, no
``on…`` attribute, no ``<script>`` or ``<a>``), and its text must show the
label as ``autograd.view.escape.visible`` writes it.
"""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest

from autograd import Value, draw_graph, explain, render, render_steps
from autograd.view.drawing import pipe
from autograd.view.escape import MAX_SHOWN, visible
from glassgrad.cli import main

HOSTILE = [
    # quotes and backslashes
    '"', "'", 'a"b', '\\', 'a\\', '\\\\', '\\"', '"\\',
    # markup
    "<", ">", "&", "&amp;", "&#0;", "<b>bold</b>", "<<table>>", "<x>", "<!--", "-->", "]]>",
    '<x> URL="javascript:alert(document.domain)" target=<y>.w',
    "<script>alert(1)</script>.w",
    '<img src=x onerror="alert(1)">',
    '<svg onload="alert(1)"/>',
    # links
    "javascript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    'href="javascript:alert(1)"',
    'xlink:href="javascript:alert(1)"',
    '" onmouseover="alert(1)',
    # DOT keywords and syntax
    "node", "edge", "graph", "digraph", "subgraph", "strict", "Node",
    'URL="javascript:alert(1)"', '] [URL="javascript:alert(1)"',
    '"]; x [URL="javascript:alert(1)"]; y [label="',
    "a; b", "{", "}", "[", "]", "x -> y", "a=b", "label=<b>x</b>", "cluster_L1", "v0", "--",
    # Graphviz's escapes, as written by a user
    "\\N", "\\G", "\\L", "\\E", "\\T", "\\H", "\\l", "\\r", "\\n", "a\\Nb\\Gc.w\\N",
    # control characters and whitespace
    "\n", "\r", "\t", " ", "  ", "\u00a0", "\u3000", "\x00", "a\x00b", "\x1b", "\x1b[31mred\x1b[0m",
    "\x7f", "\x85",
    "line one\nline two", "\u2028", "\u2029", "\x0b\x0c",
    # bidi controls and other invisibles
    "\u202eexe.txt", "abc\u2066def\u2069", "\u200f", "\u061c", "\u200b", "\ufeff",
    # not characters at all, to XML
    "\ud800", "\udfff", "\ufffe", "\uffff",
    # dots: clusters made of hostile parts
    "\\.w", ".", "..", "...w", "\x1b.\x1b.w",
    # ordinary text that must survive as it is
    "L1.N0.w0", "👩‍💻", "x²", "δᵒ",
    # very long text
    "x" * 10_000, "<" * 5_000, "\\N" * 3_000,
]

LINKS = {"href", "src", "action", "formaction"}  # attributes that can fetch or run something
ACTIVE = {"script", "a", "foreignObject", "iframe", "object", "embed", "use", "image"}


def ids(text: str) -> str:
    return repr(text[:20]) + (f"…({len(text)})" if len(text) > 20 else "")


def graph_labelled(text: str) -> Value:
    """``text`` on a leaf, as a cluster (``text.w``), inside one (``L1.text.b``) and on the root."""
    a = Value(1.5, label=text)
    w = Value(-2.0, label=f"{text}.w")
    b = Value(0.5, label=f"L1.{text}.b")
    out = (a * w + b).tanh() * 2
    out.label = text
    out.backward()
    return out


def local(name: str) -> str:
    return name.rsplit("}", 1)[-1]


def svg_texts(svg: str) -> list[str]:
    """The SVG's text, one string per <text> element; after checking that nothing in it is active."""
    tree = ET.fromstring(svg)  # raises if the SVG is not well-formed XML
    texts = []
    for element in tree.iter():
        tag = local(element.tag)
        assert tag not in ACTIVE, f"<{tag}> in the picture"
        for attribute in element.attrib:
            name = local(attribute).lower()
            assert name not in LINKS and not name.startswith("on"), f"{attribute}= in the picture"
        if tag == "text":  # Graphviz writes the second of two spaces as a no-break space
            texts.append("".join(element.itertext()).replace("\xa0", " "))
        if tag == "title":  # Graphviz's titles are names: glassgrad's own, never a label
            title = "".join(element.itertext())
            assert re.fullmatch(r"glassgrad|cluster_\w+|v\d+(_op|_c\d+)?(->v\d+(_op)?)?", title), title
    return texts


def assert_plain_characters(text: str) -> None:
    """No control character but newlines and indents, no bidi control, no surrogate: all escaped."""
    body = "\n".join(line.lstrip("\t") for line in text.split("\n"))
    hidden = [c for c in body if c != "\n" and (ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 or c in BIDI)]
    assert not hidden, f"hidden characters in the output: {hidden[:5]!r}"
    text.encode("utf-8")  # raises on a lone surrogate


BIDI = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u2028\u2029")


def shown(text: str) -> str:
    """How a picture shows ``text`` (no-break spaces as spaces: see ``svg_texts``)."""
    return visible(text, MAX_SHOWN).replace("\xa0", " ")


def test_the_escaping_rule() -> None:
    """What the pictures show for a few texts, written out (the rest of the file relies on it)."""
    assert visible("\n") == "\\n" and visible("a\nb") == "a\\nb"
    assert visible("\x00") == "␀" and visible("\x1b[31m") == "\\x1b[31m"
    assert visible("\u202eexe") == "\\u202eexe" and visible("\ud800") == "\\ud800"
    assert visible(" ") == "\\x20" and visible("\t") == "\\t" and visible(" x ") == " x "
    assert visible("\\N <b>&") == "\\N <b>&"  # printable text is left as it is, for each quoter to quote
    assert visible("👩‍💻") == "👩‍💻"  # the zero-width joiner of an emoji stays
    assert shown("x" * 10_000) == "x" * (MAX_SHOWN - 1) + "…"
    assert shown("\x1b" * 100) == "\\x1b" * ((MAX_SHOWN - 1) // 4) + "…"  # an escape is never cut


def test_the_javascript_example_of_issue_18_gives_no_link(tmp_path: Path) -> None:
    x = Value(1.0, label='<x> URL="javascript:alert(document.domain)" target=<y>.w')
    svg = pipe(draw_graph(x * 2).source, "svg").decode("utf-8")
    page = render_steps(x * 2, tmp_path / "page.html").read_text(encoding="utf-8")
    for text in (svg, page):
        assert "xlink:href" not in text and "<a " not in text and "javascript:alert" in text
    assert '<x> URL="javascript:alert(document' in svg_texts(svg)  # the cluster's label, as text


@pytest.mark.parametrize("text", HOSTILE, ids=ids)
def test_draw_graph_renders_hostile_labels_as_text(text: str) -> None:
    out = graph_labelled(text)
    for options, expected in (
        ({"cluster": False}, [shown(text), shown(f"{text}.w"), shown(f"L1.{text}.b")]),  # whole labels
        ({}, [shown(text.rsplit(".", 1)[0]) if "." in text else shown(text)]),
        ({"collapse": True}, []),
    ):
        dot = draw_graph(out, title=text, **options).source
        assert_plain_characters(dot)
        texts = svg_texts(pipe(dot, "svg").decode("utf-8"))
        assert texts[0] == shown(text), "the title"
        for label in filter(None, expected):  # the cluster of "." has no name
            assert label in texts, f"{label!r} is not shown; the picture shows {texts!r}"


@pytest.mark.parametrize("text", HOSTILE, ids=ids)
def test_render_writes_svg_png_and_dot(text: str, tmp_path: Path) -> None:
    out = graph_labelled(text)
    svg = render(out, tmp_path / "g.svg").read_text(encoding="utf-8")
    assert shown(f"L1.{text}.b".rsplit(".", 1)[0]) in svg_texts(svg)
    png = render(out, tmp_path / "g.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 1000
    dot = render(out, tmp_path / "g.dot").read_text(encoding="utf-8")
    assert dot == draw_graph(out).source
    assert_plain_characters(dot)


class Page(HTMLParser):
    """The tags, attributes and scripts of an HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.scripts: list[str] = []
        self.title = ""
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))
        self._in = tag
        if tag == "script":
            self.scripts.append("")

    def handle_endtag(self, tag: str) -> None:
        self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "script":
            self.scripts[-1] += data
        if self._in == "title" and not self.title:  # the page's, not the SVG's
            self.title = data


def check_page(page: str) -> tuple[dict[str, object], str]:
    """The page's step data and title, after checking that it is inert text around glassgrad's own script."""
    assert_plain_characters(page)
    parser = Page()
    parser.feed(page)
    parser.close()
    assert [t for t, _ in parser.tags].count("script") == 2  # the data and glassgrad's script: no other
    for tag, attrs in parser.tags:
        assert tag not in ACTIVE - {"script"}, f"<{tag}> in the page"
        for name, _ in attrs:
            assert name not in LINKS and not name.startswith("on"), f"{name}= on <{tag}> in the page"
    svg_texts(page[page.index("<svg") : page.index("</svg>") + 6])
    data: dict[str, object] = json.loads(parser.scripts[0])
    return data, parser.title


@pytest.mark.parametrize("text", HOSTILE, ids=ids)
def test_render_steps_keeps_hostile_labels_as_text(text: str, tmp_path: Path) -> None:
    out = graph_labelled(text)
    page = render_steps(out, tmp_path / "steps.html").read_text(encoding="utf-8")
    data, title = check_page(page)
    names = [node["name"] for node in data["nodes"].values()]  # type: ignore[attr-defined]
    assert visible(f"{text}.w") in names and visible(text) in names
    # the output's own name is a symbol: a whitespace label is in parentheses, (  ), ∂(  )/∂x
    assert title.startswith("Backward pass of ") and (visible(text)[:20] in title or f"({text})" in title)


# The command line takes names, not labels: its formulas' names are the hostile texts a name can be.
CLI_NAMES = ["node", "edge", "graph", "digraph", "subgraph", "strict", "URL", "href", "onload", "script",
             "javascript", "N", "G", "cluster_L1", "v0", "ŷ", "Δw", "x" * 300]


@pytest.mark.parametrize("suffix", [".svg", ".png", ".dot", ".html"])
def test_the_cli_draws_formulas_whose_names_are_dot_and_html_words(
    suffix: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    formula = " + ".join(f"{name} * {i + 1}" for i, name in enumerate(CLI_NAMES))
    at = ",".join(f"{name}=0.5" for name in CLI_NAMES)
    path = tmp_path / f"out{suffix}"
    command = "steps" if suffix == ".html" else "graph"
    assert main([command, formula, "--at", at, "-o", str(path)]) == 0, capsys.readouterr().err
    if suffix == ".png":
        assert path.read_bytes().startswith(b"\x89PNG")
        return
    text = path.read_text(encoding="utf-8")
    if suffix == ".html":
        names = [node["name"] for node in check_page(text)[0]["nodes"].values()]  # type: ignore[attr-defined]
        assert set(CLI_NAMES) <= set(names)
        return
    if suffix == ".dot":
        text = pipe(text, "svg").decode("utf-8")
    texts = svg_texts(text)
    assert {shown(name) for name in CLI_NAMES} <= set(texts)


def test_the_cli_seed_picture_and_page(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["seed", "-o", str(tmp_path / "seed.svg"), "--steps", str(tmp_path / "seed.html")]) == 0
    assert "L1.N0" in " ".join(svg_texts((tmp_path / "seed.svg").read_text(encoding="utf-8")))
    check_page((tmp_path / "seed.html").read_text(encoding="utf-8"))


def test_explain_shows_hidden_characters_of_labels_as_escapes() -> None:
    """A label is user text: an ESC, a NUL or a bidi control in it must not reach the terminal as itself."""
    x = Value(2.0, label="x\x1b[2J\u202e")
    y = x * x
    y.label = "y\x00"
    out = io.StringIO()
    explain(y, file=out)
    text = out.getvalue()
    assert not any(c in text for c in "\x1b\x00\u202e"), text
    assert "x\\x1b[2J" in text and "y␀" in text
