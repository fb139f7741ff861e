"""The backward pass: ``backward()``, ``backward_steps()`` and ``grad()``, one walk.

The algorithm, as ``walk`` below writes it::

    grads = {root: gradient}                    # d root / d node, summed as the walk goes
    for node in reversed(topological_order(root)):     # children before parents
        g = grads.pop(node)                     # final: every path from root to node is in
        shares = node.op.backward(g, node.data, *[p.data for p in node.parents]) if node.parents else ()
        for parent, share in zip(node.parents, shares):
            grads[parent] = grads.get(parent, 0.0) + share    # the chain rule: a sum over uses
        yield node, g, shares

``node.op.backward`` is the op's rule (a leaf has none). ``backward()`` adds
each ``g`` into ``node.grad``; ``backward_steps()`` also shows each step;
``grad()`` keeps the ``g`` of the inputs asked for. Every
gradient the walk needs lives in ``grads``, a local variable of the walk, and
is dropped once used: an interrupted walk or a second thread leaves nothing
behind in the nodes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from math import isfinite
from typing import Any, NamedTuple

from autograd.graph import topological_order
from autograd.inputs import to_float, values
from autograd.text import describe, step_text
from autograd.value import Value, _recording


class Step(NamedTuple):
    """One step of the backward pass: ``node``'s gradient is final and is passed on.

    Attributes:
        node: the Value whose gradient is now final.
        upstream: that gradient, d root / d node (times ``gradient``).
        contributions: one ``(parent, local, contribution)`` per parent, in
            ``node.parents`` order: ``local`` is d node / d parent and
            ``contribution == upstream * local`` is what this step adds to
            ``parent.grad``. (Only where ``local`` overflows a float, as 1/x
            does for a subnormal x, is the contribution worked out by dividing.)
    """

    node: Value
    upstream: float
    contributions: tuple[tuple[Value, float, float], ...]

    def __str__(self) -> str: return step_text(self)  # the text is a view's: autograd/text.py


def walk(root: Value, gradient: Any = 1.0, differentiable: bool = False) -> Iterator[tuple[Value, Any, Any]]:
    """The backward pass, one ``(node, g, shares)`` at a time, root first: the one place of the chain rule.

    With ``differentiable`` the rules run on the Values themselves, so every
    gradient is a Value recorded in a graph of its own (``create_graph``).
    """
    grads = {root: gradient}
    for node in reversed(topological_order(root)):
        g = grads.pop(node)
        if not differentiable and not isfinite(g):
            raise OverflowError(f"the gradient at {describe(node)} ({node.op or 'leaf'}) overflowed to {g!r}")
        parents = node.parents
        if not parents:  # a leaf: nothing to pass on
            yield node, g, ()
            continue
        try:  # the op's rule: each parent's share of g
            shares = (_differentiable_shares(node, g) if differentiable
                      else node.op.backward(g, node.data, *[p.data for p in parents]))  # type: ignore[attr-defined]
        except (ArithmeticError, ValueError) as e:
            raise type(e)(f"backward through {node.op}({', '.join(map(describe, parents))}): {e}") from None
        for parent, share in zip(parents, shares):
            if not parent.is_constant:
                grads[parent] = grads.get(parent, 0.0) + share
        yield node, g, shares


def _differentiable_shares(node: Value, g: Any) -> Any:
    """The op's rule run on Values: each share is a Value, recorded (``create_graph``)."""
    rule: Any = node.op.backward  # type: ignore[attr-defined]
    try:
        return rule(g, node, *node.parents)
    except (ArithmeticError, ValueError):
        # As Values, shares nobody needs can fail where the rest is fine: at x = 7e306 the
        # constant's share of x * 0.0 is x · g. Then only the needed ones: g × d node / d parent.
        local = rule(1.0, node, *node.parents)
        return [0.0 if p.is_constant else g * d for p, d in zip(node.parents, local)]


def backward(root: Value, gradient: float = 1.0) -> None:
    """Add d root / d node * ``gradient`` into ``node.grad`` for every node root depends on."""
    for node, g, _ in walk(root, to_float(gradient, "backward(gradient=...)")):
        node.grad += g


def backward_steps(root: Value, gradient: float = 1.0) -> Iterator[Step]:
    """The walk of ``backward()``, one ``Step`` per node, each node once, root first.

    Running it to the end leaves exactly the gradients ``backward()`` leaves;
    a node's step comes before the steps of its parents. Stop anywhere: the
    gradients added so far stay, as in a half-run backward.
    """
    for node, g, shares in walk(root, to_float(gradient, "backward_steps(gradient=...)")):
        node.grad += g
        local = node.op.backward(1.0, node.data, *[p.data for p in node.parents]) if node.parents else ()  # type: ignore[attr-defined]
        yield Step(node, g, tuple(zip(node.parents, local, shares)))


def grad(output: Value, inputs: Iterable[Value], create_graph: bool = False) -> list[Value]:
    """d output / d input for each of ``inputs``, leaving every ``.grad`` untouched.

    With ``create_graph=True`` the results are Values recorded in a graph of
    their own, so they can be differentiated again (second derivatives,
    Hessian-vector products)::

        >>> x = Value(3.0)
        >>> y = x ** 3
        >>> (dy,) = grad(y, [x], create_graph=True)
        >>> (d2y,) = grad(dy, [x])
        >>> dy.data, d2y.data
        (27.0, 18.0)

    An input that ``output`` does not depend on gets 0.
    """
    output, *inputs = values([output, *inputs], "grad()")
    wanted = set(inputs)
    found = {node: g for node, g, _ in walk(output, 1.0, create_graph and _recording.get()) if node in wanted}
    return [g if isinstance(g, Value) else Value(g) for g in (found.get(v, 0.0) for v in inputs)]
