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
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias, cast

from autograd import ops
from autograd.ops import ADD, DIV, MUL, POW, POW_OF_CONSTANT, SUB, Op
from autograd.text import describe as describe

if TYPE_CHECKING:
    from autograd.backward import Step

Operand: TypeAlias = "Value | int | float"

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
    if type(x) is not float:  # ints, numpy scalars, ... and what is not a number
        if (
            isinstance(x, (str, bytes, bytearray))
            or (isinstance(x, numbers.Complex) and not isinstance(x, numbers.Real))
            or not hasattr(x, "__float__")
        ):
            raise TypeError(f"{where} takes an int or a float, got {type(x).__name__}: {x!r}")
        original = x
        try:
            x = float(x)
        except (TypeError, ValueError, RuntimeError) as e:  # RuntimeError: a torch tensor of many numbers
            raise TypeError(f"{where} takes an int or a float, got {type(x).__name__}: {e}") from None
        except OverflowError:
            raise OverflowError(f"{where} got a number too large for a float: {x!r:.40}") from None
        if x in (math.inf, -math.inf) and original != x:  # Decimal("1e400") converts to inf
            raise OverflowError(f"{where} got a number too large for a float: {original!r:.40}")
    if x - x != 0.0:  # only inf and nan fail this
        raise ValueError(
            f"{where} got {x!r}; glassgrad keeps every value finite so that a bad "
            "number stops where it starts instead of spreading NaNs"
        )
    return cast(float, x)


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
        parents: the operation's inputs, in operand order; a plain number
            among them (the 1 in ``x * x + 1``) shows as a ``Constant``.
        is_constant: True for such a ``Constant``.
    """

    __slots__ = ("data", "grad", "label", "_g")
    op: str = ""  # an Op (a str carrying its rules) in nodes made by operations
    parents: tuple[Value, ...] = ()
    is_constant: bool = False  # True for a Constant: a plain number of your code, seen as a leaf

    def __init__(self, data: Any, label: str = "") -> None:
        if type(data) is not float or data - data != 0.0:  # not a finite float
            data = _to_float(data, "Value()")
        self.data: float = data
        self.grad: float = 0.0
        self.label: str = label
        # Engine scratch space: a walk's mark, then its running gradient (see autograd/graph.py).
        self._g: Any = None

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data:.6g}, grad={self.grad:.6g}{label})"

    # --- operators: each hands off to the op table ----------------------------

    # Each operator checks a finite float operand (the 2 in x * 2) inline and
    # passes it on as it is; anything else goes through _operand or _number,
    # which convert it or name the problem. Skipping that call for floats:
    # 10^5 chain 341 -> 314 ms (CPU time, best of 3).
    def __add__(self, other: Operand) -> Value:
        if type(other) is not float or other - other != 0.0:
            other = _operand(other, ADD)
        return _binary(ADD, self, other)

    def __radd__(self, other: Operand) -> Value:
        if type(other) is not float or other - other != 0.0:
            other = _number(other, ADD)
        return _binary(ADD, other, self)

    def __sub__(self, other: Operand) -> Value:
        if type(other) is not float or other - other != 0.0:
            other = _operand(other, SUB)
        return _binary(SUB, self, other)

    def __rsub__(self, other: Operand) -> Value:
        if type(other) is not float or other - other != 0.0:
            other = _number(other, SUB)
        return _binary(SUB, other, self)

    def __mul__(self, other: Operand) -> Value:
        if type(other) is not float or other - other != 0.0:
            other = _operand(other, MUL)
        return _binary(MUL, self, other)

    def __rmul__(self, other: Operand) -> Value:
        if type(other) is not float or other - other != 0.0:
            other = _number(other, MUL)
        return _binary(MUL, other, self)

    def __truediv__(self, other: Operand) -> Value:
        if type(other) is not float or other - other != 0.0:
            other = _operand(other, DIV)
        return _binary(DIV, self, other)

    def __rtruediv__(self, other: Operand) -> Value:
        if type(other) is not float or other - other != 0.0:
            other = _number(other, DIV)
        return _binary(DIV, other, self)

    def __pow__(self, other: Operand) -> Value:
        if type(other) is not float or other - other != 0.0:
            other = _operand(other, POW)
        return _binary(POW, self, other)

    def __rpow__(self, other: Operand) -> Value:
        if type(other) is not float or other - other != 0.0:
            other = _number(other, POW)
        return _binary(POW_OF_CONSTANT, other, self)

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

    def softplus(self) -> Value:
        """log(1 + e ** self), a smooth relu; its derivative is sigmoid(self)."""
        return _unary(ops.SOFTPLUS, self)

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

    def _chain(self, g: float) -> None:
        """The chain rule at this node: a leaf has no inputs to pass ``g`` on to."""

    _chain_inline = _chain  # see _Binary._chain_inline

    def backward(self, gradient: float = 1.0, breakpoint_at: str | None = None) -> None:
        """Add d(self)/d(node) * gradient into ``node.grad`` for every node self depends on.

        The graph is walked in reverse topological order, without recursion,
        so a chain of a million operations works. Gradients accumulate across
        calls, as in PyTorch: zero them (``zero_grad()``) between steps.

        ``breakpoint_at="h"`` opens the debugger when the walk reaches the node
        labelled ``h`` (see ``autograd.view.debug``): ``p upstream``,
        ``p contributions``, ``n`` for the next node, ``c`` to finish.
        """
        if breakpoint_at is not None:
            from autograd.view.debug import backward_with_breakpoint

            return backward_with_breakpoint(self, breakpoint_at, gradient)
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


class _Unary(Value):
    """A node made by an op of one input (``exp``, ``tanh``, ``-x``, ...)."""

    __slots__ = ("op", "_a")
    op: Op

    def __init__(self, data: float, op: Op, a: Value) -> None:
        self.data = data
        self.grad = 0.0
        self.label = ""
        self._g = None
        self.op = op
        self._a = a

    @property
    def parents(self) -> tuple[Value, ...]:  # type: ignore[override]
        return (self._a,)

    def _chain(self, g: float) -> None:
        """The chain rule at this node: pass its gradient ``g`` on to its input."""
        a = self._a
        a._g += self.op.backward(g, self.data, a.data)[0]

    _chain_inline = _chain  # see _Binary._chain_inline


class _Binary(Value):
    """A node made by an op of two inputs (``+ - * / **``).

    A constant operand (the 2 in ``x * 2``) is kept as a plain float: that
    saves a whole leaf object per constant, which makes a chain of
    ``x * 1.0001 + 0.0001`` about twice as fast to build and to walk. Reading
    ``parents`` shows it as a ``Constant``.
    """

    __slots__ = ("op", "_a", "_b")
    op: Op

    def __init__(self, data: float, op: Op, a: Value | float, b: Value | float) -> None:
        self.data = data
        self.grad = 0.0
        self.label = ""
        self._g = None
        self.op = op
        self._a = a
        self._b = b

    @property
    def parents(self) -> tuple[Value, ...]:  # type: ignore[override]
        return _with_constants(self, (self._a, self._b))

    def _chain(self, g: float) -> None:
        """The chain rule at this node: pass its gradient ``g`` on to its inputs.

        A constant input needs no gradient, so its share is dropped.
        """
        a: Any = self._a
        b: Any = self._b
        if type(a) is float:
            b._g += self.op.backward(g, self.data, a, b.data)[1]
        elif type(b) is float:
            a._g += self.op.backward(g, self.data, a.data, b)[0]
        else:
            g_a, g_b = self.op.backward(g, self.data, a.data, b.data)
            a._g += g_a
            b._g += g_b

    def _chain_inline(self, g: float) -> None:
        """``_chain``, with the rules of ``*`` and ``+`` written out rather than called.

        The walk uses it when no debugger is watching (``sys.gettrace()`` is
        None), so that ``break autograd.ops.mul_backward`` still stops in a
        debugger. It is the same arithmetic as the rules: wide graph backward
        450 -> 360 ms, 10^5 chain 345 -> 335 ms (CPU time, best of 5).
        """
        op = self.op
        a: Any = self._a
        b: Any = self._b
        if op is MUL:  # mul_backward: g * b, g * a
            if type(a) is float:
                b._g += g * a
            elif type(b) is float:
                a._g += g * b
            else:
                a._g += g * b.data
                b._g += g * a.data
        elif op is ADD:  # add_backward: g, g
            if type(a) is not float:
                a._g += g
            if type(b) is not float:
                b._g += g
        else:
            self._chain(g)


class _Nary(Value):
    """A node made by an op of any number of inputs (``linear``: a whole neuron).

    Like ``_Binary`` it keeps constant inputs as plain floats.
    """

    __slots__ = ("op", "_p")
    op: Op

    def __init__(self, data: float, op: Op, inputs: tuple[Value | float, ...]) -> None:
        self.data = data
        self.grad = 0.0
        self.label = ""
        self._g = None
        self.op = op
        self._p = inputs

    @property
    def parents(self) -> tuple[Value, ...]:  # type: ignore[override]
        return _with_constants(self, self._p)

    def _chain(self, g: float) -> None:
        """The chain rule at this node: pass its gradient ``g`` on to its inputs."""
        inputs: tuple[Any, ...] = self._p
        data = [x if type(x) is float else x.data for x in inputs]
        for x, share in zip(inputs, self.op.backward(g, self.data, *data)):
            if type(x) is not float:
                x._g += share

    def _chain_inline(self, g: float) -> None:
        """``_chain``, with the rule of ``linear`` (a neuron) written out; see ``_Binary._chain_inline``.

        A neuron's shares are g·x[i] for w[i], g·w[i] for x[i] and g for b,
        added here directly, in the rule's order (w first, then x), with no
        lists or tuples built: moons step 43 -> 35 ms (CPU time, best of 10).
        """
        if self.op is not ops.LINEAR:
            return self._chain(g)
        inputs: tuple[Any, ...] = self._p
        n = len(inputs) // 2
        ws, xs = inputs[:n], inputs[n : 2 * n]
        for w, x in zip(ws, xs):
            if type(w) is not float:
                w._g += g * (x if type(x) is float else x.data)
        for w, x in zip(ws, xs):
            if type(x) is not float:
                x._g += g * (w if type(w) is float else w.data)
        if len(inputs) % 2 and type(inputs[-1]) is not float:
            inputs[-1]._g += g


class Constant(Value):
    """A number that was a plain int or float in your code: the 2 in ``x * 2``.

    Nodes keep such numbers as floats, the cheapest form. ``node.parents``
    shows each as a ``Constant``, made afresh on each read, so that reading the
    graph never changes it. Two reads give equal Constants (``==``, same hash),
    which stand for the same input of the same node.

    Nothing needs a constant's gradient, so no walk works it out. Its ``grad``
    is worked out when you read it, from its node's gradient and the current
    data: d root / d constant, the gradient it would have had as a leaf (or
    ``inf`` where that overflows; the base of ``2 ** x``, whose rule skips it,
    reads 0.0).
    """

    __slots__ = ("_node", "_index")
    is_constant = True

    def __init__(self, node: Value, index: int, data: float) -> None:
        self.data = data
        self.label = ""
        self._g = None
        self._node = node
        self._index = index

    @property
    def grad(self) -> float:
        node = self._node
        if node.grad == 0.0:
            return 0.0
        data = [x if type(x) is float else x.data for x in inputs_of(node)]  # type: ignore[union-attr]
        share: float = node.op.backward(node.grad, node.data, *data)[self._index]  # type: ignore[attr-defined]
        return share

    @grad.setter
    def grad(self, value: float) -> None:
        raise AttributeError(
            f"the grad of the constant {self.data!r} is worked out from its node's grad; it cannot be set"
        )

    def __eq__(self, other: object) -> bool:
        return (
            type(other) is Constant and other._node is self._node and other._index == self._index
        )

    def __hash__(self) -> int:
        return hash((id(self._node), self._index))

    def __repr__(self) -> str:
        return f"Constant({self.data!r})"


def _with_constants(node: Value, inputs: tuple[Value | float, ...]) -> tuple[Value, ...]:
    """``inputs`` with each constant float shown as a ``Constant``."""
    return tuple(
        Constant(node, i, x) if type(x) is float else x  # type: ignore[misc]
        for i, x in enumerate(inputs)
    )


def inputs_of(node: Value) -> tuple[Value | float, ...]:
    """``node.parents`` as stored: constants still plain floats, nothing made on the way."""
    if isinstance(node, _Binary):
        return (node._a, node._b)
    if isinstance(node, _Unary):
        return (node._a,)
    if isinstance(node, _Nary):
        return node._p
    return ()


def _data(x: Operand) -> float:
    return x.data if isinstance(x, Value) else _to_float(x, "comparison with a Value")


def _operand(x: Any, op: Op) -> Value | float:
    """An operand as a Value or a finite float."""
    return x if isinstance(x, Value) else _number(x, op)


def _number(x: Any, op: Op) -> float:
    """A number operand as a finite float; anything else is a TypeError naming the op."""
    if type(x) is float and x - x == 0.0:
        return x
    try:
        return _to_float(x, f"operand of {op.name!r}")
    except TypeError:
        raise TypeError(
            f"unsupported operand for {op.name!r}: {type(x).__name__} {x!r} "
            "(a Value works with Values, ints and floats)"
        ) from None


def _failed(op: Op, error: Exception, *inputs: Value | float) -> Exception:
    names = ", ".join(describe(v) for v in inputs)
    return type(error)(f"{op.name}({names}): {error}")


def _binary(op: Op, a: Value | float, b: Value | float) -> Value:
    try:
        data = op.forward(
            a if type(a) is float else a.data,  # type: ignore[union-attr]
            b if type(b) is float else b.data,  # type: ignore[union-attr]
        )
    except (ArithmeticError, ValueError) as e:
        raise _failed(op, e, a, b) from None
    if data - data != 0.0:  # +-inf: the result overflowed
        raise _failed(op, OverflowError("result too large for a float"), a, b)
    if not _recording.get():
        return Value(data)
    return _Binary(data, op, a, b)


def _unary(op: Op, a: Value) -> Value:
    try:
        data = op.forward(a.data)
    except (ArithmeticError, ValueError) as e:
        raise _failed(op, e, a) from None
    if not _recording.get():
        return Value(data)
    return _Unary(data, op, a)


def apply(op: Op, *inputs: Operand) -> Value:
    """Apply any op of the table to ``inputs`` (Values or numbers), recording it.

    With no ``Value`` among the inputs there is nothing to record: the result is a leaf.
    """
    args = tuple(x if isinstance(x, Value) else _number(x, op) for x in inputs)
    recorded = any(isinstance(x, Value) for x in args)
    if op is POW and type(args[0]) is float:
        op = POW_OF_CONSTANT
    if recorded and len(args) == 1:
        return _unary(op, args[0])  # type: ignore[arg-type]
    if recorded and len(args) == 2:
        return _binary(op, args[0], args[1])
    try:
        data = op.forward(*[x if type(x) is float else x.data for x in args])  # type: ignore[union-attr]
    except (ArithmeticError, ValueError) as e:
        raise _failed(op, e, *args) from None
    if data - data != 0.0:
        raise _failed(op, OverflowError("result too large for a float"), *args)
    if not recorded or not _recording.get():
        return Value(data)
    return _Nary(data, op, args)


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
    inputs = (*w, *x) if b is None else (*w, *x, b)
    # The fast path of a training step: Values and floats only, checked once
    # on the result. Anything else takes the general path, which converts it
    # or names the problem: ints and NumPy numbers (a NumPy float's .data is a
    # memoryview: the product fails or is not a float), a NaN input, a torch
    # tensor (whose .data is a tensor, as is the product), a string.
    try:
        data = ops.linear_forward(*[v if type(v) is float else v.data for v in inputs])  # type: ignore[union-attr]
    except (AttributeError, TypeError):
        return apply(ops.LINEAR, *inputs)
    if type(data) is not float or data - data != 0.0:
        return apply(ops.LINEAR, *inputs)
    if not _recording.get():
        return Value(data)
    return _Nary(data, ops.LINEAR, inputs)
