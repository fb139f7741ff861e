"""The backward pass: ``backward()``, ``backward_steps()`` and ``grad()``.

The algorithm, in its plain form (``backward_steps`` below is exactly this)::

    order = topological_order(root)            # parents before children
    grads = {node: 0.0 for node in order}
    grads[root] = 1.0                           # d root / d root
    for node in reversed(order):                # children before parents
        g = grads[node]                         # final: every path to node is in
        node.grad += g
        shares = node.op.backward(g, node.data, *parents' data)   # the op's rule
        for parent, share in zip(node.parents, shares):
            grads[parent] += share              # the chain rule: g · d node / d parent

``backward()`` is the same walk, made fast in two ways. The running sums live
in a slot of each node (``_g``) instead of a dict, and each node class applies
the chain rule itself (``_chain`` in ``autograd/value.py``: the one place where
a node's gradient is passed on to its inputs). Constants (the 2 in ``x * 2``)
need no gradient, so the fast walk leaves them out.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from autograd.graph import WALK_LOCK, topological_order, walk_order
from autograd.text import describe, factor, name, number
from autograd.value import Value, _recording, _to_float, inputs_of


@dataclass(frozen=True)
class Step:
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

    def __str__(self) -> str:
        upstream = number(self.upstream)
        line = f"{name(self.node)}: upstream {upstream}"
        if self.contributions:
            adds = ", ".join(f"{name(p)} += {upstream} × {factor(d)}" for p, d, _ in self.contributions)
            line += f" → {adds}"
        return line


def _context(node: Value, error: Exception) -> Exception:
    inputs = ", ".join(describe(p) for p in inputs_of(node))
    return type(error)(f"backward through {node.op}({inputs}): {error}")


def _overflowed(node: Value, g: float) -> OverflowError:
    return OverflowError(
        f"backward: the gradient at {describe(node)} ({node.op or 'leaf'}) overflowed to {g!r}"
    )


def _walk(root: Value, gradient: float, keep: bool) -> None:
    """The backward pass on floats, summing each node's gradient in its slot ``_g``.

    With ``keep`` the gradients stay in the slots for ``grad()`` to read;
    otherwise each is added into ``.grad`` and dropped as soon as it is used.
    """
    zero = float("0")  # this walk's own 0.0: see walk_order
    order = walk_order(root, zero)
    inline = sys.gettrace() is None  # no debugger watching: see _Binary._chain_inline
    root._g = gradient
    # Popping from the end walks in reverse topological order and shrinks the
    # list as the gradients fill in: a lower peak of memory.
    while True:  # (`while True`, not `while order`: see walk_order)
        node = order.pop()
        g = node._g
        if g - g != 0.0:  # inf or nan
            raise _overflowed(node, g)
        if not keep:
            node.grad += g
            node._g = None
        if type(node) is not Value:  # a leaf has nothing to pass on
            try:
                if inline:
                    node._chain_inline(g)
                else:
                    node._chain(g)
            except (ArithmeticError, ValueError) as e:
                raise _context(node, e) from None
        if not order:
            return


def _walk_values(root: Value) -> None:
    """The backward pass on Values, for ``create_graph``: every gradient is recorded in a graph.

    The same walk as ``_walk``, with the op rules run on the Values themselves
    (constants as plain floats, whose shares the rules may skip). It leaves
    d root / d node in each node's ``_g``.
    """
    zero = float("0")
    order = walk_order(root, zero)
    root._g = Value(1.0)
    for node in reversed(order):
        inputs = inputs_of(node)
        if not inputs:
            continue
        try:
            shares = node.op.backward(node._g, node, *inputs)  # type: ignore[attr-defined]
        except (ArithmeticError, ValueError) as e:
            raise _context(node, e) from None
        for x, share in zip(inputs, shares):
            if type(x) is not float:
                x._g += share  # type: ignore[union-attr]


def backward(root: Value, gradient: float = 1.0) -> None:
    """Add d root / d node * ``gradient`` into ``node.grad`` for every node root depends on.

    Walks take turns (``WALK_LOCK``): threads that share a model's weights
    get right gradients, one backward pass at a time.
    """
    gradient = _to_float(gradient, "backward(gradient=...)")
    with WALK_LOCK: _walk(root, gradient, keep=False)  # noqa: E701 (one line: see WALK_LOCK)


def backward_steps(root: Value, gradient: float = 1.0) -> Iterator[Step]:
    """The walk of ``backward()``, one ``Step`` per node, each node once, root first.

    Running it to the end leaves exactly the gradients ``backward()`` leaves;
    a node's step comes before the steps of its parents. Constants get a step
    too (their ``grad`` is worked out from their node's: see ``Constant``).
    Stop anywhere: the gradients added so far stay, as in a half-run backward.
    """
    gradient = _to_float(gradient, "backward_steps(gradient=...)")
    # The steps keep their sums in a dict, not in the nodes' slots: a paused
    # walk must not get in the way of the next one.
    order = topological_order(root)
    grads: dict[Value, float] = {node: 0.0 for node in order}
    grads[root] = gradient
    for node in reversed(order):
        g = grads.pop(node)
        contributions: tuple[tuple[Value, float, float], ...] = ()
        if not node.is_constant:  # nothing needs a constant's gradient, nor may it fail a walk
            if g - g != 0.0:
                raise _overflowed(node, g)
            node.grad += g
            parents = node.parents
            if parents:
                data = [p.data for p in parents]
                rule = node.op.backward  # type: ignore[attr-defined]
                try:
                    local_derivatives = rule(1.0, node.data, *data)
                    shares = rule(g, node.data, *data)
                except (ArithmeticError, ValueError) as e:
                    raise _context(node, e) from None
                contributions = tuple(zip(parents, local_derivatives, shares))
                for parent, share in zip(parents, shares):
                    grads[parent] += share
        yield Step(node, g, contributions)


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
    inputs = list(inputs)
    for v in (output, *inputs):
        if not isinstance(v, Value):
            raise TypeError(f"grad() takes Values, got {type(v).__name__}: {v!r}")
    with WALK_LOCK: results = _gradients(output, inputs, create_graph)  # noqa: E701 (see WALK_LOCK)
    return [r if isinstance(r, Value) else Value(0.0 if r is None else r) for r in results]


def _gradients(output: Value, inputs: list[Value], create_graph: bool) -> list[Any]:
    """The body of ``grad()``: each input's gradient as a float, a Value, or None if unreached."""
    for v in inputs:
        v._g = None  # stays None if the walk does not reach v
    if create_graph and _recording.get():
        _walk_values(output)
    else:
        _walk(output, 1.0, keep=True)
    results: list[Any] = [v._g for v in inputs]
    # Not needed for correctness (the next walk ignores old marks), but the
    # slots would keep these gradients, and with create_graph their graphs, alive.
    walk_order(output, float("0"))
    return results
