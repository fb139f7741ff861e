"""Forward mode (autograd/forward.py): jvp, forward_steps, jacobian, hessian and Dual.

Checked against PyTorch (torch.func.jvp, torch.autograd.functional.jacobian
and hessian, in float64) and against central finite differences, on random
graphs of every op (tests/strategies.py); and its views, explain and the
stepper, in forward mode.
"""

from __future__ import annotations

import functools
import io
import math
import random
import sys
import warnings
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import Value, grad, no_grad, topological_order
from autograd.forward import Dual, forward_steps, hessian, jacobian, jvp, local_derivatives
from autograd.view.explanation import explain
from autograd.view.stepper import render_steps
from tests.strategies import Expression, expressions
from tests.test_against_torch import torch_ops
from tests.test_stepper import browser, embedded_data, open_page  # noqa: F401 (browser is a fixture)

DUAL_OPS = {name: functools.partial(Dual.apply, name) for name in ("linear", "logsumexp")}


def torch_jvp(torch: ModuleType, f: Any, primals: tuple[Any, ...], tangents: tuple[Any, ...]) -> Any:
    """``torch.func.jvp``, whose first call warns (inside torch) that ``torch.jit.script`` is deprecated."""
    import torch.func

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", ".*torch.jit.script.* is deprecated", DeprecationWarning)
        return torch.func.jvp(f, primals, tangents)


def built(expression: Expression, outputs: int = 1) -> tuple[list[Value], list[Value]]:
    """The last ``outputs`` step results of the expression, and the inputs they depend on."""
    leaves, nodes = expression.build()
    outs = nodes[len(leaves) :][-outputs:]
    in_graph = {node for out in outs for node in topological_order(out)}
    return outs, [x for x in leaves if x in in_graph]


def directions(n: int, seed: int) -> list[float]:
    rng = random.Random(seed)
    return [rng.uniform(-1.0, 1.0) for _ in range(n)]


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


# --- jvp ------------------------------------------------------------------------------


def test_jvp_of_one_output_and_of_several() -> None:
    x, w = Value(2.0, label="x"), Value(-3.0, label="w")
    y = x * w + x.exp()
    assert jvp(y, [x, w], [1.0, 0.0]) == -3.0 + math.exp(2.0)
    assert jvp(y, [x, w], [0.0, 1.0]) == 2.0
    assert jvp([y, x * x], [x], [0.5]) == [0.5 * (-3.0 + math.exp(2.0)), 2.0]
    assert jvp(y, x, 1.0) == jvp(y, [x], [1.0])  # a bare Value and a bare number
    assert jvp(x, [x], [2.5]) == 2.5  # the output is the input


@given(expressions(), st.integers(0, 2**32))
@settings(max_examples=60)
def test_jvp_matches_torch_func_jvp(torch: ModuleType, expression: Expression, seed: int) -> None:
    outs, inputs = built(expression, outputs=2)
    tangents = directions(len(inputs), seed)
    ours = jvp(outs, inputs, tangents)
    used = [int(x.label[1:]) for x in inputs]  # the leaves are labelled n0, n1, ...

    def f(*xs: Any) -> Any:
        leaves = [torch.tensor(v, dtype=torch.float64) for v in expression.inputs]
        for i, x in zip(used, xs):
            leaves[i] = x
        nodes = expression.replay(leaves, torch_ops(torch))
        return tuple(nodes[len(leaves) :][-2:])

    primals = tuple(torch.tensor(x.data, dtype=torch.float64) for x in inputs)
    _, theirs = torch_jvp(torch, f, primals, tuple(torch.tensor(t, dtype=torch.float64) for t in tangents))
    theirs = list(theirs)[-len(outs) :]
    for a, b in zip(ours, theirs, strict=True):
        assert math.isclose(a, float(b), rel_tol=1e-9, abs_tol=1e-9), (a, float(b))


@given(expressions(), st.integers(0, 2**32))
@settings(max_examples=60)
def test_jvp_matches_central_differences(expression: Expression, seed: int) -> None:
    (out,), inputs = built(expression)
    tangents = directions(len(inputs), seed)
    ours = jvp(out, inputs, tangents)
    eps = 1e-6
    index = [int(x.label[1:]) for x in inputs]

    def along(s: float) -> float:
        values = list(expression.inputs)
        for i, t in zip(index, tangents):
            values[i] += s * t
        return float(expression.replay([Value(v) for v in values])[-1].data)

    numeric = (along(eps) - along(-eps)) / (2 * eps)
    assert math.isclose(ours, numeric, rel_tol=1e-3, abs_tol=1e-5), (ours, numeric)


def test_jvp_leaves_every_grad_alone() -> None:
    x, w = Value(2.0), Value(-3.0)
    x.grad, w.grad = 0.25, -1.0
    y = (x * w).tanh() + w
    jvp(y, [x, w], [1.0, 2.0])
    list(forward_steps(y, [x, w], [1.0, 2.0]))
    jacobian([y], [x, w], mode="forward")
    jacobian([y], [x, w], mode="reverse")
    hessian(y, [x, w])
    assert (x.grad, w.grad) == (0.25, -1.0)
    assert all(node.grad == 0.0 for node in topological_order(y) if node not in (x, w))


def test_an_input_given_twice_moves_at_the_sum_of_its_tangents() -> None:
    x = Value(3.0)
    assert jvp(x * x, [x, x], [1.0, 2.0]) == 18.0


def test_an_interior_input_agrees_with_grad() -> None:
    """d y / d h with h = x * x inside the graph: forward mode sums the paths from h, as grad() does."""
    x = Value(1.5)
    h = x * x
    y = h.tanh() * x
    (dh,) = grad(y, [h])
    assert close(jvp(y, [h], [1.0]), dh.data)
    J = jacobian([y], [x, h], mode="forward")
    assert all(close(a, b) for a, b in zip(J[0], jacobian([y], [x, h])[0], strict=True))


# --- forward_steps --------------------------------------------------------------


@given(expressions(), st.integers(0, 2**32))
@settings(max_examples=60)
def test_forward_steps_sum_their_contributions_to_jvp(expression: Expression, seed: int) -> None:
    (out,), inputs = built(expression)
    tangents = directions(len(inputs), seed)
    own = dict(zip(inputs, tangents, strict=True))
    steps = list(forward_steps(out, inputs, tangents))
    tangent: dict[Value, float] = {}
    for step in steps:
        assert [p for p, _, _ in step.contributions] == list(step.node.parents)
        for (parent, local, contribution), rule in zip(
            step.contributions, local_derivatives(step.node) if step.node.parents else (), strict=True
        ):
            assert local == rule
            assert contribution == (0.0 if parent.is_constant else tangent[parent] * local)
        assert step.tangent == own.get(step.node, 0.0) + sum(c for _, _, c in step.contributions)
        tangent[step.node] = step.tangent
    assert steps[-1].node is out
    assert steps[-1].tangent == jvp(out, inputs, tangents)
    assert len(steps) == len([n for n in topological_order(out) if not n.is_constant])  # parents first


def test_a_step_reads_as_its_sum() -> None:
    x = Value(3.0, label="x")
    steps = [str(s) for s in forward_steps(x * 2, [x], [1.0])]
    assert steps == ["x: tangent 1", "*: tangent 2 = 2 (from x) + 0 (from 2)"]


@pytest.mark.slow
def test_forward_mode_through_a_million_deep_chain_at_the_default_recursion_limit() -> None:
    """x -> x * 1.0001 + 0.0001, a million times: d y / d x = 1.0001**n (about 10 s on this machine)."""
    n = 1_000_000
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)
    try:
        x = Value(1.0, label="x")
        y = x
        for _ in range(n):
            y = y * 1.0001 + 0.0001
        assert math.isclose(jvp(y, [x], [1.0]), 1.0001**n, rel_tol=1e-9)
        assert x.grad == 0.0
        del y
    finally:
        sys.setrecursionlimit(limit)


# --- jacobian and hessian ------------------------------------------------------


@given(expressions(max_inputs=3))
@settings(max_examples=40)
def test_jacobian_both_modes_match_torch(torch: ModuleType, expression: Expression) -> None:
    outs, inputs = built(expression, outputs=3)
    index = [int(x.label[1:]) for x in inputs]
    reverse = jacobian(outs, inputs)
    forward = jacobian(outs, inputs, mode="forward")

    def f(*xs: Any) -> Any:
        leaves = [torch.tensor(v, dtype=torch.float64) for v in expression.inputs]
        for i, x in zip(index, xs):
            leaves[i] = x
        nodes = expression.replay(leaves, torch_ops(torch))
        return tuple(nodes[len(leaves) :][-len(outs) :])

    primals = tuple(torch.tensor(x.data, dtype=torch.float64) for x in inputs)
    theirs = torch.autograd.functional.jacobian(f, primals)
    for i in range(len(outs)):
        for j in range(len(inputs)):
            expected = float(theirs[i][j])
            assert math.isclose(reverse[i][j], expected, rel_tol=1e-9, abs_tol=1e-9)
            assert math.isclose(forward[i][j], expected, rel_tol=1e-9, abs_tol=1e-9)
    assert (reverse.passes, forward.passes) == (len(outs), len(inputs))


def test_jacobian_counts_passes_and_rule_calls() -> None:
    x, y = Value(2.0), Value(3.0)
    outs = [x * y, x + y, y.exp()]
    forward, reverse = jacobian(outs, [x, y], mode="forward"), jacobian(outs, [x, y])
    assert forward == reverse == [[3.0, 2.0], [1.0, 1.0], [0.0, math.exp(3.0)]]
    assert (forward.mode, forward.passes, forward.rule_calls) == ("forward", 2, 6)  # 3 ops, twice
    assert (reverse.mode, reverse.passes, reverse.rule_calls) == ("reverse", 3, 3)  # one op per output
    assert forward[2][1] == math.exp(3.0)  # J[i][j] indexing


@given(expressions(max_inputs=3, max_steps=8))
@settings(max_examples=40)
def test_hessian_matches_torch_and_is_symmetric(torch: ModuleType, expression: Expression) -> None:
    (out,), inputs = built(expression)
    index = [int(x.label[1:]) for x in inputs]
    ours = hessian(out, inputs)

    def f(v: Any) -> Any:
        leaves = [torch.tensor(x, dtype=torch.float64) for x in expression.inputs]
        for k, i in enumerate(index):
            leaves[i] = v[k]
        return expression.replay(leaves, torch_ops(torch))[-1]

    theirs = torch.autograd.functional.hessian(f, torch.tensor([x.data for x in inputs], dtype=torch.float64))
    for i in range(len(inputs)):
        for j in range(len(inputs)):
            assert math.isclose(ours[i][j], float(theirs[i][j]), rel_tol=1e-8, abs_tol=1e-8)
            assert math.isclose(ours[i][j], ours[j][i], rel_tol=1e-9, abs_tol=1e-12)


@given(expressions(max_inputs=2, max_steps=6))
@settings(max_examples=40)
def test_hessian_matches_central_differences_of_the_gradient(expression: Expression) -> None:
    (out,), inputs = built(expression)
    index = [int(x.label[1:]) for x in inputs]
    ours = hessian(out, inputs)
    eps = 1e-6

    def gradient(j: int, s: float) -> list[float]:
        values = list(expression.inputs)
        values[index[j]] += s
        leaves = [Value(v) for v in values]
        return [g.data for g in grad(expression.replay(leaves)[-1], [leaves[i] for i in index])]

    for j in range(len(inputs)):
        plus, minus = gradient(j, eps), gradient(j, -eps)
        for i in range(len(inputs)):
            numeric = (plus[i] - minus[i]) / (2 * eps)
            assert math.isclose(ours[i][j], numeric, rel_tol=1e-3, abs_tol=1e-4), (i, j, ours[i][j], numeric)


def test_hessian_of_the_quartic_and_of_a_product() -> None:
    x = Value(2.0)
    assert hessian(x**4 - 2 * x**2, [x]) == [[12 * 4.0 - 4]]
    a, b = Value(1.0), Value(2.0)
    assert hessian(a * a * b, [a, b]) == [[4.0, 2.0], [2.0, 0.0]]


# --- Dual -----------------------------------------------------------------------------


def test_dual_numbers() -> None:
    x = Dual(3.0, 1.0)
    assert (x**2).value == 9.0 and (x**2).tangent == 6.0
    y = 1 / (2 * x - 1) + x.exp() - 3 ** x
    assert math.isclose(y.tangent, -2 / 25 + math.exp(3.0) - 27 * math.log(3.0))
    assert (-x).tangent == -1.0 and (+x) is x
    assert (x - 1).tangent == 1.0 and (10 - x).tangent == -1.0 and (x / 2).tangent == 0.5
    assert x.log().tangent == 1 / 3 and x.relu().tangent == 1.0 and (-x).relu().tangent == 0.0
    assert x.softplus().tangent == 1 / (1 + math.exp(-3.0))
    assert math.isclose(x.sigmoid().tangent, x.sigmoid().value * (1 - x.sigmoid().value))
    assert repr(Dual(2.0, 0.5)) == "Dual(value=2.0, tangent=0.5)"
    assert Dual(1).tangent == 0.0 and type(Dual(1).value) is float


@given(expressions(), st.integers(0, 2**32))
@settings(max_examples=60)
def test_dual_agrees_with_jvp(expression: Expression, seed: int) -> None:
    (out,), inputs = built(expression)
    tangents = directions(len(inputs), seed)
    own = dict(zip([int(x.label[1:]) for x in inputs], tangents, strict=True))
    duals = [Dual(v, own.get(i, 0.0)) for i, v in enumerate(expression.inputs)]
    result = expression.replay(duals, DUAL_OPS)[-1]
    assert result.value == out.data
    assert close(result.tangent, jvp(out, inputs, tangents))


def test_define_op_forward() -> None:
    """An op added with define_op works in forward mode (jvp, jacobian, hessian, Dual), as it is."""
    import autograd

    def cos_of(a: Any) -> Any:
        return math.cos(a) if isinstance(a, (int, float)) else cos(a)

    def sin_of(a: Any) -> Any:
        return math.sin(a) if isinstance(a, (int, float)) else sin(a)

    sin = autograd.define_op("sin", math.sin, lambda g, out, a: (g * cos_of(a),))
    cos = autograd.define_op("cos", math.cos, lambda g, out, a: (-g * sin_of(a),))
    x = Value(0.7, label="x")
    y = sin(x * x) * cos(x)
    exact = 2 * 0.7 * math.cos(0.49) * math.cos(0.7) - math.sin(0.49) * math.sin(0.7)
    assert math.isclose(jvp(y, [x], [1.0]), exact, rel_tol=1e-12)
    assert math.isclose(jacobian([y], [x], mode="forward")[0][0], jacobian([y], [x])[0][0], rel_tol=1e-12)
    ((second,),) = hessian(sin(x), [x])
    assert math.isclose(second, -math.sin(0.7), rel_tol=1e-12)
    assert math.isclose(Dual.apply(sin(x).op, Dual(0.7, 1.0)).tangent, math.cos(0.7), rel_tol=1e-15)


# --- bad input ------------------------------------------------------------------


def test_bad_input_is_a_clear_error() -> None:
    x, w = Value(2.0, label="x"), Value(1.0, label="w")
    y = x * 3
    with pytest.raises(ValueError, match="2 inputs but 1 tangents"):
        jvp(y, [x, x], [1.0])
    with pytest.raises(ValueError, match=r"input 1 \('w' = 1.0\) is not in the graph"):
        jvp(y, [x, w], [1.0, 0.0])
    with pytest.raises(ValueError, match="not in the graph"):
        jacobian([y], [w], mode="forward")
    with pytest.raises(ValueError, match="not in the graph"):
        hessian(y, [w])
    with pytest.raises(TypeError, match=r"tangent 0 \(of input 'x' = 2.0\) is a number, not str"):
        jvp(y, [x], ["1"])
    with pytest.raises(TypeError, match="not Value"):
        jvp(y, [x], [Value(1.0)])
    with pytest.raises(ValueError, match=r"tangent 0 .* is nan"):
        jvp(y, [x], [float("nan")])
    with pytest.raises(TypeError, match="input 0 is not a Value but float"):
        jvp(y, [2.0], [1.0])
    with pytest.raises(TypeError, match="output 0 is not a Value but int"):
        jvp([3], [x], [1.0])
    with pytest.raises(ValueError, match=r"the constant 3\.0"):
        jvp(y, [y.parents[1]], [1.0])
    with pytest.raises(ValueError, match='mode is "reverse" or "forward", got \'sideways\''):
        jacobian([y], [x], mode="sideways")
    with pytest.raises(RuntimeError, match="no_grad"), no_grad():
        hessian(y, [x])
    with pytest.raises(TypeError, match="forward_steps"):
        forward_steps(y, x, "a")


def test_a_rule_that_fails_names_the_op_and_a_tangent_that_overflows_names_the_node() -> None:
    x = Value(0.0, label="x")
    with pytest.raises(ZeroDivisionError, match=r"forward mode through \*\*\('x' = 0.0, 0.5\)"):
        jvp(x**0.5, [x], [1.0])
    y = Value(1.0, label="x") * 1e10  # a fine value, whose tangent along 1e300 overflows
    y.label = "y"
    with pytest.raises(OverflowError, match=r"the tangent at 'y' = 10000000000.0 \(\*\) overflowed to inf"):
        jvp(y, y.parents[:1], [1e300])


def test_dual_bad_input() -> None:
    with pytest.raises(TypeError, match="Dual\\(\\) value is a number, not str"):
        Dual("1")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="Dual\\(\\) tangent is nan"):
        Dual(1.0, float("nan"))
    with pytest.raises(TypeError, match="an operand of '\\+' is a number, not Value"):
        Dual(1.0, 1.0) + Value(2.0)  # type: ignore[operator]
    with pytest.raises(ValueError, match=r"log\(Dual\(value=-1.0, tangent=1.0\)\): log is defined only"):
        Dual(-1.0, 1.0).log()
    with pytest.raises(ValueError, match="no op named 'sinh'"):
        Dual.apply("sinh", Dual(1.0))


# --- the views --------------------------------------------------------------------


def test_explain_forward_prints_the_steps_numbers_and_leaves_the_grads() -> None:
    x, w = Value(2.0, label="x"), Value(-3.0, label="w")
    y = (x * w + 1).tanh()
    y.label = "y"
    out = io.StringIO()
    explain(y, out, mode="forward", inputs=[x, w], tangents=[1.0, 0.5])
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("Forward pass of y = -0.9999 along dx = 1, dw = 0.5, in 5 steps.")
    assert lines[2:] == [
        "1. dx = 1  (an input)",
        "2. dw = 0.5  (an input)",
        "3. d(x*w) = w × dx + x × dw = -3 × 1 + 2 × 0.5 = -2",
        "4. d(x*w + 1) = 1 × d(x*w) = 1 × (-2) = -2",
        f"5. dy = (1 - y²) × d(x*w + 1) = 0.0001816 × (-2) = {jvp(y, [x, w], [1.0, 0.5]):.4g}",
    ]
    assert x.grad == w.grad == 0.0
    with pytest.raises(TypeError, match="needs inputs"):
        explain(y, out, mode="forward")
    with pytest.raises(ValueError, match="mode"):
        explain(y, out, mode="up")  # type: ignore[arg-type]


def test_render_steps_forward_embeds_the_forward_steps(tmp_path: Path) -> None:
    x, w = Value(2.0, label="x"), Value(-3.0, label="w")
    w.grad = 7.0
    y = (x * w + 1).tanh()
    page = render_steps(y, tmp_path / "forward.html", mode="forward", inputs=[x], tangents=[1.0])
    text = page.read_text(encoding="utf-8")
    data = embedded_data(text)
    assert data["mode"] == "forward"
    assert "<title>Forward pass of" in text
    steps = list(forward_steps(y, [x], [1.0]))
    assert [s["upstream"] for s in data["steps"]] == [s.tangent for s in steps]
    last = data["steps"][-1]
    assert last["upstream"] == jvp(y, [x], [1.0])
    assert last["contributions"][0]["sumText"] == "-3.000"  # the parent's tangent, final
    assert (x.grad, w.grad) == (0.0, 7.0)


def test_the_forward_page_fills_in_tangents_from_the_inputs(browser: Any, tmp_path: Path) -> None:  # noqa: F811
    from selenium.webdriver.common.by import By

    x, w = Value(2.0, label="x"), Value(-3.0, label="w")
    y = (x * w + 1).tanh()
    y.label = "y"
    open_page(browser, render_steps(y, tmp_path / "forward.html", mode="forward", inputs=[x]))
    read = """return [...document.querySelectorAll('#graph g.node text')]
              .filter((t) => t.textContent.startsWith('tangent ')).map((t) => t.textContent);"""
    assert browser.execute_script(read) == ["tangent ?"] * 5
    assert browser.find_element(By.ID, "heading").text == "Before the forward pass"
    for _ in range(5):
        browser.find_element(By.ID, "next").click()
    rows = browser.execute_script(read)
    assert "tangent 1.000" in rows and "tangent -3.000" in rows and "tangent 0.000" in rows
    assert "?" not in "".join(rows)
    assert browser.find_element(By.ID, "heading").text.endswith("its tangent is final")
    assert "jvp()" in browser.find_element(By.ID, "note").text
    assert browser.find_element(By.ID, "upstream-name").text == "tangent"
    severe = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert severe == []
