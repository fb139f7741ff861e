"""Numbers at the edges of floats: subnormals, overflow, and the types a number can come in.

Every walk (``backward``, ``backward_steps``, ``grad`` in both modes) gives
the same gradient wherever that gradient is a float, even where a local
derivative on the way (1/x at a subnormal x) is not.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import Decimal
from types import ModuleType

import pytest

from autograd import OPS, Value, apply, backward_steps, grad


def _every_walk(f: Callable[..., Value], point: list[float]) -> list[list[float]]:
    """d f / d input by backward(), backward_steps(), grad() and grad(create_graph=True)."""
    leaves = [Value(x) for x in point]
    f(*leaves).backward()
    by_backward = [v.grad for v in leaves]
    leaves = [Value(x) for x in point]
    list(backward_steps(f(*leaves)))
    by_steps = [v.grad for v in leaves]
    leaves = [Value(x) for x in point]
    by_grad = [g.data for g in grad(f(*leaves), leaves)]
    by_graph = [g.data for g in grad(f(*leaves), leaves, create_graph=True)]
    return [by_backward, by_steps, by_grad, by_graph]


def test_log_and_division_by_a_subnormal_divide_rather_than_overflow(torch: ModuleType) -> None:
    """1/x overflows below 2.2e-308, but g · (1/x) need not: the rules divide there, as PyTorch does."""
    t = torch.tensor(1e-310, dtype=torch.float64, requires_grad=True)
    (t.log() * 1e-20).backward()
    for walk in _every_walk(lambda x: x.log() * 1e-20, [1e-310]):
        assert walk == [t.grad.item()] and math.isclose(walk[0], 1e290, rel_tol=1e-12)

    ta = torch.tensor(1e-20, dtype=torch.float64, requires_grad=True)
    tb = torch.tensor(1e-310, dtype=torch.float64, requires_grad=True)
    (ta / tb * 1e-300).backward()
    for a_grad, b_grad in _every_walk(lambda a, b: a / b * 1e-300, [1e-20, 1e-310]):
        assert math.isclose(a_grad, ta.grad.item(), rel_tol=1e-12)
        assert math.isclose(a_grad, 1e10, rel_tol=1e-12)
        assert math.isclose(b_grad, -1e300, rel_tol=1e-12)  # -a / b² · 1e-300 (PyTorch 2.13 says -inf)


def test_create_graph_at_the_smallest_subnormal_gives_what_grad_gives() -> None:
    """Bug 5 of issue 13: at x = 5e-324, ``1.0 / x`` overflows; d/dx log(x) · 1e-20 = 2.02e303 does not."""
    walks = _every_walk(lambda x: x.log() * 1e-20, [5e-324])
    assert walks == [[1e-20 / 5e-324]] * 4
    assert math.isclose(walks[0][0], 2.02e303, rel_tol=1e-2)


def test_a_step_contribution_is_upstream_times_local_where_local_is_finite() -> None:
    a, b = Value(0.7), Value(1.9)
    for step in ((a / b).log() * 3).backward_steps(0.37):
        for _, local, contribution in step.contributions:
            assert contribution == step.upstream * local


def test_a_gradient_that_overflows_is_an_error_naming_the_node() -> None:
    x = Value(1e-200, label="x")
    y = x.log() * 1e200
    with pytest.raises(OverflowError, match="'x'"):
        y.backward()
    with pytest.raises(OverflowError, match="'x'"):
        grad(y, [x], create_graph=True)


def test_a_derivative_too_large_for_a_float_says_so() -> None:
    x = Value(1e-300, label="x")
    message = r"\*\*\('x' = 1e-300, -0.5\): the derivative of 1e-300 \*\* -0.5 is too large"
    with pytest.raises(OverflowError, match=message):
        (x**-0.5).backward()
    with pytest.raises(OverflowError, match=message):
        list(backward_steps(x**-0.5))


def test_apply_with_numbers_only_makes_a_node_of_constants() -> None:
    y = apply(OPS["+"], 2.0, 3.0)
    assert y.data == 5.0 and [(p.is_constant, p.data) for p in y.parents] == [(True, 2.0), (True, 3.0)]
    assert [str(s) for s in y.backward_steps()] == ["+: upstream 1 → 2 += 1 × 1, 3 += 1 × 1"]
    assert y.grad == 1.0 and [p.grad for p in y.parents] == [0.0, 0.0]
    # checked like any other op: errors name the op, overflow is an OverflowError
    with pytest.raises(ValueError, match=r"^log\(-1\.0\): log is defined only for inputs > 0"):
        apply(OPS["log"], -1.0)
    with pytest.raises(OverflowError, match=r"^\*\(1e\+200, 1e\+200\): result too large"):
        apply(OPS["*"], 1e200, 1e200)


def test_decimal_beyond_float_is_an_overflow_error_like_a_huge_int() -> None:
    with pytest.raises(OverflowError, match="too large"):
        Value(Decimal("1e400"))
    with pytest.raises(OverflowError, match="too large"):
        Value(10**400)
    with pytest.raises(ValueError, match="finite"):
        Value(Decimal("Infinity"))
