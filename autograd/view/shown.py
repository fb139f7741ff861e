"""Which nodes the views show: constants stay inline numbers unless asked for.

A plain number in your code (the 2 of ``x * 2``, the ½ of a loss) is a
``Constant``, a leaf that only the node using it uses. The pictures,
``explain`` and the HTML stepper show it there, inline (``× 0.5``),
and give it no box and no step of its own: nobody asked for its gradient.
With ``constants=True`` they show it as a node.

``shown(root)`` takes one snapshot of the graph for a view: the nodes to show
and each node's inputs, read once, before any walk, so that every part of a
view (names, steps, boxes) agrees on them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from autograd.graph import topological_order
from autograd.text import expression, name, number
from autograd.value import Value
from autograd.view.escape import visible

MAX_NAME = 24
"""An expression name longer than this becomes ``op#k`` instead (e.g. ``tanh#2``)."""


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

    The order is ``topological_order(root)``; with ``constants``, each
    constant comes in it just before the node that uses it (a constant is
    made by the operation that uses it, so it has one use).
    """
    order: list[Value] = []
    for node in topological_order(root):
        if constants:
            order += [p for p in node.parents if p.is_constant]
        order.append(node)
    inputs: list[tuple[Value | float, ...]]
    inputs = [node.parents if constants else inputs_of(node) for node in order]
    index = {node: i for i, node in enumerate(order)}
    uses = [[index[x] for x in xs if isinstance(x, Value)] for xs in inputs]
    return Shown(order, inputs, index, uses)


def inputs_of(node: Value) -> tuple[Value | float, ...]:
    """A node's inputs as the views show them by default: a constant as its number.

    >>> from autograd import Value
    >>> inputs_of(Value(3.0, label="x") * 2)
    (Value(data=3, grad=0, label='x'), 2.0)
    """
    return tuple(p.data if p.is_constant else p for p in node.parents)


def node_names(graph: Value | Shown, constants: bool = False) -> dict[Value, str]:
    """A short, readable name for every node a view of a graph shows.

    ``graph`` is the output (a Value), or a snapshot from ``autograd.view.shown``.
    A labelled node is its label (hidden characters shown as escapes, as
    ``autograd.view.escape.visible`` shows them); a leaf is its value; any
    other node is the expression that made it, built from its inputs' names
    (``x*w + b``), or ``op#k`` (the k-th node of that op) when the
    expression gets long.
    Constants are written into the expressions as numbers; with ``constants``
    they are nodes of their own too, named by their value.

        >>> from autograd import Value
        >>> x = Value(2.0, label="x")
        >>> y = (x * 3 + 1).tanh()
        >>> sorted(node_names(y).values())
        ['tanh(x*3 + 1)', 'x', 'x*3', 'x*3 + 1']
    """
    if not isinstance(graph, Shown):
        graph = shown(graph, constants)
    names: dict[Value, str] = {}
    counts: dict[str, int] = {}
    for node, inputs in zip(graph.order, graph.inputs, strict=True):  # inputs first: their names exist
        if node.label or not node.op:
            names[node] = visible(name(node))  # hidden characters as escapes: a label is user text
            continue
        counts[node.op] = counts.get(node.op, 0) + 1
        made = expression(node.op, [names[x] if not isinstance(x, float) else number(x) for x in inputs])
        names[node] = made if len(made) <= MAX_NAME else f"{node.op}#{counts[node.op]}"
    return names
