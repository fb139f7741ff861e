"""Every op's derivative rule against central differences (``gradcheck``), at many points.

Fixed points cover the edges (each side of a kink, negative bases, constants on
either side of an operator); Hypothesis then tries each op across its domain,
and random expression graphs (tests/strategies.py) mix them all.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import OPS, Value, gradcheck, linear, logsumexp, ops
from tests.strategies import Expression, expressions

F = Callable[..., Value]

# (key of the op in OPS, what the case shows, f, point): every op of the table appears here.
CASES: list[tuple[str, str, F, list[float]]] = [
    *[("neg", "-x", lambda x: -x, [x]) for x in (-2.0, -0.5, 0.0, 0.3, 4.0)],
    *[("exp", "exp", lambda x: x.exp(), [x]) for x in (-30.0, -1.0, 0.0, 0.5, 3.0, 20.0)],
    *[("log", "log", lambda x: x.log(), [x]) for x in (1e-3, 0.1, 1.0, 2.5, 1e4)],
    *[("tanh", "tanh", lambda x: x.tanh(), [x]) for x in (-10.0, -0.5, 0.0, 0.5, 3.0)],
    *[("sigmoid", "sigmoid", lambda x: x.sigmoid(), [x]) for x in (-40.0, -2.0, 0.0, 1e-3, 2.0, 40.0)],
    *[("softplus", "softplus", lambda x: x.softplus(), [x]) for x in (-40.0, -2.0, 0.0, 2.0, 40.0)],
    # relu has a kink at 0 (where its derivative is taken as 0: see test_relu_at_zero);
    # central differences are only meaningful away from it.
    *[("relu", "relu", lambda x: x.relu(), [x]) for x in (-2.0, -1e-3, 1e-3, 2.0)],
    # two Values
    *[("+", "x + y", lambda x, y: x + y, p) for p in ([1.0, 2.0], [-0.5, 0.25])],
    *[("-", "x - y", lambda x, y: x - y, p) for p in ([1.0, 2.0], [-0.5, 0.25])],
    *[("*", "x * y", lambda x, y: x * y, p) for p in ([1.5, -2.0], [0.0, 3.0])],
    *[("/", "x / y", lambda x, y: x / y, p) for p in ([1.5, -2.0], [0.0, 0.3], [-4.0, 7.0])],
    ("*", "x * x", lambda x: x * x, [-1.5]),
    ("/", "x / x", lambda x: x / x, [0.7]),
    ("-", "x - x", lambda x: x - x, [0.7]),
    # constants (int and float) on either side: the reflected operators
    ("+", "3 + x", lambda x: 3 + x, [0.5]),
    ("+", "x + 2.5", lambda x: x + 2.5, [0.5]),
    ("-", "3 - x", lambda x: 3 - x, [0.5]),
    ("-", "x - 2.5", lambda x: x - 2.5, [0.5]),
    ("*", "3 * x", lambda x: 3 * x, [0.5]),
    ("*", "x * -2.5", lambda x: x * -2.5, [0.5]),
    ("/", "3 / x", lambda x: 3 / x, [0.5]),
    ("/", "3.5 / x", lambda x: 3.5 / x, [-0.5]),
    ("/", "x / 4", lambda x: x / 4, [0.5]),
    ("/", "x / -0.5", lambda x: x / -0.5, [0.5]),
    # powers: integer exponents (negative bases allowed), fractional ones (positive bases)
    *[("**", "x ** 2", lambda x: x**2, [x]) for x in (-1.5, 0.0, 2.0)],
    *[("**", "x ** 3", lambda x: x**3, [x]) for x in (-2.0, 0.0, 0.5)],
    *[("**", "x ** -1", lambda x: x**-1, [x]) for x in (-0.5, 3.0)],
    *[("**", "x ** -2", lambda x: x**-2, [x]) for x in (-0.5, 3.0)],
    *[("**", "x ** 0", lambda x: x**0, [x]) for x in (-1.3, 1.3)],
    *[("**", "x ** 1", lambda x: x**1, [x]) for x in (-1.3, 0.0, 1.3)],
    *[("**", "x ** 2.0", lambda x: x**2.0, [x]) for x in (-1.5, 2.0)],
    *[("**", "x ** 0.5", lambda x: x**0.5, [x]) for x in (0.01, 2.0)],
    *[("**", "x ** 1.5", lambda x: x**1.5, [x]) for x in (0.5, 4.0)],
    *[("**", "x ** -0.5", lambda x: x**-0.5, [x]) for x in (0.5, 4.0)],
    # Value ** Value (positive base) and number ** Value
    *[("**", "x ** y", lambda x, y: x**y, p) for p in ([2.0, 1.5], [0.5, -2.0], [3.0, 0.0], [1.0, 2.0])],
    ("**", "x ** x", lambda x: x**x, [1.5]),
    *[("number ** x", "2 ** x", lambda x: 2**x, [x]) for x in (-3.0, 0.0, 2.5)],
    *[("number ** x", "0.5 ** x", lambda x: 0.5**x, [x]) for x in (-3.0, 2.5)],
    ("number ** x", "10.0 ** x", lambda x: 10.0**x, [1.2]),
    # the fused neuron, with and without bias, with Values or numbers as inputs
    (
        "linear",
        "w.x + b",
        lambda w1, w2, x1, x2, b: linear([w1, w2], [x1, x2], b),
        [0.4, -0.2, 0.1, 0.3, 0.5],
    ),
    ("linear", "w.x", lambda w1, w2, x1, x2: linear([w1, w2], [x1, x2]), [0.4, -0.2, 0.1, 0.3]),
    ("linear", "w.(numbers) + b", lambda w1, w2, b: linear([w1, w2], [0.1, -3], b), [0.4, -0.2, 0.5]),
    ("linear", "w.w", lambda w1, w2: linear([w1, w2], [w1, w2]), [0.4, -0.2]),
    ("linear", "one weight", lambda w, x: linear([w], [x]), [1.5, -2.0]),
    # logsumexp of one, two and many inputs, far from 0 too (the max is taken out)
    ("logsumexp", "logsumexp(x)", lambda x: logsumexp(x), [0.3]),
    *[("logsumexp", "logsumexp(x, y)", lambda x, y: logsumexp(x, y), p) for p in ([1.0, 2.0], [-3.0, 40.0])],
    ("logsumexp", "logsumexp(x, x)", lambda x: logsumexp(x, x), [0.5]),
    ("logsumexp", "logsumexp(x, 2, y, z)", lambda x, y, z: logsumexp(x, 2, y, z), [0.1, -1.0, 3.0]),
    ("logsumexp", "at 1000", lambda x, y, z: logsumexp(x, y, z), [1000.0, 999.0, 1000.5]),
]


@pytest.mark.parametrize(
    ("key", "f", "point"),
    [pytest.param(key, f, point, id=f"{what} at {point}") for key, what, f, point in CASES],
)
def test_gradcheck_at_fixed_points(key: str, f: F, point: list[float]) -> None:
    assert f(*map(Value, point)).op is OPS[key]  # the case tests the op it says
    assert gradcheck(f, point)


def built_in() -> dict[str, ops.Op]:
    """The ops glassgrad comes with (a doctest or a test may have added others to OPS)."""
    return {key: op for key, op in OPS.items() if op.backward.__module__ == ops.__name__}


def test_every_built_in_op_of_the_table_has_gradcheck_cases() -> None:
    assert {op for op, *_ in CASES} == set(built_in())
    assert {"+", "*", "**", "number ** x", "linear", "tanh"} <= set(built_in())


def test_each_rule_is_a_named_module_level_function() -> None:
    """So that ``break autograd.ops.mul_backward`` works and tracebacks read well."""
    for op in built_in().values():
        for rule in (op.forward, op.backward):
            assert getattr(ops, rule.__name__) is rule, op.name


def _wide(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


UNARY_DOMAINS: dict[str, tuple[F, st.SearchStrategy[float]]] = {
    "neg": (lambda x: -x, _wide(-1e3, 1e3)),
    "exp": (lambda x: x.exp(), _wide(-30.0, 30.0)),
    "log": (lambda x: x.log(), _wide(1e-2, 1e4)),
    "tanh": (lambda x: x.tanh(), _wide(-20.0, 20.0)),
    "sigmoid": (lambda x: x.sigmoid(), _wide(-40.0, 40.0)),
    "softplus": (lambda x: x.softplus(), _wide(-50.0, 50.0)),
    "relu": (lambda x: x.relu(), _wide(-10.0, 10.0).filter(lambda x: abs(x) > 1e-3)),
}


@given(st.data())
def test_unary_ops_across_their_domains(data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(sorted(UNARY_DOMAINS)), label="op")
    f, domain = UNARY_DOMAINS[name]
    assert gradcheck(f, [data.draw(domain, label="x")])


BINARY = {
    "+": lambda x, y: x + y,
    "-": lambda x, y: x - y,
    "*": lambda x, y: x * y,
    "/": lambda x, y: x / y,
}


@given(st.sampled_from(sorted(BINARY)), _wide(-100.0, 100.0), _wide(-100.0, 100.0))
def test_arithmetic_across_the_plane(name: str, x: float, y: float) -> None:
    if name == "/" and abs(y) < 0.1:
        y = math.copysign(0.1, y) + y
    assert gradcheck(BINARY[name], [x, y])


@given(_wide(0.05, 5.0), _wide(-3.0, 3.0))
def test_real_powers_of_positive_bases(base: float, exponent: float) -> None:
    assert gradcheck(lambda b, e: b**e, [base, exponent])
    assert gradcheck(lambda b: b**exponent, [base])
    assert gradcheck(lambda e: base**e, [exponent])


@given(_wide(-5.0, 5.0), st.integers(-3, 4))
def test_integer_powers_of_any_base(base: float, exponent: int) -> None:
    if exponent < 0 and abs(base) < 0.1:
        base = math.copysign(0.1, base) + base
    assert gradcheck(lambda b: b**exponent, [base])


@given(expressions())
def test_random_graphs_match_central_differences(expression: Expression) -> None:
    assert gradcheck(expression, list(expression.inputs))


def test_relu_at_zero_has_derivative_zero() -> None:
    """The convention at the kink, as in PyTorch: d relu(x) / dx at x = 0 is 0."""
    x = Value(0.0)
    y = x.relu()
    y.backward()
    assert (y.data, x.grad) == (0.0, 0.0)
    just_above = Value(1e-300)
    just_above.relu().backward()
    assert just_above.grad == 1.0


def test_pow_zero_exponent_at_zero_base() -> None:
    """x ** 0 is the constant 1, so its derivative is 0 everywhere, at x = 0 too (as in PyTorch)."""
    x = Value(0.0)
    y = x**0
    y.backward()
    assert (y.data, x.grad) == (1.0, 0.0)


def test_pow_of_zero_base_to_positive_exponent() -> None:
    """d(0 ** y)/dy is taken as its limit from the right, 0 (as PyTorch does)."""
    x, y = Value(0.0), Value(2.0)
    z = x**y
    z.backward()
    assert (z.data, x.grad, y.grad) == (0.0, 0.0, 0.0)


def test_pow_of_negative_base_to_integer_value_exponent() -> None:
    """(-2) ** y only exists at integer y, so d/dy is reported as 0 (a fixed integer exponent)."""
    x, y = Value(-2.0), Value(3.0)
    z = x**y
    z.backward()
    assert (z.data, x.grad, y.grad) == (-8.0, 12.0, 0.0)
    w = Value(3.0)
    v = (-2) ** w
    v.backward()
    assert (v.data, w.grad) == (-8.0, 0.0)
