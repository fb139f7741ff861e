"""``explain``: the backward pass as text, one chain-rule equation per step."""

from __future__ import annotations

import io
import re

import pytest

from autograd import Value, backward_steps, linear, topological_order
from autograd.text import describe, factor, name, number
from autograd.view.explanation import error_term, explain, explanation
from autograd.view.shown import node_names
from nn import MLP, error_terms, half_squared_error
from tests.checks import neuron

num = number


def step_lines(lines: list[str]) -> list[str]:
    return [line for line in lines if re.match(r"\s*\d+\. ", line)]


def test_one_line_per_step_in_the_order_and_with_the_numbers_of_backward_steps() -> None:
    expected = list(backward_steps(neuron()))
    lines = step_lines(list(explanation(neuron())))
    assert len(lines) == len(expected) == 6
    names = node_names(expected[0].node)
    for k, (line, step) in enumerate(zip(lines, expected, strict=True), start=1):
        assert line.startswith(f"{k}. ∂o/∂")
        name = names[step.node] if step.node.label else f"({names[step.node]})"
        assert line.split(" = ")[0] == f"{k}. ∂o/∂{name}"
        assert line.split("  (")[0].endswith(f"= {num(step.upstream)}")


def test_each_equation_names_the_local_rule_and_multiplies_it_out() -> None:
    lines = step_lines(list(explanation(neuron())))
    by_node = {line.split(" = ")[0].split("∂o/∂")[1]: line for line in lines}
    assert by_node["o"].endswith("∂o/∂o = 1  (the start)")
    assert by_node["n"].endswith("∂o/∂n = ∂o/∂o × (1 - o²) = 1 × 0.501 = 0.501")
    assert by_node["x"].endswith("∂o/∂x = ∂o/∂(x*w) × w = 0.501 × (-3) = -1.503")
    assert by_node["w"].endswith("∂o/∂w = ∂o/∂(x*w) × x = 0.501 × 2 = 1.002")


def test_explain_leaves_the_grads_of_backward() -> None:
    explained, plain = neuron(), neuron()
    explain(explained, file=io.StringIO())
    plain.backward()

    for a, b in zip(topological_order(explained), topological_order(plain), strict=True):
        assert a.grad == b.grad


def test_prints_to_stdout_or_to_file(capsys: pytest.CaptureFixture[str]) -> None:
    explain(neuron())
    printed = capsys.readouterr().out
    buffer = io.StringIO()
    explain(neuron(), file=buffer)
    assert printed == buffer.getvalue()
    assert printed.startswith("Backward pass of o = 0.7064, in 6 steps.")


def test_a_node_used_twice_sums_both_shares() -> None:
    a = Value(3.0, label="a")
    y = a * a + a
    y.label = "y"
    (line,) = [line for line in explanation(y) if "∂y/∂a =" in line]
    assert line.endswith("∂y/∂a = ∂y/∂(a*a) × a + ∂y/∂(a*a) × a + ∂y/∂y × 1 = 1 × 3 + 1 × 3 + 1 × 1 = 7") or (
        line.endswith("∂y/∂a = ∂y/∂y × 1 + ∂y/∂(a*a) × a + ∂y/∂(a*a) × a = 1 × 1 + 1 × 3 + 1 × 3 = 7")
    )


def test_many_uses_are_summarised() -> None:
    x = Value(1.0, label="x")
    total = sum((x * float(k) for k in range(1, 8)), Value(0.0))
    (line,) = [line for line in explanation(total) if "/∂x =" in line]
    assert "Σ over its 7 uses" in line
    assert line.endswith("… = 28")


def test_names_of_unlabelled_nodes() -> None:
    x = Value(2.0, label="x")
    long = ((x * 3 + 1).tanh() * (x - 2).exp()).relu()
    names = node_names(long)
    inner = long.parents[0]
    assert names[inner.parents[0]] == "tanh(x*3 + 1)"
    assert names[inner.parents[1]] == "exp(x - 2)"
    assert names[long] == "relu#1"  # the whole expression would be too long to read
    assert names[x] == "x"
    assert not [v for v in names if not v.parents and not v.label]  # constants are inline, not nodes
    with_constants = node_names(long, constants=True)
    assert sorted(n for v, n in with_constants.items() if not v.parents and not v.label) == ["1", "2", "3"]


def test_constants_are_inline_and_get_no_step() -> None:
    x = Value(2.0, label="x")
    y = 0.5 * (x * 3 - 1) ** 2
    y.label = "y"
    lines = list(explanation(y))
    steps = step_lines(lines)
    assert len(steps) == 5  # y, (x*3 - 1)**2, x*3 - 1, x*3, x: not 0.5, 2, 1 or 3
    assert "(its constants inline)" in lines[0]
    assert steps[1] == "2. ∂y/∂((x*3 - 1)**2) = ∂y/∂y × 0.5 = 1 × 0.5 = 0.5"
    assert steps[-1] == "5. ∂y/∂x = ∂y/∂(x*3) × 3 = 5 × 3 = 15"
    assert not any(re.search(r"∂y/∂(0\.5|2|1|3) =", line) for line in lines)


def test_constants_true_gives_each_constant_its_step_and_marks_it() -> None:
    x = Value(2.0, label="x")
    y = x * 3
    y.label = "y"
    lines = list(explanation(y, constants=True))
    # the walk's two nodes, and the constant, which no walk visits (nobody needs its gradient)
    assert len(step_lines(lines)) == len(list(backward_steps(x * 3))) + 1 == 3
    (line,) = [line for line in lines if "∂y/∂3 =" in line]
    assert line.endswith("= 1 × 2 = 2  (a constant)")
    buffer = io.StringIO()
    explain(x * 3, file=buffer, constants=True)
    assert "∂L/∂3 = " in buffer.getvalue()


def test_the_seeds_worked_example_with_its_error_terms() -> None:
    """The seed: δᵒ = (y - ŷ)·f'(Wa) = 0.1218, δʰ = W·δᵒ·f'(h) = 0.1 × 0.1218 × 0.25 = 0.003046."""
    net = MLP(2, [1, 1], activation="sigmoid", output_activation="sigmoid", bias=False)
    hidden, output = net.layers[0].neurons[0], net.layers[1].neurons[0]
    hidden.w[0].data, hidden.w[1].data, output.w[0].data = 0.4, -0.2, 0.1
    loss = half_squared_error(net([0.1, 0.3]), 1.0)
    lines = list(explanation(loss))

    # The seed's own words: about ten steps, with its two error terms standing out.
    assert len(step_lines(lines)) == 10
    deltas = [line.strip() for line in lines if line.strip().startswith("⇒ ")]
    assert deltas == [
        "⇒ δᵒ(L2.N0) = -∂L/∂L2.N0.a × f'(L2.N0.h) = 0.4876 × 0.2498 = 0.1218",
        "⇒ δʰ(L1.N0) = Σ W·δ × f'(L1.N0.h) = 0.1 × 0.1218 × 0.25 = 0.003046",
    ]
    # the constants are where the seed writes them: in the formulas
    assert " 2. ∂L/∂((1 - L2.N0.a)**2) = ∂L/∂L × 0.5 = 1 × 0.5 = 0.5" in lines
    w0 = "∂L/∂L1.N0.w0 = ∂L/∂L1.N0.h × 0.1 = -0.003046 × 0.1 = -0.0003046"
    assert any(line.endswith(w0) for line in lines)
    # explain ran the backward pass, so nn's own error terms agree with the text
    assert num(output.delta) == "0.1218" and num(hidden.delta) == "0.003046"
    assert lines[0].startswith("Backward pass of L = ")
    # ... and so does nn's error table, which works δ out by the same function
    table = error_terms(net)
    assert [num(layer[0].delta) for layer in table] == ["0.003046", "0.1218"]
    assert table[0][0].delta == error_term(hidden.h.grad) == hidden.delta


def test_error_terms_of_a_hidden_layer_feeding_several_neurons() -> None:
    net = MLP(3, [2, 2, 1], activation="tanh", seed=1)
    loss = half_squared_error(net([0.5, -1.0, 2.0]), 1.0)
    lines = [line.strip() for line in explanation(loss)]
    for layer, above in zip(net.layers, net.layers[1:]):
        for unit in layer.neurons:
            (line,) = [x for x in lines if x.startswith(f"⇒ δʰ({unit.label}) = Σ W·δ")]
            assert line.endswith(f"= {num(unit.delta)}")
            numbers = line.split(" = ")[2]
            # (W1 × δ1 + W2 × δ2 + ...) × f'(h): one term per neuron of the layer above
            assert numbers.count(" × ") == len(above.neurons) + 1


def test_error_term_without_an_activation_node() -> None:
    w, x = [Value(0.5, label="w1")], [Value(2.0, label="x1")]
    h = linear(w, x)
    h.label = "h"
    loss = (h - 3.0) ** 2
    (line,) = [x.strip() for x in explanation(loss) if "δ" in x]
    assert line == "⇒ δᵒ(h) = -∂L/∂h = 4"


def test_error_term_is_never_minus_zero() -> None:
    assert error_term(-0.5) == 0.5 and error_term(0.25) == -0.25
    assert str(error_term(0.0)) == "0.0"


# --- one formatter, one namer (autograd/text.py) -------------------------------------


def test_numbers_are_written_one_way() -> None:
    assert [number(x) for x in (0.12180, -3.0, 0.0030462, 1e-7, 123456.0)] == [
        "0.1218", "-3", "0.003046", "1e-07", "1.235e+05",
    ]
    assert [number(x, zeros=True) for x in (0.495, -3.0, 1000.0)] == ["0.4950", "-3.000", "1000"]
    assert factor(-3.0) == "(-3)" and factor(0.5) == "0.5"


def test_one_namer_for_a_node_alone_and_for_errors() -> None:
    x = Value(2.0, label="x")
    y = x * 3
    assert [name(x), name(y), name(Value(0.25)), name(0.5)] == ["x", "*", "0.25", "0.5"]
    assert [describe(x), describe(Value(-1.5)), describe(0.5)] == ["'x' = 2.0", "-1.5", "0.5"]
    y.label = "y"
    assert name(y) == "y"
