"""How every view writes numbers and names nodes: one formatter, one namer.

The steps, ``explain``, the pictures, the HTML stepper, the command line and
the error messages all print numbers and name nodes, and they should agree:
the same node has the same name everywhere, and the same number the same
digits.

Numbers:

* ``number(x)``: four significant digits, as the steps print them;
  ``number(x, zeros=True)`` keeps trailing zeros so that the boxes of a
  picture line up (``0.4950``);
* ``factor(x)``: the same, as the right-hand factor of a product, with a
  negative number in parentheses: ``2 × (-3)``.

Names:

* ``name(v)``: one node on its own: its label, else a leaf's (or constant's)
  value, else its op;
* ``node_names(root)``: every node of a graph, an unlabelled result named by
  the expression that made it (``x*w + b``), or ``op#k`` when that is long;
* ``describe(v)``: how error messages name a node, with its exact value.

Only ``node_names``, which walks a graph, needs the engine, and it imports
it when called: the engine's own modules can import this one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from autograd.value import Value
    from autograd.view.shown import Shown

MAX_NAME = 24
"""An expression name longer than this becomes ``op#k`` instead (e.g. ``tanh#2``)."""


def number(x: float, zeros: bool = False) -> str:
    """``x`` to four significant digits; with ``zeros``, trailing zeros kept (for columns).

    >>> number(0.12180), number(-3.0), number(0.0030462)
    ('0.1218', '-3', '0.003046')
    >>> number(0.495, zeros=True), number(1000.0, zeros=True)
    ('0.4950', '1000')
    """
    if not zeros:
        return f"{x:.4g}"
    text = f"{x:#.4g}"
    return text[:-1] if text.endswith(".") else text  # "1234." reads better as "1234"


def factor(x: float) -> str:
    """``x`` as the right-hand factor of a product: negatives in parentheses.

    >>> f"2 × {factor(-3.0)}"
    '2 × (-3)'
    """
    return f"({number(x)})" if x < 0 else number(x)


def name(v: Value | float) -> str:
    """A short name for one node: its label, else a leaf's value, else its op.

    A constant (a plain number in the user's code, the 2 of ``x * 2``) is its value.
    """
    if isinstance(v, float):
        return number(v)
    return v.label or v.op or number(v.data)


def describe(v: Value | float) -> str:
    """How error messages name a node: its label if it has one, and its exact value.

    >>> from autograd import Value
    >>> describe(Value(2.0, label="x")), describe(Value(-1.5)), describe(0.5)
    ("'x' = 2.0", '-1.5', '0.5')
    """
    if isinstance(v, float):
        return repr(v)
    return f"{v.label!r} = {v.data!r}" if v.label else repr(v.data)


def atom(text: str) -> str:
    """A name ready to be an operand: in parentheses if it has a top-level space or a sign."""
    depth = 0
    for ch in text:
        depth += (ch == "(") - (ch == ")")
        if ch == " " and depth == 0:
            return f"({text})"
    return f"({text})" if text.startswith("-") else text


def wrt(text: str) -> str:
    """A name as what a derivative is taken with respect to: ``∂o/∂(x*w)``, ``∂o/∂L1.N0.w1``."""
    plain = text.replace(".", "").replace("#", "").replace("_", "")
    return text if plain.isalnum() else f"({text})"


def expression(op: str, args: list[str]) -> str:
    """How an op applied to named inputs reads: ``x*w``, ``a + b``, ``tanh(h)``."""
    if op in ("+", "-") and len(args) == 2:
        return f"{args[0]} {op} {atom(args[1])}"
    if op in ("*", "/", "**") and len(args) == 2:
        return f"{atom(args[0])}{op}{atom(args[1])}"
    if op == "neg":
        return f"-{atom(args[0])}"
    return f"{op}({', '.join(args)})"


def node_names(graph: Value | Shown, constants: bool = False) -> dict[Value, str]:
    """A short, readable name for every node a view of a graph shows.

    ``graph`` is the output (a Value), or a snapshot from ``autograd.view.shown``.
    A labelled node is its label; a leaf is its value; any other node is the
    expression that made it, built from its inputs' names (``x*w + b``), or
    ``op#k`` (the k-th node of that op) when the expression gets long.
    Constants are written into the expressions as numbers; with ``constants``
    they are nodes of their own too, named by their value.

        >>> from autograd import Value
        >>> x = Value(2.0, label="x")
        >>> y = (x * 3 + 1).tanh()
        >>> sorted(node_names(y).values())
        ['tanh(x*3 + 1)', 'x', 'x*3', 'x*3 + 1']
    """
    from autograd.view.shown import Shown, shown  # here, not at the top: see the module's docstring

    if not isinstance(graph, Shown):
        graph = shown(graph, constants)
    names: dict[Value, str] = {}
    counts: dict[str, int] = {}
    for node, inputs in zip(graph.order, graph.inputs, strict=True):  # inputs first: their names exist
        if node.label or not node.op:
            names[node] = name(node)
            continue
        counts[node.op] = counts.get(node.op, 0) + 1
        made = expression(node.op, [names[x] if not isinstance(x, float) else number(x) for x in inputs])
        names[node] = made if len(made) <= MAX_NAME else f"{node.op}#{counts[node.op]}"
    return names
