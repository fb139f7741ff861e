"""Bad input gives a clear error naming what went wrong: never a silent NaN or a complex number."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np
import pytest

from autograd import Value, grad, linear


@pytest.mark.parametrize(
    ("bad", "type_name"),
    [
        ("1", "str"),
        (None, "NoneType"),
        ([1], "list"),
        ((1.0,), "tuple"),
        (1 + 2j, "complex"),
        (np.complex128(1.0), "complex128"),
        (b"1", "bytes"),
        (object(), "object"),
        (Value(1.0), "Value"),
    ],
)
def test_a_non_number_is_a_type_error_naming_its_type(bad: Any, type_name: str) -> None:
    with pytest.raises(TypeError, match=type_name):
        Value(bad)


@pytest.mark.parametrize("number", [Fraction(1, 4), Decimal("0.25"), np.float16(0.25), np.uint8(0)])
def test_other_real_number_types_convert(number: Any) -> None:
    assert Value(number).data == float(number)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf"), np.float64("nan"), np.inf])
def test_nan_and_inf_are_rejected(bad: Any) -> None:
    with pytest.raises(ValueError, match=repr(float(bad))):
        Value(bad)
    with pytest.raises(ValueError, match=repr(float(bad))):
        Value(1.0) + bad
    with pytest.raises(ValueError, match=repr(float(bad))):
        bad * Value(1.0)


@pytest.mark.parametrize(
    "f",
    [
        lambda v: v + "a",
        lambda v: "a" + v,
        lambda v: v * None,
        lambda v: [1] - v,
        lambda v: v / {},
        lambda v: v ** "2",
        lambda v: "2" ** v,
        lambda v: v + 1j,
        lambda v: v < "a",
        lambda v: linear([v], ["a"]),  # type: ignore[list-item]
    ],
)
def test_an_operand_of_the_wrong_type_is_a_type_error(f: Callable[[Value], Any]) -> None:
    with pytest.raises(TypeError, match=r"str|NoneType|list|dict|complex"):
        f(Value(1.0))


@pytest.mark.parametrize("bad", [0.0, -0.0, -1.5])
def test_log_of_a_non_positive_value_names_log_the_label_and_the_value(bad: float) -> None:
    z = Value(bad, label="z")
    with pytest.raises(ValueError, match="log") as error:
        z.log()
    assert "'z'" in str(error.value)
    assert repr(bad) in str(error.value)


def test_log_of_an_unlabelled_interior_node_names_its_value() -> None:
    x = Value(2.0)
    with pytest.raises(ValueError, match=r"log.*-2\.0"):
        (-x).log()


@pytest.mark.parametrize(
    "f",
    [
        lambda v: v / 0,
        lambda v: v / 0.0,
        lambda v: v / Value(0.0),
        lambda v: 1 / (v - v),
        lambda v: 3.0 / Value(0.0, label="d"),
    ],
)
def test_division_by_zero(f: Callable[[Value], Value]) -> None:
    with pytest.raises(ZeroDivisionError, match="/"):
        f(Value(2.0))


@pytest.mark.parametrize(
    "f",
    [
        lambda: Value(-2.0, label="b") ** 0.5,
        lambda: Value(-2.0, label="b") ** Value(1.5),
        lambda: (-8) ** Value(1 / 3),
        lambda: Value(-1e-300, label="b") ** -0.5,
    ],
)
def test_a_negative_base_to_a_non_integer_power_is_a_value_error(f: Callable[[], Value]) -> None:
    with pytest.raises(ValueError, match=r"\*\*") as error:
        f()
    assert "negative" in str(error.value)


@pytest.mark.parametrize(
    "f", [lambda: Value(0.0) ** -1, lambda: 0 ** Value(-2.0), lambda: Value(0.0) ** -0.5]
)
def test_zero_to_a_negative_power_is_a_zero_division_error(f: Callable[[], Value]) -> None:
    with pytest.raises(ZeroDivisionError, match=r"\*\*"):
        f()


@pytest.mark.parametrize("exponent", [0.5, 0.25])
def test_an_infinite_derivative_is_a_zero_division_error_in_backward(exponent: float) -> None:
    """sqrt(x) at 0 is fine, its slope is not: backward says so instead of returning inf."""
    x = Value(0.0, label="x")
    y = x**exponent
    assert y.data == 0.0
    with pytest.raises(ZeroDivisionError, match="infinite") as error:
        y.backward()
    assert "'x'" in str(error.value)
    assert "**" in str(error.value)
    # the graph stays inspectable after the error (say, to draw it)
    assert [p.data for p in y.parents] == [0.0, exponent]


def test_exp_overflow_says_so_clearly() -> None:
    x = Value(1000.0, label="x")
    with pytest.raises(OverflowError, match="exp") as error:
        x.exp()
    message = str(error.value)
    assert "'x'" in message
    assert "1000" in message
    assert "too large" in message


@pytest.mark.parametrize(
    ("f", "op"),
    [
        (lambda: Value(1e200) * Value(1e200), r"\*"),
        (lambda: Value(1e308) + 1e308, r"\+"),
        (lambda: -1e308 - Value(1e308), "-"),
        (lambda: Value(1e300) / 1e-300, "/"),
        (lambda: Value(10.0) ** 400, r"\*\*"),
        (lambda: 10 ** Value(400.0), r"\*\*"),
        (lambda: linear([Value(1e200)], [Value(1e200)]), "linear"),
    ],
)
def test_an_operation_that_overflows_is_an_overflow_error(f: Callable[[], Value], op: str) -> None:
    with pytest.raises(OverflowError, match=op) as error:
        f()
    assert "too large" in str(error.value)


def test_results_stay_finite_at_the_edges_of_the_domains() -> None:
    """Saturating functions saturate instead of overflowing."""
    assert Value(-1000.0).sigmoid().data == 0.0
    assert Value(1000.0).sigmoid().data == 1.0
    assert Value(-1000.0).tanh().data == -1.0
    assert Value(-1000.0).exp().data == 0.0


def test_a_gradient_that_overflows_names_the_node() -> None:
    x = Value(1e-300, label="x")
    y = x.log() * 1e300  # d y / d x = 1e300 / 1e-300 does not fit in a float
    with pytest.raises(OverflowError, match="'x'"):
        y.backward()
    with pytest.raises(OverflowError):
        grad(y, [x])
    # the failed walk left the graph usable
    (dx,) = grad(x.log(), [x])
    assert dx.data == 1 / 1e-300


def test_backward_gradient_must_be_a_finite_number() -> None:
    y = Value(1.0) * 2
    with pytest.raises(TypeError, match="str"):
        y.backward("1")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="nan"):
        y.backward(float("nan"))


def test_an_int_too_large_for_a_float_is_an_overflow_error_naming_value() -> None:
    with pytest.raises(OverflowError, match=r"Value\(\) got a number too large"):
        Value(10**400)


def test_operands_accept_what_value_accepts() -> None:
    from decimal import Decimal

    assert (Value(1.0) + Decimal("0.5")).data == 1.5  # type: ignore[operator]  # any real number works
    with pytest.raises(TypeError, match=r"^operand of '\+' takes an int or a float, got str: '0.5'"):
        Value(1.0) + "0.5"  # type: ignore[operator]
