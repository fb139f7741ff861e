"""Which nodes the views show: constants stay inline numbers unless asked for.

A plain number in your code (the 2 of ``x * 2``, the ½ of a loss) is kept
inside the node that uses it as a float (``autograd.value.inputs_of``). The
pictures, ``explain`` and the HTML stepper show it there, inline (``× 0.5``),
and give it no box and no step of its own: nobody asked for its gradient.
With ``constants=True`` they show it as a node, as ``backward_steps()``
always does.

``shown(root)`` takes one snapshot of the graph for a view: the nodes to show
and each node's inputs, read once, before any walk, so that every part of a
view (names, steps, boxes) agrees on them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from autograd.graph import topological_order
from autograd.value import Value, inputs_of


@dataclass(frozen=True)
class Shown:
    """The graph of ``root`` as the views show it.

    Attributes:
        order: the nodes, inputs before the nodes that use them, root last.
        inputs: ``inputs[i]`` are the inputs of ``order[i]`` in operand
            order, a constant as a float (unless constants are shown).
        index: each node's place in ``order``.
        uses: ``uses[i]`` are the places of the nodes among ``inputs[i]``.
    """

    order: list[Value]
    inputs: list[tuple[Value | float, ...]]
    index: dict[Value, int] = field(repr=False)
    uses: list[list[int]] = field(repr=False)


def shown(root: Value, constants: bool = False) -> Shown:
    """The nodes a view of ``root`` shows, and their inputs (see ``Shown``).

    With ``constants`` the order is ``topological_order(root)``, constants
    included as leaves. Without, it is the same order with the constants left
    out, found by the same iterative depth-first search over ``inputs_of``,
    which never makes a constant into an object.
    """
    inputs: list[tuple[Value | float, ...]]
    if constants:
        order = topological_order(root)
        inputs = [tuple(node.parents) for node in order]
    else:
        order = _values(root)
        inputs = [inputs_of(node) for node in order]
    index = {node: i for i, node in enumerate(order)}
    uses = [[index[x] for x in xs if isinstance(x, Value)] for xs in inputs]
    return Shown(order, inputs, index, uses)


def _values(root: Value) -> list[Value]:
    found: list[Value] = []
    done: dict[Value, bool] = {}  # False while its inputs are being visited, True once listed
    stack = [root]
    while stack:
        node = stack.pop()
        state = done.get(node)
        if state is None:  # first visit: come back after its inputs
            done[node] = False
            stack.append(node)
            # The last input pushed is listed first, as in topological_order.
            stack.extend(x for x in inputs_of(node) if isinstance(x, Value) and x not in done)
        elif not state:
            done[node] = True
            found.append(node)
    return found
