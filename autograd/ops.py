"""The table of operations: one forward and one backward rule per op.

Every op is two named functions side by side:

* ``NAME_forward(a, ...) -> float`` computes the result from plain floats and
  raises a clear error where the math is undefined (``log`` of a value <= 0,
  division by zero, overflow).
* ``NAME_backward(out, a, ...) -> tuple`` returns the *local derivatives*
  d out / d input, one per input, in operand order. The engine multiplies each
  by the upstream gradient (the chain rule) and adds it to that input's grad.

A backward rule uses nothing but arithmetic (and :func:`_log`), so the same
rule runs on floats (the fast path of ``backward()``) and on ``Value`` objects
(``grad(..., create_graph=True)``, where the rule itself is recorded into a
graph and can be differentiated again). ``out`` is the op's result: the rules
of ``exp``, ``tanh`` and ``sigmoid`` are cheapest written in terms of it.

Set a breakpoint on any of them by name, e.g. ``break autograd.ops.mul_backward``.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from typing import Any


class Op(str):
    """An operation: its name, as shown in graphs, carrying its two rules.

    An ``Op`` *is* the string ``Value.op`` holds (``node.op == "*"``), so the
    engine finds a node's rules as ``node.op.backward`` with no table lookup.
    """

    forward: Callable[..., float]
    backward: Callable[..., tuple[Any, ...]]

    def __new__(
        cls, name: str, forward: Callable[..., float], backward: Callable[..., tuple[Any, ...]]
    ) -> Op:
        op = super().__new__(cls, name)
        op.forward = forward
        op.backward = backward
        return op

    @property
    def name(self) -> str:
        return str(self)


def _log(x: Any) -> Any:
    """``log`` of a float, or of a ``Value`` (recorded, for create_graph)."""
    return math.log(x) if isinstance(x, (int, float)) else x.log()


def _number(x: Any) -> float:
    """The number in a float or a ``Value``, for the branches of a rule."""
    return float(x) if isinstance(x, (int, float)) else float(x.data)


# --- arithmetic -------------------------------------------------------------


def add_forward(a: float, b: float) -> float:
    return a + b


def add_backward(out: Any, a: Any, b: Any) -> tuple[Any, Any]:
    return 1.0, 1.0


def sub_forward(a: float, b: float) -> float:
    return a - b


def sub_backward(out: Any, a: Any, b: Any) -> tuple[Any, Any]:
    return 1.0, -1.0


def mul_forward(a: float, b: float) -> float:
    return a * b


def mul_backward(out: Any, a: Any, b: Any) -> tuple[Any, Any]:
    return b, a


def div_forward(a: float, b: float) -> float:
    if b == 0.0:
        raise ZeroDivisionError(f"division by zero: {a!r} / {b!r}")
    return a / b


def div_backward(out: Any, a: Any, b: Any) -> tuple[Any, Any]:
    # d(a/b)/da = 1/b, d(a/b)/db = -a/b**2 = -out/b
    return 1.0 / b, -out / b


def neg_forward(a: float) -> float:
    return -a


def neg_backward(out: Any, a: Any) -> tuple[Any]:
    return (-1.0,)


def pow_forward(a: float, b: float) -> float:
    if a < 0.0 and b != int(b):
        raise ValueError(
            f"a negative base to a non-integer power has no real value: {a!r} ** {b!r}"
        )
    if a == 0.0 and b < 0.0:
        raise ZeroDivisionError(f"zero to a negative power: {a!r} ** {b!r}")
    try:
        result: float = a**b
    except OverflowError:
        raise OverflowError(f"result too large for a float: {a!r} ** {b!r}") from None
    return result


def pow_backward(out: Any, a: Any, b: Any) -> tuple[Any, Any]:
    # d(a**b)/da = b * a**(b-1);  d(a**b)/db = a**b * log(a), which exists only
    # for a > 0. At a == 0 we use its limit, 0 (as PyTorch does). At a < 0 the
    # forward pass allowed only integer b, where a**b has no derivative in b:
    # we report 0, since such an exponent is a fixed integer (x ** 2).
    base, exponent = _number(a), _number(b)
    if exponent == 0.0:
        d_base = 0.0  # a ** 0 is the constant 1 (even at a == 0)
    elif base == 0.0 and exponent < 1.0:
        raise ZeroDivisionError(f"the derivative of {base!r} ** {exponent!r} is infinite")
    else:
        d_base = b * a ** (b - 1.0)
    d_exponent = out * _log(a) if base > 0.0 else 0.0
    return d_base, d_exponent


# --- functions of one input -------------------------------------------------


def exp_forward(a: float) -> float:
    try:
        return math.exp(a)
    except OverflowError:
        raise OverflowError(
            f"exp({a!r}) is too large for a float (exp overflows above 709.78)"
        ) from None


def exp_backward(out: Any, a: Any) -> tuple[Any]:
    return (out,)


def log_forward(a: float) -> float:
    if a <= 0.0:
        raise ValueError(f"log is defined only for inputs > 0, got {a!r}")
    return math.log(a)


def log_backward(out: Any, a: Any) -> tuple[Any]:
    return (1.0 / a,)


def tanh_forward(a: float) -> float:
    return math.tanh(a)


def tanh_backward(out: Any, a: Any) -> tuple[Any]:
    return (1.0 - out * out,)


def sigmoid_forward(a: float) -> float:
    # Two branches so that exp never overflows: sigmoid(-1000) is 0, not an error.
    if a >= 0.0:
        return 1.0 / (1.0 + math.exp(-a))
    e = math.exp(a)
    return e / (1.0 + e)


def sigmoid_backward(out: Any, a: Any) -> tuple[Any]:
    return (out * (1.0 - out),)


def softplus_forward(a: float) -> float:
    # log(1 + e**a), written so that the exponent is never positive: no overflow,
    # and log1p keeps the tiny values of large negative a.
    return max(a, 0.0) + math.log1p(math.exp(-abs(a)))


def softplus_backward(out: Any, a: Any) -> tuple[Any]:
    return (a.sigmoid() if not isinstance(a, (int, float)) else sigmoid_forward(a),)


def relu_forward(a: float) -> float:
    return a if a > 0.0 else 0.0


def relu_backward(out: Any, a: Any) -> tuple[Any]:
    # At exactly 0 the derivative is taken to be 0, as in PyTorch.
    return (1.0 if a > 0.0 else 0.0,)


# --- a whole neuron in one node ---------------------------------------------


def linear_forward(*args: float) -> float:
    """``sum(w[i] * x[i]) (+ b)``: args are ``w1..wn, x1..xn`` and an optional ``b``."""
    n = len(args) // 2
    total: float = sum(map(operator.mul, args[:n], args[n : 2 * n]))
    return total + args[-1] if len(args) % 2 else total


def linear_backward(out: Any, *args: Any) -> tuple[Any, ...]:
    # d/dw[i] = x[i], d/dx[i] = w[i], d/db = 1
    n = len(args) // 2
    w, x = args[:n], args[n : 2 * n]
    return (*x, *w, 1.0) if len(args) % 2 else (*x, *w)


def _table(*ops: Op) -> dict[str, Op]:
    return {str(op): op for op in ops}


ADD = Op("+", add_forward, add_backward)
SUB = Op("-", sub_forward, sub_backward)
MUL = Op("*", mul_forward, mul_backward)
DIV = Op("/", div_forward, div_backward)
NEG = Op("neg", neg_forward, neg_backward)
POW = Op("**", pow_forward, pow_backward)
EXP = Op("exp", exp_forward, exp_backward)
LOG = Op("log", log_forward, log_backward)
TANH = Op("tanh", tanh_forward, tanh_backward)
SIGMOID = Op("sigmoid", sigmoid_forward, sigmoid_backward)
SOFTPLUS = Op("softplus", softplus_forward, softplus_backward)
RELU = Op("relu", relu_forward, relu_backward)
LINEAR = Op("linear", linear_forward, linear_backward)

OPS: dict[str, Op] = _table(
    ADD, SUB, MUL, DIV, NEG, POW, EXP, LOG, TANH, SIGMOID, SOFTPLUS, RELU, LINEAR
)
"""Every op by its name, the string stored in ``Value.op``."""
