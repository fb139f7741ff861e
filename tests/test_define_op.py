"""``autograd.define_op``: an op of your own works everywhere a built-in op does.

The example is the one the issue and the docs use: ``sin`` and ``cos``, each
backward rule written with the other op, so that the rules also run on Values
and ``grad(..., create_graph=True)`` differentiates them again.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
from autograd import OPS, Value, backward_steps, grad, gradcheck
from tests.checks import Define, ops_restored
from tests.strategies import Expression, expressions
from tests.test_against_torch import REL, REL_SECOND, assert_close, derivatives, torch_derivatives

Op1 = Callable[..., Any]
Trig = tuple[Op1, Op1]
angles = st.floats(-10.0, 10.0, allow_nan=False, allow_infinity=False)


def sin_and_cos(define: Define) -> tuple[Op1, Op1]:
    """sin and cos as the docs make them: each rule calls the other op."""
    sin: Op1
    cos = define("cos", math.cos, lambda g, out, a: (-g * sin(a),), formula="(-sin {0})")
    sin = define("sin", math.sin, lambda g, out, a: (g * cos(a),), formula="cos {0}")
    return sin, cos


@pytest.fixture(scope="module")
def trig() -> Iterator[Trig]:
    """sin and cos for a whole module's Hypothesis tests: in the table before anything is drawn."""
    with ops_restored() as define:
        yield sin_and_cos(define)


def test_the_function_gives_values_on_values_and_floats_on_numbers(define: Define) -> None:
    sin, cos = sin_and_cos(define)
    x = Value(0.5, label="x")
    y = sin(x)
    assert isinstance(y, Value) and y.data == math.sin(0.5)
    assert y.op == "sin" and y.op is OPS["sin"] and y.parents == (x,)
    assert sin(0.5) == math.sin(0.5) and type(sin(0.5)) is float and cos(1) == math.cos(1.0)
    assert sin.__name__ == "sin" and "define_op" in (sin.__doc__ or "")
    z = sin(x * 2) * cos(x)
    assert z.data == math.sin(1.0) * math.cos(0.5)


@given(angles, angles)
def test_values_and_gradients_match_torch(trig: Trig, torch: ModuleType, a: float, b: float) -> None:
    sin, cos = trig
    x, y = Value(a), Value(b)
    out = sin(x * y) + cos(x) * sin(y) - cos(cos(y))
    out.backward()
    tx, ty = (torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (a, b))
    t_out = (tx * ty).sin() + tx.cos() * ty.sin() - ty.cos().cos()
    t_out.backward()
    assert_close([out.data], [t_out.item()], REL, "value")
    assert_close([x.grad, y.grad], [tx.grad.item(), ty.grad.item()], REL, "gradient")


@given(expressions())
def test_random_graphs_with_sin_and_cos_match_torch_to_second_derivatives(
    trig: Trig, torch: ModuleType, expression: Expression
) -> None:
    """The strategies read the table when they draw: sin and cos come into the random graphs."""
    values, gradient, hessian = derivatives(expression)
    torch_values, torch_gradient, torch_hessian = torch_derivatives(torch, expression)
    assert_close(values, torch_values, REL, "value of node")
    assert_close(gradient, torch_gradient, REL, "d output / d input")
    for row, torch_row in zip(hessian, torch_hessian):
        assert_close(row, torch_row, REL_SECOND, "second derivative")


def test_the_strategies_draw_ops_defined_since(trig: Trig) -> None:
    drawn: set[str] = set()

    @settings(max_examples=200, database=None)
    @given(expressions())
    def draw(expression: Expression) -> None:
        drawn.update(op for op, _ in expression.steps)

    draw()
    assert {"sin", "cos"} <= drawn


@given(angles)
def test_second_and_third_derivatives_through_create_graph(trig: Trig, a: float) -> None:
    """d/dx sin = cos, d²/dx² sin = -sin, d³/dx³ sin = -cos: each rule differentiated by the other."""
    sin, _ = trig
    x = Value(a)
    (d1,) = grad(sin(x), [x], create_graph=True)
    (d2,) = grad(d1, [x], create_graph=True)
    (d3,) = grad(d2, [x])
    assert (d1.data, d2.data, d3.data) == (math.cos(a), -math.sin(a), -math.cos(a))
    assert d2.op == "neg" or any(v.op == "sin" for v in autograd.topological_order(d2))


@given(angles, angles)
def test_gradcheck(trig: Trig, a: float, b: float) -> None:
    sin, cos = trig
    assert gradcheck(lambda x: sin(x), [a])
    assert gradcheck(lambda x: cos(x), [a])
    assert gradcheck(lambda x, y: sin(x * y) * cos(x + y) + sin(cos(x)), [a, b])


def test_gradcheck_finds_a_wrong_rule(define: Define) -> None:
    wrong = define("wrong_sin", math.sin, lambda g, out, a: (g * math.sin(float(a)),))
    with pytest.raises(AssertionError, match="input 0"):
        gradcheck(lambda x: wrong(x), [0.5])


def test_steps_show_the_rule_of_the_op(define: Define) -> None:
    sin, cos = sin_and_cos(define)
    x = Value(0.7, label="x")
    y = sin(cos(x))
    steps = list(backward_steps(y, 2.0))
    assert [s.node.op for s in steps] == ["sin", "cos", ""]
    ((_, local_of_sin, contribution),) = steps[0].contributions
    assert local_of_sin == math.cos(math.cos(0.7)) and contribution == 2.0 * local_of_sin
    ((_, local, contribution),) = steps[1].contributions
    assert local == -math.sin(0.7) and contribution == steps[1].upstream * local
    assert x.grad == steps[2].upstream == contribution
    assert str(steps[0]) == f"sin: upstream 2 → cos += 2 × {local_of_sin:.4g}"


def test_explain_shows_the_op_and_its_formula(define: Define) -> None:
    sin, _ = sin_and_cos(define)
    x = Value(0.5, label="x")
    out = io.StringIO()
    autograd.explain(sin(x * 2), file=out)
    text = out.getvalue()
    assert "sin(x*2)" in text, text  # the op's name, in the node's name
    assert "cos x*2" in text, text  # its formula, with the input's name
    assert f"{math.cos(1.0):.4g}" in text, text


def test_explain_writes_an_op_without_a_formula_from_its_name(define: Define) -> None:
    twice = define("twice", lambda a: 2.0 * a, lambda g, out, a: (g * 2.0,))
    out = io.StringIO()
    autograd.explain(twice(Value(0.5, label="x")) * 3, file=out)
    assert "× ∂twice(x)/∂x = 3 × 2 = 6" in out.getvalue(), out.getvalue()


def test_render_steps_shows_the_op(define: Define, tmp_path: Path) -> None:
    sin, cos = sin_and_cos(define)
    x = Value(0.5, label="x")
    page = autograd.render_steps(sin(x) * cos(x), tmp_path / "steps.html").read_text(encoding="utf-8")
    assert "sin" in page and "cos" in page


@pytest.mark.parametrize("form", ["code", "tape"])
def test_compile_is_bit_identical_to_the_engine(define: Define, form: str) -> None:
    sin, cos = sin_and_cos(define)
    x, y = Value(0.3, label="x"), Value(-1.2, label="y")
    root = sin(x * y) + cos(sin(x)) * y
    program = autograd.compile(root, form=form)  # type: ignore[arg-type]
    for a, b in [(0.3, -1.2), (2.5, 0.1), (-7.0, 3.3)]:
        x.data, y.data = a, b
        x.grad = y.grad = 0.0
        value = program()
        compiled = (x.grad.hex(), y.grad.hex(), value.hex())
        x.grad = y.grad = 0.0
        fresh = sin(x * y) + cos(sin(x)) * y
        fresh.backward()
        assert compiled == (x.grad.hex(), y.grad.hex(), fresh.data.hex())


# --- bad input ----------------------------------------------------------------


@pytest.mark.parametrize("taken", ["+", "linear", "tanh", "number ** x"])
def test_a_name_that_is_taken_is_refused(define: Define, taken: str) -> None:
    rule = OPS[taken]
    with pytest.raises(ValueError, match=re.escape(f"an op named '{taken}' exists already")):
        autograd.define_op(taken, math.sin, lambda g, out, a: (g,))
    assert OPS[taken] is rule


def test_a_name_defined_twice_is_refused(define: Define) -> None:
    define("sin_once", math.sin, lambda g, out, a: (g,))
    with pytest.raises(ValueError, match="sin_once"):
        autograd.define_op("sin_once", math.cos, lambda g, out, a: (g,))


def test_a_forward_rule_that_gives_nan_is_an_error_naming_the_op(define: Define) -> None:
    bad = define("bad_sqrt", lambda a: math.nan if a < 0 else math.sqrt(a), lambda g, out, a: (g,))
    assert bad(Value(4.0)).data == 2.0
    with pytest.raises(ValueError, match=r"^bad_sqrt\('x' = -1.0\): .*nan"):
        bad(Value(-1.0, label="x"))


def test_a_forward_rule_that_gives_a_non_number_is_an_error_naming_the_op(define: Define) -> None:
    bad = define("bad_text", lambda a: "one", lambda g, out, a: (g,))
    with pytest.raises(TypeError, match="bad_text"):
        bad(Value(1.0, label="x"))


def test_a_forward_rule_may_give_an_int_or_a_numpy_number_stored_as_a_float(define: Define) -> None:
    np = pytest.importorskip("numpy")
    as_int = define("floor_", lambda a: math.floor(a), lambda g, out, a: (0.0 * g,))
    as_numpy = define("np_sin", lambda a: np.sin(a), lambda g, out, a: (g * math.cos(float(a)),))
    for y in (as_int(Value(2.5)), as_numpy(Value(0.5))):
        assert type(y.data) is float
    assert as_numpy(Value(0.5)).data == math.sin(0.5)


def test_an_error_in_a_rule_names_the_op(define: Define) -> None:
    strict = define("strict_log", math.log, lambda g, out, a: (g / a,))
    with pytest.raises(ValueError, match=r"strict_log\('x' = -2.0\)"):
        strict(Value(-2.0, label="x"))
    x = Value(0.0 + 1e-300, label="x")
    y = strict(x) * 1e300
    with pytest.raises(OverflowError, match="'x'"):
        y.backward()


def test_an_op_needs_a_name(define: Define) -> None:
    """The empty name is a leaf's op: an op made with it would make its results look like leaves."""
    with pytest.raises(ValueError, match="an op needs a name"):
        define("", math.sin, lambda g, out, a: (g * math.cos(a),))
