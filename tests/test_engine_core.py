"""The engine's core promises: walks an interrupt cannot poison, a graph that reading never
changes, one rule for every walk, and numbers at the edges."""

from __future__ import annotations

import math
import sys
import threading
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from types import FrameType, ModuleType
from typing import Any

import pytest

import autograd
from autograd import OPS, Value, apply, backward_steps, explain, grad, linear, topological_order
from autograd.graph import WALK_LOCK
from autograd.value import Constant

ENGINE = tuple(str(Path(autograd.__file__).parent / f"{m}.py") for m in ("value", "ops", "graph", "backward"))


def weights() -> list[Value]:
    return [Value(0.7, label="w1"), Value(-0.4, label="w2"), Value(1.3, label="w3")]


def model(w: list[Value]) -> Value:
    """A small graph over shared weights with every kind of node: unary, binary with and
    without constants, a fused linear node, a weight used many times."""
    w1, w2, w3 = w
    h = linear([w1, w2], [0.5, w3], w3)
    a = (w1 * 2 + w2).tanh() * h.sigmoid()
    b = (w3 - 1.5) ** 2 / (w2 * w2 + 1) + (-w1).exp() + (w3 * w1).relu() + w3.log()
    return a * b + 2 ** w2


def reference() -> list[float]:
    w = weights()
    model(w).backward()
    return [v.grad for v in w]


def _interrupt_after(n: int) -> Callable[..., Any]:
    """A tracer that raises KeyboardInterrupt at the n-th line the engine executes."""
    seen = [0]

    def on_line(frame: FrameType, event: str, arg: Any) -> Any:
        if event == "line":
            seen[0] += 1
            if seen[0] == n:
                raise KeyboardInterrupt
        return on_line

    def on_call(frame: FrameType, event: str, arg: Any) -> Any:
        return on_line if frame.f_code.co_filename in ENGINE else None

    return on_call


def _lines(call: Callable[[], object]) -> int:
    """How many engine lines ``call`` executes."""
    count = [0]

    def on_line(frame: FrameType, event: str, arg: Any) -> Any:
        if event == "line":
            count[0] += 1
        return on_line

    sys.settrace(lambda frame, event, arg: on_line if frame.f_code.co_filename in ENGINE else None)
    try:
        call()
    finally:
        sys.settrace(None)
    return count[0]


def lock_is_free() -> bool:
    """Whether another thread can take the walk lock (this thread could take it anyway: it is an RLock)."""
    took: list[bool] = []

    def take() -> None:
        took.append(WALK_LOCK.acquire(timeout=5))
        if took[0]:
            WALK_LOCK.release()

    thread = threading.Thread(target=take)
    thread.start()
    thread.join()
    return took == [True]


WALKS: dict[str, Callable[[Value, list[Value]], object]] = {
    "backward": lambda root, w: root.backward(),
    "grad": lambda root, w: grad(root, w),
    "grad create_graph": lambda root, w: grad(root, w, create_graph=True),
    "backward_steps": lambda root, w: list(backward_steps(root)),
    "topological_order": lambda root, w: topological_order(root),
}


@pytest.mark.parametrize("walk", WALKS)
def test_an_interrupt_at_any_line_leaves_nothing_that_a_later_walk_trips_over(walk: str) -> None:
    """Ctrl-C can land anywhere, cleanup included: every later walk over the same weights is exact."""
    expected = reference()
    w = weights()
    run = WALKS[walk]
    built = model(w)
    total = _lines(lambda: run(built, w))
    assert total > 50
    interrupted = 0
    for n in range(1, total + 1):
        root = model(w)  # built before the tracer: only the walk is interrupted
        sys.settrace(_interrupt_after(n))
        try:
            run(root, w)
        except KeyboardInterrupt:
            interrupted += 1
        finally:
            sys.settrace(None)
        # the next training step, over the same weights (a new graph and the old one)
        for v in w:
            v.grad = 0.0
        model(w).backward()
        assert [v.grad for v in w] == expected, f"after an interrupt at engine line {n} of {total}"
        assert [g.data for g in grad(root, w)] == expected
        assert len(topological_order(root)) == len(topological_order(model(w)))
        assert lock_is_free(), f"the walk lock is still held after an interrupt at engine line {n}"
        for v in w:
            v.grad = 0.0
    assert interrupted == total  # the interrupt really landed, every time


def test_reading_parents_while_other_threads_walk_changes_nothing() -> None:
    expected = reference()
    w = weights()
    errors: list[BaseException] = []
    stop = threading.Event()

    def train() -> None:
        try:
            for _ in range(150):
                root = model(w)
                got = [g.data for g in grad(root, w)]
                assert got == expected
        except BaseException as e:  # report in the main thread
            errors.append(e)
        finally:
            stop.set()

    def look() -> None:
        root = model(w)
        root.backward()
        while not stop.is_set():
            for node in topological_order(root):
                for parent in node.parents:
                    _ = parent.grad, parent.data

    threads = [threading.Thread(target=train), threading.Thread(target=look), threading.Thread(target=look)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors


def test_parents_has_no_side_effects_and_constants_are_stable() -> None:
    x = Value(3.0, label="x")
    y = x * 2
    before = y.parents
    assert before == y.parents and hash(before[1]) == hash(y.parents[1])
    assert isinstance(before[1], Constant) and before[1].is_constant and not x.is_constant
    assert type(before[1].data) is float and before[1].op == "" and before[1].parents == ()
    y.backward()
    # worked out on request, from the node's grad: the same whether looked at before or after
    assert before[1].grad == y.parents[1].grad == 3.0
    assert x.grad == 2.0
    with pytest.raises(AttributeError, match="constant"):
        before[1].grad = 1.0
    # a constant is never a node of its own to the fast walk: the node still holds a float
    assert [type(v) for v in autograd.value.inputs_of(y)] == [Value, float]


def test_constants_are_in_the_order_and_the_steps_but_not_in_the_walk() -> None:
    x = Value(0.5, label="x")
    y = (x * 3 + 1).tanh()
    order = topological_order(y)
    assert sum(v.is_constant for v in order) == 2
    steps = list(y.backward_steps())
    assert [s.node for s in steps] == order[::-1]
    x2 = Value(0.5)
    (x2 * 3 + 1).tanh().backward()
    assert x.grad == x2.grad


def test_derivatives_nobody_needs_never_fail_a_walk() -> None:
    """x / 1e-300: the constant's derivative (-x / 1e-600) overflows; only backward() used to work."""
    x = Value(2.0, label="x")
    y = x / 1e-300
    y.backward()
    expected = x.grad
    assert expected == 1.0 * (1.0 / 1e-300)  # upstream times local, the rule of /
    x.grad = 0.0
    steps = list(backward_steps(y))
    assert x.grad == expected and len(steps) == 3
    assert math.isinf(steps[-1].upstream)  # the constant's own gradient: too large, and unused
    (dx,) = grad(y, [x], create_graph=True)
    assert dx.data == expected
    explain(y)  # prints, without raising


def test_a_constant_base_of_pow_does_not_fail_the_walk_and_matches_torch(torch: ModuleType) -> None:
    x = Value(-0.5, label="x")
    (1e-300**x).backward()
    t = torch.tensor(-0.5, dtype=torch.float64, requires_grad=True)
    (torch.tensor(1e-300, dtype=torch.float64) ** t).backward()
    assert math.isclose(x.grad, t.grad.item(), rel_tol=1e-15)
    assert math.isclose(x.grad, -6.9e152, rel_tol=1e-2)
    z = Value(0.3)
    (0**z).backward()  # d/dz 0 ** z is 0 (PyTorch too); the base's infinite derivative is not needed
    assert z.grad == 0.0


def test_log_and_division_by_a_subnormal_divide_rather_than_overflow(torch: ModuleType) -> None:
    x = Value(1e-310, label="x")
    (x.log() * 1e-20).backward()
    t = torch.tensor(1e-310, dtype=torch.float64, requires_grad=True)
    (t.log() * 1e-20).backward()
    assert x.grad == t.grad.item() and math.isclose(x.grad, 1e290, rel_tol=1e-12)
    a, b = Value(1e-20, label="a"), Value(1e-310, label="b")
    (a / b * 1e-300).backward()
    assert math.isclose(a.grad, 1e10, rel_tol=1e-12)
    assert math.isclose(b.grad, -1e300, rel_tol=1e-12)  # -a / b² · 1e-300


def test_a_step_contribution_is_upstream_times_local_where_local_is_finite() -> None:
    a, b = Value(0.7), Value(1.9)
    for step in ((a / b).log() * 3).backward_steps(0.37):
        for _, local, contribution in step.contributions:
            assert contribution == step.upstream * local


def test_apply_with_numbers_only_records_nothing() -> None:
    y = apply(OPS["+"], 2.0, 3.0)
    assert y.data == 5.0 and y.parents == ()
    y.backward()
    assert y.grad == 1.0
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


def test_linear_takes_numpy_numbers_and_stores_floats() -> None:
    np = pytest.importorskip("numpy")
    w = [Value(0.4), Value(-0.2)]
    h = linear(w, np.array([0.1, 0.3]))
    assert type(h.data) is float and math.isclose(h.data, -0.02)
    h.backward()
    assert [v.grad for v in w] == [0.1, 0.3]
    assert [type(x) for x in autograd.value.inputs_of(h)] == [Value, Value, float, float]


def test_linear_takes_a_zero_d_tensor_as_a_number(torch: ModuleType) -> None:
    w = [Value(2.0)]
    h = linear(w, [torch.tensor(1.5, dtype=torch.float64)])
    assert type(h.data) is float and h.data == 3.0
    h.backward()
    assert w[0].grad == 1.5
    with pytest.raises(TypeError, match="Tensor"):
        linear(w, [torch.tensor([1.0, 2.0])])


def test_a_fresh_float_zero_is_a_new_object_each_walk() -> None:
    """walk_order's marks rely on float("0") making a new object (CPython caches no floats)."""
    assert float("0") is not float("0")


def test_under_a_debugger_every_rule_is_called_and_without_one_the_same_grads_come_faster(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The walk writes out * + and linear when no tracer is active (sys.gettrace() is None);
    under a debugger it calls the rules, so a breakpoint on mul_backward or linear_backward stops."""
    calls: list[str] = []
    for name in ("*", "+", "linear"):
        rule = OPS[name].backward

        def spy(*args: Any, rule: Callable[..., Any] = rule, name: str = name) -> Any:
            calls.append(name)
            return rule(*args)

        monkeypatch.setattr(OPS[name], "backward", spy)

    expected = reference()
    w = weights()
    root = model(w)
    sys.settrace(lambda frame, event, arg: None)
    try:
        root.backward()
    finally:
        sys.settrace(None)
    assert {"*", "+", "linear"} <= set(calls)
    assert [v.grad for v in w] == expected
    calls.clear()
    for v in w:
        v.grad = 0.0
    model(w).backward()
    assert not {"*", "+", "linear"} & set(calls)  # written out
    assert [v.grad for v in w] == expected  # and bit for bit the same


def test_a_derivative_too_large_for_a_float_says_so() -> None:
    x = Value(1e-300, label="x")
    message = r"\*\*\('x' = 1e-300, -0.5\): the derivative of 1e-300 \*\* -0.5 is too large"
    with pytest.raises(OverflowError, match=message):
        (x**-0.5).backward()
