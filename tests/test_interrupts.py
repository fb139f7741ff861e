"""Ctrl-C at any line of the engine leaves nothing behind that a later walk trips over.

The walks keep their state (the visited set, the gradient sums) in their own
local variables and take no lock, so an interrupt can only stop a walk, never
poison the next one. Each test interrupts a walk at its 1st engine line, then
its 2nd, ... up to its last, and after each interrupt checks that later walks
over the same weights (a new graph, and the interrupted one) are exact.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

import autograd
from autograd import Value, backward_steps, grad, topological_order
from tests.checks import interrupt_after, lines_run, model, reference, weights

ENGINE = tuple(str(Path(autograd.__file__).parent / f"{m}.py") for m in ("value", "ops", "graph", "backward"))

WALKS: dict[str, Callable[[Value, list[Value]], object]] = {
    "backward": lambda root, w: root.backward(),
    "grad": lambda root, w: grad(root, w),
    "grad create_graph": lambda root, w: grad(root, w, create_graph=True),
    "backward_steps": lambda root, w: list(backward_steps(root)),
    "topological_order": lambda root, w: topological_order(root),
}
WRITES_GRADS = {"backward", "backward_steps"}


def _walks_in_another_thread(root: Value, w: list[Value]) -> list[float]:
    """``grad(root, w)`` from a new thread: nothing this thread left may block or change it."""
    got: list[float] = []
    thread = threading.Thread(target=lambda: got.extend(g.data for g in grad(root, w)))
    thread.start()
    thread.join(timeout=30)
    assert not thread.is_alive(), "a walk in another thread hangs"
    return got


@pytest.mark.parametrize("walk", WALKS)
def test_an_interrupt_at_any_line_leaves_nothing_that_a_later_walk_trips_over(walk: str) -> None:
    """Ctrl-C can land anywhere, cleanup included: every later walk over the same weights is exact."""
    expected = reference()
    w = weights()
    run = WALKS[walk]
    built = model(w)
    size = len(topological_order(built))
    total = lines_run(lambda: run(built, w), ENGINE)
    assert total > 50
    for v in w:
        v.grad = 0.0
    interrupted = 0
    for n in range(1, total + 1):
        root = model(w)  # built before the tracer: only the walk is interrupted
        sys.settrace(interrupt_after(n, ENGINE))
        try:
            run(root, w)
        except KeyboardInterrupt:
            interrupted += 1
        finally:
            sys.settrace(None)
        nodes = topological_order(root)
        assert len(nodes) == size, f"the graph changed after an interrupt at engine line {n} of {total}"
        if walk not in WRITES_GRADS:  # grad() and topological_order never write a .grad, even half-run
            assert all(v.grad == 0.0 for v in nodes), f"after an interrupt at engine line {n}"
        # the next training step, over the same weights (a new graph, and the interrupted one)
        for v in nodes:
            v.grad = 0.0
        model(w).backward()
        assert [v.grad for v in w] == expected, f"after an interrupt at engine line {n} of {total}"
        assert [g.data for g in grad(root, w)] == expected
        assert _walks_in_another_thread(root, w) == expected
        assert (Value(1.0) * 2).parents != ()  # still recording
        for v in w:
            v.grad = 0.0
    assert interrupted == total  # the interrupt really landed, every time
