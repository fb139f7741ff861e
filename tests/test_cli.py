"""The ``glassgrad`` command line, run in-process through ``main(argv)`` and once as a program."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import glassgrad.cli as cli
from autograd.view.expr import MAX_DEPTH, Expression, ExpressionError
from glassgrad.cli import main, parse_at
from nn.seed import seed_example

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
    # nn's network (nn/seed.py): the two units boxed by their labels, h one fused linear node each
    assert ">L1.N0</text>" in svg and ">L2.N0</text>" in svg and ">linear</text>" in svg
    assert ">x0</text>" in svg and ">E</text>" in svg


def test_the_seed_example_matches_the_seed() -> None:
    """nn/seed.py, which both `glassgrad seed` and demos/seed_example.py draw."""
    seed = seed_example()
    seed.loss.backward()
    assert seed.hidden.h.data == pytest.approx(-0.02)
    assert seed.prediction.data == pytest.approx(0.512372, abs=1e-6)
    assert seed.output.delta == pytest.approx(0.121832, abs=1e-6)  # δᵒ
    assert -0.5 * seed.hidden.w[0].grad == pytest.approx(0.5 * 0.003046 * 0.1, rel=1e-3)  # Δw1 = η δʰ x1
    assert [x.label for x in seed.inputs] == ["x0", "x1"] and seed.target.label == "y"
    assert seed.loss.label == "E" and seed.net.parameters() == [*seed.hidden.w, *seed.output.w]


def test_the_seed_example_leaves_the_shared_random_generator_alone() -> None:
    import random

    random.seed(1)
    expected = random.random()
    random.seed(1)
    seed_example()
    assert random.random() == expected


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
    (["graph", "lambda*x", "--at", "lambda=1,x=2"], "lambda at column 1 is a Python keyword"),
    (["graph", "x + if", "--at", "x=1"], "if at column 5 is a Python keyword"),
    (["graph", "x", "--at", "x=1,class=2"], "class is a Python keyword"),
    (["graph", "1" * 5000 + "*x", "--at", "x=1"], "the number at column 1 is too long: 5000 digits"),
    (["graph", "x*0." + "0" * 400 + "1", "--at", "x=1"], "the number at column 5 is too long: 401 digits"),
    (["graph", "x*0x" + "F" * 300, "--at", "x=1"], "the number at column 3 is too large for a float"),
    (["graph", "x*1e999", "--at", "x=1"], "the number at column 3 is too large for a float"),
    (["graph", "x", "--at", "x=" + "9" * 400], "not a finite float"),
    (["graph", "--at", "x=1", "--", "-" * 5976 + "x"], f"nested too deeply (the limit is {MAX_DEPTH}"),
    (["graph", "**".join(["x"] * 3333), "--at", "x=1"], "nested too deeply"),
    (["graph", "+".join(["x"] * 5000), "--at", "x=1"], "nested too deeply"),
    (["graph", "(" * 250 + "x" + ")" * 250, "--at", "x=1"], "too many nested parentheses"),
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
    assert len(last) < 300  # one readable line, even for a formula of 10,000 characters


def test_nesting_up_to_the_limit_works(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "graph", "--at", "x=1", "--", "-" * (MAX_DEPTH - 1) + "x")
    assert (status, err) == (0, "")
    assert "∂/∂x = -1" in out  # an odd number of minus signs
    assert run(capsys, "graph", "x*" + "1" * 300, "--at", "x=1")[0] == 0  # 300 digits: still a float


def test_an_engine_error_quotes_a_long_formula_shortly(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(capsys, "graph", "log(x)" + "+x" * 400, "--at", "x=0")
    assert status == 2
    assert err.startswith("glassgrad graph: error: 'log(x)+x+x") and "…': log" in err and len(err) < 200


# --- output files: every problem is one line naming the user's path, status 2, nothing else printed --


def bad_output(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """Run ``argv``; check it failed the way a bad output path must; return the one line."""
    status, out, err = run(capsys, *argv)
    assert (status, out) == (2, "")
    assert err.count("\n") == 1 and "Traceback" not in err
    assert ".tmp" not in err  # never the writer's hidden temporary file
    return err


@pytest.mark.parametrize("command", ["graph", "steps", "seed"])
def test_an_output_in_a_missing_folder(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, command: str
) -> None:
    path = str(tmp_path / "nonexist" / ("out.html" if command == "steps" else "out.png"))
    argv = [command, "-o", path] if command == "seed" else [command, *NEURON, "-o", path]
    err = bad_output(capsys, *argv)
    assert err == f"glassgrad {command}: error: cannot write {path!r}: there is no folder " \
        f"{str(tmp_path / 'nonexist')!r}\n"


def test_an_output_that_is_a_folder(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "pic.png").mkdir()
    err = bad_output(capsys, "graph", *NEURON, "-o", str(tmp_path / "pic.png"))
    assert f"cannot write {str(tmp_path / 'pic.png')!r}: it is a folder" in err
    err = bad_output(capsys, "seed", "--steps", str(tmp_path))
    assert f"cannot write {str(tmp_path)!r}: it is a folder; give a file name, such as " in err


def test_an_output_in_a_file_that_is_not_a_folder(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("", encoding="utf-8")
    err = bad_output(capsys, "graph", *NEURON, "-o", str(tmp_path / "notes.txt" / "g.svg"))
    assert f"{str(tmp_path / 'notes.txt')!r} is not a folder" in err


def test_an_output_in_a_read_only_folder(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    if os.access(folder, os.W_OK):  # root may write anyway: let the check see the folder as others do
        real_access = os.access
        monkeypatch.setattr(cli.os, "access", lambda p, mode: Path(p) != folder and real_access(p, mode))
    try:
        err = bad_output(capsys, "graph", *NEURON, "-o", str(folder / "g.svg"))
        assert f"cannot write {str(folder / 'g.svg')!r}: the folder {str(folder)!r} is not writable" in err
    finally:
        folder.chmod(0o755)


def test_a_write_that_fails_names_the_users_path(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An OSError from the atomic writer names its temporary file; the CLI names the user's path."""

    def refuse(root: object, path: str, **options: object) -> Path:
        raise PermissionError(13, "Permission denied", str(tmp_path / ".g.svg.0123abcd.tmp"))

    monkeypatch.setattr(cli, "render", refuse)
    status, out, err = run(capsys, "graph", *NEURON, "-o", str(tmp_path / "g.svg"))
    assert status == 2 and "wrote" not in out
    assert err == f"glassgrad graph: error: cannot write {str(tmp_path / 'g.svg')!r}: Permission denied\n"


def test_pdf_without_a_system_graphviz(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli.shutil, "which", lambda name, *args, **kwargs: None)  # no `dot` on PATH
    path = str(tmp_path / "out.pdf")
    for argv in (["graph", *NEURON, "-o", path], ["seed", "-o", path],
                 ["graph", *NEURON, "-o", path, "--backend", "graphviz-pure"]):
        err = bad_output(capsys, *argv)
        assert f"cannot write {path!r}: .pdf needs a system Graphviz (`dot` on PATH)" in err
    err = bad_output(capsys, "graph", *NEURON, "-o", str(tmp_path / "g.png"), "--backend", "dot")
    assert "with --backend dot: there is no system Graphviz" in err
    assert run(capsys, "graph", *NEURON, "-o", str(tmp_path / "g.dot"))[0] == 0  # DOT text needs no Graphviz


def test_version(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.metadata

    status, out, err = run(capsys, "--version")
    assert (status, err) == (0, "")
    assert out == f"glassgrad {importlib.metadata.version('glassgrad')}\n"

    def not_installed(name: str) -> str:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", not_installed)
    assert cli.version().startswith("(version unknown: not installed")


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
    for deep in ("+".join(["x"] * 5000), "-" * 5976 + "x", "**".join(["x"] * 3333), "-" * MAX_DEPTH + "x"):
        with pytest.raises(ExpressionError, match=f"nested too deeply \\(the limit is {MAX_DEPTH} levels\\)"):
            Expression.parse(deep)
    out, _ = Expression.parse("-" * (MAX_DEPTH - 1) + "x").build({"x": 2.0})
    assert out.data == -2.0


def test_the_module_runs_as_a_program(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "glassgrad.cli", "graph", "x*", "--at", "x=1"],
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


# --- another package called `autograd` (HIPS autograd) installed over glassgrad's ------------------


FOREIGN_INIT = '"""A stand-in for HIPS autograd\'s __init__.py: its API, and no Value."""\ngrad = None\n'


def foreign_site(tmp_path: Path, merged: bool, init: bool = True) -> Path:
    """A site-packages where `autograd/__init__.py` is not glassgrad's.

    ``merged``: what pip leaves when both packages install into one folder,
    glassgrad's modules beside the other's ``__init__.py``. Otherwise the other
    `autograd` simply comes first on the path, and glassgrad's is further down.
    ``init=False``: no ``__init__.py`` at all, as after ``pip uninstall`` of
    either one (both list the file), so ``autograd`` is a namespace package.
    """
    site = tmp_path / "site"
    (site / "autograd").mkdir(parents=True)
    if init:
        (site / "autograd" / "__init__.py").write_text(FOREIGN_INIT, encoding="utf-8")
    if merged:
        for module in (REPO / "autograd").iterdir():
            if (module.name != "__init__.py" and module.suffix == ".py") or module.name == "view":
                (site / "autograd" / module.name).symlink_to(module, target_is_directory=module.is_dir())
        (site / "nn").symlink_to(REPO / "nn", target_is_directory=True)
    return site


def run_with(site: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    path = str(site) if (site / "nn").exists() else os.pathsep.join([str(site), str(REPO)])
    env = {**os.environ, "PYTHONPATH": path}
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          check=False, timeout=120)


@pytest.mark.parametrize(
    ("merged", "init"), [(True, True), (False, True), (True, False)],
    ids=["one folder", "first on the path", "no __init__ left"],
)
def test_a_foreign_autograd_is_one_clear_line_from_nn(tmp_path: Path, merged: bool, init: bool) -> None:
    site = foreign_site(tmp_path, merged, init)
    # -S: no site-packages. Where glassgrad is also installed (CI installs it), Python
    # prefers that regular package to a folder left with no __init__.py, and all is well;
    # the case to test is the merged folder being the only `autograd` there is.
    done = run_with(site, "-S", "-c", "import nn", cwd=tmp_path)
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("ImportError: the `autograd` package Python found (")
    assert str(site / "autograd") in last and "is not glassgrad's engine (it has no Value" in last
    assert "HIPS autograd" in last and "separate virtual environment" in last


def test_a_foreign_autograd_is_one_clear_line_from_the_cli(tmp_path: Path) -> None:
    site = foreign_site(tmp_path, merged=True)
    done = run_with(site, "-m", "glassgrad.cli", "graph", "x*x", "--at", "x=3", cwd=tmp_path)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.startswith("glassgrad: error: the `autograd` package Python found (")
    assert done.stderr.count("\n") == 1 and "separate virtual environment" in done.stderr
    # and glassgrad's own folder, run the same way, works: the check does not fire by mistake
    done = run_with(REPO, "-m", "glassgrad.cli", "graph", "x*x", "--at", "x=3", cwd=tmp_path)
    assert (done.returncode, done.stderr) == (0, "") and "∂/∂x = 6" in done.stdout
