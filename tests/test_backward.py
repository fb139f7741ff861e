"""``backward()`` and ``backward_steps()``: accumulation, the steps contract, depth."""

from __future__ import annotations

import math
import sys
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd import Step, Value, backward_steps, linear, topological_order
from tests.strategies import Expression, expressions


def test_a_node_used_twice_gets_both_contributions() -> None:
    a = Value(3.0)
    (a * a).backward()
    assert a.grad == 6.0
    b = Value(-1.5)
    (b * b * b + b).backward()
    assert b.grad == 3 * 1.5**2 + 1


def test_the_seed_network_gradients() -> None:
    """The seed's worked example: two inputs, one sigmoid hidden unit, one sigmoid output."""
    x1, x2 = Value(0.1, label="x1"), Value(0.3, label="x2")
    w1, w2, big_w = Value(0.4, label="w1"), Value(-0.2, label="w2"), Value(0.1, label="W")
    h = linear([x1, x2], [w1, w2])
    a = h.sigmoid()
    y_hat = (big_w * a).sigmoid()
    error = 0.5 * (1 - y_hat) ** 2
    error.backward()
    s = 1 / (1 + math.exp(0.02))
    out = 1 / (1 + math.exp(-0.1 * s))
    delta_o = (1 - out) * out * (1 - out)
    delta_h = 0.1 * delta_o * s * (1 - s)
    assert math.isclose(big_w.grad, -delta_o * s, rel_tol=1e-12)
    assert math.isclose(w1.grad, -delta_h * 0.1, rel_tol=1e-12)
    assert math.isclose(w2.grad, -delta_h * 0.3, rel_tol=1e-12)
    assert math.isclose(h.grad, -delta_h, rel_tol=1e-12)


def test_gradient_argument_scales_every_gradient() -> None:
    x = Value(0.5)
    y = x.tanh() * 3
    y.backward(2.0)
    assert math.isclose(x.grad, 2.0 * 3 * (1 - math.tanh(0.5) ** 2), rel_tol=1e-15)
    assert y.grad == 2.0


@given(expressions())
def test_two_backward_calls_accumulate_on_every_node(expression: Expression) -> None:
    _, once = expression.build()
    once[-1].backward()
    _, twice = expression.build()
    twice[-1].backward()
    twice[-1].backward()
    # leaves and interior nodes alike; doubling a float is exact
    assert [v.grad for v in twice] == [2 * v.grad for v in once]


def test_a_constant_operand_is_a_leaf_that_no_walk_needs() -> None:
    """The 2 and 5 of ``5 - x * 2`` are leaves of the graph; their gradients are not worked out."""
    x = Value(3.0)
    y = x * 2
    z = 5 - y
    two, five = y.parents[1], z.parents[0]
    assert (two.data, five.data) == (2.0, 5.0) and two.is_constant and five.is_constant
    z.backward()
    z.backward()
    assert (x.grad, y.grad, z.grad) == (-4.0, -2.0, 2.0)
    assert (two.grad, five.grad) == (0.0, 0.0)
    assert y.parents[1] is two and z.parents[0] is five  # the same leaves, read again


def test_backward_leaves_no_scratch_state_behind() -> None:
    """A second, different backward through shared nodes starts from a clean slate."""
    x = Value(2.0)
    shared = x * x
    shared.exp().backward()
    x.grad = 0.0
    (shared * 3).backward()
    assert x.grad == 3 * 2 * 2.0


def _steps_and_backward(expression: Expression) -> tuple[list[Step], list[Value], list[Value]]:
    """Exhaust the steps on one copy of the graph, run backward() on another."""
    _, stepped = expression.build()
    steps = list(backward_steps(stepped[-1]))
    _, plain = expression.build()
    plain[-1].backward()
    return steps, stepped, plain


@given(expressions())
def test_exhausted_steps_leave_exactly_the_gradients_of_backward(expression: Expression) -> None:
    _, stepped, plain = _steps_and_backward(expression)
    assert [v.grad for v in stepped] == [v.grad for v in plain]
    # every node below the root, in the same order
    everything = [v.grad for v in topological_order(stepped[-1])]
    assert everything == [v.grad for v in topological_order(plain[-1])]


@given(expressions())
def test_steps_visit_each_node_once_children_before_parents(expression: Expression) -> None:
    steps, nodes, _ = _steps_and_backward(expression)
    visited = [step.node for step in steps]
    assert len(set(visited)) == len(visited)
    assert visited == topological_order(nodes[-1])[::-1]
    assert visited[0] is nodes[-1]
    position = {node: i for i, node in enumerate(visited)}
    for step in steps:
        for parent in step.node.parents:
            if parent.is_constant:  # a constant gets no step: nobody needs its gradient
                assert parent not in position and parent.grad == 0.0
            else:
                assert position[step.node] < position[parent]


@given(expressions(), st.floats(-3.0, 3.0, allow_nan=False))
def test_each_step_adds_upstream_times_local_to_each_parent(expression: Expression, gradient: float) -> None:
    _, nodes = expression.build()
    root = nodes[-1]
    added: dict[Value, float] = {}
    for step in root.backward_steps(gradient):
        assert step.upstream == step.node.grad
        assert tuple(p for p, _, _ in step.contributions) == step.node.parents
        for parent, local, contribution in step.contributions:
            assert contribution == step.upstream * local
            added[parent] = added.get(parent, 0.0) + contribution
        # a node's own gradient is the sum of what its children's steps added
        if step.node is root:
            assert step.upstream == gradient
        else:
            assert step.upstream == added[step.node]


def test_steps_of_the_seed_example() -> None:
    x = Value(2.0, label="x")
    w = Value(-3.0, label="w")
    y = x * w
    y.label = "y"
    steps = list(y.backward_steps())
    # the leaves are listed in operand order as they are found, so the walk meets them in reverse
    assert [(s.node, s.upstream) for s in steps] == [(y, 1.0), (w, 2.0), (x, -3.0)]
    assert steps[0].contributions == ((x, -3.0, -3.0), (w, 2.0, 2.0))  # in parents order
    assert steps[1].contributions == steps[2].contributions == ()
    assert str(steps[0]) == "y: upstream 1 → x += 1 × (-3), w += 1 × 2"


def test_steps_of_a_neuron_visit_the_sum_then_the_product_then_its_leaves() -> None:
    x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(1.0, label="b")
    product = x * w
    y = product + b
    assert [s.node for s in y.backward_steps()] == [y, product, w, x, b]
    assert topological_order(y) == [b, x, w, product, y]


def test_a_paused_walk_does_not_break_a_later_backward() -> None:
    def build() -> tuple[Value, Value, Value]:
        a, b = Value(0.7, label="a"), Value(-1.2, label="b")
        c = a * b + a.tanh()
        return a, b, (c * c + b).sigmoid()

    a, b, y = build()
    paused: Iterator[Step] = y.backward_steps()
    next(paused)
    next(paused)  # half way through; the generator stays alive, paused
    for node in topological_order(y):
        node.grad = 0.0
    y.backward()
    fresh_a, fresh_b, fresh_y = build()
    fresh_y.backward()
    assert (a.grad, b.grad, y.grad) == (fresh_a.grad, fresh_b.grad, fresh_y.grad)
    # and the paused walk can still be finished: it adds its own pass on top
    rest = list(paused)
    assert rest[-1].node in (a, b)
    assert math.isclose(a.grad, 2 * fresh_a.grad, rel_tol=1e-15)


def test_a_walk_started_in_the_middle_of_another_graph_walk() -> None:
    x = Value(1.5)
    y = (x * x).exp()
    outer = y.backward_steps()
    for _ in outer:
        inner = Value(2.0)
        (inner * 3).backward()
        assert inner.grad == 3.0
    assert math.isclose(x.grad, 2 * 1.5 * math.exp(1.5**2), rel_tol=1e-15)


@pytest.mark.slow
def test_a_million_deep_chain_at_the_default_recursion_limit() -> None:
    """x -> x * 1.0001 + 0.0001, a million times: y = (x + 1) * 1.0001**n - 1."""
    n = 1_000_000
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)  # Python's default, whatever the test runner set
    try:
        x = Value(1.0, label="x")
        y = x
        for _ in range(n):
            y = y * 1.0001 + 0.0001
        y.backward()
        # Each of the 2n roundings is at most half an ulp; the closed form agrees to ~1e-10.
        assert math.isclose(y.data, (1.0 + 1.0) * 1.0001**n - 1.0, rel_tol=1e-9)
        assert math.isclose(x.grad, 1.0001**n, rel_tol=1e-9)
        del y  # freeing a million-deep chain must not recurse either
    finally:
        sys.setrecursionlimit(limit)


def test_backward_through_a_leaf_sets_its_gradient() -> None:
    x = Value(4.0)
    x.backward()
    assert x.grad == 1.0
    assert [s.node for s in x.backward_steps()] == [x]


def test_a_gradient_that_overflows_is_an_error() -> None:
    x = Value(1e-200, label="x")
    y = x.log() * 1e200
    with pytest.raises(OverflowError, match="'x'"):
        y.backward()
