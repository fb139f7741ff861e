"""Walks in several threads at once: no lock, and none needed.

A walk keeps its state in its own local variables and only reads the graph
(``backward()`` also adds into ``.grad``), so threads that walk graphs over
shared weights, or the very same graph, each get exact gradients. The switch
interval is made tiny so that threads change places inside the walks.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator

import pytest

from autograd import Value, backward_steps, grad, topological_order
from tests.checks import model, reference, weights


@pytest.fixture(autouse=True)
def _switch_often() -> Iterator[None]:
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(interval)


def _run_together(*work: Callable[[], None]) -> None:
    """Run each function in a thread of its own; an exception in any fails the test here."""
    errors: list[BaseException] = []

    def guarded(f: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                f()
            except BaseException as e:  # reported in the main thread
                errors.append(e)

        return run

    threads = [threading.Thread(target=guarded(f)) for f in work]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a walk hangs"
    assert not errors, errors


def test_grad_in_several_threads_over_the_same_graph_and_new_ones() -> None:
    expected = reference()
    w = weights()
    shared = model(w)
    fresh = weights()
    (second,) = grad(grad(model(fresh), fresh[:1], create_graph=True)[0], fresh[:1])

    def on_the_shared_graph() -> None:
        for _ in range(40):
            assert [g.data for g in grad(shared, w)] == expected

    def on_new_graphs() -> None:
        for _ in range(40):
            assert [g.data for g in grad(model(w), w)] == expected

    def second_derivatives() -> None:
        for _ in range(20):
            (first,) = grad(shared, w[:1], create_graph=True)
            assert first.data == expected[0]
            assert grad(first, w[:1])[0].data == second.data

    _run_together(on_the_shared_graph, on_the_shared_graph, on_new_graphs, second_derivatives)
    assert all(v.grad == 0.0 for v in topological_order(shared))  # grad() never writes .grad


def test_backward_in_one_thread_while_others_take_grad_over_the_same_weights() -> None:
    """One thread trains (backward adds into w.grad); others take grad() of new graphs meanwhile."""
    expected = reference()
    w = weights()

    def train() -> None:
        for _ in range(40):
            for v in w:
                v.grad = 0.0
            model(w).backward()
            assert [v.grad for v in w] == expected

    def look() -> None:
        for _ in range(40):
            root = model(w)
            assert [g.data for g in grad(root, w)] == expected
            assert [g.data for g in grad(root, w, create_graph=True)] == expected

    _run_together(train, look, look)


def test_steps_in_several_threads_over_the_same_weights() -> None:
    """Each step's upstream is the walk's own: threads stepping over shared weights each see exact ones."""
    expected = reference()
    w = weights()

    def step() -> None:
        for _ in range(40):
            root = model(w)
            steps = list(backward_steps(root))
            assert [s.node for s in steps] == topological_order(root)[::-1]
            upstream = {s.node: s.upstream for s in steps}
            assert [upstream[v] for v in w] == expected

    _run_together(step, step, step)


def test_reading_parents_while_other_threads_walk_changes_nothing() -> None:
    expected = reference()
    w = weights()
    stop = threading.Event()
    watched = model(w)
    before = [(v.data, v.op, v.parents) for v in topological_order(watched)]

    def train() -> None:
        try:
            for _ in range(60):
                assert [g.data for g in grad(watched, w)] == expected
                assert [g.data for g in grad(model(w), w)] == expected
        finally:
            stop.set()

    def look() -> None:
        while not stop.is_set():
            for node in topological_order(watched):
                for parent in node.parents:
                    _ = parent.grad, parent.data, parent.is_constant

    _run_together(train, look, look)
    assert [(v.data, v.op, v.parents) for v in topological_order(watched)] == before


def test_threads_that_share_a_weight_in_long_chains_get_right_gradients() -> None:
    w = Value(0.5, label="w")

    def chain(k: int) -> Value:
        y = Value(float(k))
        for _ in range(100):
            y = y * w + 1
        return y

    expected = {k: grad(chain(k), [w])[0].data for k in range(4)}
    seen: dict[int, set[float]] = {k: set() for k in range(4)}

    def work(k: int) -> Callable[[], None]:
        def run() -> None:
            for _ in range(30):
                seen[k].add(grad(chain(k), [w])[0].data)

        return run

    _run_together(*(work(k) for k in range(4)))
    assert seen == {k: {g} for k, g in expected.items()}
