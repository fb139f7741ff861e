"""draw_graph's DOT text, render's files, and the Jupyter display, with no system Graphviz."""

from __future__ import annotations

import importlib
import os
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import autograd
from autograd import Value, draw_graph, render
from autograd.view.drawing import FORMATS, Graph, RenderError, graphviz_pure_executable, to_svg

SVG = "{http://www.w3.org/2000/svg}"
# The module, not the function of the same name that `autograd` exports.
render_module = importlib.import_module("autograd.view.drawing")


@pytest.fixture
def no_system_graphviz(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing on PATH: graphviz-pure must be found through its package metadata."""
    monkeypatch.setenv("PATH", "")


def product() -> Value:
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    c.label = "c"
    return c


def neuron_layer() -> Value:
    """Two neurons labelled the nn way, and a loss outside them."""
    x1, x2 = Value(0.5, label="x1"), Value(-1.0, label="x2")
    outs = []
    for j in range(2):
        w1, w2 = Value(0.1 * (j + 1), label=f"L1.N{j}.w1"), Value(-0.2, label=f"L1.N{j}.w2")
        outs.append((w1 * x1 + w2 * x2).tanh())
    return (outs[0] + outs[1] - 1.0) ** 2


def box_names(dot: str) -> list[str]:
    """The DOT names of the boxes (Values and folded groups), not of op circles."""
    lines = [line.strip() for line in dot.splitlines()]
    return [line.split()[0] for line in lines if line.startswith("v") and "label=<" in line]


def box_of(dot: str, title: str) -> str:
    """The DOT name of the box whose title is ``title``."""
    return next(line.split()[0] for line in dot.splitlines() if f"<b>{title}</b>" in line)


# --- DOT text ------------------------------------------------------------------


def test_dot_text_of_a_small_graph_is_exact() -> None:
    c = product()
    c.backward()
    table = '<table border="1" cellborder="0" cellspacing="0" cellpadding="3" bgcolor="{}">{}</table>'
    leaf, result = "#e3edfb", "#ffffff"

    def rows(label: str, data: str, grad: str) -> str:
        return (f"<tr><td><b>{label}</b></td></tr><tr><td>data {data}</td></tr>"
                f'<tr><td><font color="#a4262c">grad {grad}</font></td></tr>')

    # Nodes are numbered by the engine's topological order, the leaves first; a result
    # is listed before its inputs, which come in operand order (Graphviz stacks them so).
    a, b = c.parents
    ia, ib = (autograd.topological_order(c).index(v) for v in (a, b))
    expected = "\n".join([
        "digraph glassgrad {",
        "\tfontname=Helvetica fontsize=12 rankdir=LR size=\"40,40\"",
        "\tnode [fontname=Helvetica fontsize=11 shape=plain]",
        '\tedge [arrowsize=0.7 color="#555555"]',
        f"\tv2 [label=<{table.format(result, rows('c', '-6.000', '1.000'))}> id=v2]",
        '\tv2_op [label="*" id=v2_op margin=0.02 shape=circle width=0.3]',
        f"\tv{ia} [label=<{table.format(leaf, rows('a', '2.000', '-3.000'))}> id=v{ia}]",
        f"\tv{ib} [label=<{table.format(leaf, rows('b', '-3.000', '2.000'))}> id=v{ib}]",
        "\tv2_op -> v2",
        f"\tv{ia} -> v2_op",
        f"\tv{ib} -> v2_op",
        "}",
        "",
    ])
    assert draw_graph(c).source == expected


def test_same_graph_gives_the_same_text() -> None:
    first = draw_graph(neuron_layer()).source
    second = draw_graph(neuron_layer()).source  # new objects, new id()s
    assert first == second


def test_a_value_used_twice_gets_two_arrows() -> None:
    a = Value(3.0, label="a")
    edges = [line.strip() for line in draw_graph(a * a).source.splitlines() if "->" in line]
    assert edges == ["v1_op -> v1", "v0 -> v1_op", "v0 -> v1_op"]


def test_four_significant_digits() -> None:
    x = Value(0.123456, label="x")
    y = x * 1000.0
    y.backward()
    dot = draw_graph(y).source
    assert "data 0.1235" in dot
    assert "data 123.5" in dot
    assert "grad 1000<" in dot  # no trailing "1000."


def test_before_backward_the_picture_says_grads_are_not_computed() -> None:
    dot = draw_graph(product()).source
    assert "grads not computed yet" in dot
    assert "grad 0" not in dot


def test_show_grad_false_hides_the_grads_without_a_note() -> None:
    c = product()
    c.backward()
    dot = draw_graph(c, show_grad=False).source
    assert ">grad " not in dot
    assert "not computed" not in dot


def test_highlight_by_value_and_by_label() -> None:
    c = product()
    a = c.parents[0]
    lit = '<table border="2" color="#c0392b"'
    assert draw_graph(c, highlight=[a]).source.count(lit) == 1
    assert draw_graph(c, highlight=["a", "c"]).source.count(lit) == 2
    assert lit not in draw_graph(c).source


def test_constants_are_small_numbers_without_a_grad() -> None:
    x = Value(3.0, label="x")
    y = x**2
    y.backward()
    dot = draw_graph(y).source
    assert "\tv1_c1 [label=2 fontcolor=\"#666666\" fontsize=9" in dot  # the exponent, beside its op
    assert "\tv1_c1 -> v1_op" in dot
    assert len(box_names(dot)) == 2  # x and x**2: no box for the 2
    assert "data 2.000" not in dot and "grad 9.888" not in dot
    assert "grad 6.000" in dot


def test_constants_true_draws_them_as_boxes_marked_constant() -> None:
    x = Value(3.0, label="x")
    y = x**2
    y.backward()
    dot = draw_graph(y, constants=True).source
    assert len(box_names(dot)) == 3
    assert "data 2.000" in dot  # the exponent, a constant leaf
    assert "constant</font>" in dot and "grad 0.000" not in dot  # no walk works out its gradient
    assert "_c1" not in dot


def test_a_networks_inputs_sit_just_before_its_first_layer() -> None:
    """Arrows into a layer's box are two ranks long, so inputs sit beside the weights, in order."""
    from nn import MLP, half_squared_error

    net = MLP(2, [1, 1], activation="sigmoid", output_activation="sigmoid", bias=False, seed=0)
    loss = half_squared_error(net([Value(0.1, label="x0"), Value(0.3, label="x1")]), Value(1.0, label="y"))
    loss.backward()
    dot = draw_graph(loss).source
    names = {title: box_of(dot, title) for title in ("x0", "x1", "y")}
    into_layer = [line.strip() for line in dot.splitlines() if "minlen=2" in line]
    assert len(into_layer) == 3  # x0 and x1 into layer 1, layer 1's output into layer 2
    assert all(line.endswith("[minlen=2 weight=8]") for line in into_layer)
    assert any(line.startswith(f"{names['x0']} -> ") for line in into_layer)
    assert any(line.startswith(f"{names['x1']} -> ") for line in into_layer)
    assert dot.index("<b>x0</b>") < dot.index("<b>x1</b>")  # listed, so stacked, in operand order
    assert f"{names['y']} -> " in dot and not any(line.startswith(f"{names['y']} ->") for line in into_layer)


def test_title_is_a_caption() -> None:
    assert 'label="my graph' in draw_graph(product(), title="my graph").source


def test_nn_labels_make_nested_clusters() -> None:
    loss = neuron_layer()
    loss.backward()
    dot = draw_graph(loss).source
    assert "subgraph cluster_L1 {" in dot
    assert "subgraph cluster_L1_N0 {" in dot and "subgraph cluster_L1_N1 {" in dot
    assert 'label="L1.N0"' in dot
    assert "<b>w1</b>" in dot  # inside its box a node shows the last part of its label
    # The loss (which uses the constant 1.0) stays outside the neurons' boxes.
    assert dot.rstrip().endswith("}")
    n0 = dot[dot.index("subgraph cluster_L1_N0") :]
    n0 = n0[: n0.index("\t\t}")]
    assert "tanh" in n0 and "**" not in n0
    assert "subgraph" not in draw_graph(loss, cluster=False).source


def test_collapse_folds_each_neuron_into_one_box() -> None:
    loss = neuron_layer()
    loss.backward()
    full, folded = draw_graph(loss).source, draw_graph(loss, collapse=True).source
    assert len(box_names(folded)) < len(box_names(full))
    assert folded.count("values folded") == 2
    assert "<b>L1.N0</b>" in folded and "<b>L1.N1</b>" in folded
    assert "each neuron folded" in folded


def test_collapse_folds_a_fused_linear_node_with_its_weights() -> None:
    w = [Value(0.5, label="w1"), Value(-1.0, label="w2")]
    x = [Value(1.0, label="x1"), Value(2.0, label="x2")]
    out = autograd.linear(w, x, Value(0.1, label="b")).sigmoid()
    folded = draw_graph(out, collapse=True).source
    assert "<b>linear</b>" in folded and "4 values folded" in folded  # the node, w1, w2 and b
    assert "<b>x1</b>" in folded and "<b>w1</b>" not in folded


def test_a_huge_graph_is_folded_and_cut_instead_of_hanging() -> None:
    x = Value(1.0, label="x")
    y = x
    for _ in range(5000):
        y = y * 1.0001 + 0.0001
    dot = draw_graph(y, max_nodes=100).source
    assert len(box_names(dot)) == 100
    assert "showing the 100 boxes nearest the output" in dot
    assert "v10000 [" in dot  # the root, last of the 10,001 Values (the constants are no nodes)
    assert "<b>x</b>" not in dot  # the far end of the chain is what is cut
    assert len(box_names(draw_graph(y, max_nodes=None).source)) == 10_001


def test_a_long_chain_renders_quickly(tmp_path: Path) -> None:
    # Cut at 300 boxes, a 2,000-step chain is a short picture: Graphviz takes well under a second.
    z = Value(1.0, label="c")
    for _ in range(2000):
        z = z * 1.0
    path = render(z, tmp_path / "chain.svg")
    assert "showing the 300 boxes nearest the output" in path.read_text(encoding="utf-8")


def test_draw_graph_rejects_a_non_value() -> None:
    with pytest.raises(TypeError, match="takes a Value"):
        draw_graph(3.0)  # type: ignore[arg-type]


# --- images ---------------------------------------------------------------------


def test_graphviz_pure_is_found_without_path(no_system_graphviz: None) -> None:
    exe = graphviz_pure_executable()
    assert exe is not None and Path(exe).is_file()


def test_svg_with_no_system_graphviz(no_system_graphviz: None, tmp_path: Path) -> None:
    c = product()
    c.backward()
    path = render(c, tmp_path / "graph.svg")
    assert path == tmp_path / "graph.svg"
    root = ET.parse(path).getroot()
    assert root.tag == f"{SVG}svg"
    texts = {t.text for t in root.iter(f"{SVG}text")}
    assert {"a", "b", "c", "data 2.000", "grad -3.000", "*"} <= texts
    ids = {g.get("id") for g in root.iter(f"{SVG}g")}
    assert {"v0", "v1", "v2", "v2_op"} <= ids


def test_png_with_no_system_graphviz(no_system_graphviz: None, tmp_path: Path) -> None:
    path = render(product(), tmp_path / "graph.PNG")  # the suffix's case does not matter
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    assert 100 < width < 2000 and 50 < height < 2000


def test_dot_file_is_the_source(tmp_path: Path) -> None:
    c = product()
    path = render(c, str(tmp_path / "graph.dot"))
    assert path.read_text(encoding="utf-8") == draw_graph(c).source
    if sys.platform != "win32":  # a new file gets the usual permissions, not a temp file's 0o600
        umask = os.umask(0o022)
        os.umask(umask)
        assert path.stat().st_mode & 0o777 == 0o666 & ~umask


def test_to_svg_passes_options_on(no_system_graphviz: None) -> None:
    svg = to_svg(product(), highlight=["a"], backend="graphviz-pure")
    assert svg.lstrip().startswith("<?xml") and "#ffe680" in svg


def test_unknown_suffix_lists_the_supported_ones(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"\.svg, \.png, \.pdf, \.dot"):
        render(product(), tmp_path / "graph.gif")
    assert FORMATS == (".svg", ".png", ".pdf", ".dot")
    assert not list(tmp_path.iterdir())


def test_pdf_without_system_graphviz_says_how_to_fix_it(no_system_graphviz: None, tmp_path: Path) -> None:
    with pytest.raises(RenderError, match=r"system Graphviz.*\.svg or \.png"):
        render(product(), tmp_path / "graph.pdf")
    with pytest.raises(RenderError, match="`dot` on PATH"):
        render(product(), tmp_path / "graph.svg", backend="dot")
    with pytest.raises(ValueError, match="unknown backend"):
        render(product(), tmp_path / "graph.svg", backend="cairo")
    assert not list(tmp_path.iterdir())


def test_with_no_graphviz_at_all_the_error_says_what_to_do(
    no_system_graphviz: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(render_module, "graphviz_pure_executable", lambda: None)
    with pytest.raises(RenderError) as error:
        render(product(), tmp_path / "graph.png")
    assert "pip install graphviz-pure" in str(error.value)
    assert "draw_graph(root).source" in str(error.value)
    assert render(product(), tmp_path / "graph.dot").exists()  # DOT still works


@pytest.mark.skipif(sys.platform == "win32", reason="the stand-in `dot` is a shell script")
def test_a_system_dot_is_preferred(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    log = tmp_path / "dot-was-run"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    dot = bin_dir / "dot"
    dot.write_text(f'#!/bin/sh\n: > "{log}"\nexec "{graphviz_pure_executable()}" "$@"\n')
    dot.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    render(product(), tmp_path / "a.svg", backend="graphviz-pure")
    assert not log.exists()
    render(product(), tmp_path / "b.svg")
    assert log.exists()


def test_a_failed_render_leaves_no_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = tmp_path / "graph.svg"
    path.write_text("the old picture")

    def broken(source: str, fmt: str, backend: str = "auto") -> bytes:
        raise RenderError("broken")

    monkeypatch.setattr(render_module, "pipe", broken)
    with pytest.raises(RenderError):
        render(product(), path)
    assert path.read_text() == "the old picture"
    assert os.listdir(tmp_path) == ["graph.svg"]  # no temporary file left behind


def test_graphviz_errors_are_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(RenderError, match="failed to write svg"):
        render_module.pipe("digraph { this is not DOT", "svg", backend="graphviz-pure")


def test_import_autograd_loads_no_graphviz_until_a_picture_is_asked_for() -> None:
    script = (
        "import io, sys, autograd, nn\n"  # nn, its error terms and explain need no pictures either
        "print(sorted(m for m in sys.modules\n"
        "             if m.split('.')[0] == 'graphviz' or m == 'autograd.view.drawing'))\n"
        "autograd.explain(autograd.Value(2.0, label='x\\x1b') * 3, file=io.StringIO())\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'graphviz'))\n"
        "autograd.draw_graph(autograd.Value(2.0))\n"
        "print('graphviz' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.split("\n")[:3] == ["[]", "[]", "True"]


# --- Jupyter ---------------------------------------------------------------------


def test_jupyter_shows_svg_with_no_system_graphviz(no_system_graphviz: None) -> None:
    graph = draw_graph(product())
    assert isinstance(graph, Graph)
    bundle = graph._repr_mimebundle_()
    assert list(bundle) == ["image/svg+xml"]
    svg = bundle["image/svg+xml"]
    assert isinstance(svg, str) and "<svg" in svg and ">a</text>" in svg
    png = graph._repr_mimebundle_(include=["image/png"])["image/png"]
    assert isinstance(png, bytes) and png.startswith(b"\x89PNG")
    assert graph._repr_mimebundle_(include=["image/png"], exclude=["image/png"]) == {}


def test_jupyter_without_any_renderer_shows_the_reason(
    no_system_graphviz: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(render_module, "graphviz_pure_executable", lambda: None)
    bundle = draw_graph(product())._repr_mimebundle_()
    assert "pip install graphviz-pure" in str(bundle["text/plain"])
