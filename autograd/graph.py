"""The order of a graph's nodes, found without recursion.

``topological_order(root)`` is shared by ``backward()``, ``backward_steps()``,
``grad()`` and the renderer. It is an iterative depth-first search with an
explicit stack, so a chain of a million operations needs no deep Python stack
(micrograd's recursive version fails near 1,000).
"""

from __future__ import annotations

import threading

from autograd.value import Value, _Binary, _Nary, _Unary

_OPEN = object()  # marks a node whose parents are still being visited

WALK_LOCK = threading.RLock()
"""Held by every walk that marks nodes: a walk borrows a slot of each node it
visits as scratch space, so two walks must not overlap, even in two threads
whose graphs share a node (a model's weights)."""


def topological_order(root: Value) -> list[Value]:
    """Every node that ``root`` depends on (root included), parents before children.

    Reversed, it is the order of the backward pass: a node comes before all of
    its parents, so by the time a node is reached every path from the root to
    it has already added its share to the node's gradient.

        >>> from autograd import Value
        >>> x, w = Value(2.0, label="x"), Value(-3.0, label="w")
        >>> y = x * w
        >>> [v.label or v.op for v in topological_order(y)]
        ['w', 'x', '*']
    """
    with WALK_LOCK:
        order = marked_order(root, constants=True)
        clear_marks(order)
    return order


def marked_order(root: Value, constants: bool = False) -> list[Value]:
    """``topological_order``, leaving each node's scratch slot ``_g`` at 0.0.

    That 0.0 is where the backward pass then sums the node's gradient. Using a
    slot of the node as the visited mark is for speed and memory: a visited
    set would cost about 40 bytes per node and a hash per visit. Callers must
    hold ``WALK_LOCK`` and ``clear_marks`` the nodes when done, so that the
    next walk starts clean.

    Constants that are still plain floats (see ``_Binary``) are left out
    unless ``constants`` is set: then they are made leaf Values and included.
    """
    order: list[Value] = []
    stack = [root]
    push, pop, emit = stack.append, stack.pop, order.append
    try:
        while stack:
            node = pop()
            mark = node._g
            if mark is None:  # first visit: come back after its parents
                node._g = _OPEN
                push(node)
                cls = type(node)
                # The last parent pushed is visited (and emitted) first, so the
                # reversed order, the backward pass, takes parents in operand
                # order: y, then x, then w for y = x * w.
                if constants or cls is _Nary:
                    for parent in node.parents if constants else node._p:  # type: ignore[attr-defined]
                        if type(parent) is not float and parent._g is None:
                            push(parent)
                elif cls is _Binary:  # read the slots: no parents tuple to build
                    a, b = node._a, node._b  # type: ignore[attr-defined]
                    if type(a) is not float and a._g is None:
                        push(a)
                    if type(b) is not float and b._g is None:
                        push(b)
                elif cls is _Unary:
                    a = node._a  # type: ignore[attr-defined]
                    if a._g is None:
                        push(a)
            elif mark is _OPEN:  # all parents done
                node._g = 0.0
                emit(node)
            # else: already emitted (it was pushed twice before its first visit)
    except BaseException:
        clear_marks(order)
        clear_marks(stack)
        raise
    return order


def clear_marks(nodes: list[Value]) -> None:
    """Reset the scratch slot of ``nodes``, so that the next walk starts clean."""
    for node in nodes:
        node._g = None
