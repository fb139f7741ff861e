"""The demos, run end to end as a user runs them (``python demos/NAME.py``), at small sizes."""

from __future__ import annotations

import importlib.util
import math
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEMOS = ROOT / "demos"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def run_demo(name: str, *args: str) -> str:
    """Run ``python demos/NAME.py ARGS`` and return what it printed; fail on a non-zero exit."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    done = subprocess.run(
        [sys.executable, str(DEMOS / f"{name}.py"), *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, f"{name} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def load_demo(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"demo_{name}", DEMOS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def assert_png(path: Path) -> None:
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE, f"{path} is not a PNG"
    assert len(data) > 10_000, f"{path} is suspiciously small ({len(data)} bytes)"


def test_seed_example_prints_the_seeds_numbers_and_writes_the_graph(tmp_path: Path) -> None:
    out = run_demo("seed_example", "--out", str(tmp_path))
    for number in ("0.121832235", "0.00304550132", "0.0301534884", "0.000152275066", "0.000456825199"):
        assert number in out
    assert "L1 (sigmoid)" in out and "L2 (sigmoid)" in out  # the error-term table
    svg = (tmp_path / "seed_graph.svg").read_text(encoding="utf-8")
    assert svg.lstrip().startswith(("<?xml", "<svg"))
    assert "L1.N0" in svg
    assert "data 0.1000" in svg  # W as the forward pass used it, not as the SGD step left it
    assert_png(tmp_path / "seed_graph.png")
    page = (tmp_path / "seed_backward.html").read_text(encoding="utf-8")
    assert "<svg" in page and "http" not in page.split("<svg", 1)[0]  # self-contained


def test_moons_runs_small_and_writes_its_plot(tmp_path: Path) -> None:
    out = run_demo("moons", "--steps", "3", "--points", "30", "--grid", "12", "--out", str(tmp_path))
    assert "after 3 steps" in out
    assert "training accuracy" in out
    assert_png(tmp_path / "moons.png")


def test_moons_full_recipe_reaches_95_percent() -> None:
    moons = load_demo("moons")
    points, labels = moons.make_moons(100, noise=0.1, seed=1)
    model = moons.MLP(2, [16, 16, 1], seed=1)
    _, acc = moons.train(model, points, labels, steps=100, progress=False)
    assert acc >= 0.95


def test_moons_batched_training_is_the_engines_to_1e_12() -> None:
    moons = load_demo("moons")
    points, labels = moons.make_moons(100, noise=0.1, seed=1)
    results = {}
    for how in ("batched", "engine", "compiled"):
        model = moons.MLP(2, [16, 16, 1], seed=1)
        loss, acc = moons.train(model, points, labels, steps=15, progress=False, how=how)
        results[how] = (loss, acc, [p.data for p in model.parameters()])
    engine = results["engine"]
    assert results["compiled"] == engine  # bit for bit
    loss, acc, weights = results["batched"]
    assert math.isclose(loss, engine[0], rel_tol=1e-12) and acc == engine[1]
    pairs = zip(weights, engine[2], strict=True)
    assert all(math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-15) for a, b in pairs)


def test_digits_runs_small_writes_its_picture_and_times_the_engine(tmp_path: Path) -> None:
    out = run_demo("digits", "--epochs", "2", "--examples", "100", "--engine", "--no-progress", "--out",
                   str(tmp_path))
    assert "after 2 epochs" in out and "test accuracy" in out
    assert "one epoch by the engine (--engine):" in out
    assert_png(tmp_path / "digits.png")


def test_digits_full_recipe_reaches_95_percent() -> None:
    import numpy as np

    digits = load_demo("digits")
    images, labels = (np.array(x) for x in digits.load_digits())
    train_at, test_at = digits.split(len(images), len(images) // 5, 0)
    classifier = digits.Classifier(digits.MLP(64, [32, 10], seed=0))
    digits.train(classifier, images[train_at], labels[train_at], 20, 64, 0, progress=False)
    assert (classifier.guesses(images[test_at]) == labels[test_at]).mean() >= 0.95


def test_digits_data_is_the_uci_set() -> None:
    digits = load_demo("digits")
    images, labels = digits.load_digits()
    assert len(images) == 1797 and {len(x) for x in images} == {64} and sorted(set(labels)) == list(range(10))
    assert all(0.0 <= p <= 1.0 for x in images for p in x)
    assert (DEMOS / "data" / "README.md").read_text(encoding="utf-8").count("CC BY 4.0") == 1


def test_make_moons_is_seeded_and_shaped() -> None:
    moons = load_demo("moons")
    points, labels = moons.make_moons(100, noise=0.1, seed=1)
    assert len(points) == 100 and sorted(set(labels)) == [-1, 1]
    assert labels.count(1) == 50
    assert moons.make_moons(100, noise=0.1, seed=1) == (points, labels)
    assert moons.make_moons(100, noise=0.1, seed=2)[0] != points
    # Without noise the points lie exactly on the two half circles.
    clean, clean_labels = moons.make_moons(10, noise=0.0)
    for (x, y), label in zip(clean, clean_labels, strict=True):
        cx, cy = (0.0, 0.0) if label == -1 else (1.0, 0.5)
        assert abs((x - cx) ** 2 + (y - cy) ** 2 - 1.0) < 1e-12


def test_vanishing_gradient_runs_small_and_writes_its_plot(tmp_path: Path) -> None:
    out = run_demo(
        "vanishing_gradient", "--depth", "4", "--width", "4", "--samples", "2", "--out", str(tmp_path)
    )
    assert "0.25" in out
    assert "holds" in out  # sigmoid′ ≤ 0.25, as the seed says
    assert_png(tmp_path / "vanishing_gradient.png")


def test_vanishing_gradient_sigmoid_shrinks_fastest() -> None:
    demo = load_demo("vanishing_gradient")
    sigmoid, sigmoid_derivatives = demo.measure("sigmoid", depth=6, width=8, samples=3, seed=0)
    tanh, _ = demo.measure("tanh", depth=6, width=8, samples=3, seed=0)
    assert all(0.0 < d <= 0.25 for d in sigmoid_derivatives[:-1])  # the output neuron is linear
    assert sigmoid[-1] == 1.0 and tanh[-1] == 1.0  # backward starts at the output
    assert sigmoid[0] < tanh[0] / 10


def test_vanishing_gradient_plot_draws_the_bound_where_it_bounds_what_is_plotted() -> None:
    """The seed's bound is on f′, so it is a line over the f′ panel that no sigmoid point crosses."""
    demo = load_demo("vanishing_gradient")
    measured = {a: demo.measure(a, depth=5, width=6, samples=2, seed=0) for a in demo.ACTIVATIONS}
    deltas = {a: d for a, (d, _) in measured.items()}
    derivatives = {a: f for a, (_, f) in measured.items()}
    fig = demo.figure(deltas, derivatives, width=6)
    try:
        delta_axes, derivative_axes = fig.axes
        # no bound drawn over the |δ| panel, where the weights give some back and it would not hold
        assert [line.get_label() for line in delta_axes.get_lines()] == [
            f"{a} hidden layers" for a in demo.ACTIVATIONS
        ]
        lines = {line.get_label(): line for line in derivative_axes.get_lines()}
        (bound,) = [line for line in derivative_axes.get_lines() if set(line.get_ydata()) == {0.25}]
        assert bound.get_linestyle() == "--"
        assert "the seed's bound: sigmoid′ ≤ 0.25" in [t.get_text() for t in derivative_axes.texts]
        sigmoid = list(lines["sigmoid"].get_ydata())
        assert sigmoid and max(sigmoid) <= 0.25
        assert max(lines["tanh"].get_ydata()) > 0.25  # the bound is sigmoid's alone
    finally:
        import matplotlib.pyplot as plt

        plt.close(fig)


def run_failing_demo(name: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run(
        [sys.executable, str(DEMOS / f"{name}.py"), *args],
        capture_output=True, text=True, encoding="utf-8", env=env, cwd=ROOT, check=False,
    )


def test_an_out_that_is_a_file_is_one_line_and_status_2_before_any_work(tmp_path: Path) -> None:
    a_file = tmp_path / "notes.txt"
    a_file.write_text("mine", encoding="utf-8")
    for name in ("seed_example", "moons", "vanishing_gradient", "digits"):
        for out in (a_file, a_file / "inside"):
            done = run_failing_demo(name, "--out", str(out))
            assert done.returncode == 2 and done.stdout == "", (name, done.stdout)
            assert len(done.stderr.strip().splitlines()) == 1 and str(a_file) in done.stderr, done.stderr
            assert done.stderr.startswith(f"{name}.py: error: ")
    assert a_file.read_text(encoding="utf-8") == "mine"


def test_an_out_in_an_unwritable_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import glassgrad.cli as cli

    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    real_access = os.access  # root may write anyway: let the check see the folder as others do
    monkeypatch.setattr(cli.os, "access", lambda p, mode: Path(p) != locked and real_access(p, mode))
    try:
        with pytest.raises(SystemExit) as stop:
            load_demo("seed_example").main(["--out", str(locked / "new")])
        assert stop.value.code == 2
        out, err = capsys.readouterr()
        assert out == "" and len(err.strip().splitlines()) == 1  # in-process, the program's name is pytest's
        assert err.strip().endswith(
            f": error: cannot write into {str(locked / 'new')!r}: the folder {str(locked)!r} is not writable"
        )
    finally:
        locked.chmod(0o755)


def test_to_pytorch_help_prints_help() -> None:
    done = run_failing_demo("to_pytorch", "--help")
    assert done.returncode == 0 and done.stdout.startswith("usage: to_pytorch.py")
    assert "Neuron.delta" in done.stdout and "PyTorch (float64)" not in done.stdout


def test_modes_runs_small_prints_newtons_steps_and_writes_its_plots(tmp_path: Path) -> None:
    out = run_demo("modes", "--max-size", "4", "--repeat", "1", "--out", str(tmp_path))
    # DeZero's published iterations of Newton's method on x⁴ − 2x² from x = 2
    for x in ("1.4545454545454546", "1.1510467893775467", "1.0253259289766978", "1.0009084519430513",
              "1.0000012353089454", "1.000000000002289"):
        assert x in out
    assert "x = 1.0 after 7 steps" in out
    assert out.count("L1.N0.w") == 2 and "L2.N0.w0" in out  # every weight of the seed's network
    assert_png(tmp_path / "modes.png")
    assert_png(tmp_path / "newton.png")


def test_modes_reverse_wins_for_many_inputs_and_forward_for_many_outputs() -> None:
    demo = load_demo("modes")
    costs = demo.measure([1, 8], repeat=1)
    passes = {(f, mode): [row[0] for row in costs[f][mode]] for f in ("f", "g") for mode in demo.MODES}
    assert passes == {("f", "reverse"): [1, 1], ("f", "forward"): [1, 8],
                      ("g", "reverse"): [1, 8], ("g", "forward"): [1, 1]}
    calls = {(f, mode): costs[f][mode][-1][1] for f in ("f", "g") for mode in demo.MODES}
    assert calls["f", "reverse"] * 8 == calls["f", "forward"]
    assert calls["g", "forward"] < calls["g", "reverse"] / 4


def test_modes_seed_weights_by_forward_mode_are_their_grads() -> None:
    demo = load_demo("modes")
    checked = demo.seed_check()
    assert len(checked) == 3
    for label, along, backward in checked:
        assert math.isclose(along, backward, rel_tol=1e-14), label
