"""The benchmark script runs and reports every section and bar (at tiny sizes; no timing is asserted)."""

from __future__ import annotations

import copy
import doctest
import importlib.util
import math
import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # benchmarks/ is a folder of the checkout, not an installed package

from benchmarks import bench, floor, measure, workloads  # noqa: E402


@pytest.fixture(scope="module")
def smoke_output() -> str:
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench", "--smoke"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_every_section_is_printed(smoke_output: str) -> None:
    for heading in (
        "== 1. Deep chain",
        "== 2. Wide graph",
        "== 3. Reference cycles",
        "== 4. Moons",
        "== 6. Batched programs",
        "== Summary",
    ):
        assert heading in smoke_output


def chain_rows(smoke_output: str) -> dict[str, str]:
    """The chain table's rows, by their N column."""
    chain = smoke_output.split("== 1.")[1].split("== 2.")[0]
    return {line.split()[0]: line for line in chain.splitlines() if line[:1].isdigit()}


def test_chain_works_in_glassgrad_and_fails_in_micrograd(smoke_output: str) -> None:
    # where micrograd's recursive sort gives up depends on the Python (495 on 3.11, 498 on 3.13)
    found = re.search(r"micrograd raises RecursionError from N = (\d+) on", smoke_output)
    assert found and 400 < int(found[1]) < 1000, smoke_output[:500]
    assert "WRONG GRAD" not in smoke_output
    rows = chain_rows(smoke_output)
    assert "RecursionError" in rows["1,000"]  # at the default recursion limit
    largest = f"{int(found[1]) - 1:,}"
    assert "RecursionError" not in rows[largest]  # micrograd's largest chain at the default limit
    if bench.DEEP_RECURSION_WORKS:  # Python 3.11 and later: micrograd's recursion, deep, in this process
        assert "(limit raised)" in rows["3,000"]  # the smoke run's stand-in for N = 10^5
    else:
        assert "not run (Python < 3.11)" in rows["3,000"]
    assert "micrograd runs with sys.setrecursionlimit(" in smoke_output


def test_summary_lists_every_bar(smoke_output: str) -> None:
    summary = smoke_output.split("== Summary")[1]
    for bar in bench.BARS.values():
        assert bar.text in summary
    assert "FAIL" not in summary  # at smoke sizes: judged only where size-free
    not_run = [line for line in summary.splitlines() if line.startswith("--  ")]
    if bench.DEEP_RECURSION_WORKS:
        assert not_run == []
    else:  # before 3.11, micrograd's 10^5 chain would recurse on the C stack: that bar alone is not run
        assert len(not_run) == 1 and "deep chain" in not_run[0]


def test_wide_floor_runs_in_a_fresh_process(smoke_output: str) -> None:
    wide = smoke_output.split("== 2.")[1].split("== 3.")[0]
    assert "floor, fresh process" in wide and "floor, this process" in wide
    assert "backward alone" in wide


def test_bars_compare_at_and_below_their_limit() -> None:
    at_most = bench.Bar("at most 1.5×", 1.5)
    faster = bench.Bar("faster", 1.0, "× micrograd", strict=True)
    assert at_most.passes(1.5) and not at_most.passes(1.5000001)
    assert faster.passes(0.99) and not faster.passes(1.0)
    assert faster.compare(0.5) == "0.5× micrograd < 1× micrograd"
    assert at_most.compare(3.0) == "3× > 1.5× (100.0% over)"


def test_summary_judges_only_at_the_bars_sizes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bench, "results", {})
    assert bench.judge("moons engine", 16.0, judged=True).startswith("  bar  FAIL  moons step, engine")
    assert bench.failed("moons engine")
    bench.judge("moons compiled", 0.9, judged=False)  # a smoke run: shown, not judged
    bench.judge("wide memory", 219.0, judged=True)
    status = {line[6:].rsplit(": ", 1)[0]: line[:4] for line in bench.summary().splitlines()}
    assert status[bench.BARS["moons engine"].text] == "FAIL"
    assert status[bench.BARS["moons compiled"].text] == "n/a "
    assert status[bench.BARS["wide memory"].text] == "PASS"
    assert status[bench.BARS["chain vs micrograd"].text] == "--  "  # its section did not run
    assert len(status) == len(bench.BARS)


def test_a_deep_recursion_limit_is_restored() -> None:
    before = sys.getrecursionlimit()
    with pytest.raises(ZeroDivisionError), bench.recursion_limit(before + 10_000):
        assert sys.getrecursionlimit() == before + 10_000
        1 / 0  # noqa: B018
    assert sys.getrecursionlimit() == before


def test_results_agree_with_the_floor(smoke_output: str) -> None:
    assert "glassgrad's gradients match the floor's: yes" in smoke_output
    assert "(agree)" in smoke_output


def test_moons_runs_glassgrad_when_nn_is_there(smoke_output: str) -> None:
    nn_importable = importlib.util.find_spec("nn") is not None and hasattr(__import__("nn"), "MLP")
    assert ("glassgrad nn, GC on" in smoke_output) == nn_importable
    assert "micrograd 0.1.0, GC off" in smoke_output


def test_glassgrad_frees_a_dropped_graph_without_the_collector(smoke_output: str) -> None:
    assert "PASS  dropped graph freed by refcounting" in smoke_output


def test_batched_section_agrees_with_the_floor(smoke_output: str) -> None:
    batched = smoke_output.split("== 6.")[1].split("== Summary")[0]
    assert batched.count("agree") == 2 and "DISAGREE" not in batched
    assert "moons step over 100 rows through program.over" in smoke_output


def test_helper_doctests() -> None:
    for module in (measure, workloads):
        failures, tried = doctest.testmod(module)
        assert tried > 0 and failures == 0


def test_floor_chain_gradient() -> None:
    y, grad = floor.chain(1.0, 10)
    assert math.isclose(grad, 1.0001**10)
    assert math.isclose(y, (1.0 + 1.0) * 1.0001**10 - 1.0)  # the fixed point of y -> 1.0001 y + 0.0001 is -1


def test_floor_wide_gradient_on_an_odd_count() -> None:
    xs, ys = [1.0, 2.0, 3.0, 4.0, 5.0], [6.0, 7.0, 8.0, 9.0, 10.0]
    total, sizes = floor.wide_forward(xs, ys)
    assert total == sum(x * y for x, y in zip(xs, ys, strict=True))
    assert floor.wide_backward(xs, ys, sizes) == (ys, xs)


def test_floor_moons_step_matches_micrograd() -> None:
    from micrograd.nn import MLP  # type: ignore[import-untyped]

    X, Y = workloads.make_moons(12)
    layers = workloads.initial_layers([2, 4, 3, 1])
    model = MLP(2, [4, 3, 1])
    workloads.load_layers(model, layers)
    mine = copy.deepcopy(layers)
    for _ in range(3):
        expected = workloads.moons_step(model, X, Y, lr=0.1)
        assert math.isclose(floor.moons_step(mine, X, Y, lr=0.1), expected, rel_tol=1e-12)
    weights = [w.data for layer in model.layers for n in layer.neurons for w in [*n.w, n.b]]
    assert [
        w for rows, b in mine for row, bias in zip(rows, b, strict=True) for w in [*row, bias]
    ] == pytest.approx(weights, rel=1e-12)
