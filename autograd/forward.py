"""Forward mode: derivatives along a direction, from the same rules as the backward pass.

Reverse mode (``backward()``) starts at the output and gives d output / d node
for every node in one pass. Forward mode starts at the inputs and gives
d node / d direction for every node in one pass: each input ``x`` gets a
*tangent* ẋ (how fast it moves along the direction), and each node's tangent
is the chain rule summed over its parents, parents first::

    ṅ = Σ  ∂n/∂p · ṗ     over the parents p of n

No new rules are needed. An op's backward rule ``backward(g, out, *inputs)``
returns ``g × ∂out/∂input`` for each input: it is linear in ``g``, so called
with ``g = 1.0`` it returns the local derivatives ∂n/∂p themselves. That is
the whole of forward mode here (``local_derivatives`` below): one rule table,
walked in two orders. An op added with ``define_op`` works with nothing else
written.

    >>> from autograd import Value
    >>> x, w = Value(2.0, label="x"), Value(-3.0, label="w")
    >>> y = (x * w + 1).tanh()
    >>> round(jvp(y, [x, w], [1.0, 0.0]), 6)  # d y / d x, along x alone
    -0.000545

Which direction wins is a matter of counting passes. For f: ℝⁿ → ℝ (a loss of
n weights) reverse mode needs one pass and forward mode n; for g: ℝ → ℝᵐ it is
the other way round. ``jacobian`` reports both counts.

``Dual`` is forward mode at its smallest: a number that carries its tangent
through arithmetic, with no graph at all (JAX's autodidax starts here).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterator, Sequence
from typing import Any, NamedTuple

from autograd.backward import grad
from autograd.graph import topological_order
from autograd.ops import OPS
from autograd.text import describe, factor, name, number
from autograd.value import Value, _recording

Outputs = Value | Sequence[Value]
Inputs = Value | Sequence[Value]
Tangents = float | Sequence[float]


def local_derivatives(node: Value) -> tuple[float, ...]:
    """∂node/∂parent for each of ``node.parents``: the node's backward rule called with g = 1.

        >>> from autograd import Value
        >>> a, b = Value(3.0), Value(4.0)
        >>> local_derivatives(a * b)
        (4.0, 3.0)
    """
    return _local(node, node.parents)


def _local(node: Value, parents: Sequence[Value]) -> tuple[float, ...]:
    try:
        local: tuple[float, ...] = node.op.backward(1.0, node.data, *[p.data for p in parents])  # type: ignore[attr-defined]
    except (ArithmeticError, ValueError) as e:
        inputs = ", ".join(describe(p) for p in parents)
        raise type(e)(f"forward mode through {node.op}({inputs}): {e}") from None
    return local


class ForwardStep(NamedTuple):
    """One step of the forward pass: ``node``'s tangent is final.

    Attributes:
        node: the Value whose tangent is now final.
        tangent: d node / d direction, the sum of the contributions (plus the
            node's own tangent if it is one of the inputs).
        contributions: one ``(parent, local, contribution)`` per parent, in
            ``node.parents`` order: ``local`` is ∂node/∂parent and
            ``contribution`` is the parent's tangent × ``local``.
    """

    node: Value
    tangent: float
    contributions: tuple[tuple[Value, float, float], ...]

    def __str__(self) -> str:
        line = f"{name(self.node)}: tangent {number(self.tangent)}"
        if self.contributions:
            line += " = " + " + ".join(f"{factor(c)} (from {name(p)})" for p, _, c in self.contributions)
        return line


def _prepare(where: str, outputs: Outputs, inputs: Inputs) -> tuple[list[Value], list[Value], list[Value]]:
    """The outputs and inputs as lists (a bare Value stands for a list of one), and the order
    of the graph: or a clear error, naming the output or input that is wrong."""
    outs = _values(where, "output", outputs)
    ins = _values(where, "input", inputs)
    order = graph_order(outs)
    in_graph = set(order)
    for i, x in enumerate(ins):
        if x.is_constant:
            raise ValueError(
                f"{where}: input {i} is the constant {x.data!r}, a plain number of the code: "
                "make it a Value to take derivatives with respect to it"
            )
        if x not in in_graph:
            raise ValueError(f"{where}: input {i} ({describe(x)}) is not in the graph of the outputs")
    return outs, ins, order


def _values(where: str, kind: str, xs: Any) -> list[Value]:
    if isinstance(xs, Value):
        return [xs]
    if not isinstance(xs, Sequence) or isinstance(xs, str):
        raise TypeError(f"{where}: the {kind}s are a Value or a list of Values, got {type(xs).__name__}")
    for i, x in enumerate(xs):
        if not isinstance(x, Value):
            raise TypeError(f"{where}: {kind} {i} is not a Value but {type(x).__name__}: {x!r:.60}")
    return list(xs)


def _seeds(where: str, inputs: list[Value], tangents: Tangents) -> dict[Value, float]:
    """Each input's tangent, checked (a bare number stands for a list of one)."""
    ts = [tangents] if isinstance(tangents, numbers.Number) else tangents
    if isinstance(ts, (str, bytes)) or not isinstance(ts, Sequence):
        raise TypeError(f"{where}: tangents are a list of numbers, got {type(tangents).__name__}")
    if len(ts) != len(inputs):
        raise ValueError(f"{where}: {len(inputs)} inputs but {len(ts)} tangents; give one tangent per input")
    seeds: dict[Value, float] = {}
    for i, (x, t) in enumerate(zip(inputs, ts)):
        # An input given twice moves at the sum of its tangents.
        seeds[x] = seeds.get(x, 0.0) + _finite(f"{where}: tangent {i} (of input {describe(x)})", t)
    return seeds


def graph_order(outputs: Sequence[Value]) -> list[Value]:
    """Every node the outputs depend on, parents first: ``topological_order`` of each, merged.

    Each node's parents come before it in its first output's order, so they
    still do in the merged one.
    """
    if len(outputs) == 1:
        return topological_order(outputs[0])
    merged: dict[Value, None] = {}
    for out in outputs:
        merged.update(dict.fromkeys(node for node in topological_order(out) if node not in merged))
    return list(merged)


def _walk(order: list[Value], seeds: dict[Value, float]) -> Iterator[ForwardStep]:
    """The forward pass over ``order`` (parents first): one step per node but the constants.

    This is the whole algorithm. A parent's tangent is final before any node
    that uses it is reached, because the order puts parents first.
    """
    tangents: dict[Value, float] = {}  # every node's but the constants', which are 0
    for node in order:
        if node.is_constant:
            continue  # a plain number of the code (the 1 in x + 1): it does not move
        tangent = seeds.get(node, 0.0)
        contributions: list[tuple[Value, float, float]] = []
        parents = node.parents
        if parents:
            for p, d in zip(parents, _local(node, parents)):
                t = 0.0 if p.is_constant else tangents[p]
                # A parent that does not move adds 0, even where d is huge: 0 × inf is a NaN.
                c = t * d if t != 0.0 else 0.0
                tangent += c
                contributions.append((p, d, c))
        if tangent - tangent != 0.0:  # inf or nan
            where = f"{describe(node)} ({node.op or 'leaf'})"
            raise OverflowError(f"forward mode: the tangent at {where} overflowed to {tangent!r}")
        tangents[node] = tangent
        yield ForwardStep(node, tangent, tuple(contributions))


def forward_steps(outputs: Outputs, inputs: Inputs, tangents: Tangents) -> Iterator[ForwardStep]:
    """The forward pass one node at a time, parents first, as ``backward_steps`` is for reverse mode.

    Each ``ForwardStep`` has ``node``, ``tangent`` and ``contributions``; the
    tangent of each output, when its step comes, is what ``jvp`` returns.
    No ``.grad`` changes. Bad input is reported at the call, before any step.

        >>> from autograd import Value
        >>> x = Value(3.0, label="x")
        >>> for step in forward_steps(x * x + x, [x], [1.0]):
        ...     print(step)
        x: tangent 1
        *: tangent 6 = 3 (from x) + 3 (from x)
        +: tangent 7 = 6 (from *) + 1 (from x)
    """
    _, ins, order = _prepare("forward_steps()", outputs, inputs)
    seeds = _seeds("forward_steps()", ins, tangents)
    return _walk(order, seeds)


def jvp(outputs: Outputs, inputs: Inputs, tangents: Tangents) -> Any:
    """d output / d direction for each output: the Jacobian times the vector ``tangents``.

    The direction moves ``inputs[i]`` at the rate ``tangents[i]``; one pass,
    parents first, gives the derivative of every output along it. Returns one
    float for a single output (a Value), else a list of floats. No ``.grad``
    changes.

        >>> from autograd import Value
        >>> x = Value(3.0)
        >>> jvp(x ** 2, [x], [1.0]), jvp([x ** 2, 2 * x], x, 1.0)
        (6.0, [6.0, 2.0])
    """
    outs, ins, order = _prepare("jvp()", outputs, inputs)
    seeds = _seeds("jvp()", ins, tangents)
    found = _tangents_of(outs, order, seeds)
    return found[0] if isinstance(outputs, Value) else found


def _tangents_of(outputs: list[Value], order: list[Value], seeds: dict[Value, float]) -> list[float]:
    wanted: dict[Value, float] = dict.fromkeys(outputs, 0.0)
    for step in _walk(order, seeds):
        if step.node in wanted:
            wanted[step.node] = step.tangent
    return [wanted[out] for out in outputs]


class Jacobian(list[list[float]]):
    """The Jacobian as a list of rows, ``J[i][j]`` = d outputs[i] / d inputs[j], with its cost.

    Attributes:
        mode: ``"reverse"`` (one backward pass per output) or ``"forward"``
            (one forward pass per input).
        passes: how many passes over the graph it took.
        rule_calls: how many times an op's rule was applied: one per
            operation node per pass (a leaf has no rule).
    """

    def __init__(self, rows: list[list[float]], mode: str, passes: int, rule_calls: int) -> None:
        super().__init__(rows)
        self.mode = mode
        self.passes = passes
        self.rule_calls = rule_calls


def jacobian(outputs: Outputs, inputs: Inputs, mode: str = "reverse") -> Jacobian:
    """Every d outputs[i] / d inputs[j], as a list of rows, by reverse or forward mode.

    ``mode="reverse"`` runs one backward pass (``grad``) per output: each gives
    a whole row. ``mode="forward"`` runs one forward pass per input: each gives
    a whole column. Both give the same numbers; ``.passes`` and
    ``.rule_calls`` say what each cost. No ``.grad`` changes.

        >>> from autograd import Value
        >>> x, y = Value(2.0), Value(3.0)
        >>> outs = [x * y, x + y, y.exp()]
        >>> J = jacobian(outs, [x, y], mode="forward")
        >>> J[0], J.passes, jacobian(outs, [x, y]).passes
        ([3.0, 2.0], 2, 3)
    """
    where = "jacobian()"
    outs, ins, order = _prepare(where, outputs, inputs)
    if mode == "reverse":
        rows = [[g.data for g in grad(out, ins)] for out in outs]
        calls = sum(_operations(topological_order(out)) for out in outs)
        return Jacobian(rows, mode, len(outs), calls)
    if mode == "forward":
        columns = [_tangents_of(outs, order, {x: 1.0}) for x in ins]
        rows = [[column[i] for column in columns] for i in range(len(outs))]
        return Jacobian(rows, mode, len(ins), len(ins) * _operations(order))
    raise ValueError(f'{where}: mode is "reverse" or "forward", got {mode!r}')


def _operations(order: list[Value]) -> int:
    """How many nodes of ``order`` have a rule to apply (every node but the leaves)."""
    return sum(1 for node in order if node.parents)


def hessian(output: Value, inputs: Sequence[Value]) -> list[list[float]]:
    """The second derivatives ``H[i][j]`` = d² output / d inputs[i] d inputs[j], as a list of rows.

    Reverse over reverse: ``grad(..., create_graph=True)`` records the
    gradient as a graph of its own, and one more backward pass through each
    of its entries gives a row. ``H`` is symmetric to rounding. No ``.grad``
    changes.

        >>> from autograd import Value
        >>> x, y = Value(1.0), Value(2.0)
        >>> hessian(x * x * y, [x, y])
        [[4.0, 2.0], [2.0, 0.0]]
    """
    where = "hessian()"
    if not isinstance(output, Value):
        raise TypeError(f"{where}: the output is one Value, got {type(output).__name__}")
    _, ins, _ = _prepare(where, output, inputs)
    if not _recording.get():
        raise RuntimeError(f"{where} differentiates a recorded gradient: it cannot run inside no_grad()")
    first = grad(output, ins, create_graph=True)
    return [[g.data for g in grad(d, ins)] for d in first]


# --- Dual numbers: forward mode without a graph ------------------------------


class Dual:
    """A number with its tangent: ``Dual(value, tangent)``, forward mode with no graph.

    Every operation computes its value with the op's forward rule and its
    tangent with the op's backward rule called with g = 1 (the local
    derivatives), summed over the operands' tangents: the same rules, read
    from the same table (``autograd.ops.OPS``), as ``Value`` and ``jvp``.

        >>> x = Dual(3.0, 1.0)
        >>> x ** 2
        Dual(value=9.0, tangent=6.0)
        >>> (2 * x).tanh().tangent == 2 * (1 - math.tanh(6.0) ** 2)
        True

    A plain number is a Dual with tangent 0. ``Dual.apply(op, *operands)``
    applies any op of the table by name (or an op itself).
    """

    __slots__ = ("value", "tangent")

    def __init__(self, value: float, tangent: float = 0.0) -> None:
        self.value: float = _finite("Dual() value", value)
        self.tangent: float = _finite("Dual() tangent", tangent)

    def __repr__(self) -> str:
        return f"Dual(value={self.value!r}, tangent={self.tangent!r})"

    @staticmethod
    def apply(op: Any, *operands: Dual | float) -> Dual:
        """The op (a name of ``OPS``, or an op) applied to Duals and numbers."""
        if isinstance(op, str) and not hasattr(op, "backward"):
            if op not in OPS:
                raise ValueError(f"Dual.apply: no op named {op!r}; the ops are {', '.join(sorted(OPS))}")
            op = OPS[op]
        what = f"an operand of {str(op)!r}"
        duals = [x if isinstance(x, Dual) else Dual(_finite(what, x)) for x in operands]
        values = [d.value for d in duals]
        try:
            out = op.forward(*values)
            local = op.backward(1.0, out, *values)
        except (ArithmeticError, ValueError) as e:
            raise type(e)(f"{op}({', '.join(map(repr, duals))}): {e}") from None
        tangent = 0.0
        for d, dx in zip(local, duals):
            if dx.tangent != 0.0:
                tangent += d * dx.tangent
        if out - out != 0.0 or tangent - tangent != 0.0:
            raise OverflowError(f"{op}({', '.join(map(repr, duals))}): too large for a float")
        return Dual(out, tangent)

    def __add__(self, other: Dual | float) -> Dual:
        return Dual.apply(OPS["+"], self, other)

    def __radd__(self, other: float) -> Dual:
        return Dual.apply(OPS["+"], other, self)

    def __sub__(self, other: Dual | float) -> Dual:
        return Dual.apply(OPS["-"], self, other)

    def __rsub__(self, other: float) -> Dual:
        return Dual.apply(OPS["-"], other, self)

    def __mul__(self, other: Dual | float) -> Dual:
        return Dual.apply(OPS["*"], self, other)

    def __rmul__(self, other: float) -> Dual:
        return Dual.apply(OPS["*"], other, self)

    def __truediv__(self, other: Dual | float) -> Dual:
        return Dual.apply(OPS["/"], self, other)

    def __rtruediv__(self, other: float) -> Dual:
        return Dual.apply(OPS["/"], other, self)

    def __pow__(self, other: Dual | float) -> Dual:
        return Dual.apply(OPS["**"], self, other)

    def __rpow__(self, other: float) -> Dual:
        return Dual.apply(OPS["number ** x"], other, self)

    def __neg__(self) -> Dual:
        return Dual.apply(OPS["neg"], self)

    def __pos__(self) -> Dual:
        return self

    def exp(self) -> Dual:
        return Dual.apply(OPS["exp"], self)

    def log(self) -> Dual:
        return Dual.apply(OPS["log"], self)

    def tanh(self) -> Dual:
        return Dual.apply(OPS["tanh"], self)

    def sigmoid(self) -> Dual:
        return Dual.apply(OPS["sigmoid"], self)

    def relu(self) -> Dual:
        return Dual.apply(OPS["relu"], self)

    def softplus(self) -> Dual:
        return Dual.apply(OPS["softplus"], self)


def _finite(what: str, x: Any) -> float:
    """``x`` as a finite float, or a TypeError or ValueError that starts with ``what``."""
    if not isinstance(x, numbers.Real):
        raise TypeError(f"{what} is a number, not {type(x).__name__}: {x!r:.60}")
    f = float(x)
    if not math.isfinite(f):
        raise ValueError(f"{what} is {f!r}; it must be a finite number")
    return f
