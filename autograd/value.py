"""``Value``: a scalar that remembers how it was computed.

Each arithmetic operation on ``Value`` objects returns a new ``Value`` that
records the operation's name (``op``) and its inputs (``parents``). Together
they form the computation graph that ``backward()`` walks in reverse.

A leaf (a number you made yourself) is a plain ``Value``. A result is one of
three small subclasses, by how many parents it has, so that a node stores its
parents in slots rather than in a tuple of its own: a node then costs about
100 bytes instead of about 170, and is one object for the garbage collector
to walk instead of two (see ``benchmarks/``).
"""

from __future__ import annotations

import contextlib
import contextvars
import math
import numbers
from typing import TYPE_CHECKING, Any, Iterator, Union

from autograd import ops
from autograd.ops import Op

if TYPE_CHECKING:
    from autograd.backward import Step

Number = Union[int, float]
Operand = Union["Value", int, float]

_recording: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "glassgrad_recording", default=True
)


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


def _to_float(x: Any, where: str) -> float:
    """``x`` as a finite float, or a ``TypeError``/``ValueError`` that says why not."""
    if type(x) is not float:
        if (
            isinstance(x, (str, bytes, bytearray))
            or (isinstance(x, numbers.Complex) and not isinstance(x, numbers.Real))
            or not hasattr(x, "__float__")
        ):
            raise TypeError(f"{where} takes an int or a float, got {type(x).__name__}: {x!r}")
        try:
            x = float(x)
        except (TypeError, ValueError) as e:
            raise TypeError(f"{where} takes an int or a float, got {type(x).__name__}: {e}") from None
    if x - x != 0.0:  # only inf and nan fail this
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
        op: the operation that made this node ("" for a leaf).
        parents: the operation's inputs, in operand order.
    """

    __slots__ = ("data", "grad", "label", "_g")
    op: str = ""
    parents: tuple[Value, ...] = ()

    def __init__(self, data: Any, label: str = "") -> None:
        self.data: float = _to_float(data, "Value()")
        self.grad: float = 0.0
        self.label: str = label
        # Engine scratch space: this walk's gradient (see autograd/backward.py).
        self._g: Any = None

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data:.6g}, grad={self.grad:.6g}{label})"

    # --- operators: each hands off to the op table ----------------------------

    def __add__(self, other: Operand) -> Value:
        return _binary(ops.ADD, self, other)

    def __radd__(self, other: Operand) -> Value:
        return _binary(ops.ADD, other, self)

    def __sub__(self, other: Operand) -> Value:
        return _binary(ops.SUB, self, other)

    def __rsub__(self, other: Operand) -> Value:
        return _binary(ops.SUB, other, self)

    def __mul__(self, other: Operand) -> Value:
        return _binary(ops.MUL, self, other)

    def __rmul__(self, other: Operand) -> Value:
        return _binary(ops.MUL, other, self)

    def __truediv__(self, other: Operand) -> Value:
        return _binary(ops.DIV, self, other)

    def __rtruediv__(self, other: Operand) -> Value:
        return _binary(ops.DIV, other, self)

    def __pow__(self, other: Operand) -> Value:
        return _binary(ops.POW, self, other)

    def __rpow__(self, other: Operand) -> Value:
        return _binary(ops.POW, other, self)

    def __neg__(self) -> Value:
        return _unary(ops.NEG, self)

    def __pos__(self) -> Value:
        return self

    def exp(self) -> Value:
        """e ** self."""
        return _unary(ops.EXP, self)

    def log(self) -> Value:
        """The natural logarithm; ``ValueError`` unless self > 0."""
        return _unary(ops.LOG, self)

    def tanh(self) -> Value:
        """The hyperbolic tangent, in (-1, 1); its derivative is 1 - tanh²."""
        return _unary(ops.TANH, self)

    def sigmoid(self) -> Value:
        """1 / (1 + e ** -self), in (0, 1); its derivative is s·(1 - s) <= 0.25."""
        return _unary(ops.SIGMOID, self)

    def relu(self) -> Value:
        """max(0, self); its derivative is 1 above 0 and 0 at or below 0."""
        return _unary(ops.RELU, self)

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
        *: upstream 1 → a += 1 × 3, ? += 1 × 2
        a: upstream 3
        """
        from autograd.backward import backward_steps

        return backward_steps(self, gradient)


class _Unary(Value):
    __slots__ = ("op", "_a")

    def __init__(self, data: float, op: str, a: Value) -> None:
        self.data = data
        self.grad = 0.0
        self.label = ""
        self._g = None
        self.op = op
        self._a = a

    @property
    def parents(self) -> tuple[Value, ...]:  # type: ignore[override]
        return (self._a,)


class _Binary(Value):
    __slots__ = ("op", "_a", "_b")

    def __init__(self, data: float, op: str, a: Value, b: Value) -> None:
        self.data = data
        self.grad = 0.0
        self.label = ""
        self._g = None
        self.op = op
        self._a = a
        self._b = b

    @property
    def parents(self) -> tuple[Value, ...]:  # type: ignore[override]
        return (self._a, self._b)


class _Nary(Value):
    __slots__ = ("op", "parents")

    def __init__(self, data: float, op: str, parents: tuple[Value, ...]) -> None:
        self.data = data
        self.grad = 0.0
        self.label = ""
        self._g = None
        self.op = op
        self.parents = parents  # type: ignore[misc]


def _data(x: Operand) -> float:
    return x.data if isinstance(x, Value) else _to_float(x, "comparison with a Value")


def _operand(x: Any, op: Op) -> Value:
    """``x`` as a Value: a number becomes a constant leaf, anything else is a TypeError."""
    if isinstance(x, Value):
        return x
    if isinstance(x, (int, float)) or isinstance(x, numbers.Real):
        return Value(_to_float(x, f"operand of {op.name!r}"))
    raise TypeError(
        f"unsupported operand for {op.name!r}: {type(x).__name__} {x!r} "
        "(a Value works with Values, ints and floats)"
    )


def describe(v: Value) -> str:
    """How errors name a node: its label if it has one, and its value."""
    return f"{v.label!r} = {v.data!r}" if v.label else repr(v.data)


def _failed(op: Op, error: Exception, *inputs: Value) -> Exception:
    names = ", ".join(describe(v) for v in inputs)
    return type(error)(f"{op.name}({names}): {error}")


def _binary(op: Op, a: Any, b: Any) -> Value:
    a = _operand(a, op)
    b = _operand(b, op)
    try:
        data = op.forward(a.data, b.data)
    except (ArithmeticError, ValueError) as e:
        raise _failed(op, e, a, b) from None
    if data - data != 0.0:  # +-inf: the result overflowed
        raise _failed(op, OverflowError("result too large for a float"), a, b)
    if not _recording.get():
        return Value(data)
    return _Binary(data, op.name, a, b)


def _unary(op: Op, a: Value) -> Value:
    try:
        data = op.forward(a.data)
    except (ArithmeticError, ValueError) as e:
        raise _failed(op, e, a) from None
    if not _recording.get():
        return Value(data)
    return _Unary(data, op.name, a)


def apply(op: Op, *inputs: Operand) -> Value:
    """Apply any op of the table to ``inputs`` (Values or numbers), recording it."""
    values = tuple(_operand(x, op) for x in inputs)
    try:
        data = op.forward(*(v.data for v in values))
    except (ArithmeticError, ValueError) as e:
        raise _failed(op, e, *values) from None
    if data - data != 0.0:
        raise _failed(op, OverflowError("result too large for a float"), *values)
    if not _recording.get():
        return Value(data)
    if len(values) == 1:
        return _Unary(data, op.name, values[0])
    if len(values) == 2:
        return _Binary(data, op.name, values[0], values[1])
    return _Nary(data, op.name, values)


def linear(w: list[Value], x: list[Any], b: Value | None = None) -> Value:
    """``sum(w[i] * x[i]) + b`` as one node whose parents are ``*w, *x, b``.

    A neuron's pre-activation, fused: the local gradient of ``w[i]`` is
    ``x[i]``, of ``x[i]`` is ``w[i]`` and of ``b`` is 1, so backward through a
    neuron is one step instead of 2n.
    """
    if len(w) != len(x):
        raise ValueError(f"linear: {len(w)} weights but {len(x)} inputs")
    inputs = (*w, *x) if b is None else (*w, *x, b)
    return apply(ops.LINEAR, *inputs)
