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
import numbers
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias

from autograd import ops
from autograd.ops import Formula, Op
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


def to_float(x: Any, where: str) -> float:
    """``x`` as a finite float, or a ``TypeError``/``ValueError``/``OverflowError`` that says why not.

    ``where`` names what took the number, for the message::

        >>> to_float(3, "Value()")
        3.0
        >>> to_float(float("nan"), "Value()")
        Traceback (most recent call last):
        ValueError: Value() got nan; glassgrad keeps every value finite so that a bad number stops where it starts instead of spreading NaNs
    """
    if type(x) is not float:  # ints, numpy scalars, ... and what is not a number
        if (
            isinstance(x, (str, bytes, bytearray))
            or (isinstance(x, numbers.Complex) and not isinstance(x, numbers.Real))
            or not hasattr(x, "__float__")
        ):
            raise TypeError(f"{where} takes an int or a float, got {type(x).__name__}: {x!r:.80}")
        original = x
        try:
            x = float(x)
        except (TypeError, ValueError, RuntimeError) as e:  # RuntimeError: a torch tensor of many numbers
            raise TypeError(f"{where} takes an int or a float, got {type(x).__name__}: {e}") from None
        except OverflowError:
            raise OverflowError(f"{where} got a number too large for a float: {x!r:.40}") from None
        if math.isinf(x) and original != x:  # Decimal("1e400") converts to inf
            raise OverflowError(f"{where} got a number too large for a float: {original!r:.40}")
    if not math.isfinite(x):
        raise ValueError(
            f"{where} got {x!r}; glassgrad keeps every value finite so that a bad "
            "number stops where it starts instead of spreading NaNs"
        )
    return x


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

    def __init__(self, data: Any, label: str = "") -> None:
        self.data: float = data if type(data) is float and math.isfinite(data) else to_float(data, "Value()")
        self.grad: float = 0.0
        self.label: str = label
        self.op: str = ""
        self.parents: tuple[Value, ...] = ()

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

    def __pos__(self) -> Value:
        return self

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
        3: upstream 2
        """
        from autograd.backward import backward_steps

        return backward_steps(self, gradient)


class Constant(Value):
    """A number that was a plain int or float in your code: the 2 in ``x * 2``.

    It is a leaf like any other, made when the operation is made; the views
    show it as a number rather than as a node of its own. Nobody asks for a
    constant's gradient, so a walk never fails because of one (its ``grad``
    may read ``inf`` where that overflows).
    """

    __slots__ = ()
    is_constant = True

    def __repr__(self) -> str:
        return f"Constant({self.data!r})"


def _data(x: Operand) -> float:
    return x.data if isinstance(x, Value) else to_float(x, "comparison with a Value")


def _operand(x: Any, op: Op) -> Value:
    """An operand as a Value: a number becomes a ``Constant``; anything else is a TypeError naming the op."""
    if isinstance(x, Value):
        return x
    if type(x) is float and math.isfinite(x):  # the common case, before the message below is made
        return Constant(x)
    try:
        return Constant(to_float(x, f"operand of {op.name!r}"))
    except TypeError:
        raise TypeError(
            f"unsupported operand for {op.name!r}: {type(x).__name__} {x!r:.80} "
            "(a Value works with Values, ints and floats)"
        ) from None


def apply(op: Op, *inputs: Operand) -> Value:
    """Apply an op of the table to ``inputs`` (Values or numbers): how every result is made.

    The result records ``op`` and its ``parents``, unless inside ``no_grad()``.
    An error names the op and the inputs.
    """
    parents = tuple([x if isinstance(x, Value) else _operand(x, op) for x in inputs])
    try:
        data = op.forward(*[p.data for p in parents])
        if not math.isfinite(data):
            raise OverflowError("result too large for a float")
    except (ArithmeticError, ValueError) as e:
        raise type(e)(f"{op.name}({', '.join(describe(p) for p in parents)}): {e}") from None
    out = Value(data)
    if _recording.get():
        out.op, out.parents = op, parents
    return out


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


def define_op(
    name: str,
    forward: Callable[..., float],
    backward: Callable[..., tuple[Any, ...]],
    formula: Formula | str | None = None,
) -> Callable[..., Any]:
    """Add an op to the table; returns a function that applies it to Values and numbers.

    ``forward(*floats) -> float`` computes it; ``backward(g, out, *inputs)``
    returns each input's share, ``g`` × d out / d input. Write the rule with
    arithmetic and ops (built-in or defined), so that it also runs on Values
    and ``grad(..., create_graph=True)`` can differentiate it again.
    ``formula`` is how ``explain`` writes d out / d input (one text per input,
    with ``{0}``, ``{1}``, ... for the inputs' names and ``{out}`` for the result).

        >>> import math
        >>> cos = define_op("cos", math.cos, lambda g, out, a: (-g * sin(a),), formula="(-sin {0})")
        >>> sin = define_op("sin", math.sin, lambda g, out, a: (g * cos(a),), formula="cos {0}")
        >>> x = Value(0.5, label="x")
        >>> y = sin(x * 2)
        >>> y.backward()
        >>> x.grad == 2 * math.cos(1.0), sin(0.5) == math.sin(0.5)
        (True, True)

    The function gives a ``Value`` when any input is one, else a float, so a
    rule that uses it works on floats as fast as on numbers. The op then works
    in ``backward``, ``grad``, ``backward_steps``, ``explain``, the pictures,
    ``autograd.compile`` (which calls its rules) and ``gradcheck``.
    """
    op = ops.add_op(Op(name, forward, backward, None, (formula,) if isinstance(formula, str) else formula))

    def applied(*inputs: Operand) -> Any:
        out = apply(op, *inputs)
        return out if any(isinstance(x, Value) for x in inputs) else out.data

    applied.__name__ = applied.__qualname__ = name
    applied.__doc__ = f"The op {name!r} (made with autograd.define_op), on Values and numbers."
    return applied
