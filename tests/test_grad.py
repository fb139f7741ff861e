"""``grad()`` (first and higher derivatives, leaving ``.grad`` alone) and ``gradcheck`` itself."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given

from autograd import OPS, Value, grad, gradcheck, no_grad, topological_order
from tests.strategies import Expression, expressions


def test_grad_matches_backward_and_leaves_grad_untouched() -> None:
    x, y = Value(0.5, label="x"), Value(-2.0, label="y")
    x.grad = 7.0  # left over from an earlier backward: grad() must not touch it
    z = (x * y).tanh() + x.exp()
    dx, dy = grad(z, [x, y])
    assert x.grad == 7.0
    assert all(v.grad == 0.0 for v in topological_order(z) if v is not x)
    x.grad = 0.0
    z.backward()
    assert (dx.data, dy.data) == (x.grad, y.grad)


@given(expressions())
def test_grad_equals_backward_on_random_graphs(expression: Expression) -> None:
    leaves, nodes = expression.build()
    gradients = [g.data for g in grad(nodes[-1], leaves)]
    assert all(v.grad == 0.0 for v in nodes)
    nodes[-1].backward()
    assert gradients == [v.grad for v in leaves]


def test_an_input_the_output_does_not_depend_on_gets_zero() -> None:
    x, unused = Value(2.0), Value(3.0)
    assert [g.data for g in grad(x * x, [x, unused])] == [4.0, 0.0]
    assert [g.data for g in grad(x * x, [unused], create_graph=True)] == [0.0]


def test_grad_of_a_node_with_respect_to_itself_and_to_interior_nodes() -> None:
    x = Value(3.0)
    h = x * x
    y = h.log()
    dy_dy, dy_dh, dy_dx = grad(y, [y, h, x])
    assert (dy_dy.data, dy_dh.data) == (1.0, 1 / 9)
    assert math.isclose(dy_dx.data, 2 / 3, rel_tol=1e-15)


def test_second_and_third_derivatives_of_a_cube() -> None:
    x = Value(2.0)
    (d1,) = grad(x**3, [x], create_graph=True)
    (d2,) = grad(d1, [x], create_graph=True)
    (d3,) = grad(d2, [x], create_graph=True)
    (d4,) = grad(d3, [x])
    assert (d1.data, d2.data, d3.data, d4.data) == (12.0, 12.0, 6.0, 0.0)
    assert x.grad == 0.0


@pytest.mark.parametrize("at", [-1.3, 0.0, 0.4, 2.0])
def test_higher_derivatives_of_tanh_match_closed_forms(at: float) -> None:
    x = Value(at)
    (d1,) = grad(x.tanh(), [x], create_graph=True)
    (d2,) = grad(d1, [x], create_graph=True)
    (d3,) = grad(d2, [x])
    t = math.tanh(at)
    assert math.isclose(d1.data, 1 - t * t, rel_tol=1e-14)
    assert math.isclose(d2.data, -2 * t * (1 - t * t), rel_tol=1e-13, abs_tol=1e-15)
    assert math.isclose(d3.data, (1 - t * t) * (6 * t * t - 2), rel_tol=1e-13)


@pytest.mark.parametrize("at", [-1.5, 0.5, 3.0])
def test_higher_derivatives_of_every_unary_op(at: float) -> None:
    """d² exp = exp, d² sigmoid = s(1-s)(1-2s), d² softplus = s(1-s), d² relu = 0, d² (1/x) = 2/x³, ..."""
    s = 1 / (1 + math.exp(-at))
    expected: dict[str, tuple[Callable[[Value], Value], float]] = {
        "exp": (lambda v: v.exp(), math.exp(at)),
        "sigmoid": (lambda v: v.sigmoid(), s * (1 - s) * (1 - 2 * s)),
        "softplus": (lambda v: v.softplus(), s * (1 - s)),
        "relu": (lambda v: v.relu(), 0.0),
        "neg": (lambda v: -v, 0.0),
        "reciprocal": (lambda v: 1 / v, 2 / at**3),
        "square": (lambda v: v**2, 2.0),
        "2 ** x": (lambda v: 2**v, 2**at * math.log(2) ** 2),
    }
    if at > 0:
        expected["log"] = (lambda v: v.log(), -1 / at**2)
        expected["sqrt"] = (lambda v: v**0.5, -0.25 * at**-1.5)
        expected["x ** x"] = (lambda v: v**v, at**at * ((math.log(at) + 1) ** 2 + 1 / at))
    for name, (f, second) in expected.items():
        x = Value(at)
        (d1,) = grad(f(x), [x], create_graph=True)
        (d2,) = grad(d1, [x])
        assert math.isclose(d2.data, second, rel_tol=1e-13, abs_tol=1e-15), name


def test_third_derivative_of_square_at_zero() -> None:
    """The graph of d²(x²)/dx² holds x ** 0, whose derivative at 0 must be 0, not an error."""
    x = Value(0.0)
    (d1,) = grad(x**2, [x], create_graph=True)
    (d2,) = grad(d1, [x], create_graph=True)
    (d3,) = grad(d2, [x])
    assert (d1.data, d2.data, d3.data) == (0.0, 2.0, 0.0)


def test_second_derivatives_of_a_power_at_a_zero_base() -> None:
    """x ** y at (0, 2): the Hessian is [[2, 0], [0, 0]] (0 ** y is 0 for every y > 0).

    PyTorch 2.13 answers nan for the row of y here (0 * log(0)); glassgrad takes the limit.
    """
    x, y = Value(0.0), Value(2.0)
    firsts = grad(x**y, [x, y], create_graph=True)
    assert [g.data for g in firsts] == [0.0, 0.0]
    assert [[h.data for h in grad(g, [x, y])] for g in firsts] == [[2.0, 0.0], [0.0, 0.0]]


def test_hessian_vector_product() -> None:
    """f = x²y + e^(xy): H·v from grad(grad(f)·v), against the Hessian written out."""
    a, b = 0.7, -0.4
    x, y = Value(a), Value(b)
    f = x * x * y + (x * y).exp()
    gx, gy = grad(f, [x, y], create_graph=True)
    v = (0.3, -1.1)
    hv = [h.data for h in grad(gx * v[0] + gy * v[1], [x, y])]
    e = math.exp(a * b)
    hessian = [
        [2 * b + b * b * e, 2 * a + e + a * b * e],
        [2 * a + e + a * b * e, a * a * e],
    ]
    expected = [row[0] * v[0] + row[1] * v[1] for row in hessian]
    assert all(math.isclose(got, want, rel_tol=1e-13) for got, want in zip(hv, expected))
    assert (x.grad, y.grad) == (0.0, 0.0)


def test_create_graph_results_are_values_with_a_graph() -> None:
    x = Value(1.5)
    (d1,) = grad(x.sigmoid(), [x], create_graph=True)
    assert isinstance(d1, Value)
    assert x in set(topological_order(d1))
    (plain,) = grad(x.sigmoid(), [x])
    assert plain.parents == ()
    assert plain.data == d1.data


def test_create_graph_inside_no_grad_records_nothing() -> None:
    x = Value(1.5)
    y = x * x
    with no_grad():
        (d1,) = grad(y, [x], create_graph=True)
    assert (d1.data, d1.parents) == (3.0, ())


def test_grad_rejects_inputs_that_are_not_values() -> None:
    x = Value(1.0)
    with pytest.raises(TypeError, match="float"):
        grad(x * 2, [1.0])  # type: ignore[list-item]


# --- gradcheck ---------------------------------------------------------------


def test_gradcheck_returns_true_on_correct_functions() -> None:
    assert gradcheck(lambda x, y: (x * y).tanh() / (1 + y * y), [0.3, -1.7]) is True
    assert gradcheck(lambda x: x, [2.0]) is True


def _break_rule(monkeypatch: pytest.MonkeyPatch, op: str, backward: Callable[..., tuple[Any, ...]]) -> None:
    """Give the table's ``op`` a wrong backward rule for the rest of this test.

    Each node carries its ``Op`` (``node.op.backward``), the same object as
    ``OPS[op]``, so patching the entry's rule reaches every new node.
    """
    monkeypatch.setattr(OPS[op], "backward", backward)


def _numbers(message: str) -> list[float]:
    return [float(n) for n in re.findall(r"-?\d+\.\d+(?:e-?\d+)?", message)]


def test_gradcheck_names_the_input_and_both_numbers_on_a_wrong_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    def wrong_tanh_backward(g: Any, out: Any, a: Any) -> tuple[Any]:
        return (g * (1.0 - out),)  # forgot to square: should be 1 - out²

    _break_rule(monkeypatch, "tanh", wrong_tanh_backward)
    with pytest.raises(AssertionError) as failure:
        gradcheck(lambda x: x.tanh(), [0.5])
    message = str(failure.value)
    assert "input 0" in message
    wrong, right = 1 - math.tanh(0.5), 1 - math.tanh(0.5) ** 2
    assert repr(wrong) in message
    assert any(math.isclose(n, right, rel_tol=1e-6) for n in _numbers(message)), message


def test_gradcheck_finds_a_wrong_rule_for_the_second_input(monkeypatch: pytest.MonkeyPatch) -> None:
    def wrong_div_backward(g: Any, out: Any, a: Any, b: Any) -> tuple[Any, Any]:
        return g / b, g * out / b  # sign error on the divisor

    _break_rule(monkeypatch, "/", wrong_div_backward)
    with pytest.raises(AssertionError, match="input 1") as failure:
        gradcheck(lambda x, y: x / y, [1.0, 2.0])
    numbers = _numbers(str(failure.value))
    assert any(math.isclose(n, 0.25) for n in numbers)  # what autograd (wrongly) says
    assert any(math.isclose(n, -0.25, rel_tol=1e-6) for n in numbers)  # what it should be


def test_gradcheck_catches_a_rule_that_answers_differently_each_time(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def drifting_exp_backward(g: Any, out: Any, a: Any) -> tuple[Any]:
        calls.append(1)
        return (g * out * len(calls),)

    _break_rule(monkeypatch, "exp", drifting_exp_backward)
    with pytest.raises(AssertionError):
        gradcheck(lambda x: x.exp(), [0.5])


def test_gradcheck_needs_a_value_back() -> None:
    with pytest.raises(TypeError, match="float"):
        gradcheck(lambda x: 2.0, [1.0])  # type: ignore[arg-type, return-value]


def test_grad_takes_any_iterable_of_inputs_and_checks_the_output() -> None:
    x = Value(2.0)
    assert [g.data for g in grad(x * 3, (v for v in [x]))] == [3.0]
    with pytest.raises(TypeError, match="float"):
        grad(3.0, [x])  # type: ignore[arg-type]


def test_gradcheck_says_so_when_f_is_undefined_beside_the_point() -> None:
    with pytest.raises(AssertionError, match="not defined on both sides of input 1"):
        gradcheck(lambda x, y: x**y, [-2.0, 3.0])  # (-2.000001) ** 3 is fine, (-2) ** 3.000001 is not
