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
above), or by its op and a number when that expression would be long (see
``autograd.text``). A plain number of your code (the 0.5 of ``0.5 * e``) is
written inline, ``× 0.5``, and gets no step: pass ``constants=True`` to give
it one (see ``autograd.view.shown``).

``explain(root, mode="forward", inputs=[...], tangents=[...])`` tells the
forward pass instead (``autograd.forward``): parents first, each node's
tangent dn (its derivative along the direction the tangents give) as the
chain rule over its parents, from the very same local derivatives; it
changes no ``.grad``:

    >>> explain(o, mode="forward", inputs=[x], tangents=[1.0])
    Forward pass of o = 0.2449 along dx = 1, in 3 steps. Each node's tangent dn is its
    derivative along that direction, the chain rule dn = Σ ∂n/∂p × dp over its parents p:
    1. dx = 1  (an input)
    2. d(x*x) = x × dx + x × dx = 0.5 × 1 + 0.5 × 1 = 1
    3. do = (1 - o²) × d(x*x) = 0.94 × 1 = 0.94

For a network made with ``nn``, each neuron's pre-activation h (a ``linear``
node) also gets its error term in the seed's sign, δ = -∂E/∂h, written the
way the seed writes it: δᵒ = -∂E/∂a × f'(h) for an output neuron, and
δʰ = Σ W·δ × f'(h) for a hidden neuron, summed over the neurons it feeds.
"""

from __future__ import annotations

import sys
from collections.abc import Container, Iterator, Mapping, Sequence
from typing import Literal, NamedTuple, TextIO

from autograd.backward import Step, backward_steps
from autograd.forward import ForwardStep, Inputs, Tangents, forward_steps
from autograd.text import atom, factor, number, wrt
from autograd.value import Value
from autograd.view.escape import visible
from autograd.view.shown import Shown, node_names, shown

# A gradient summed over more uses than this shows its first terms and "…".
_MAX_TERMS = 4
_ACTIVATIONS = ("sigmoid", "tanh", "relu")


def error_term(gradient: float) -> float:
    """The seed's error term of a neuron, δ = -∂E/∂h, from the gradient ∂E/∂h at its pre-activation h.

    What ``explain``, the stepper and ``nn``'s error table show (``Neuron.delta``
    works out the same ``0.0 - h.grad`` itself): the seed's sign, and 0.0
    rather than -0.0 when nothing reached h.

    >>> error_term(-0.1218), error_term(0.0)
    (0.1218, 0.0)
    """
    return 0.0 - gradient


class Use(NamedTuple):
    """One use of a node: ``child`` took it as its input number ``slot``, with this local derivative."""

    child: Value
    slot: int
    local: float


def root_symbol(root: Value) -> str:
    """What the gradients are of: the root's label, or ``L`` (for loss) if it has none."""
    return wrt(visible(root.label)) if root.label else "L"


def local_formula(node: Value, i: int, names: dict[Value, str], node_inputs: Sequence[Value | float]) -> str:
    """The local derivative d node / d (its i-th input), in symbols: e.g. ``w`` for ``x*w``.

    It is the op's own ``formula``, from its record in ``autograd/ops.py``
    (``∂out/∂input`` for an op that has none). ``node_inputs`` are the node's
    inputs as the view shows them (``autograd.view.shown``): a constant is
    written as its number.
    """
    out = atom(names[node])
    p = [atom(names[x]) if isinstance(x, Value) else atom(number(x)) for x in node_inputs]
    formula = getattr(node.op, "formula", None)
    if formula is None:
        return f"∂{out}/∂{p[i]}"
    return str(formula(out, p, i) if callable(formula) else formula[i].format(*p, out=out))


class Explained(NamedTuple):
    """One step of the backward pass with its chain rule written out."""

    step: Step
    equation: str
    """How the node's gradient came about, e.g. ``∂o/∂x = ∂o/∂(x*w) × w = 0.7864 × (-3) = -2.359``."""
    error_term: str
    """For a neuron's pre-activation (a ``linear`` node), its δ as the seed writes it; else ""."""
    inputs: tuple[Value | float, ...]
    """The node's inputs as shown (``autograd.view.shown``), one per contribution of the step."""


def explained_steps(
    root: Value,
    gradient: float = 1.0,
    names: dict[Value, str] | None = None,
    constants: bool = False,
    only: Container[Value] | None = None,
    graph: Shown | None = None,
) -> Iterator[Explained]:
    """``backward_steps(root)`` with each step's chain rule written out (see ``Explained``).

    Like ``backward_steps``, it adds each node's gradient into ``.grad`` as it
    goes. The nodes of ``graph`` (by default ``autograd.view.shown.shown(root,
    constants)``) get a step: constants are inline numbers unless
    ``constants`` is set. ``only`` keeps the steps of just those nodes (the
    whole walk still runs). ``names`` defaults to ``node_names(graph)``.
    """
    graph = shown(root, constants) if graph is None else graph
    # Each node's inputs as shown, read before the walk: contribution i belongs to input i.
    received_from = dict(zip(graph.order, graph.inputs, strict=True))
    names = node_names(graph) if names is None else names
    d_root = f"∂{root_symbol(root)}"
    names = {**names, root: root_symbol(root)}  # ∂L/∂L, not ∂L/∂(the whole expression)
    plain = set(graph.order) if not constants else set(shown(root).order)
    uses: dict[Value, list[Use]] = {}  # filled in as the nodes that use each one take their steps
    upstream: dict[Value, float] = {}  # the gradient of each node walked so far
    deltas: dict[Value, float] = {}  # the error term of each neuron walked so far
    for step in _with_constants(backward_steps(root, gradient), received_from):
        node = step.node
        upstream[node] = step.upstream
        if node.op == "linear":
            deltas[node] = error_term(step.upstream)
        if only is not None and node not in only:
            _record_uses(uses, node, received_from[node], step)
            continue
        grad = f"{d_root}/∂{wrt(names[node])}"
        if node in uses:
            chain_rule = _chain_rule(uses[node], upstream, names, d_root, received_from)
            equation = f"{grad} = {chain_rule} = {number(step.upstream)}"
        else:
            equation = f"{grad} = {number(step.upstream)}  (the start)"
        if node not in plain:
            equation += "  (a constant)"
        error = _error_term(node, uses, upstream, deltas, names, d_root) if node.op == "linear" else ""
        yield Explained(step, equation, error, received_from[node])
        _record_uses(uses, node, received_from[node], step)


def _with_constants(steps: Iterator[Step], shown_nodes: Container[Value]) -> Iterator[Step]:
    """The walk's steps, and one for each constant that is shown, right after the node that uses it.

    No walk visits a constant (nobody needs its gradient); its one use gives it all the same.
    """
    for step in steps:
        yield step
        for parent, _, contribution in step.contributions:
            if parent.is_constant and parent in shown_nodes:
                yield Step(parent, contribution, ())


def _record_uses(
    uses: dict[Value, list[Use]], node: Value, node_inputs: Sequence[Value | float], step: Step
) -> None:
    """Note, for each input of ``node`` that is shown, this use of it and its local derivative."""
    for slot, x in enumerate(node_inputs):
        if isinstance(x, Value):
            uses.setdefault(x, []).append(Use(node, slot, step.contributions[slot][1]))


def explanation(root: Value, gradient: float = 1.0, constants: bool = False) -> Iterator[str]:
    """The lines ``explain`` prints, one at a time (running the backward pass as it goes)."""
    graph = shown(root, constants)
    names = node_names(graph)
    top = root_symbol(root)
    d_root = f"∂{top}"
    defined = "" if root.label else f" = {names[root]}"
    inline = not constants and any(not isinstance(x, Value) for xs in graph.inputs for x in xs)
    yield (
        f"Backward pass of {top}{defined} = {number(root.data)}, in {len(names)} steps"
        f"{' (its constants inline)' if inline else ''}. "
        "Each node's gradient is the chain rule,\n"
        f"{d_root}/∂node = Σ {d_root}/∂use × ∂use/∂node over the nodes that use it:"
    )
    width = len(str(len(names)))
    for k, explained in enumerate(explained_steps(root, gradient, names, constants, graph=graph), start=1):
        yield f"{k:>{width}}. {explained.equation}"
        if explained.error_term:
            yield " " * (width + 2) + "⇒ " + explained.error_term


class ExplainedForward(NamedTuple):
    """One step of the forward pass with its chain rule written out."""

    step: ForwardStep
    equation: str
    """How the node's tangent came about, e.g. ``d(x*w) = w × dx = (-3) × 1 = -3``."""
    inputs: tuple[Value | float, ...]
    """The node's inputs as shown (``autograd.view.shown``), one per contribution of the step."""


def forward_explained_steps(
    root: Value,
    inputs: Inputs,
    tangents: Tangents,
    names: dict[Value, str] | None = None,
    constants: bool = False,
    graph: Shown | None = None,
) -> Iterator[ExplainedForward]:
    """``forward_steps(root, inputs, tangents)`` with each step's chain rule written out.

    The arguments ``names``, ``constants`` and ``graph`` are those of
    ``explained_steps``. A constant's tangent is 0, so it gets no step and
    no term. No ``.grad`` changes.
    """
    graph = shown(root, constants) if graph is None else graph
    received_from = dict(zip(graph.order, graph.inputs, strict=True))
    names = node_names(graph) if names is None else names
    names = {**names, root: root_symbol(root)}
    own = _own_tangents(inputs, tangents)
    tangent: dict[Value, float] = {}  # the tangent of each node walked so far
    for step in forward_steps(root, inputs, tangents):
        node = step.node
        tangent[node] = step.tangent
        if node not in received_from:
            continue
        d_node = f"d{wrt(names[node])}"
        node_inputs = received_from[node]
        moving = [
            (slot, x) for slot, x in enumerate(node_inputs) if isinstance(x, Value) and not x.is_constant
        ]
        symbols = [
            f"{local_formula(node, slot, names, node_inputs)} × d{wrt(names[x])}" for slot, x in moving
        ]
        numbers = [f"{factor(step.contributions[slot][1])} × {factor(tangent[x])}" for slot, x in moving]
        if moving:  # the first number of a line needs no parentheses
            slot, x = moving[0]
            numbers[0] = f"{number(step.contributions[slot][1])} × {factor(tangent[x])}"
        if node in own:
            symbols.append(f"(its own tangent {number(own[node])})")
            numbers.append(factor(own[node]))
        if not node_inputs:
            kind = "(an input)" if node in own else "(held fixed)"
            equation = f"{d_node} = {number(step.tangent)}  {kind}"
        else:
            if len(symbols) > _MAX_TERMS:
                symbols = [f"Σ over its {len(symbols)} parents p of ∂n/∂p × dp"]
                numbers = [*numbers[: _MAX_TERMS - 1], "…"]
            equation = f"{d_node} = {' + '.join(symbols)} = {' + '.join(numbers)} = {number(step.tangent)}"
        yield ExplainedForward(step, equation, node_inputs)


def _own_tangents(inputs: Inputs, tangents: Tangents) -> dict[Value, float]:
    """Each input's own tangent (already checked by ``forward_steps``)."""
    xs = [inputs] if isinstance(inputs, Value) else list(inputs)
    ts = [tangents] if isinstance(tangents, (int, float)) else list(tangents)
    own: dict[Value, float] = {}
    for x, t in zip(xs, ts):
        own[x] = own.get(x, 0.0) + float(t)
    return own


def forward_explanation(
    root: Value, inputs: Inputs, tangents: Tangents, constants: bool = False
) -> Iterator[str]:
    """The lines ``explain(..., mode="forward")`` prints, one at a time."""
    graph = shown(root, constants)
    names = node_names(graph)
    top = root_symbol(root)
    defined = "" if root.label else f" = {names[root]}"
    lines = list(forward_explained_steps(root, inputs, tangents, names, constants, graph=graph))
    own = _own_tangents(inputs, tangents)
    direction = ", ".join(f"d{wrt(names.get(x, number(x.data)))} = {number(t)}" for x, t in own.items())
    yield (
        f"Forward pass of {top}{defined} = {number(root.data)} along {direction}, in {len(lines)} steps. "
        "Each node's tangent dn is its\n"
        "derivative along that direction, the chain rule dn = Σ ∂n/∂p × dp over its parents p:"
    )
    width = len(str(len(lines)))
    for k, explained in enumerate(lines, start=1):
        yield f"{k:>{width}}. {explained.equation}"


def _chain_rule(
    received: list[Use],
    upstream: dict[Value, float],
    names: dict[Value, str],
    d_root: str,
    received_from: Mapping[Value, Sequence[Value | float]],
) -> str:
    """``Σ ∂root/∂use × local`` over a node's uses, in symbols and then in numbers."""
    symbols = [
        f"{d_root}/∂{wrt(names[u.child])} × {local_formula(u.child, u.slot, names, received_from[u.child])}"
        for u in received
    ]
    numbers = [f"{factor(upstream[u.child])} × {factor(u.local)}" for u in received]
    numbers[0] = f"{number(upstream[received[0].child])} × {factor(received[0].local)}"
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

    Through an activation a = f(h) it is -∂E/∂a × f'(h): the seed's δᵒ of an
    output neuron. When a feeds other neurons, -∂E/∂a is Σ W·δ over them (W
    the weight from this neuron to each): the seed's δʰ of a hidden neuron.
    """
    neuron = names[h].removesuffix(".h")  # nn labels a neuron's pre-activation "L1.N0.h"
    result = f" = {number(deltas[h])}"
    received = uses.get(h, [])
    f_prime = ""
    if len(received) == 1 and received[0].child.op in _ACTIVATIONS:
        a = received[0].child
        f_prime = f" × {factor(received[0].local)}"
        symbol_f = f" × f'({names[h]})"
        received = uses.get(a, [])
        if not _all_neurons(received, deltas):
            return (
                f"δᵒ({neuron}) = -{d_root}/∂{wrt(names[a])}{symbol_f} = "
                f"{number(error_term(upstream[a]))}{f_prime}{result}"
            )
    else:
        symbol_f = ""
        if not _all_neurons(received, deltas):
            return f"δᵒ({neuron}) = -{d_root}/∂{wrt(names[h])}{result}"
    terms = [f"{factor(u.local)} × {factor(deltas[u.child])}" for u in received]
    terms[0] = f"{number(received[0].local)} × {factor(deltas[received[0].child])}"
    if len(terms) > _MAX_TERMS:
        terms = [*terms[: _MAX_TERMS - 1], "…"]
    numbers = " + ".join(terms)
    if f_prime and len(received) > 1:
        numbers = f"({numbers})"
    return f"δʰ({neuron}) = Σ W·δ{symbol_f} = {numbers}{f_prime}{result}"


def _all_neurons(received: list[Use], deltas: dict[Value, float]) -> bool:
    return bool(received) and all(u.child in deltas for u in received)


def explain(
    root: Value,
    file: TextIO | None = None,
    gradient: float = 1.0,
    constants: bool = False,
    *,
    mode: Literal["reverse", "forward"] = "reverse",
    inputs: Inputs | None = None,
    tangents: Tangents | None = None,
) -> None:
    """Run the backward pass of ``root`` and print it, one chain-rule equation per node.

    Like ``backward()``, it adds each node's gradient into ``.grad``: call it
    instead of ``backward()``, not after it (or zero the grads first).
    ``file`` defaults to standard output. Plain numbers of the formula are
    written inline; ``constants=True`` gives each of them a step too.

    ``mode="forward"`` prints the forward pass along ``tangents`` instead
    (one per input; by default 1.0 for each), parents first, and changes no
    ``.grad``.
    """
    out = sys.stdout if file is None else file
    if mode == "forward":
        lines = forward_explanation(root, *forward_direction(inputs, tangents, "explain"), constants)
    elif mode == "reverse":
        lines = explanation(root, gradient, constants)
    else:
        raise ValueError(f'explain(): mode is "reverse" or "forward", got {mode!r}')
    for line in lines:
        print(line, file=out)


def forward_direction(
    inputs: Inputs | None, tangents: Tangents | None, where: str
) -> tuple[Inputs, Tangents]:
    """The inputs and tangents of a view in forward mode: inputs must be given; tangents default to 1.0."""
    if inputs is None:
        raise TypeError(f'{where}(..., mode="forward") needs inputs=[...]: the Values the direction moves')
    if tangents is None:
        tangents = [1.0] * (1 if isinstance(inputs, Value) else len(inputs))
    return inputs, tangents
