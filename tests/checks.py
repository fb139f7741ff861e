"""Checks that several test files share."""

from __future__ import annotations

from autograd import Value
from autograd.value import inputs_of


def assert_stored_as_floats(out: Value | list[Value]) -> None:
    """Every number in the graph below ``out`` is a plain float: data, grads and constants."""
    roots = out if isinstance(out, list) else [out]
    seen: set[int] = set()
    stack = list(roots)
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        assert type(node.data) is float and type(node.grad) is float, node
        for x in inputs_of(node):
            if isinstance(x, Value):
                stack.append(x)
            else:
                assert type(x) is float, (node, x)
