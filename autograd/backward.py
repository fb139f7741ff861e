"""The backward pass: ``backward()``, ``backward_steps()`` and ``grad()``.

All three walk ``topological_order(root)`` in reverse. At each node the
gradient d root / d node (the *upstream* gradient) is final; the node's op
rule gives the local derivative d node / d parent for each parent, and the
chain rule adds ``upstream * local`` to that parent's gradient.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from autograd.graph import WALK_LOCK, clear_marks, marked_order, topological_order
from autograd.value import Value, _Binary, _recording, _to_float, _Unary, describe, inputs_of


def name(v: Value) -> str:
    """A short name for a node: its label, else its op, else its value."""
    return v.label or v.op or f"{v.data:.4g}"


@dataclass(frozen=True)
class Step:
    """One step of the backward pass: ``node``'s gradient is final and is passed on.

    Attributes:
        node: the Value whose gradient is now final.
        upstream: that gradient, d root / d node (times ``gradient``).
        contributions: one ``(parent, local, contribution)`` per parent, in
            ``node.parents`` order: ``local`` is d node / d parent and
            ``contribution == upstream * local`` is what this step adds to
            ``parent.grad``.
    """

    node: Value
    upstream: float
    contributions: tuple[tuple[Value, float, float], ...]

    def __str__(self) -> str:
        line = f"{name(self.node)}: upstream {self.upstream:.4g}"
        if self.contributions:
            adds = ", ".join(
                f"{name(p)} += {self.upstream:.4g} × {_factor(local)}" for p, local, _ in self.contributions
            )
            line += f" → {adds}"
        return line


def _factor(x: float) -> str:
    """A number as the right-hand factor of a product: negatives in parentheses."""
    return f"({x:.4g})" if x < 0 else f"{x:.4g}"


def _locals(node: Value, differentiable: bool) -> tuple[Any, ...]:
    """The local derivatives d node / d parent, from the node's op rule.

    On the fast path the rule sees floats; with ``differentiable`` it sees the
    Values themselves, so the derivatives it returns are recorded as a graph.
    A leaf has none.
    """
    if not node.parents:
        return ()
    rule = node.op.backward  # type: ignore[attr-defined]
    inputs = node.parents if differentiable else [p.data for p in node.parents]
    try:
        local_derivatives: tuple[Any, ...] = rule(node if differentiable else node.data, *inputs)
    except (ArithmeticError, ValueError) as e:
        raise _context(node, e) from None
    return local_derivatives


def _context(node: Value, error: Exception) -> Exception:
    inputs = ", ".join(describe(p) for p in inputs_of(node))
    return type(error)(f"backward through {node.op}({inputs}): {error}")


def _overflowed(node: Value, g: float) -> OverflowError:
    return OverflowError(
        f"backward: the gradient at {describe(node)} ({node.op or 'leaf'}) overflowed to {g!r}"
    )


def _run(root: Value, gradient: float, into_grad: bool) -> list[Value]:
    """The backward pass on floats.

    With ``into_grad`` each node's gradient is added to ``.grad`` and dropped.
    Otherwise it stays in the scratch slot ``_g`` for the caller to read: the
    nodes are returned, and the caller must ``clear_marks`` them.

    This loop is where backward spends its time, so the common node shapes are
    unrolled and constants kept as floats are skipped (they need no gradient).
    """
    order = marked_order(root)
    walked: list[Value] = []  # nodes whose _g the caller still has to read
    node = root
    try:
        root._g = gradient
        # Popping from the end walks in reverse topological order, and lets
        # the list shrink as the grads fill in: a lower peak of memory.
        while order:
            node = order.pop()
            g = node._g
            if g - g != 0.0:  # inf or nan
                raise _overflowed(node, g)
            if into_grad:
                node.grad += g
                node._g = None
            else:
                walked.append(node)
            cls = type(node)
            if cls is Value:
                continue
            rule = node.op.backward  # type: ignore[attr-defined]
            try:
                if cls is _Binary:
                    a, b = node._a, node._b  # type: ignore[attr-defined]
                    if type(a) is float:
                        b._g += g * rule(node.data, a, b.data)[1]
                    elif type(b) is float:
                        a._g += g * rule(node.data, a.data, b)[0]
                    else:
                        la, lb = rule(node.data, a.data, b.data)
                        a._g += g * la
                        b._g += g * lb
                elif cls is _Unary:
                    a = node._a  # type: ignore[attr-defined]
                    a._g += g * rule(node.data, a.data)[0]
                else:
                    inputs = node._p  # type: ignore[attr-defined]
                    data = [x if type(x) is float else x.data for x in inputs]
                    for x, local in zip(inputs, rule(node.data, *data)):
                        if type(x) is not float:
                            x._g += g * local
            except (ArithmeticError, ValueError) as e:
                raise _context(node, e) from None
    except BaseException:
        clear_marks([node, *order, *walked])
        raise
    return walked


def _run_differentiable(root: Value) -> list[Value]:
    """The backward pass on Values: every gradient is itself recorded in a graph.

    Leaves d root / d node in each node's ``_g`` (as a Value, or 0.0); the
    caller must ``clear_marks`` the returned nodes.
    """
    order = marked_order(root, constants=True)
    order.reverse()
    try:
        root._g = Value(1.0)
        for node in order:
            g = node._g
            for parent, local in zip(node.parents, _locals(node, differentiable=True)):
                parent._g += g * local
    except BaseException:
        clear_marks(order)
        raise
    return order


def backward(root: Value, gradient: float = 1.0) -> None:
    """Add d root / d node * ``gradient`` into ``node.grad`` for every node root depends on.

    Walks take turns (``WALK_LOCK``): threads that share a model's weights
    get right gradients, one backward pass at a time.
    """
    gradient = _to_float(gradient, "backward(gradient=...)")
    with WALK_LOCK:
        _run(root, gradient, into_grad=True)


def backward_steps(root: Value, gradient: float = 1.0) -> Iterator[Step]:
    """The walk of ``backward()``, one ``Step`` per node, each node once, root first.

    Running it to the end leaves exactly the gradients ``backward()`` leaves;
    a node's step comes before the steps of its parents. Stop anywhere: the
    gradients added so far stay, as they would in a half-run backward.
    """
    gradient = _to_float(gradient, "backward_steps(gradient=...)")
    # The steps keep their sums in a dict, not in the nodes' scratch slots:
    # a paused walk must not get in the way of the next one.
    order = topological_order(root)
    order.reverse()
    upstream: dict[Value, float] = {node: 0.0 for node in order}
    upstream[root] = gradient
    for node in order:
        g = upstream.pop(node)
        if g - g != 0.0:
            raise _overflowed(node, g)
        node.grad += g
        contributions = []
        for parent, local in zip(node.parents, _locals(node, differentiable=False)):
            contribution = g * local
            upstream[parent] += contribution
            contributions.append((parent, local, contribution))
        yield Step(node, g, tuple(contributions))


def grad(output: Value, inputs: Sequence[Value], create_graph: bool = False) -> list[Value]:
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
    with WALK_LOCK:
        if create_graph and _recording.get():
            order = _run_differentiable(output)
        else:
            order = _run(output, 1.0, into_grad=False)
        try:
            results = [v._g for v in inputs]
        finally:
            clear_marks(order)
    return [r if isinstance(r, Value) else Value(0.0 if r is None else r) for r in results]
