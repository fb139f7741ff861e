"""The ``glassgrad`` command line, run in-process through ``main(argv)`` and once as a program."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograd.cli import main, parse_at, seed_network
from autograd.expr import Expression, ExpressionError

REPO = Path(__file__).resolve().parents[1]
NEURON = ["tanh(x*w + b)", "--at", "x=2,w=-3,b=6.88"]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_graph_prints_the_value_and_gradients_and_writes_the_image(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    status, out, err = run(capsys, "graph", *NEURON, "-o", str(tmp_path / "graph.png"))
    assert (status, err) == (0, "")
    assert "tanh(x*w + b) = 0.7064" in out
    assert "∂/∂x = -1.503   ∂/∂w = 1.002   ∂/∂b = 0.501" in out
    assert (tmp_path / "graph.png").read_bytes()[:4] == b"\x89PNG"


def test_graph_to_svg_and_dot(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert run(capsys, "graph", *NEURON, "-o", str(tmp_path / "g.svg"), "--backend", "graphviz-pure")[0] == 0
    assert "<svg" in (tmp_path / "g.svg").read_text(encoding="utf-8")
    assert run(capsys, "graph", *NEURON, "-o", str(tmp_path / "g.dot"))[0] == 0
    dot = (tmp_path / "g.dot").read_text(encoding="utf-8")
    assert "<b>out</b>" in dot and "grad -1.503" in dot  # backward has run


def test_graph_without_output_says_how_to_draw(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "graph", "x*x", "--at", "x=3")
    assert status == 0
    assert "x*x = 9\n∂/∂x = 6\n" in out and "-o graph.png" in out


def test_steps_as_text(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "steps", *NEURON)
    assert status == 0
    assert "∂out/∂x" in out and "-1.503" in out


def test_steps_as_html(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    page = tmp_path / "backward.html"
    status, out, err = run(capsys, "steps", *NEURON, "-o", str(page))
    assert (status, err) == (0, "")
    assert f"wrote {page}" in out
    assert "<svg" in page.read_text(encoding="utf-8")


def test_seed_prints_the_worked_example(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    status, out, err = run(capsys, "seed", "-o", str(tmp_path / "seed.svg"))
    assert (status, err) == (0, "")
    for number in ("h = -0.02", "a = 0.495", "δᵒ = -∂E/∂(W·a) = 0.1218", "δʰ = -∂E/∂h = 0.003046",
                   "ΔW = -η·∂E/∂W = 0.03015", "Δw1 = 0.0001523", "Δw2 = 0.0004568"):
        assert number in out
    svg = (tmp_path / "seed.svg").read_text(encoding="utf-8")
    assert ">hidden</text>" in svg and ">output</text>" in svg  # the two units' boxes


def test_seed_network_matches_the_seed() -> None:
    loss, v = seed_network()
    loss.backward()
    assert v["h"].data == pytest.approx(-0.02)
    assert -v["Wa"].grad == pytest.approx(0.121832, abs=1e-6)  # δᵒ
    assert -0.5 * v["w1"].grad == pytest.approx(0.5 * 0.003046 * 0.1, rel=1e-3)  # Δw1 = η δʰ x1


BAD = [
    (["graph", "x^2", "--at", "x=1"], "operator ^"),
    (["graph", "x +", "--at", "x=1"], "not a formula"),
    (["graph", "", "--at", "x=1"], "empty"),
    (["graph", "__import__('os').getcwd()"], "unknown function"),
    (["graph", "x.real", "--at", "x=1"], "Attribute"),
    (["graph", "foo(x)", "--at", "x=1"], "unknown function foo"),
    (["graph", "tanh(x, y)", "--at", "x=1,y=2"], "exactly one argument"),
    (["graph", "x*w", "--at", "x=1"], "no value for w"),
    (["graph", "x", "--at", "x=1,y=2"], "y is not in the formula"),
    (["graph", "x", "--at", "x=abc"], "'abc' is not a number"),
    (["graph", "x", "--at", "x=nan"], "finite"),
    (["graph", "x", "--at", "x=inf"], "finite"),
    (["graph", "x", "--at", "x"], "name=number"),
    (["graph", "x", "--at", "x=1,x=2"], "x twice"),
    (["graph", "log(x)", "--at", "x=0"], "log"),
    (["graph", "1/x", "--at", "x=0"], "division by zero"),
    (["graph", "exp(x)", "--at", "x=1000"], "too large"),
    (["graph", "x", "--at", "x=1", "-o", "graph.gif"], ".svg, .png, .pdf, .dot"),
    (["steps", "x", "--at", "x=1", "-o", "steps.png"], ".html"),
    (["graph"], "required: formula"),
    (["paint", "x"], "invalid choice"),
]


@pytest.mark.parametrize(("argv", "message"), BAD)
def test_bad_input_is_one_clear_line_and_status_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    status, out, err = run(capsys, *argv)
    assert status == 2
    assert message in err
    assert "Traceback" not in err and out == ""
    last = err.strip().splitlines()[-1]  # argparse's own errors print the usage first
    assert last.startswith("glassgrad") and "error:" in last and message in last


def test_help_exits_cleanly(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "--help")
    assert status == 0 and "graph" in out and "seed" in out


def test_parse_at() -> None:
    assert parse_at(["x=2, w=-3", "b=6.88e-1"]) == {"x": 2.0, "w": -3.0, "b": 0.688}
    assert parse_at([]) == {}


def test_expressions_are_parsed_never_evaluated() -> None:
    with pytest.raises(ExpressionError, match="unknown function"):
        Expression.parse("open('/etc/passwd')")
    with pytest.raises(ExpressionError, match="unknown function"):
        Expression.parse("(lambda: 0)()")
    with pytest.raises(ExpressionError, match="Lambda"):
        Expression.parse("lambda: 0")
    out, leaves = Expression.parse("x*x + 2**3 - -y").build({"x": 3.0, "y": 1.0})
    assert out.data == 18.0
    out.backward()
    assert leaves["x"].grad == 6.0 and leaves["y"].grad == 1.0
    assert Expression.parse("sigmoid(relu(a) / exp(log(b)))").names == ("a", "b")


def test_a_deep_formula_is_an_error_not_a_crash() -> None:
    with pytest.raises(ExpressionError, match="nested too deeply"):
        Expression.parse("+".join(["x"] * 5000)).build({"x": 1.0})


def test_the_module_runs_as_a_program(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "autograd.cli", "graph", "x*", "--at", "x=1"],
        cwd=REPO, capture_output=True, text=True, check=False,
    )
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "not a formula" in done.stderr


def test_the_console_script(tmp_path: Path) -> None:
    script = shutil.which("glassgrad", path=os.path.dirname(sys.executable)) or shutil.which("glassgrad")
    if script is None:
        assert not os.environ.get("CI"), "CI installs the project, so `glassgrad` must exist"
        pytest.skip("glassgrad is not installed (pip install .)")
    done = subprocess.run(
        [script, "graph", *NEURON, "-o", str(tmp_path / "graph.svg")],
        capture_output=True, text=True, check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "<svg" in (tmp_path / "graph.svg").read_text(encoding="utf-8")


def test_a_formula_without_a_derivative_there_is_a_one_line_error(capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("graph", "steps"):
        assert main([command, "x**0.5", "--at", "x=0"]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "derivative of 0.0 ** 0.5 is infinite" in err


def test_an_output_name_that_is_only_a_suffix_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["graph", "x", "--at", "x=1", "-o", ".png"]) == 2
    assert "cannot write '.png'" in capsys.readouterr().err
