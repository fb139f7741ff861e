"""``explain(root)``: the backward pass told the way the seed tells its worked example.

``backward()`` fills in every ``.grad`` at once. ``explain`` does the very same
walk (it runs ``backward_steps()`` to the end, so afterwards the grads are
exactly what ``backward()`` would leave) and prints one line per node: the
chain rule that gives the node's gradient, first in symbols, then in numbers.

    >>> from autograd import Value
    >>> x = Value(0.5, label="x")
    >>> o = (x * x).tanh()
    >>> o.label = "o"
    >>> explain(o)
    Backward pass of o = 0.2449, in 3 steps. Each node's gradient is the chain rule,
    ∂o/∂node = Σ ∂o/∂use × ∂use/∂node over the nodes that use it:
    1. ∂o/∂o = 1  (the start)
    2. ∂o/∂(x*x) = ∂o/∂o × (1 - o²) = 1 × 0.94 = 0.94
    3. ∂o/∂x = ∂o/∂(x*x) × x + ∂o/∂(x*x) × x = 0.94 × 0.5 + 0.94 × 0.5 = 0.94
    >>> round(x.grad, 4)  # x is used twice by x*x, so both shares add up
    0.94

A node without a label is named by the expression that made it (``x*x``
above), or by its op and a number when that expression would be long.

For a network made with ``nn``, each neuron's pre-activation h (a ``linear``
node) also gets its error term in the seed's sign, δ = -∂E/∂h, written the
way the seed writes it: δᵒ = -∂E/∂ŷ × f'(h) at the output, and
δʰ = Σ W·δ × f'(h) for a hidden neuron, summed over the neurons it feeds.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator
from typing import NamedTuple, TextIO

from autograd.backward import Step, backward_steps
from autograd.graph import topological_order
from autograd.value import Value

# An expression name longer than this becomes op#k instead (e.g. "tanh#2").
_MAX_NAME = 24
# A gradient summed over more uses than this shows its first terms and "…".
_MAX_TERMS = 4
_ACTIVATIONS = ("sigmoid", "tanh", "relu")


class Use(NamedTuple):
    """One use of a node: ``child`` took it as its parent number ``slot``, with this local derivative."""

    child: Value
    slot: int
    local: float


def num(x: float) -> str:
    """A number as the steps print it: 4 significant digits.

    >>> num(0.12180), num(-3.0), num(0.0030462)
    ('0.1218', '-3', '0.003046')
    """
    return f"{x:.4g}"


def factor(x: float) -> str:
    """A number as the second factor of a product: negatives in parentheses.

    >>> f"2 × {factor(-3.0)}"
    '2 × (-3)'
    """
    return f"({num(x)})" if x < 0 else num(x)


def _atom(name: str) -> str:
    """``name`` ready to be an operand: parenthesized if it has a top-level space or a sign."""
    depth = 0
    for ch in name:
        depth += (ch == "(") - (ch == ")")
        if ch == " " and depth == 0:
            return f"({name})"
    return f"({name})" if name.startswith("-") else name


def _wrt(name: str) -> str:
    """``name`` as the thing a derivative is taken with respect to: ∂o/∂(x*w), ∂o/∂L1.N0.w1."""
    return name if re.fullmatch(r"[\w.#]+", name) else f"({name})"


def root_symbol(root: Value) -> str:
    """What the gradients are of: the root's label, or ``L`` (for loss) if it has none."""
    return _wrt(root.label) if root.label else "L"


def node_names(root: Value) -> dict[Value, str]:
    """A short, readable name for every node of ``root``'s graph.

    A labelled node is its label; a constant is its value; any other node is
    the expression that made it, built from its parents' names (``x*w + b``),
    or ``op#k`` (the k-th node of that op) when the expression gets long.

        >>> from autograd import Value
        >>> x = Value(2.0, label="x")
        >>> y = (x * 3 + 1).tanh()
        >>> [node_names(y)[v] for v in (y, y.parents[0])]
        ['tanh(x*3 + 1)', 'x*3 + 1']
    """
    names: dict[Value, str] = {}
    counts: dict[str, int] = {}
    for node in topological_order(root):  # parents first, so their names exist
        if node.label:
            names[node] = node.label
            continue
        if not node.op:
            names[node] = num(node.data)
            continue
        counts[node.op] = counts.get(node.op, 0) + 1
        expression = _expression(node.op, [names[p] for p in node.parents])
        names[node] = expression if len(expression) <= _MAX_NAME else f"{node.op}#{counts[node.op]}"
    return names


def _expression(op: str, args: list[str]) -> str:
    if op in ("+", "-") and len(args) == 2:
        return f"{args[0]} {op} {_atom(args[1])}"
    if op in ("*", "/", "**") and len(args) == 2:
        return f"{_atom(args[0])}{op}{_atom(args[1])}"
    if op == "neg":
        return f"-{_atom(args[0])}"
    return f"{op}({', '.join(args)})"


def local_formula(node: Value, i: int, names: dict[Value, str]) -> str:
    """The local derivative d node / d (its i-th parent), in symbols: e.g. ``w`` for ``x*w``.

    These are the rules of ``autograd/ops.py`` written out for people.
    """
    out = _atom(names[node])
    p = [_atom(names[parent]) for parent in node.parents]
    rule = _FORMULAS.get(node.op)
    return rule(out, p, i) if rule else f"∂{out}/∂{p[i]}"


def _linear_formula(out: str, p: list[str], i: int) -> str:
    n = len(p) // 2  # parents are w1..wn, x1..xn and maybe b: d/dw = x, d/dx = w, d/db = 1
    if i < n:
        return p[n + i]
    return p[i - n] if i < 2 * n else "1"


_FORMULAS: dict[str, Callable[[str, list[str], int], str]] = {
    "+": lambda out, p, i: "1",
    "-": lambda out, p, i: "1" if i == 0 else "(-1)",
    "*": lambda out, p, i: p[1 - i],
    "/": lambda out, p, i: f"1/{p[1]}" if i == 0 else f"(-{p[0]}/{p[1]}²)",
    "**": lambda out, p, i: f"{p[1]}·{p[0]}^({p[1]} - 1)" if i == 0 else f"{out}·log {p[0]}",
    "neg": lambda out, p, i: "(-1)",
    "exp": lambda out, p, i: out,
    "log": lambda out, p, i: f"1/{p[0]}",
    "tanh": lambda out, p, i: f"(1 - {out}²)",
    "sigmoid": lambda out, p, i: f"{out}·(1 - {out})",
    "relu": lambda out, p, i: f"[{p[0]} > 0]",
    "linear": _linear_formula,
}


class Explained(NamedTuple):
    """One step of the backward pass with its chain rule written out."""

    step: Step
    equation: str
    """How the node's gradient came about, e.g. ``∂o/∂x = ∂o/∂(x*w) × w = 0.7864 × (-3) = -2.359``."""
    error_term: str
    """For a neuron's pre-activation (a ``linear`` node), its δ as the seed writes it; else ""."""


def explained_steps(
    root: Value, gradient: float = 1.0, names: dict[Value, str] | None = None
) -> Iterator[Explained]:
    """``backward_steps(root)`` with each step's chain rule written out (see ``Explained``).

    Like ``backward_steps``, it adds each node's gradient into ``.grad`` as it goes.
    ``names`` defaults to ``node_names(root)``.
    """
    names = node_names(root) if names is None else names
    d_root = f"∂{root_symbol(root)}"
    names = {**names, root: root_symbol(root)}  # ∂L/∂L, not ∂L/∂(the whole expression)
    uses: dict[Value, list[Use]] = {}  # filled in as the nodes that use each one take their steps
    upstream: dict[Value, float] = {}  # the gradient of each node walked so far
    deltas: dict[Value, float] = {}  # the error term of each neuron walked so far
    for step in backward_steps(root, gradient):
        node = step.node
        upstream[node] = step.upstream
        grad = f"{d_root}/∂{_wrt(names[node])}"
        if node in uses:
            equation = f"{grad} = {_chain_rule(uses[node], upstream, names, d_root)} = {num(step.upstream)}"
        else:
            equation = f"{grad} = {num(step.upstream)}  (the start)"
        if not node.parents and not node.label:
            equation += "  (a constant)"
        error_term = ""
        if node.op == "linear":
            deltas[node] = -step.upstream
            error_term = _error_term(node, uses, upstream, deltas, names, d_root)
        yield Explained(step, equation, error_term)
        for slot, (parent, local, _) in enumerate(step.contributions):
            uses.setdefault(parent, []).append(Use(node, slot, local))


def explanation(root: Value, gradient: float = 1.0) -> Iterator[str]:
    """The lines ``explain`` prints, one at a time (running the backward pass as it goes)."""
    names = node_names(root)
    top = root_symbol(root)
    d_root = f"∂{top}"
    defined = "" if root.label else f" = {names[root]}"
    yield (
        f"Backward pass of {top}{defined} = {num(root.data)}, in {len(names)} steps. "
        "Each node's gradient is the chain rule,\n"
        f"{d_root}/∂node = Σ {d_root}/∂use × ∂use/∂node over the nodes that use it:"
    )
    width = len(str(len(names)))
    for k, explained in enumerate(explained_steps(root, gradient, names), start=1):
        yield f"{k:>{width}}. {explained.equation}"
        if explained.error_term:
            yield " " * (width + 2) + explained.error_term


def _chain_rule(
    received: list[Use], upstream: dict[Value, float], names: dict[Value, str], d_root: str
) -> str:
    """``Σ ∂root/∂use × local`` over a node's uses, in symbols and then in numbers."""
    symbols = [
        f"{d_root}/∂{_wrt(names[u.child])} × {local_formula(u.child, u.slot, names)}" for u in received
    ]
    numbers = [f"{factor(upstream[u.child])} × {factor(u.local)}" for u in received]
    numbers[0] = f"{num(upstream[received[0].child])} × {factor(received[0].local)}"
    if len(received) > _MAX_TERMS:
        symbols = [f"Σ over its {len(received)} uses of {d_root}/∂use × ∂use/∂node"]
        numbers = [*numbers[: _MAX_TERMS - 1], "…"]
    return f"{' + '.join(symbols)} = {' + '.join(numbers)}"


def _error_term(
    h: Value,
    uses: dict[Value, list[Use]],
    upstream: dict[Value, float],
    deltas: dict[Value, float],
    names: dict[Value, str],
    d_root: str,
) -> str:
    """The error term of a neuron whose pre-activation is ``h``: δ = -∂E/∂h, as the seed writes it.

    Through an activation a = f(h) it is -∂E/∂a × f'(h); when a feeds other
    neurons, -∂E/∂a is Σ W·δ over them (W the weight from this neuron to each).
    """
    neuron = names[h].removesuffix(".h")  # nn labels a neuron's pre-activation "L1.N0.h"
    delta = f"δ({neuron}) = "
    result = f" = {num(deltas[h])}"
    received = uses.get(h, [])
    f_prime = ""
    if len(received) == 1 and received[0].child.op in _ACTIVATIONS:
        a = received[0].child
        f_prime = f" × {factor(received[0].local)}"
        symbol_f = f" × f'({names[h]})"
        received = uses.get(a, [])
        if not _all_neurons(received, deltas):
            return f"{delta}-{d_root}/∂{_wrt(names[a])}{symbol_f} = {num(-upstream[a])}{f_prime}{result}"
    else:
        symbol_f = ""
        if not _all_neurons(received, deltas):
            return f"{delta}-{d_root}/∂{_wrt(names[h])}{result}"
    terms = [f"{factor(u.local)} × {factor(deltas[u.child])}" for u in received]
    terms[0] = f"{num(received[0].local)} × {factor(deltas[received[0].child])}"
    if len(terms) > _MAX_TERMS:
        terms = [*terms[: _MAX_TERMS - 1], "…"]
    numbers = " + ".join(terms)
    if f_prime and len(received) > 1:
        numbers = f"({numbers})"
    return f"{delta}Σ W·δ{symbol_f} = {numbers}{f_prime}{result}"


def _all_neurons(received: list[Use], deltas: dict[Value, float]) -> bool:
    return bool(received) and all(u.child in deltas for u in received)


def explain(root: Value, file: TextIO | None = None, gradient: float = 1.0) -> None:
    """Run the backward pass of ``root`` and print it, one chain-rule equation per node.

    Like ``backward()``, it adds each node's gradient into ``.grad``: call it
    instead of ``backward()``, not after it (or zero the grads first).
    ``file`` defaults to standard output.
    """
    out = sys.stdout if file is None else file
    for line in explanation(root, gradient):
        print(line, file=out)
