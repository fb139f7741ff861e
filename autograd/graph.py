"""The order of a graph's nodes, found without recursion.

``topological_order(root)`` lists every node ``root`` depends on, parents
before children; reversed, it is the order of the backward pass. It is an
iterative depth-first search with an explicit stack, so a chain of a million
operations needs no deep Python stack (micrograd's recursive version fails
near 1,000). ``backward()``, ``grad()`` and the views all walk this one order.
"""

from __future__ import annotations

import threading

from autograd.value import Value, _Binary, _Nary, _Unary, inputs_of

WALK_LOCK = threading.RLock()
"""Held by every walk that marks nodes: a walk borrows a slot of each node it
visits as scratch space, so two walks must not overlap, even in two threads
whose graphs share a node (a model's weights).

Each ``with WALK_LOCK: ...`` in the engine is one line on purpose. Leaving a
``with`` block runs one more line event (the ``with`` line again) before the
lock is released, outside the block's protection: an exception raised there,
by a tracer or a debugger, would leave the lock held and every later walk
waiting for it. On one line there is no such event (tests/test_engine_core.py
raises KeyboardInterrupt at every line the engine executes)."""


def topological_order(root: Value) -> list[Value]:
    """Every node that ``root`` depends on (root included), parents before children.

    Reversed, it is the order of the backward pass: a node comes before all of
    its parents, so by the time a node is reached every path from the root to
    it has already added its share to the node's gradient. Constants (the 1 in
    ``x * w + 1``) are in it as ``Constant`` leaves, first of all.

        >>> from autograd import Value
        >>> x, w = Value(2.0, label="x"), Value(-3.0, label="w")
        >>> y = x * w + 1
        >>> [v.label or v.op or v.data for v in topological_order(y)]
        [1.0, 'w', 'x', '*', '+']
    """
    with WALK_LOCK: order = walk_order(root, float("0"))  # noqa: E701 (see WALK_LOCK)
    constants = [
        p for node in order if float in map(type, inputs_of(node)) for p in node.parents if p.is_constant
    ]
    constants.reverse()  # so that the backward pass meets them in the order of their nodes
    return constants + order


def walk_order(root: Value, zero: float) -> list[Value]:
    """``topological_order`` without the constants, for a walk to use.

    It leaves each node's scratch slot ``_g`` set to ``zero``: a float 0.0 that
    is this walk's own object (``float("0")`` makes a new one), where the
    backward pass then sums the node's gradient. Callers hold ``WALK_LOCK``.

    The marks are this walk's own objects, so a mark left by an earlier walk
    is never taken for one of this walk's: if a walk is interrupted anywhere
    (Ctrl-C), the next one is still right, and no cleanup has to run.

    Using a slot of the node as the visited mark is for speed and memory: a
    visited set would cost about 40 bytes per node and a hash per visit.
    """
    opened = object()  # this walk's mark for "parents still being visited"
    order: list[Value] = []
    stack = [root]
    push, pop, emit = stack.append, stack.pop, order.append
    # `while True` with the test at the bottom, not `while stack:`: on CPython
    # 3.11 a `while stack:` loop kept this function from being specialised,
    # walk after walk (wide graph backward 680 -> 375 ms, CPU time, best of 5).
    while True:
        node = pop()
        mark = node._g
        if mark is opened:  # all its parents are done
            node._g = zero
            emit(node)
        elif mark is not zero:  # first visit: come back after its parents
            cls = type(node)
            # Parents are pushed in operand order, so the last is visited first
            # and the backward pass, which runs this order in reverse, reaches
            # the first operand's side first. A leaf parent is emitted the
            # moment it is found rather than pushed and popped (wide graph
            # backward: -20%), in reverse operand order for the same reason.
            # The shapes are unrolled to read slots directly, with no parents
            # tuple to build (10^5 chain 440 -> 370 ms, wide 168 -> 100 ms).
            if cls is _Binary:
                node._g = opened
                push(node)
                a, b = node._a, node._b  # type: ignore[attr-defined]
                if type(b) is Value and b._g is not zero:
                    b._g = zero
                    emit(b)
                if type(a) is Value:
                    if a._g is not zero:
                        a._g = zero
                        emit(a)
                elif type(a) is not float and a._g is not zero:
                    push(a)
                if type(b) is not Value and type(b) is not float and b._g is not zero:
                    push(b)
            elif cls is _Unary:
                node._g = opened
                push(node)
                a = node._a  # type: ignore[attr-defined]
                if a._g is not zero:
                    if type(a) is Value:
                        a._g = zero
                        emit(a)
                    else:
                        push(a)
            elif cls is _Nary:
                node._g = opened
                push(node)
                # One pass, in reverse: a neuron has dozens of inputs, and a
                # second pass cost 6% of a moons step (instructions, callgrind).
                # So here the last input's side is visited first, and the
                # backward pass reaches it last; any order is right as long
                # as every walk takes this one (steps, grad() and compile do).
                for parent in reversed(node._p):  # type: ignore[attr-defined]
                    if type(parent) is Value:
                        if parent._g is not zero:
                            parent._g = zero
                            emit(parent)
                    elif type(parent) is not float and parent._g is not zero:
                        push(parent)
            else:  # a leaf
                node._g = zero
                emit(node)
        if not stack:
            return order
