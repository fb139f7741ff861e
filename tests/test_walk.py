"""One walk, one chain rule: the algorithm written at the top of ``backward.py`` is the one that runs.

Every walk (``backward``, ``backward_steps``, ``grad`` in both modes) calls
each op's rule by its name in ``autograd.ops``, with or without a debugger,
so ``break autograd.ops.mul_backward`` always stops and a coverage report
shows the path that runs.
"""

from __future__ import annotations

import re
import sys
import textwrap
from collections.abc import Callable, Iterator
from types import CodeType, FrameType
from typing import Any

import pytest

import autograd.backward
from autograd import OPS, Value, backward_steps, grad, ops, topological_order
from tests.checks import model, reference, weights

WALKS: dict[str, Callable[[Value], object]] = {
    "backward": lambda root: root.backward(),
    "backward_steps": lambda root: list(backward_steps(root)),
    "grad": lambda root: grad(root, weights()),
    "grad create_graph": lambda root: grad(root, list(topological_order(root)[:1]), create_graph=True),
}
RULES = {
    "*": ops.mul_backward,
    "+": ops.add_backward,
    "linear": ops.linear_backward,
    "tanh": ops.tanh_backward,
}


def _documented_walk() -> Callable[[Value, float], Iterator[tuple[Value, Any, Any]]]:
    """The algorithm in ``autograd/backward.py``'s docstring, made a function as it stands."""
    doc = autograd.backward.__doc__ or ""
    found = re.search(r"::\n\n((?:    .*\n)+)", doc)
    assert found, "backward.py's docstring has lost its algorithm"
    source = "def documented(root, gradient):\n" + textwrap.indent(textwrap.dedent(found.group(1)), "    ")
    namespace: dict[str, Any] = {"topological_order": topological_order}
    exec(compile(source, "backward.py's docstring", "exec"), namespace)  # our own docstring, not user text
    walk: Callable[[Value, float], Iterator[tuple[Value, Any, Any]]] = namespace["documented"]
    return walk


def test_the_algorithm_in_the_docstring_runs_and_is_the_walk() -> None:
    documented = _documented_walk()
    w = weights()
    root = model(w)
    steps = list(documented(root, 0.5))
    real = list(autograd.backward.walk(root, 0.5))
    assert [(node, g, tuple(shares)) for node, g, shares in steps] == [
        (node, g, tuple(shares)) for node, g, shares in real
    ]
    for node, g, _ in steps:
        node.grad += g
    assert [v.grad for v in w] == [0.5 * g for g in reference()]


def _calls(run: Callable[[], object], watched: set[CodeType]) -> set[CodeType]:
    """Which of the ``watched`` functions ``run`` calls, seen by a tracer as pdb sees calls."""
    called: set[CodeType] = set()

    def on_call(frame: FrameType, event: str, arg: Any) -> None:
        if event == "call" and frame.f_code in watched:
            called.add(frame.f_code)

    sys.settrace(on_call)
    try:
        run()
    finally:
        sys.settrace(None)
    return called


@pytest.mark.parametrize("walk", WALKS)
def test_under_a_debugger_every_walk_calls_the_rules_by_name(walk: str) -> None:
    """What ``break autograd.ops.mul_backward`` needs: the rule's own code is run."""
    watched = {rule.__code__ for rule in RULES.values()}
    assert _calls(lambda: WALKS[walk](model(weights())), watched) == watched


@pytest.mark.parametrize("walk", WALKS)
def test_without_a_debugger_every_walk_calls_the_same_rules_and_gives_the_same_grads(
    walk: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    for name, rule in RULES.items():

        def spy(*args: Any, rule: Callable[..., Any] = rule, name: str = name) -> Any:
            calls.append(name)
            return rule(*args)

        monkeypatch.setattr(OPS[name], "backward", spy)
    WALKS[walk](model(weights()))
    assert set(calls) == set(RULES)
    monkeypatch.undo()
    # and the traced walk's gradients are the untraced walk's, bit for bit
    w = weights()
    sys.settrace(lambda frame, event, arg: None)
    try:
        model(w).backward()
    finally:
        sys.settrace(None)
    assert [v.grad for v in w] == reference()
