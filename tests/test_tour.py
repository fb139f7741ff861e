"""The notebook tour, ``demos/tour.ipynb``, run headless as Jupyter runs it, so that it never rots.

nbclient starts an IPython kernel (``ipykernel``'s ``python3``, which runs
this test's own interpreter), executes every cell in order, and fails with the
cell's traceback if one raises. The tests then read what the cells showed: the
seed's numbers, the graph as SVG, the stepper page, the compiled code.
"""

from __future__ import annotations

import html
import os
import re
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "demos" / "tour.ipynb"
KERNEL_CHECK = "import sys, autograd; print(sys.prefix); print(autograd.__file__)"
"""Appended to the executed copy only: which Python ran the cells, and which autograd they imported."""


ANNOTATED = {
    *("L1_N0_h", "L1_N0_a", "L2_N0_h", "L2_N0_a", "sub1", "pow1", "E"),
    *("g_sub1", "g_L2_N0_a", "g_L2_N0_h", "g_L1_N0_a", "g_L1_N0_h", "g_L2_N0_w0", "g_L1_N0_w0", "g_L1_N0_w1"),
}
"""The names of the compiled program's lines that the notebook prints a seed formula beside."""


def read_tour() -> NotebookNode:
    notebook: NotebookNode = nbformat.read(NOTEBOOK, as_version=4)  # type: ignore[no-untyped-call]
    nbformat.validate(notebook)
    return notebook


@pytest.fixture(scope="module")
def tour() -> list[NotebookNode]:
    """The tour's code cells after a headless run, plus the kernel check as the last cell."""
    notebook = read_tour()
    notebook.cells.append(new_code_cell(KERNEL_CHECK))  # type: ignore[no-untyped-call]
    env = dict(os.environ)
    # as in test_demos: the kernel imports this working tree, wherever glassgrad is installed
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    client = NotebookClient(
        notebook, timeout=60, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK.parent)}}
    )
    client.execute(env=env)  # a cell that raises fails the test here, with its traceback
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def printed(cell: NotebookNode) -> str:
    """What a cell printed to standard output."""
    return "".join(o.text for o in cell.outputs if o.output_type == "stream" and o.name == "stdout")


def shown(cell: NotebookNode, mime: str) -> str:
    """The cell's displayed result in one MIME type ("" if it showed none)."""
    results = [o for o in cell.outputs if o.output_type in {"execute_result", "display_data"}]
    return "".join(o.data.get(mime, "") for o in results)


def cell_with(cells: list[NotebookNode], text: str) -> NotebookNode:
    """The one code cell whose source contains ``text``."""
    found = [cell for cell in cells if text in cell.source]
    assert len(found) == 1, f"{len(found)} cells contain {text!r}"
    return found[0]


def test_the_committed_notebook_has_no_outputs() -> None:
    code = [cell for cell in read_tour().cells if cell.cell_type == "code"]
    assert len(code) >= 8
    for cell in code:
        assert cell.outputs == [], f"committed with outputs: {cell.source[:60]!r}"
        assert cell.execution_count is None, f"committed with an execution count: {cell.source[:60]!r}"


def test_it_runs_in_this_python_on_this_working_tree(tour: list[NotebookNode]) -> None:
    prefix, autograd_file = printed(tour[-1]).split()
    assert prefix == sys.prefix  # the venv's kernel, not some other Python on PATH
    assert Path(autograd_file).resolve() == ROOT / "autograd" / "__init__.py"


def test_every_cell_runs_cleanly(tour: list[NotebookNode]) -> None:
    for cell in tour:
        assert cell.execution_count is not None
        kinds = [(o.output_type, o.get("name")) for o in cell.outputs]
        assert ("stream", "stderr") not in kinds, f"warnings or errors from {cell.source[:60]!r}"
        assert all(kind != "error" for kind, _ in kinds)


def test_the_worked_example_prints_the_seeds_numbers(tour: list[NotebookNode]) -> None:
    text = "".join(printed(cell) for cell in tour)
    assert "h = -0.02   a = 0.495   ŷ = 0.5124   E = 0.1189" in text
    assert "δᵒ = 0.1218 " in text
    assert "δʰ = 0.003046 " in text
    assert "ΔW = 0.03015   Δw = (0.000152, 0.000457)   the seed" in text


def test_the_graph_is_drawn_inline_as_svg(tour: list[NotebookNode]) -> None:
    svg = shown(cell_with(tour, "draw_graph(seed.loss)"), "image/svg+xml")
    assert "<svg" in svg
    texts = html.unescape(svg)  # Graphviz writes "-" as "&#45;"
    for text in ("L1.N0", "L2.N0", "data 0.4950", "grad -0.1218", "grad -0.003046"):  # a, −δᵒ, −δʰ
        assert text in texts


def test_explain_marks_the_seeds_error_terms(tour: list[NotebookNode]) -> None:
    text = printed(cell_with(tour, "explain(seed.loss)"))
    assert text.startswith("Backward pass of E = 0.1189, in 13 steps")
    assert re.search(r"⇒ δᵒ\(L2\.N0\) = .* = 0\.1218\n", text)
    assert re.search(r"⇒ δʰ\(L1\.N0\) = .* = 0\.003046\n", text)


def test_the_stepper_page_is_embedded_whole(tour: list[NotebookNode]) -> None:
    shown_html = shown(cell_with(tour, "render_steps("), "text/html")
    match = re.search(r'<iframe srcdoc="([^"]*)"', shown_html)
    assert match, shown_html[:200]
    page = html.unescape(match.group(1))
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert "Backward pass of E" in page and "<svg" in page
    assert len(shown_html) < 200_000  # the notebook stays small once run


def test_the_compiled_code_stands_beside_the_seeds_formulas(tour: list[NotebookNode]) -> None:
    text = printed(cell_with(tour, "autograd.compile(seed.loss)"))
    assert text.startswith("# autograd.compile: 13 nodes, 6 leaves")
    expected = {  # the line of the program, then the seed's formula printed beside it
        "L1_N0_h = 0.0 + L1_N0_w0 * x0 + L1_N0_w1 * x1": "h = x₁·w₁ + x₂·w₂",
        "g_L2_N0_h = g_L2_N0_a * (L2_N0_a * (1.0 - L2_N0_a))": "−δᵒ = −(y − ŷ)·f′(W·a)",
        "g_L1_N0_h = g_L1_N0_a * (L1_N0_a * (1.0 - L1_N0_a))": "−δʰ = −W·δᵒ·f′(h)",
        "g_L2_N0_w0 = 0.0 + g_L2_N0_h * L1_N0_a": "∂E/∂W = −δᵒ·a:   ΔW = η·δᵒ·a",
        "g_L1_N0_w0 = 0.0 + g_L1_N0_h * x0": "∂E/∂w₁ = −δʰ·x₁: Δw₁ = η·δʰ·x₁",
    }
    for line, formula in expected.items():
        assert re.search(rf"^ +{re.escape(line)} +# {re.escape(formula)}$", text, re.M), line
    # every formula of the notebook found its line of the program, and no line got two
    names = [line.strip().split(" = ")[0] for line in text.splitlines() if "  # " in line]
    assert {name for name in names if name.isidentifier()} == ANNOTATED


def test_the_compiled_step_is_the_engines_to_the_bit(tour: list[NotebookNode]) -> None:
    text = printed(cell_with(tour, "E = program()"))
    assert "E = 0.118890   ΔW = 0.03015   Δw = (0.000152, 0.000457)" in text
    assert text.rstrip().endswith("to the last bit: True")


def test_the_learner_checks_the_seeds_numbers(tour: list[NotebookNode]) -> None:
    text = printed(cell_with(tour, "Worksheet.seed().check(mine)"))
    assert text.startswith("8 of 8 answers right (8 questions)")
    assert "Δw2 = 0.00045     right (from your δʰ = 0.003" in text
