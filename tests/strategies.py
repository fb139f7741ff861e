"""Hypothesis strategies for the engine's tests: random expression graphs.

An :class:`Expression` is a small program: a few input numbers, then steps
that each apply one op to earlier nodes (reusing them freely, so ``a * a`` and
diamonds appear) and to constants (on either side of the operator). The same
program can be replayed onto glassgrad ``Value`` leaves or onto PyTorch
tensors, which is what lets the tests compare the two node by node.

The ops are those of ``autograd.OPS`` when a program is drawn, so an op new to
the table (built in, or added with ``define_op``) is drawn with no change here:
with nodes and constants as its inputs, where its forward rule is defined.

Every node's value is checked while the program is drawn, so domains stay
valid with a margin: ``log`` and ``/`` keep away from 0, ``relu`` keeps away
from its kink, a fractional power gets a positive base, and no value grows
beyond ``LIMIT``. The margins also keep central differences (a step of 1e-6)
on the same side of every kink and pole.
"""

from __future__ import annotations

import inspect
import math
import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from hypothesis import strategies as st

import autograd.ops
from autograd import OPS, Op, Value, apply, linear, logsumexp

LIMIT = 50.0
"""No node's value is larger than this in magnitude."""

MARGIN = 0.1
"""How far ``log``'s input, a divisor and the base of a real power stay from 0."""

KINK = 0.01
"""How far ``relu``'s input stays from 0."""


class Ref(NamedTuple):
    """An earlier node of the expression: inputs come first, then step results."""

    position: int

    def __repr__(self) -> str:
        return f"n{self.position}"


Arg = Ref | int | float  # a node, or a constant
Instruction = tuple[str, tuple[Arg, ...]]  # a key of autograd.OPS and its arguments

_OPERATORS: dict[str, Callable[..., Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "**": operator.pow,
    "number ** x": operator.pow,  # 2 ** x: Python calls x.__rpow__, which makes the op RPOW
    "neg": operator.neg,
}
_BUILT_IN = frozenset(autograd.ops.OPS)
"""The ops glassgrad comes with: ``_step`` knows their domains; an op added later
(``define_op``) is drawn with any nodes, and its forward rule says where it is defined."""


def linear_by_hand(*args: Any) -> Any:
    """The fused neuron spelled out as ``w1*x1 + ... (+ b)``: args are ``w1..wn, x1..xn``
    and an optional bias. For tensors, which have no fused op."""
    n = len(args) // 2
    total = args[0] * args[n]
    for w, x in zip(args[1:n], args[n + 1 : 2 * n]):
        total = total + w * x
    return total + args[-1] if len(args) % 2 else total


def _linear(*args: Any) -> Any:
    n = len(args) // 2
    return linear(list(args[:n]), list(args[n : 2 * n]), args[-1] if len(args) % 2 else None)


GLASSGRAD: Mapping[str, Callable[..., Any]] = {"linear": _linear, "logsumexp": logsumexp}
"""How ``apply_step`` makes the ops that are not Python operators or methods, for Values."""


def apply_step(op: str, args: Sequence[Any], special: Mapping[str, Callable[..., Any]] = GLASSGRAD) -> Any:
    """Apply the op ``OPS[op]`` to ``args``: by ``special[op]`` if given, else as a user would write it.

    That is Python's operators, or the method of that name (``Value`` objects
    and ``torch`` tensors alike have ``.exp()``, ``.log()``, ``.tanh()``, ...;
    tensors have ``.sin()`` too); an op added with ``define_op`` is applied to
    Values by ``autograd.apply``, as the function ``define_op`` returns does.
    """
    if op in special:
        return special[op](*args)
    if op in _OPERATORS:
        return _OPERATORS[op](*args)
    if op not in _BUILT_IN and any(isinstance(a, Value) for a in args):
        return apply(OPS[op], *args)
    method = getattr(args[0], op, None)
    if not callable(method):
        raise AssertionError(f"op {op!r} is not a method of {type(args[0]).__name__}: say how in special")
    return method(*args[1:])


@dataclass(frozen=True)
class Expression:
    """A random expression graph: ``inputs`` (numbers) and ``steps`` over them.

    Node ``i`` is input ``i`` for ``i < len(inputs)``, else the result of step
    ``i - len(inputs)``. The output is the last node.
    """

    inputs: tuple[float, ...]
    steps: tuple[Instruction, ...]

    def replay(
        self, leaves: Sequence[Any], special: Mapping[str, Callable[..., Any]] = GLASSGRAD
    ) -> list[Any]:
        """Every node, computed from ``leaves`` (one per input): the output is last.

        ``special`` says how to apply the ops that are neither Python operators
        nor methods of the leaves (see ``apply_step``).
        """
        nodes = list(leaves)
        for op, args in self.steps:
            inputs = [nodes[a.position] if isinstance(a, Ref) else a for a in args]
            nodes.append(apply_step(op, inputs, special))
        return nodes

    def build(self) -> tuple[list[Value], list[Value]]:
        """Fresh glassgrad leaves for the inputs, and every node of the graph."""
        leaves = [Value(x, label=f"n{i}") for i, x in enumerate(self.inputs)]
        return leaves, self.replay(leaves)

    def __call__(self, *leaves: Value) -> Value:
        """The output as a function of the inputs, the form ``gradcheck`` takes."""
        out: Value = self.replay(leaves)[-1]
        return out


def _evaluate(op: str, args: Sequence[Arg], values: Sequence[float]) -> float | None:
    """The value of a step, or None if it would leave the safe domain."""
    numbers = [values[a.position] if isinstance(a, Ref) else float(a) for a in args]
    if op == "log" and numbers[0] <= MARGIN:
        return None
    if op == "relu" and abs(numbers[0]) <= KINK:
        return None
    if op == "/" and abs(numbers[1]) <= MARGIN:
        return None
    if op == "**":
        base, exponent = numbers
        if isinstance(args[1], Ref) or exponent != int(exponent):
            # A real (not integer) power: only positive bases have one.
            if base <= MARGIN:
                return None
        elif exponent < 0 and abs(base) <= MARGIN:
            return None
    try:
        value = OPS[op].forward(*numbers)
    except (ArithmeticError, ValueError):
        return None
    return value if math.isfinite(value) and abs(value) <= LIMIT else None


def arity(op: Op) -> int | None:
    """How many inputs ``op`` takes, from its forward rule's signature (None: any number)."""
    try:
        parameters = inspect.signature(op.forward).parameters.values()
    except ValueError:  # a built-in function without a signature
        return 1
    if any(p.kind is p.VAR_POSITIONAL for p in parameters):
        return None
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return sum(p.kind in positional and p.default is p.empty for p in parameters)


_constants = st.one_of(
    st.sampled_from([0, 1, 2, -1, -3, 0.5, -0.25, 1.5]),
    st.floats(-3.0, 3.0, allow_nan=False, allow_infinity=False),
)
_exponents = st.sampled_from([2, 3, 1, 0, -1, -2, 0.5, 1.5, -0.5, 2.5, 2.0])
_positive_bases = st.sampled_from([2, 0.5, 3.0, 1.5, math.e])


@st.composite
def _step(draw: st.DrawFn, n_nodes: int) -> Instruction:
    """One step over nodes ``0 .. n_nodes - 1``, favouring recent ones (deeper graphs).

    The op is any of the table as it is now, ops added with ``define_op`` included.
    """

    def node() -> Ref:
        return Ref(n_nodes - 1 - draw(st.integers(0, n_nodes - 1)))

    def node_or_constant() -> Arg:
        return node() if draw(st.booleans()) else draw(_constants)

    op = draw(st.sampled_from(sorted(OPS)))
    if op == "linear":
        size = draw(st.integers(1, 3))
        w = [node() for _ in range(size)]
        x = [node_or_constant() for _ in range(size)]
        bias = draw(st.sampled_from(["none", "node", "constant"]))
        if bias == "none":
            return op, (*w, *x)
        return op, (*w, *x, node() if bias == "node" else draw(_constants))
    if op == "**":
        if draw(st.booleans()):
            return op, (node(), draw(_exponents))
        return op, (node(), node())
    if op == "number ** x":
        return op, (draw(_positive_bases), node())
    if op in _OPERATORS and op != "neg":
        form = draw(st.sampled_from(["value op value", "value op constant", "constant op value"]))
        if form == "value op constant":
            return op, (node(), draw(_constants))
        if form == "constant op value":
            return op, (draw(_constants), node())
        return op, (node(), node())
    n = arity(OPS[op])
    if n is None:
        n = draw(st.integers(1, 3))
    if n <= 1:
        return op, (node(),)
    first = node()  # at least one node, so that the result is a node of the graph
    return op, (first, *[node_or_constant() for _ in range(n - 1)])


@st.composite
def expressions(draw: st.DrawFn, max_inputs: int = 3, max_steps: int = 10) -> Expression:
    """Random expression graphs with every value in its op's safe domain.

    A step that would leave the domain (say ``log`` of a negative node) is
    replaced by ``tanh`` of the latest node, which is always safe.
    """
    inputs = draw(
        st.lists(st.floats(-2.0, 2.0, allow_nan=False, allow_infinity=False), min_size=1, max_size=max_inputs)
    )
    values = [float(x) for x in inputs]
    steps: list[Instruction] = []
    for _ in range(draw(st.integers(1, max_steps))):
        step = draw(_step(len(values)))
        value = _evaluate(*step, values)
        if value is None:
            step = ("tanh", (Ref(len(values) - 1),))
            value = math.tanh(values[-1])
        steps.append(step)
        values.append(value)
    return Expression(tuple(values[: len(inputs)]), tuple(steps))
