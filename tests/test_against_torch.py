"""glassgrad against PyTorch in float64: values, first and second derivatives.

Both engines replay the same expression (tests/strategies.py), so every node
can be compared. Tolerances are tight: values and first derivatives agree to
about 1e-12 relative; what little they differ by comes from the math
libraries' last bits (``math.tanh`` vs ``torch.tanh``) carried through the
graph, so the absolute part of each tolerance scales with the largest number
the graph holds.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import given

import autograd
from autograd import Value, grad, linear
from tests.strategies import Expression, expressions, linear_by_hand

REL = 1e-12  # values and first derivatives: 2000 random graphs agreed to 1e-14
REL_SECOND = 1e-11  # second derivatives: 2000 random graphs agreed to 1e-13


def assert_close(ours: Sequence[float], theirs: Sequence[float], rel: float, what: str) -> None:
    scale = max([1.0, *map(abs, ours), *map(abs, theirs)])
    for i, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        assert math.isclose(a, b, rel_tol=rel, abs_tol=rel * scale), (
            f"{what} {i}: glassgrad {a!r}, torch {b!r}"
        )


def torch_leaves(torch: ModuleType, numbers: Sequence[float]) -> list[Any]:
    return [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in numbers]


def torch_gradients(
    torch: ModuleType, output: Any, leaves: Sequence[Any], create_graph: bool = False
) -> list[Any]:
    """d output / d leaf for each leaf, with 0 for a leaf the output does not depend on."""
    if not output.requires_grad:  # a derivative that is a constant
        return [torch.zeros((), dtype=torch.float64) for _ in leaves]
    found = torch.autograd.grad(
        output, leaves, create_graph=create_graph, retain_graph=True, allow_unused=True
    )
    return [torch.zeros((), dtype=torch.float64) if g is None else g for g in found]


def softplus(x: Any) -> Any:
    """softplus of a Value or a tensor. For tensors ``threshold=inf``: torch's softplus
    otherwise returns x itself above 20, while glassgrad keeps log(1 + eˣ) exact."""
    if isinstance(x, Value):
        return x.softplus()
    import torch

    return torch.nn.functional.softplus(x, threshold=math.inf)


def torch_ops(torch: ModuleType) -> dict[str, Callable[..., Any]]:
    """How to replay the ops that tensors lack as methods or operators."""
    return {"linear": linear_by_hand, "softplus": softplus, "logsumexp": lambda *z: torch_logsumexp(torch, z)}


def torch_logsumexp(torch: ModuleType, z: tuple[Any, ...]) -> Any:
    """torch.logsumexp of tensors and numbers (the numbers as tensors of the tensors' kind)."""
    like = next(t for t in z if isinstance(t, torch.Tensor))
    tensors = [t if isinstance(t, torch.Tensor) else like.new_tensor(t) for t in z]
    return torch.logsumexp(torch.stack(tensors), 0)


def derivatives(expression: Expression) -> tuple[list[float], list[float], list[list[float]]]:
    """glassgrad's values of every node, gradient and Hessian of the output."""
    leaves, nodes = expression.build()
    firsts = grad(nodes[-1], leaves, create_graph=True)
    hessian = [[g.data for g in grad(first, leaves)] for first in firsts]
    return [v.data for v in nodes], [g.data for g in firsts], hessian


def torch_derivatives(
    torch: ModuleType, expression: Expression
) -> tuple[list[float], list[float], list[list[float]]]:
    """PyTorch's values of every node, gradient and Hessian of the output."""
    leaves = torch_leaves(torch, expression.inputs)
    nodes = expression.replay(leaves, torch_ops(torch))
    firsts = torch_gradients(torch, nodes[-1], leaves, create_graph=True)
    hessian = [[g.item() for g in torch_gradients(torch, first, leaves)] for first in firsts]
    return [v.item() for v in nodes], [g.item() for g in firsts], hessian


@given(expressions())
def test_random_graphs_values_first_and_second_derivatives(torch: ModuleType, expression: Expression) -> None:
    values, gradient, hessian = derivatives(expression)
    torch_values, torch_gradient, torch_hessian = torch_derivatives(torch, expression)
    assert_close(values, torch_values, REL, "value of node")
    assert_close(gradient, torch_gradient, REL, "d output / d input")
    for i, (row, torch_row) in enumerate(zip(hessian, torch_hessian)):
        assert_close(row, torch_row, REL_SECOND, f"d² output / d input {i} d input")


@given(expressions())
def test_random_graphs_backward_matches_torch_backward(torch: ModuleType, expression: Expression) -> None:
    """``.backward()`` (the fast float path), every leaf, against ``Tensor.backward()``."""
    leaves, nodes = expression.build()
    nodes[-1].backward()
    torch_inputs = torch_leaves(torch, expression.inputs)
    torch_out = expression.replay(torch_inputs, torch_ops(torch))[-1]
    torch_out.backward()
    ours = [v.grad for v in leaves]
    theirs = [0.0 if t.grad is None else t.grad.item() for t in torch_inputs]
    assert_close(ours, theirs, REL, "d output / d input")


def _sum_of_products(w: Sequence[Any], x: Sequence[Any], b: Any = None) -> Any:
    return linear_by_hand(*w, *x) if b is None else linear_by_hand(*w, *x, b)


# Each case: f over Values or tensors alike, and the point. The edges of the
# conventions are here: relu at 0, powers at a zero base, negative bases.
EDGES: list[tuple[str, Callable[..., Any], list[float]]] = [
    ("relu at 0", lambda x: x.relu(), [0.0]),
    ("relu at -0.0", lambda x: x.relu(), [-0.0]),
    ("relu just above 0", lambda x: x.relu(), [1e-300]),
    ("sigmoid far left", lambda x: x.sigmoid(), [-700.0]),
    ("sigmoid far right", lambda x: x.sigmoid(), [36.0]),
    ("tanh far out", lambda x: x.tanh(), [19.0]),
    ("softplus far left", softplus, [-700.0]),
    ("softplus at 0", softplus, [0.0]),
    ("softplus far right", softplus, [40.0]),
    ("exp near its limit", lambda x: x.exp(), [700.0]),
    ("log of a tiny number", lambda x: x.log(), [1e-150]),
    ("x ** 2 at 0", lambda x: x**2, [0.0]),
    ("x ** 3 at a negative base", lambda x: x**3, [-1.7]),
    ("x ** -2 at a negative base", lambda x: x**-2, [-1.7]),
    ("x ** 1 at 0", lambda x: x**1, [0.0]),
    ("x ** 0 at 0", lambda x: x**0, [0.0]),
    ("x ** 0.5", lambda x: x**0.5, [2.0]),
    ("x ** y", lambda x, y: x**y, [1.3, -2.2]),
    ("2 ** x", lambda x: 2**x, [-3.5]),
    ("x / y", lambda x, y: x / y, [1.3, -2.2]),
    ("3 / x", lambda x: 3 / x, [-0.7]),
    ("1 - x", lambda x: 1 - x, [-0.7]),
    ("x * x", lambda x: x * x, [-0.7]),
    (
        "neuron with bias",
        lambda w1, w2, x1, x2, b: _sum_of_products([w1, w2], [x1, x2], b),
        [0.4, -0.2, 0.1, 0.3, 0.5],
    ),
    (
        "neuron without bias",
        lambda w1, w2, x1, x2: _sum_of_products([w1, w2], [x1, x2]),
        [0.4, -0.2, 0.1, 0.3],
    ),
]


@pytest.mark.parametrize(("f", "point"), [pytest.param(f, p, id=name) for name, f, p in EDGES])
def test_edges_and_conventions_agree_with_torch(
    torch: ModuleType, f: Callable[..., Any], point: list[float]
) -> None:
    leaves = [Value(x) for x in point]
    out = f(*leaves)
    firsts = grad(out, leaves, create_graph=True)
    seconds = [[g.data for g in grad(first, leaves)] for first in firsts]

    torch_inputs = torch_leaves(torch, point)
    torch_out = f(*torch_inputs)
    torch_firsts = torch_gradients(torch, torch_out, torch_inputs, create_graph=True)
    torch_seconds = [
        [g.item() for g in torch_gradients(torch, first, torch_inputs)] for first in torch_firsts
    ]

    assert_close([out.data], [torch_out.item()], REL, "value")
    assert_close([g.data for g in firsts], [g.item() for g in torch_firsts], REL, "first derivative")
    for row, torch_row in zip(seconds, torch_seconds):
        assert_close(row, torch_row, REL_SECOND, "second derivative")


def test_linear_node_agrees_with_torch_sum_of_products(torch: ModuleType) -> None:
    """The fused neuron against torch's own dot product, with its gradients."""
    w, x, b = [0.4, -0.2, 1.5], [0.1, 0.3, -2.0], 0.5
    vw, vx, vb = [Value(v) for v in w], [Value(v) for v in x], Value(b)
    h = linear(vw, vx, vb).tanh()
    h.backward()
    tw, tx = torch.tensor(w, dtype=torch.float64, requires_grad=True), torch.tensor(x, dtype=torch.float64)
    tb = torch.tensor(b, dtype=torch.float64, requires_grad=True)
    th = (torch.dot(tw, tx) + tb).tanh()
    th.backward()
    assert_close([h.data], [th.item()], REL, "value")
    assert_close([v.grad for v in vw], tw.grad.tolist(), REL, "d h / d w")
    assert_close([vb.grad], [tb.grad.item()], REL, "d h / d b")


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(autograd.__file__)))


@pytest.mark.slow
@pytest.mark.parametrize(
    ("ci", "exit_code", "says"),
    [("true", 1, "CI=true but PyTorch is needed"), ("", 0, "SKIPPED")],
    ids=["in CI: fails", "outside CI: skips"],
)
def test_without_torch_the_cross_checks_fail_in_ci_and_skip_outside(
    tmp_path: Path, ci: str, exit_code: int, says: str
) -> None:
    """Run one cross-check in a fresh pytest where ``import torch`` fails."""
    (tmp_path / "torch.py").write_text('raise ImportError("torch is hidden for this test")\n')
    env = {**os.environ, "CI": ci, "PYTHONPATH": os.pathsep.join([str(tmp_path), ROOT])}
    env.pop("GLASSGRAD_WITHOUT_TORCH", None)  # this test is about a torch that is missing by accident
    test = f"{os.path.abspath(__file__)}::test_linear_node_agrees_with_torch_sum_of_products"
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rs", "-q", test],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == exit_code, run.stdout + run.stderr
    assert says in run.stdout
    assert "torch is hidden for this test" in run.stdout
