"""Constants: the plain numbers of your code (the 2 in ``x * 2``).

Each becomes a leaf ``Value`` (a ``Constant``, ``is_constant`` True) when the
operation is made, used by that one node. Nobody asks for a constant's
gradient, so no walk visits one: constants are not in ``topological_order``,
get no step and keep ``.grad == 0.0``, and nothing can fail because of one.
They are in ``node.parents`` and in each step's contributions.
"""

from __future__ import annotations

import math
from decimal import Decimal
from types import ModuleType

import numpy as np
import pytest

from autograd import Constant, Value, backward_steps, grad, linear, no_grad, topological_order
from tests.checks import model, weights


def test_a_constant_is_a_leaf_value_made_with_the_operation() -> None:
    x = Value(3.0, label="x")
    y = x * 2
    two = y.parents[1]
    assert y.parents == (x, two) and y.parents[1] is two  # reading parents makes nothing new
    assert isinstance(two, Constant) and isinstance(two, Value)
    assert two.is_constant and not x.is_constant and not y.is_constant
    assert (type(two.data), two.data, two.op, two.parents, two.label) == (float, 2.0, "", (), "")
    assert repr(two) == "Constant(2.0)"
    y.backward()
    assert y.parents[1] is two and (x.grad, two.grad) == (2.0, 0.0)


def test_a_node_used_twice_is_its_parent_twice_and_numbers_are_new_leaves_each_time() -> None:
    a = Value(2.0)
    assert (a * a).parents == (a, a)
    first, second = a * 2, a * 2
    assert first.parents[1] is not second.parents[1]
    assert (3 - a).parents[0].data == 3.0 and (3 - a).parents[1] is a  # on its own side


def test_each_constant_belongs_to_exactly_one_node() -> None:
    root = model(weights())
    children: dict[Value, int] = {}
    for node in topological_order(root):
        for parent in node.parents:
            if parent.is_constant:
                children[parent] = children.get(parent, 0) + 1
    assert len(children) >= 6 and set(children.values()) == {1}


def test_no_walk_visits_a_constant_and_its_grad_stays_zero() -> None:
    x = Value(0.5, label="x")
    y = (x * 3 + 1).tanh()
    constants = [p for node in topological_order(y) for p in node.parents if p.is_constant]
    assert [c.data for c in constants] == [3.0, 1.0]
    assert not any(v.is_constant for v in topological_order(y))
    steps = list(y.backward_steps())
    assert not any(s.node.is_constant for s in steps) and len(steps) == 4
    y.backward()
    grad(y, [x], create_graph=True)
    assert [c.grad for c in constants] == [0.0, 0.0]
    # yet each step shows what a constant would get, in parents order
    (times,) = [s for s in steps if s.node.op == "*"]
    assert [(p, local) for p, local, _ in times.contributions] == [(x, 3.0), (constants[0], 0.5)]


def test_numbers_of_other_types_become_float_constants() -> None:
    w = [Value(0.4), Value(-0.2)]
    h = linear(w, np.array([0.1, 0.3]))  # type: ignore[arg-type]  # a sequence of numbers at run time
    assert type(h.data) is float and math.isclose(h.data, -0.02)
    h.backward()
    assert [v.grad for v in w] == [0.1, 0.3]
    assert [type(p) for p in h.parents] == [Value, Value, Constant, Constant]
    assert all(type(p.data) is float for p in h.parents)
    half = (Value(1.0) * Decimal("0.5")).parents[1]  # type: ignore[operator]  # any real number works
    assert (type(half.data), half.data) == (float, 0.5)


def test_a_zero_d_tensor_is_a_number_and_a_bigger_one_is_a_type_error(torch: ModuleType) -> None:
    w = [Value(2.0)]
    h = linear(w, [torch.tensor(1.5, dtype=torch.float64)])
    assert type(h.data) is float and h.data == 3.0 and type(h.parents[1].data) is float
    h.backward()
    assert w[0].grad == 1.5
    with pytest.raises(TypeError, match="Tensor"):
        linear(w, [torch.tensor([1.0, 2.0])])


def test_under_no_grad_no_constants_are_kept() -> None:
    with no_grad():
        y = Value(2.0) * 3
    assert (y.data, y.parents) == (6.0, ())


# --- nothing fails because of a constant ----------------------------------------


def test_dividing_by_a_tiny_constant_works_in_every_walk() -> None:
    """x / 1e-300: the constant's derivative, -x / 1e-600, overflows; nobody needs it."""
    x = Value(2.0, label="x")
    y = x / 1e-300
    y.backward()
    expected = x.grad
    assert expected == 1.0 * (1.0 / 1e-300)  # upstream times local, the rule of /
    x.grad = 0.0
    steps = list(backward_steps(y))
    assert [s.node for s in steps] == [y, x] and x.grad == expected
    assert steps[0].contributions[0] == (x, 1.0 / 1e-300, expected)
    (dx,) = grad(y, [x], create_graph=True)
    (plain,) = grad(y, [x])
    assert dx.data == plain.data == expected
    assert grad(dx, [x])[0].data == 0.0  # d/dx 1/1e-300


def test_a_tiny_constant_base_of_pow_works_in_every_walk_and_matches_torch(torch: ModuleType) -> None:
    """1e-300 ** x: the base's derivative x · 1e-300 ** (x - 1) overflows at x = -0.5; nobody needs it."""
    x = Value(-0.5, label="x")
    y = 1e-300**x
    y.backward()
    t = torch.tensor(-0.5, dtype=torch.float64, requires_grad=True)
    (torch.tensor(1e-300, dtype=torch.float64) ** t).backward()
    assert math.isclose(x.grad, t.grad.item(), rel_tol=1e-15)
    assert math.isclose(x.grad, -6.9e152, rel_tol=1e-2)
    steps = list(backward_steps(y))
    assert [s.node for s in steps] == [y, x] and steps[1].upstream == t.grad.item()
    (dx,) = grad(y, [x], create_graph=True)
    assert dx.data == t.grad.item()
    (d2x,) = grad(dx, [x])
    assert math.isclose(d2x.data, 1e150 * math.log(1e-300) ** 2, rel_tol=1e-12)  # a^x · log(a)²
    z = Value(0.3)
    (0**z).backward()  # d/dz 0 ** z is 0 (PyTorch too); the base's infinite derivative is not needed
    assert z.grad == 0.0


def test_a_constant_share_that_overflows_as_a_value_does_not_fail_create_graph() -> None:
    """At x = 7e306, the share of the 0.0 in ``x * 0.0`` is g · x = 1.87e306 · 7e306: too large."""
    x = Value(7e306, label="x")
    y = (x * 0.0) * 1.87e306
    (dx,) = grad(y, [x], create_graph=True)
    (plain,) = grad(y, [x])
    assert dx.data == plain.data == 0.0
    assert grad(dx, [x])[0].data == 0.0
    y.backward()
    assert x.grad == 0.0
