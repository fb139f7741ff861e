"""``Value``: a scalar that remembers how it was computed.

Each operation on ``Value`` objects returns a new ``Value`` that records the
operation (``op``, its record in ``autograd/ops.py``) and its inputs
(``parents``, a tuple of Values in operand order). Together they form the
computation graph that ``backward()`` walks in reverse. A plain number among
the inputs (the 2 in ``x * 2``) becomes a ``Constant``: a leaf Value that the
views show as a number.
"""

from __future__ import annotations

import contextlib
import contextvars
import math
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias

from autograd import ops
from autograd.inputs import to_float, to_result
from autograd.ops import Op
from autograd.text import describe

if TYPE_CHECKING:
    from autograd.backward import Step

Operand: TypeAlias = "Value | int | float"

_recording: contextvars.ContextVar[bool] = contextvars.ContextVar("glassgrad_recording", default=True)


@contextlib.contextmanager
def no_grad() -> Iterator[None]:
    """Inside this block, operations record no graph: results are plain leaves.

    Use it for work that needs no gradients, such as an optimizer's update or
    evaluating a trained model. It is per thread (and per asyncio task)::

        >>> with no_grad():
        ...     y = Value(2.0) * 3
        >>> y.parents
        ()
    """
    token = _recording.set(False)
    try:
        yield
    finally:
        _recording.reset(token)


class Value:
    """A scalar in a computation graph.

    >>> x = Value(3.0, label="x")
    >>> y = x * x + 1
    >>> y.backward()
    >>> y.data, x.grad
    (10.0, 6.0)

    Attributes:
        data: the number, always a finite ``float``.
        grad: d(root)/d(this node), summed over every ``backward()`` that
            reached it (0.0 until then; zeroing is the caller's job).
        label: a name for graphs, steps and error messages ("" if none).
        op: the operation that made this node ("" for a leaf): its name, a
            ``str`` that carries the op's rules (``autograd.ops.Op``).
        parents: the operation's inputs, in operand order (``a * a`` has ``(a, a)``).
        is_constant: True for a ``Constant``, a plain number of your code.
    """

    __slots__ = ("data", "grad", "label", "op", "parents")
    is_constant = False

    def __init__(self, data: Any, label: str = "", op: str = "", parents: tuple[Value, ...] = ()) -> None:
        self.data: float = data if type(data) is float and math.isfinite(data) else to_float(data, "Value()")
        self.grad: float = 0.0
        self.label: str = label
        self.op: str = op  # set by apply(), with parents: a leaf has neither
        self.parents: tuple[Value, ...] = parents

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data:.6g}, grad={self.grad:.6g}{label})"

    # --- operators: each hands off to the op table ----------------------------

    def __add__(self, other: Operand) -> Value:
        return apply(ops.ADD, self, other)

    def __radd__(self, other: Operand) -> Value:
        return apply(ops.ADD, other, self)

    def __sub__(self, other: Operand) -> Value:
        return apply(ops.SUB, self, other)

    def __rsub__(self, other: Operand) -> Value:
        return apply(ops.SUB, other, self)

    def __mul__(self, other: Operand) -> Value:
        return apply(ops.MUL, self, other)

    def __rmul__(self, other: Operand) -> Value:
        return apply(ops.MUL, other, self)

    def __truediv__(self, other: Operand) -> Value:
        return apply(ops.DIV, self, other)

    def __rtruediv__(self, other: Operand) -> Value:
        return apply(ops.DIV, other, self)

    def __pow__(self, other: Operand) -> Value:
        return apply(ops.POW, self, other)

    def __rpow__(self, other: Operand) -> Value:
        return apply(ops.RPOW, other, self)

    def __neg__(self) -> Value:
        return apply(ops.NEG, self)

    def exp(self) -> Value:
        """e ** self."""
        return apply(ops.EXP, self)

    def log(self) -> Value:
        """The natural logarithm; ``ValueError`` unless self > 0."""
        return apply(ops.LOG, self)

    def tanh(self) -> Value:
        """The hyperbolic tangent, in (-1, 1); its derivative is 1 - tanh²."""
        return apply(ops.TANH, self)

    def sigmoid(self) -> Value:
        """1 / (1 + e ** -self), in (0, 1); its derivative is s·(1 - s) <= 0.25."""
        return apply(ops.SIGMOID, self)

    def softplus(self) -> Value:
        """log(1 + e ** self), a smooth relu; its derivative is sigmoid(self)."""
        return apply(ops.SOFTPLUS, self)

    def relu(self) -> Value:
        """max(0, self); its derivative is 1 above 0 and 0 at or below 0."""
        return apply(ops.RELU, self)

    # Comparisons look at data, so `if loss < 0.01:` reads naturally. There is
    # deliberately no __eq__: Values compare and hash by identity, so they can
    # be dictionary keys and set members.
    def __lt__(self, other: Operand) -> bool:
        return self.data < _data(other)

    def __le__(self, other: Operand) -> bool:
        return self.data <= _data(other)

    def __gt__(self, other: Operand) -> bool:
        return self.data > _data(other)

    def __ge__(self, other: Operand) -> bool:
        return self.data >= _data(other)

    # --- the backward pass (autograd/backward.py) ---------------------------

    def backward(self, gradient: float = 1.0) -> None:
        """Add d(self)/d(node) * gradient into ``node.grad`` for every node self depends on.

        The graph is walked in reverse topological order, without recursion,
        so a chain of a million operations works. Gradients accumulate across
        calls, as in PyTorch: zero them (``zero_grad()``) between steps.
        """
        from autograd.backward import backward

        backward(self, gradient)

    def backward_steps(self, gradient: float = 1.0) -> Iterator[Step]:
        """The walk of ``backward()``, one node per step; see ``autograd.backward.Step``.

        >>> a = Value(2.0, label="a")
        >>> y = a * 3
        >>> for step in y.backward_steps():
        ...     print(step)
        *: upstream 1 → a += 1 × 3, 3 += 1 × 2
        a: upstream 3

    (The 3 is a ``Constant``: nobody needs its gradient, so no step walks it.)
        """
        from autograd.backward import backward_steps

        return backward_steps(self, gradient)


class Constant(Value):
    """A number that was a plain int or float in your code: the 2 in ``x * 2``.

    It is a leaf like any other, made when the operation is made; the views
    show it as a number rather than as a node of its own. Nobody asks for a
    constant's gradient, so no walk visits it, and none fails because of one:
    its ``grad`` stays 0.0.
    """

    __slots__ = ()
    is_constant = True

    def __repr__(self) -> str:
        return f"Constant({self.data!r})"


def _data(x: Operand) -> float:
    return x.data if isinstance(x, Value) else to_float(x, "comparison with a Value")


def _operand(x: Any, op: Op) -> Value:
    """A number as a ``Constant``; anything else is an error naming the op."""
    return Constant(x if type(x) is float and math.isfinite(x) else to_float(x, f"operand of {op.name!r}"))


def apply(op: Op, *inputs: Operand) -> Value:
    """Apply an op of the table to ``inputs`` (Values or numbers): how every result is made.

    The result records ``op`` and its ``parents``, unless inside ``no_grad()``.
    An error names the op and the inputs.
    """
    parents = tuple([x if isinstance(x, Value) else _operand(x, op) for x in inputs])
    try:
        data = op.forward(*[p.data for p in parents])
        if type(data) is not float or not math.isfinite(data):
            data = to_result(data, f"the forward rule of {op.name!r}")
    except (ArithmeticError, ValueError) as e:
        raise type(e)(f"{op.name}({', '.join(describe(p) for p in parents)}): {e}") from None
    return Value(data, "", op, parents) if _recording.get() else Value(data)


def linear(w: Sequence[Value], x: Sequence[Operand], b: Value | None = None) -> Value:
    """``sum(w[i] * x[i]) + b`` as one node whose parents are ``*w, *x, b``.

    A neuron's pre-activation, fused: the local gradient of ``w[i]`` is
    ``x[i]``, of ``x[i]`` is ``w[i]`` and of ``b`` is 1, so backward through a
    neuron is one step instead of 2n.

        >>> w = [Value(0.4), Value(-0.2)]
        >>> round(linear(w, [0.1, 0.3]).data, 6)
        -0.02
    """
    if len(w) != len(x):
        raise ValueError(f"linear: {len(w)} weights but {len(x)} inputs")
    return apply(ops.LINEAR, *w, *x) if b is None else apply(ops.LINEAR, *w, *x, b)


def logsumexp(*values: Operand) -> Value:
    """``log(e**a + e**b + ...)`` of any number of inputs, as one node; finite for any finite inputs.

    The largest input m is taken out first, ``m + log(Σ e**(x - m))``, so no
    term overflows (e**1000 would), and d out / d x is the softmax, e**(x - out):

        >>> z = [Value(1000.0), Value(1000.0)]
        >>> out = logsumexp(*z)
        >>> out.backward()
        >>> round(out.data - 1000.0, 6), round(z[0].grad, 12)
        (0.693147, 0.5)
    """
    return apply(ops.LOGSUMEXP, *values)
