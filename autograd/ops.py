"""The table of operations: one forward and one backward rule per op.

Every op is two named functions side by side:

* ``NAME_forward(a, ...) -> float`` computes the result from plain floats and
  raises a clear error where the math is undefined (``log`` of a value <= 0,
  division by zero, overflow).
* ``NAME_backward(g, out, a, ...) -> tuple`` is the chain rule for this op:
  given ``g``, the gradient d root / d out (the *upstream* gradient), it returns
  d root / d input = ``g`` × d out / d input for each input, in operand order.
  The engine adds each to that input's gradient. This is PyTorch's contract
  for a backward function.

A backward rule uses nothing but arithmetic (and :func:`_log`), so the same
rule runs on floats (the fast path of ``backward()``) and on ``Value`` objects
(``grad(..., create_graph=True)``, where the rule itself is recorded into a
graph and can be differentiated again). ``out`` is the op's result: the rules
of ``exp``, ``tanh`` and ``sigmoid`` are cheapest written in terms of it.

On floats a rule never raises for an input that is a constant (the 2 in
``x * 2``): its share is worked out and dropped. On Values the rules of ``/``
and ``**`` skip a constant's share (:func:`_unwanted`), because the Values
that would hold it could overflow where nothing needs them.

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


def _finite(x: Any) -> bool:
    """False for a float that overflowed to inf (or is nan); a Value is always finite."""
    return type(x) is not float or x - x == 0.0


def _times_inverse(g: Any, x: Any) -> Any:
    """``g * (1/x)``: the chain rule for a derivative of 1/x.

    For a subnormal x (below 2.2e-308) 1/x overflows while g/x may be a fine
    number (``log(x) * 1e-20`` at x = 1e-310 has the gradient 1e290): there it
    divides instead. Elsewhere it multiplies, so that the step's
    ``contribution == upstream * local`` holds exactly.
    """
    inverse = 1.0 / x
    return g * inverse if _finite(inverse) else g / x


def _unwanted(g: Any, x: Any) -> bool:
    """True for an input whose share nobody needs: a constant on the differentiable path.

    There the engine passes Values as Values and constants as plain floats; on
    the float path (``g`` a float) every share is worked out, as it cannot fail.
    """
    return type(g) is not float and type(x) is float


# --- arithmetic -------------------------------------------------------------


def add_forward(a: float, b: float) -> float:
    return a + b


def add_backward(g: Any, out: Any, a: Any, b: Any) -> tuple[Any, Any]:
    return g, g


def sub_forward(a: float, b: float) -> float:
    return a - b


def sub_backward(g: Any, out: Any, a: Any, b: Any) -> tuple[Any, Any]:
    return g, -g


def mul_forward(a: float, b: float) -> float:
    return a * b


def mul_backward(g: Any, out: Any, a: Any, b: Any) -> tuple[Any, Any]:
    return g * b, g * a


def div_forward(a: float, b: float) -> float:
    if b == 0.0:
        raise ZeroDivisionError(f"division by zero: {a!r} / {b!r}")
    return a / b


def div_backward(g: Any, out: Any, a: Any, b: Any) -> tuple[Any, Any]:
    # d(a/b)/da = 1/b, d(a/b)/db = -a/b**2 = -out/b
    g_a = _times_inverse(g, b)
    if _unwanted(g, b):
        return g_a, 0.0
    d_b = -out / b
    return g_a, g * d_b if _finite(d_b) else g_a * -out


def neg_forward(a: float) -> float:
    return -a


def neg_backward(g: Any, out: Any, a: Any) -> tuple[Any]:
    return (-g,)


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


def pow_backward(g: Any, out: Any, a: Any, b: Any) -> tuple[Any, Any]:
    # d(a**b)/da = b * a**(b-1);  d(a**b)/db = a**b * log(a), which exists only
    # for a > 0. At a == 0 we use its limit, 0 (as PyTorch does). At a < 0 the
    # forward pass allowed only integer b, where a**b has no derivative in b:
    # we report 0, since such an exponent is a fixed integer (x ** 2).
    base, exponent = _number(a), _number(b)
    if exponent == 0.0:
        g_base = 0.0 * g  # a ** 0 is the constant 1 (even at a == 0)
    elif base == 0.0 and exponent < 1.0:
        raise ZeroDivisionError(f"the derivative of {base!r} ** {exponent!r} is infinite")
    else:
        try:
            g_base = g * (b * a ** (b - 1.0))
        except OverflowError:  # Python's own message is "(34, 'Numerical result out of range')"
            too_large = f"the derivative of {base!r} ** {exponent!r} is too large for a float"
            raise OverflowError(too_large) from None
    return g_base, _pow_exponent_share(g, out, a, b)


def pow_of_constant_backward(g: Any, out: Any, a: Any, b: Any) -> tuple[Any, Any]:
    # ``2 ** x``: the base is a constant, so only the exponent needs its share.
    # Skipping the base's (b * a**(b-1)) keeps it from failing where nothing
    # needs it: at a = 1e-300, b = -0.5 it overflows, while d/db is -6.9e152.
    return 0.0, _pow_exponent_share(g, out, a, b)


def _pow_exponent_share(g: Any, out: Any, a: Any, b: Any) -> Any:
    if _unwanted(g, b):
        return 0.0
    if _number(a) <= 0.0:
        return 0.0 * g
    return g * (out * _log(a))


# --- functions of one input -------------------------------------------------


def exp_forward(a: float) -> float:
    try:
        return math.exp(a)
    except OverflowError:
        raise OverflowError(
            f"exp({a!r}) is too large for a float (exp overflows above 709.78)"
        ) from None


def exp_backward(g: Any, out: Any, a: Any) -> tuple[Any]:
    return (g * out,)


def log_forward(a: float) -> float:
    if a <= 0.0:
        raise ValueError(f"log is defined only for inputs > 0, got {a!r}")
    return math.log(a)


def log_backward(g: Any, out: Any, a: Any) -> tuple[Any]:
    return (_times_inverse(g, a),)  # d log(a) / da = 1/a


def tanh_forward(a: float) -> float:
    return math.tanh(a)


def tanh_backward(g: Any, out: Any, a: Any) -> tuple[Any]:
    return (g * (1.0 - out * out),)


def sigmoid_forward(a: float) -> float:
    # Two branches so that exp never overflows: sigmoid(-1000) is 0, not an error.
    if a >= 0.0:
        return 1.0 / (1.0 + math.exp(-a))
    e = math.exp(a)
    return e / (1.0 + e)


def sigmoid_backward(g: Any, out: Any, a: Any) -> tuple[Any]:
    return (g * (out * (1.0 - out)),)


def softplus_forward(a: float) -> float:
    # log(1 + e**a), written so that the exponent is never positive: no overflow,
    # and log1p keeps the tiny values of large negative a.
    return max(a, 0.0) + math.log1p(math.exp(-abs(a)))


def softplus_backward(g: Any, out: Any, a: Any) -> tuple[Any]:
    return (g * (a.sigmoid() if not isinstance(a, (int, float)) else sigmoid_forward(a)),)


def relu_forward(a: float) -> float:
    return a if a > 0.0 else 0.0


def relu_backward(g: Any, out: Any, a: Any) -> tuple[Any]:
    # At exactly 0 the derivative is taken to be 0, as in PyTorch.
    return (g * (1.0 if a > 0.0 else 0.0),)


# --- a whole neuron in one node ---------------------------------------------


def linear_forward(*args: float) -> float:
    """``sum(w[i] * x[i]) (+ b)``: args are ``w1..wn, x1..xn`` and an optional ``b``."""
    n = len(args) // 2
    total: float = sum(map(operator.mul, args[:n], args[n : 2 * n]))
    return total + args[-1] if len(args) % 2 else total


def linear_backward(g: Any, out: Any, *args: Any) -> tuple[Any, ...]:
    # d/dw[i] = x[i], d/dx[i] = w[i], d/db = 1
    n = len(args) // 2
    w, x = args[:n], args[n : 2 * n]
    shares = [g * xi for xi in x] + [g * wi for wi in w]
    return (*shares, g) if len(args) % 2 else tuple(shares)


def _table(*ops: Op) -> dict[str, Op]:
    return {str(op): op for op in ops}


ADD = Op("+", add_forward, add_backward)
SUB = Op("-", sub_forward, sub_backward)
MUL = Op("*", mul_forward, mul_backward)
DIV = Op("/", div_forward, div_backward)
NEG = Op("neg", neg_forward, neg_backward)
POW = Op("**", pow_forward, pow_backward)
POW_OF_CONSTANT = Op("**", pow_forward, pow_of_constant_backward)  # 2 ** x (see Value.__rpow__)
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
