"""Batched programs (``autograd.compile(root, batch=[...])``, ``over``) against the engine, row by row.

The python backend must give each row's gradient bit for bit as the engine
does on that row's own graph; the numpy backend must agree to 1e-12 relative
(of the terms summed: NumPy sums pairwise, and its exp, log and tanh may
differ from libm's in the last bit).
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd
from autograd import Value, logsumexp
from nn import MLP, cross_entropy, hinge, l2, to_torch
from tests.strategies import Expression, expressions

BACKENDS = ("python", "numpy")
ROOT = Path(__file__).resolve().parent.parent


def bits(x: float) -> str:
    return float(x).hex()


def engine_rows(
    build: Callable[[list[Value]], tuple[Value, list[Value]]], rows: Sequence[Sequence[float]]
) -> tuple[list[float], list[list[float]]]:
    """Each row through the engine: its graph built from the row, backward(); its value and shared grads."""
    values, grads = [], []
    for row in rows:
        root, shared = build([Value(x) for x in row])
        for p in shared:
            p.grad = 0.0
        root.backward()
        values.append(root.data)
        grads.append([p.grad for p in shared])
    return values, grads


def reduced(grads: list[list[float]], reduce: str) -> list[float]:
    """The engine's per-row gradients summed row by row from 0.0 (then / n for the mean), as over() does."""
    totals = [0.0] * len(grads[0])
    for row in grads:
        totals = [t + g for t, g in zip(totals, row, strict=True)]
    return [t / len(grads) for t in totals] if reduce == "mean" else totals


def close(a: float, b: float, scale: float) -> bool:
    return abs(a - b) <= 1e-12 * max(abs(a), abs(b), scale)


# --- random graphs ------------------------------------------------------------------


def graph_of(
    expression: Expression, batch_positions: list[int]
) -> Callable[[list[Value]], tuple[Value, list[Value]]]:
    """A builder: the expression's graph, the inputs at ``batch_positions`` from a row, the rest shared."""
    shared_positions = [i for i in range(len(expression.inputs)) if i not in batch_positions]

    def build(row: list[Value]) -> tuple[Value, list[Value]]:
        leaves = [Value(x, label=f"n{i}") for i, x in enumerate(expression.inputs)]
        for position, value in zip(batch_positions, row, strict=True):
            leaves[position] = value
        return expression.replay(leaves)[-1], [leaves[i] for i in shared_positions]

    return build


@given(expression=expressions(max_inputs=4, max_steps=8), data=st.data())
def test_random_graphs_over_random_rows_are_the_engine_row_by_row(
    expression: Expression, data: st.DataObject
) -> None:
    n_inputs = len(expression.inputs)
    batch_positions = data.draw(
        st.lists(st.integers(0, n_inputs - 1), unique=True, max_size=n_inputs), "batch"
    )
    # rows near the traced example, where every op is defined (the strategies keep a margin)
    noise = st.floats(-0.02, 0.02, allow_nan=False)
    rows = data.draw(st.lists(st.tuples(*[noise for _ in batch_positions]), min_size=1, max_size=5), "rows")
    rows = [[expression.inputs[p] + d for p, d in zip(batch_positions, row, strict=True)] for row in rows]
    reduce = data.draw(st.sampled_from(["mean", "sum", None]), "reduce")
    build = graph_of(expression, batch_positions)
    try:
        values, grads = engine_rows(build, rows)
    except (ArithmeticError, ValueError):
        return  # a row out of the domain: test_a_failing_row covers it
    for backend in BACKENDS:
        leaves = [Value(x, label=f"n{i}") for i, x in enumerate(expression.inputs)]
        root = expression.replay(leaves)[-1]
        batch = [leaves[p] for p in batch_positions]
        shared = [v for i, v in enumerate(leaves) if i not in batch_positions]
        for v in shared:
            v.grad = 0.25  # over() adds to what is there
        program = autograd.compile(root, batch=batch, backend=backend)  # type: ignore[arg-type]
        got = program.over(rows, reduce=reduce)  # type: ignore[arg-type]
        want = reduced(grads, reduce) if reduce else [0.0] * len(shared)
        assert [v.data for v in batch] == [expression.inputs[p] for p in batch_positions]
        assert all(v.grad == 0.0 for v in batch)
        if backend == "python":
            assert [bits(v) for v in got] == [bits(v) for v in values]
            assert [bits(v.grad) for v in shared] == [bits(0.25 + g) for g in want]
        else:
            scale = [sum(abs(row[k]) for row in grads) for k in range(len(shared))]
            assert all(close(a, b, 0.0) for a, b in zip(got, values, strict=True)), (got, values)
            assert all(close(v.grad, 0.25 + g, s) for v, g, s in zip(shared, want, scale, strict=True)), (
                [v.grad for v in shared],
                want,
            )


def moons_example(model: MLP) -> tuple[Value, list[Value]]:
    """One point's moons loss, hinge + L2, with its two coordinates and label as batch leaves."""
    x1, x2, y = Value(0.3, label="x1"), Value(-0.2, label="x2"), Value(1.0, label="y")
    return hinge(model([x1, x2]), [y]) + 1e-4 * l2(model.parameters()), [x1, x2, y]


@pytest.mark.parametrize("reduce", ["mean", "sum"])
def test_an_mlp_step_is_the_engine_on_each_point(reduce: str) -> None:
    rng = np.random.default_rng(3)
    rows = np.column_stack([rng.normal(size=(40, 2)), rng.choice([-1.0, 1.0], size=40)])
    model = MLP(2, [8, 8, 1], seed=3)

    def build(row: list[Value]) -> tuple[Value, list[Value]]:
        return hinge(model(row[:2]), [row[2]]) + 1e-4 * l2(model.parameters()), model.parameters()

    values, grads = engine_rows(build, rows.tolist())
    want = reduced(grads, reduce)
    for backend in BACKENDS:
        model.zero_grad()
        loss, batch = moons_example(model)
        program = autograd.compile(loss, batch=batch, backend=backend)  # type: ignore[arg-type]
        got = program.over(rows, reduce=reduce)  # type: ignore[arg-type]
        assert isinstance(got, np.ndarray) and got.shape == (40,)
        params = model.parameters()
        if backend == "python":
            assert [bits(v) for v in got] == [bits(v) for v in values]
            assert [bits(p.grad) for p in params] == [bits(g) for g in want]
        else:
            scale = [sum(abs(row[k]) for row in grads) for k in range(len(params))]
            assert np.allclose(got, values, rtol=1e-12, atol=0)
            assert all(close(p.grad, g, s) for p, g, s in zip(params, want, scale, strict=True))


@pytest.mark.parametrize("backend", BACKENDS)
def test_reduce_none_changes_no_grad_and_values_come_back_as_given(backend: str) -> None:
    x, w = Value(1.0, label="x"), Value(3.0, label="w")
    program = autograd.compile((x * w).tanh() + w, batch=[x], backend=backend)  # type: ignore[arg-type]
    w.grad = 7.0
    assert program.over([[0.5], [-1.0]], reduce=None) == [math.tanh(1.5) + 3.0, math.tanh(-3.0) + 3.0]
    assert w.grad == 7.0 and x.grad == 0.0
    got = program.over(np.array([[0.5], [-1.0]]), reduce="sum")
    assert isinstance(got, np.ndarray)
    assert math.isclose(
        w.grad - 7.0,
        (0.5 * (1 - math.tanh(1.5) ** 2) + 1.0) + (-(1 - math.tanh(-3.0) ** 2) + 1.0),
        rel_tol=1e-12,
    )
    assert program.leaves == [w] and program.batch == [x]


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_shared_root_and_unused_batch_leaves(backend: str) -> None:
    x, w = Value(1.0, label="x"), Value(3.0, label="w")
    program = autograd.compile(w * w, batch=[x], backend=backend)  # type: ignore[arg-type]
    assert program.over([[1.0], [2.0], [3.0]], reduce="sum") == [9.0, 9.0, 9.0]
    assert w.grad == 18.0  # 6 per row
    program.over([[1.0], [2.0]], reduce="mean")
    assert w.grad == 24.0


# --- errors -----------------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_failing_row_raises_the_engines_error_naming_the_row_and_changes_no_grad(backend: str) -> None:
    x, w = Value(1.0, label="x"), Value(2.0, label="w")
    program = autograd.compile((x * w).log() + w, batch=[x], backend=backend)  # type: ignore[arg-type]
    w.grad = 1.5
    with pytest.raises(ValueError, match=r"row 2: log\(.*\): log is defined only for inputs > 0"):
        program.over([[1.0], [3.0], [-1.0], [0.0]])
    with pytest.raises(ZeroDivisionError, match="row 1"):
        autograd.compile(w / x, batch=[x], backend=backend).over([[1.0], [0.0]])  # type: ignore[arg-type]
    with pytest.raises(OverflowError, match="row 0: exp"):
        autograd.compile((x * w).exp(), batch=[x], backend=backend).over([[400.0]])  # type: ignore[arg-type]
    assert w.grad == 1.5 and x.grad == 0.0
    program.over([[1.0]])  # still usable
    assert w.grad == 1.5 + 1.0 / 2.0 + 1.0


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    ("rows", "error", "message"),
    [
        ([[1.0, 2.0]], ValueError, "row 0 has 2 columns, but there are 1 batch leaves"),
        ([[1.0], [2.0, 3.0]], ValueError, "row 1 has 2 columns"),
        (np.zeros((2, 1, 1)), ValueError, "rows must be 2-D"),
        (np.zeros(3), ValueError, "rows must be 2-D"),
        ([["a"]], TypeError, "row 0, column 0 takes an int or a float, got str"),
        (np.array([["a"]]), TypeError, "rows must hold numbers"),
        ([[math.nan]], ValueError, "row 0, column 0 got nan"),
        (np.array([[1.0], [math.inf]]), ValueError, "row 1, column 0 is inf"),
        ([], ValueError, "no rows"),
        ("12", TypeError, "rows must be a 2-D array or a sequence of rows"),
        ([1.0, 2.0], TypeError, "row 0 must be a sequence of 1 numbers, got float"),
        ([[[1.0]]], TypeError, "row 0, column 0 takes an int or a float, got list"),
    ],
)
def test_bad_rows_are_clear_errors(backend: str, rows: Any, error: type[Exception], message: str) -> None:
    x, w = Value(1.0, label="x"), Value(2.0, label="w")
    program = autograd.compile(x * w, batch=[x], backend=backend)  # type: ignore[arg-type]
    with pytest.raises(error, match=message.replace("(", r"\(")):
        program.over(rows)
    assert w.grad == 0.0


def test_bad_batches_and_backends() -> None:
    x, w = Value(1.0, label="x"), Value(2.0, label="w")
    y = x * w
    with pytest.raises(ValueError, match="must be a leaf"):
        autograd.compile(y, batch=[y])
    with pytest.raises(ValueError, match="twice"):
        autograd.compile(y, batch=[x, x])
    with pytest.raises(TypeError, match="batch takes leaves"):
        autograd.compile(y, batch=[1.0])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="backend is 'numpy' or 'python'"):
        autograd.compile(y, batch=[x], backend="torch")  # type: ignore[call-overload]
    with pytest.raises(ValueError, match="reduce is 'mean', 'sum' or None"):
        autograd.compile(y, batch=[x]).over([[1.0]], reduce="max")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="give batch"):
        autograd.compile(y, backend="python")  # type: ignore[call-overload]


HOSTILE = [
    "columns",
    "n",
    "total",
    "ones",
    "leaves",
    "row",
    "rows",
    "index",
    "values",
    "totals",
    "grads",
    "check",
    "finite",
    "float64",
    "where",
    "exp",
    "g_x",
    "x; import os",
    "'\n)",
    "1x",
    "",
    "self",
    "backward",
    "program",
    "isfinite",
    "logsumexp_forward",
    "maximum",
]


@pytest.mark.parametrize("backend", BACKENDS)
def test_hostile_labels_on_batch_leaves_and_parameters(backend: str) -> None:
    rows = [[0.5, 1.0], [-0.3, 2.0], [1.2, -1.0]]
    for label in HOSTILE:

        def build(row: list[Value], label: str = label) -> tuple[Value, list[Value]]:
            x, y = row
            x.label, y.label = label, label
            w = Value(0.7, label=label)
            b = Value(-0.1, label=label)
            h = (x * w + b).relu() + logsumexp(x, y * w, 2.0) - (x * b).exp()
            h.label = label
            return h * y, [w, b]

        values, grads = engine_rows(build, rows)
        batch = [Value(0.0, label=label), Value(0.0, label=label)]
        root, shared = build(batch)
        got = autograd.compile(root, batch=batch, backend=backend).over(rows, reduce="sum")  # type: ignore[arg-type]
        assert np.allclose(got, values, rtol=1e-12, atol=0), label
        assert np.allclose([p.grad for p in shared], reduced(grads, "sum"), rtol=1e-12, atol=1e-15), label


def test_a_define_op_op_runs_through_numpy_vectorize(define: Any) -> None:
    def sin_backward(g: Any, out: Any, a: Any) -> tuple[Any]:
        return (g * cos(a),)

    def cos_backward(g: Any, out: Any, a: Any) -> tuple[Any]:
        return (g * -sin(a),)

    sin = define("sin", math.sin, sin_backward)
    cos = define("cos", math.cos, cos_backward)
    x, w = Value(0.0, label="x"), Value(0.4, label="w")
    root = sin(x * w) * cos(w)
    program = autograd.compile(root, batch=[x], backend="numpy")
    assert "sin_forward(" in program.source and "cos_backward(" in program.source
    got = program.over([[1.0], [2.0]], reduce="sum")
    want = [math.sin(0.4) * math.cos(0.4), math.sin(0.8) * math.cos(0.4)]
    assert np.allclose(got, want, rtol=1e-15)
    d = sum(r * math.cos(r * 0.4) * math.cos(0.4) - math.sin(r * 0.4) * math.sin(0.4) for r in (1.0, 2.0))
    assert math.isclose(w.grad, d, rel_tol=1e-12)


def test_the_numpy_backend_is_one_expression_per_node_and_readable() -> None:
    x, w = Value(1.0, label="x"), Value(2.0, label="w")
    program = autograd.compile((x * w).relu().sigmoid(), batch=[x])
    assert program.backend == "numpy"
    source = program.source
    assert "x = columns[0]" in source and "w = float64(leaves[1].data)" in source
    assert "relu1 = maximum(mul1, 0.0)" in source
    assert "g_w = 0.0 + total(g_mul1 * x)" in source  # a shared leaf: summed over the rows
    compile(source, "<test>", "exec")


def test_without_numpy_the_python_backend_is_the_default() -> None:
    script = (
        "import sys; sys.modules['numpy'] = None\n"
        "import autograd\n"
        "from autograd import Value\n"
        "x, w = Value(1.0), Value(2.0)\n"
        "p = autograd.compile(x * w, batch=[x])\n"
        "print(p.backend, p.over([[1.0], [3.0]]), w.grad)\n"
        "try:\n"
        "    autograd.compile(x * w, batch=[x], backend='numpy')\n"
        "except ImportError as e:\n"
        "    print('ImportError:', e)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True)
    lines = done.stdout.splitlines()
    assert lines[0] == "python [2.0, 6.0] 2.0"
    assert lines[1].startswith("ImportError: compile(backend='numpy') needs NumPy")


# --- logsumexp and cross_entropy against PyTorch -----------------------------------------


@pytest.mark.parametrize(
    "logits",
    [[0.1, -2.0, 3.0], [1000.0, 999.0, -1000.0, 0.0], [-800.0, -801.5], [5.0], [700.0, 710.0, 720.0, 730.0]],
)
def test_logsumexp_and_cross_entropy_against_torch(torch: Any, logits: list[float]) -> None:
    for target in range(len(logits)):
        one_hot = [1.0 if k == target else 0.0 for k in range(len(logits))]
        z = [Value(v) for v in logits]
        loss = cross_entropy(z, one_hot)
        loss.backward()
        t = torch.tensor(logits, dtype=torch.float64, requires_grad=True)
        want = torch.nn.functional.cross_entropy(t[None], torch.tensor([target]))
        want.backward()
        assert math.isclose(loss.data, want.item(), rel_tol=1e-12, abs_tol=1e-12)
        for v, g in zip(z, t.grad.tolist(), strict=True):
            assert math.isclose(v.grad, g, rel_tol=1e-10, abs_tol=1e-12), (logits, target)
    z = [Value(v) for v in logits]
    out = logsumexp(*z)
    out.backward()
    t = torch.tensor(logits, dtype=torch.float64, requires_grad=True)
    torch.logsumexp(t, 0).backward()
    assert math.isclose(out.data, torch.logsumexp(t, 0).item(), rel_tol=1e-15)
    assert np.allclose([v.grad for v in z], t.grad.tolist(), rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize("backend", BACKENDS)
def test_cross_entropy_over_rows_with_one_hot_batch_leaves_against_torch(torch: Any, backend: str) -> None:
    rng = np.random.default_rng(0)
    features, labels = rng.normal(size=(30, 4)) * 30, rng.integers(0, 3, size=30)
    model = MLP(4, [5, 3], seed=0)
    x = [Value(0.0, label=f"x{i}") for i in range(4)]
    y = [Value(0.0, label=f"y{k}") for k in range(3)]
    loss = cross_entropy(model(x), y)  # type: ignore[arg-type]
    rows = np.column_stack([features, np.eye(3)[labels]])
    got = autograd.compile(loss, batch=[*x, *y], backend=backend).over(rows)  # type: ignore[arg-type]
    net = to_torch(model)
    t_loss = torch.nn.functional.cross_entropy(
        net(torch.tensor(features)), torch.tensor(labels), reduction="none"
    )
    t_loss.mean().backward()
    assert np.allclose(got, t_loss.detach().numpy(), rtol=1e-12, atol=1e-12)
    linears = [m for m in net if isinstance(m, torch.nn.Linear)]
    for layer, linear in zip(model.layers, linears, strict=True):
        for j, neuron in enumerate(layer.neurons):
            assert np.allclose(
                [w.grad for w in neuron.w], linear.weight.grad[j].tolist(), rtol=1e-10, atol=1e-13
            )
            assert neuron.b is not None and math.isclose(
                neuron.b.grad, linear.bias.grad[j].item(), rel_tol=1e-10, abs_tol=1e-13
            )
