"""``Value`` itself: what a node records (data, op, parents), and ``no_grad``."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from autograd import Value, linear, no_grad


def test_a_leaf_starts_with_no_history() -> None:
    x = Value(3, label="x")
    assert (x.data, x.grad, x.label, x.op, x.parents) == (3.0, 0.0, "x", "", ())
    assert type(x.data) is float


@pytest.mark.parametrize(
    "number", [np.float64(1.5), np.float32(0.1), np.int64(-3), np.int8(7), np.array(2.5), True]
)
def test_numeric_scalars_are_stored_as_float(number: Any) -> None:
    x = Value(number)
    assert type(x.data) is float
    assert x.data == float(number)


def test_repr_shows_data_grad_and_label() -> None:
    h = Value(0.5, label="h")
    h.grad = 0.12
    assert repr(h) == "Value(data=0.5, grad=0.12, label='h')"


OP_STRINGS: list[tuple[Callable[[Value, Value], Value], str]] = [
    (lambda a, b: a + b, "+"),
    (lambda a, b: a - b, "-"),
    (lambda a, b: a * b, "*"),
    (lambda a, b: a / b, "/"),
    (lambda a, b: a**b, "**"),
    (lambda a, b: -a, "neg"),
    (lambda a, b: a.exp(), "exp"),
    (lambda a, b: a.log(), "log"),
    (lambda a, b: a.tanh(), "tanh"),
    (lambda a, b: a.sigmoid(), "sigmoid"),
    (lambda a, b: a.softplus(), "softplus"),
    (lambda a, b: a.relu(), "relu"),
    (lambda a, b: linear([a], [b]), "linear"),
]


@pytest.mark.parametrize(("f", "op"), OP_STRINGS, ids=[op for _, op in OP_STRINGS])
def test_each_op_names_itself_in_op(f: Callable[[Value, Value], Value], op: str) -> None:
    a, b = Value(2.0), Value(3.0)
    y = f(a, b)
    assert y.op == op
    assert y.label == ""
    assert all(p is a or p is b for p in y.parents)


def test_parents_are_in_operand_order_even_for_a_node_used_twice() -> None:
    a, b = Value(2.0), Value(3.0)
    assert (a * a).parents == (a, a)
    assert (a - b).parents == (a, b)
    assert (b - a).parents == (b, a)
    assert (a**b).parents == (a, b)
    assert (-a).parents == (a,)


@pytest.mark.parametrize(
    ("f", "constant_first"),
    [
        (lambda a: 5 - a, True),
        (lambda a: a - 5, False),
        (lambda a: 5 / a, True),
        (lambda a: a / 5, False),
        (lambda a: 5 + a, True),
        (lambda a: 5.0 * a, True),
        (lambda a: 5**a, True),
        (lambda a: a**5, False),
    ],
)
def test_a_constant_becomes_a_leaf_on_its_own_side(f: Callable[[Value], Value], constant_first: bool) -> None:
    a = Value(2.0)
    y = f(a)
    constant, operand = y.parents if constant_first else reversed(y.parents)
    assert operand is a
    assert (constant.data, constant.op, constant.parents) == (5.0, "", ())


def test_reflected_operators_compute_the_right_values() -> None:
    a = Value(4.0)
    assert [(1 - a).data, (a - 1).data, (2 / a).data, (a / 2).data, (2**a).data, (a**2).data] == [
        -3.0,
        3.0,
        0.5,
        2.0,
        16.0,
        16.0,
    ]
    assert (3 + a).data == (a + 3).data == 7.0
    assert (3 * a).data == (a * 3).data == 12.0
    assert (-a).data == -4.0


def test_linear_is_one_node_with_parents_w_x_b() -> None:
    w = [Value(0.4), Value(-0.2)]
    x = [Value(0.1), Value(0.3)]
    b = Value(0.5)
    h = linear(w, x, b)
    assert h.parents == (*w, *x, b)
    assert h.data == 0.4 * 0.1 + -0.2 * 0.3 + 0.5
    unbiased = linear(w, [0.1, 0.3])
    assert len(unbiased.parents) == 4
    assert unbiased.parents[:2] == tuple(w)
    assert [p.data for p in unbiased.parents[2:]] == [0.1, 0.3]
    with pytest.raises(ValueError, match="2 weights but 1 inputs"):
        linear(w, [1.0])


def test_values_hash_and_compare_by_identity_but_order_by_data() -> None:
    a, b = Value(1.0), Value(1.0)
    assert a != b
    assert len({a, b, a}) == 2
    assert a <= b
    assert a >= b
    assert not a < b
    assert Value(1.0) < 2
    assert Value(3.0) > 2.5


def test_no_grad_records_no_parents_and_restores_recording() -> None:
    x = Value(2.0)
    with no_grad():
        y = (x * 3).tanh() + linear([x], [x])
        assert (y.op, y.parents) == ("", ())
        with no_grad():
            pass
        z = x * x
        assert z.parents == ()
    assert y.data == pytest.approx(np.tanh(6.0) + 4.0)
    assert (x * x).parents == (x, x)


def test_no_grad_is_restored_after_an_exception() -> None:
    with pytest.raises(ZeroDivisionError), no_grad():
        Value(1.0) / 0
    assert (Value(1.0) * 2).parents != ()


def _in_a_thread_meanwhile(
    in_thread: Callable[[], None], here: Callable[[], None], thread_no_grad: bool
) -> None:
    """Run ``in_thread`` in a new thread (inside ``no_grad`` if asked) and, while
    that thread is still inside, run ``here`` in this one."""
    ready, may_finish = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            with no_grad() if thread_no_grad else contextlib.nullcontext():
                in_thread()
                ready.set()
                assert may_finish.wait(timeout=30)
        except BaseException as e:  # reported below, in this thread
            errors.append(e)
            ready.set()

    thread = threading.Thread(target=worker)
    thread.start()
    try:
        assert ready.wait(timeout=30)
        here()
    finally:
        may_finish.set()
        thread.join(timeout=30)
    assert not errors, errors


def test_no_grad_in_one_thread_does_not_affect_another() -> None:
    results: dict[str, Value] = {}

    def in_thread() -> None:
        results["thread"] = Value(2.0) * 3

    def here() -> None:
        results["here"] = Value(2.0) * 3

    _in_a_thread_meanwhile(in_thread, here, thread_no_grad=True)
    assert results["thread"].parents == ()
    assert len(results["here"].parents) == 2


def test_a_new_thread_records_while_this_one_is_in_no_grad() -> None:
    results: dict[str, Value] = {}

    def in_thread() -> None:
        results["thread"] = Value(2.0) * 3

    def here() -> None:
        results["here"] = Value(2.0) * 3

    with no_grad():
        _in_a_thread_meanwhile(in_thread, here, thread_no_grad=False)
    assert len(results["thread"].parents) == 2
    assert results["here"].parents == ()
