"""The table of operations: one record per op, read by every part of glassgrad.

An op is two named functions side by side, and a record that holds them:

* ``NAME_forward(a, ...) -> float`` computes the result from plain floats and
  raises a clear error where the math is undefined (``log`` of a value <= 0,
  division by zero, a power too large for a float).
* ``NAME_backward(g, out, a, ...) -> tuple`` is the chain rule at this op:
  given ``g``, the gradient d root / d out (the *upstream* gradient), it
  returns each input's share, ``g`` × d out / d input, in operand order.
  ``out`` is the op's result (the rules of ``exp``, ``tanh`` and ``sigmoid``
  are cheapest written with it). This is PyTorch's contract for a backward
  function.

A rule uses nothing but arithmetic and ops, so the same rule runs on floats
(``backward()``) and on ``Value`` objects (``grad(..., create_graph=True)``,
where the rule is itself recorded into a graph and can be differentiated
again).

The record (``Op``) is the op's one home: its name, its two rules, and
optionally how ``autograd.compile`` writes it (``template``) and how
``explain`` writes its local derivatives (``formula``). Every other part reads
``OPS``; ``define_op`` (in ``autograd/define.py``) adds to it.

Set a breakpoint on any rule by name, e.g. ``break autograd.ops.mul_backward``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple

Formula = tuple[str, ...] | Callable[[str, list[str], int], str]
"""How ``explain`` writes d out / d input: one text per input, with ``{out}`` and
``{0}``, ``{1}``, ... standing for the names of the result and the inputs (or, for
an op of any number of inputs, a function of those names and the input's index)."""


class Template(NamedTuple):
    """How ``autograd.compile`` writes an op, as Python text with placeholders.

    ``forward`` computes the result from the inputs ``{a}`` and ``{b}``;
    ``backward[k]`` is input ``k``'s share, from ``{g}``, ``{out}`` and the
    inputs: the very arithmetic of the op's backward rule, so that compiled
    gradients are the engine's to the last bit (``tests/test_compile.py``
    checks every template against its rule). ``helpers`` are the functions
    the text calls, by the names it uses.

    ``vector`` is the op's *vector form*, for batched programs over NumPy
    arrays (``autograd/batched.py``): ``(forward, share 0, share 1, ...)``,
    each text only where the float text above does not work on arrays ("" or
    missing: the same text). It may call NumPy's ``where``, ``maximum``,
    ``exp``, ``log``, ``log1p`` and ``expm1`` by those names, and each helper
    is replaced by its NumPy twin (``math.exp`` by ``numpy.exp``) or
    vectorised. An op with ``{args}`` in its forward takes any number of inputs.
    """

    forward: str
    backward: tuple[str, ...]
    helpers: tuple[tuple[str, Callable[..., Any]], ...] = ()
    vector: tuple[str, ...] = ()


class Op(str):
    """One op's record. It *is* its name, the string ``node.op`` holds (``node.op == "*"``).

    Attributes:
        forward: ``forward(*floats) -> float``.
        backward: ``backward(g, out, *inputs) -> tuple``: each input's share.
        template: how ``autograd.compile`` writes it, or None (then the
            compiled program calls the two rules).
        formula: how ``explain`` writes its local derivatives, or None (then
            it writes ∂out/∂input).
    """

    forward: Callable[..., float]
    backward: Callable[..., tuple[Any, ...]]
    template: Template | None
    formula: Formula | None

    def __new__(cls, name: str, forward: Callable[..., float], backward: Callable[..., tuple[Any, ...]],
                template: Template | None = None, formula: Formula | None = None) -> Op:
        op = super().__new__(cls, name)
        op.forward, op.backward, op.template, op.formula = forward, backward, template, formula
        return op

    name = property(str.__str__, doc="The op's name, as a plain ``str``.")


def _number(x: Any) -> float:
    """The number in a float or a ``Value``, for the branches of a rule."""
    return x if isinstance(x, float) else float(x.data)


def _wanted(x: Any) -> bool:
    """False for a constant (the 2 of ``x * 2``, passed as a Value): nobody needs its share."""
    return not getattr(x, "is_constant", False)


def _times_inverse(g: Any, x: Any) -> Any:
    """``g * (1/x)``, the share of a derivative 1/x; ``g / x`` where 1/x overflows (x below 2.2e-308)."""
    inverse = 1.0 / _number(x)
    return g * (1.0 / x) if inverse - inverse == 0.0 else g / x


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
    # d(a/b)/da = 1/b, d(a/b)/db = -a/b**2 = -out/b (which overflows for x / 1e-300: skipped there).
    # Where -out/b overflows for a subnormal b that is wanted, (g/b)·(-out) may still be a fine number.
    g_a = _times_inverse(g, b)
    if not _wanted(b):
        return g_a, 0.0
    local = -_number(out) / _number(b)
    return g_a, g * (-out / b) if local - local == 0.0 else g_a * -out


def neg_forward(a: float) -> float:
    return -a


def neg_backward(g: Any, out: Any, a: Any) -> tuple[Any]:
    return (-g,)


def pow_forward(a: float, b: float) -> float:
    if a < 0.0 and b != int(b):
        raise ValueError(f"a negative base to a non-integer power has no real value: {a!r} ** {b!r}")
    if a == 0.0 and b < 0.0:
        raise ZeroDivisionError(f"zero to a negative power: {a!r} ** {b!r}")
    try:
        return float(a**b)
    except OverflowError:
        raise OverflowError(f"result too large for a float: {a!r} ** {b!r}") from None


def pow_backward(g: Any, out: Any, a: Any, b: Any) -> tuple[Any, Any]:
    # d(a**b)/da = b * a**(b-1). At a == 0 and b < 1 it is infinite.
    base, exponent = _number(a), _number(b)
    if exponent == 0.0:
        return 0.0 * g, pow_exponent_share(g, out, a, b)  # a ** 0 is the constant 1
    if base == 0.0 and exponent < 1.0:
        raise ZeroDivisionError(f"the derivative of {base!r} ** {exponent!r} is infinite")
    try:
        g_base = g * (b * a ** (b - 1.0))
    except OverflowError:  # Python's own message is "(34, 'Numerical result out of range')"
        raise OverflowError(f"the derivative of {base!r} ** {exponent!r} is too large for a float") from None
    return g_base, pow_exponent_share(g, out, a, b)


def rpow_backward(g: Any, out: Any, a: Any, b: Any) -> tuple[Any, Any]:
    # ``2 ** x``: the base is a number of your code, so only the exponent has a share. (Its
    # derivative b * a**(b-1) can fail where nothing needs it: at a = 1e-300, b = -0.5.)
    return 0.0, pow_exponent_share(g, out, a, b)


def pow_exponent_share(g: Any, out: Any, a: Any, b: Any) -> Any:
    # d(a**b)/db = a**b * log(a), which exists only for a > 0. At a == 0 we use its limit, 0
    # (as PyTorch does); at a < 0 the exponent is a whole number, where a**b has no derivative in b.
    if not _wanted(b):
        return 0.0
    return 0.0 * g if _number(a) <= 0.0 else g * (out * log(a))


# --- functions of one input -------------------------------------------------


def exp_forward(a: float) -> float:
    try:
        return math.exp(a)
    except OverflowError:
        raise OverflowError(f"exp({a!r}) is too large for a float (exp overflows above 709.78)") from None


def exp_backward(g: Any, out: Any, a: Any) -> tuple[Any]:
    return (g * out,)


def log_forward(a: float) -> float:
    if a <= 0.0:
        raise ValueError(f"log is defined only for inputs > 0, got {a!r}")
    return math.log(a)


def log_backward(g: Any, out: Any, a: Any) -> tuple[Any]:
    return (_times_inverse(g, a),)  # d log(a) / da = 1/a


def log(x: Any) -> Any:
    """``log`` of a float, or of a ``Value`` (recorded, for create_graph)."""
    return math.log(x) if isinstance(x, float) else x.log()


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
    return (g * (sigmoid_forward(a) if isinstance(a, float) else a.sigmoid()),)


def relu_forward(a: float) -> float:
    return a if a > 0.0 else 0.0


def relu_backward(g: Any, out: Any, a: Any) -> tuple[Any]:
    # At exactly 0 the derivative is taken to be 0, as in PyTorch.
    return (g * (1.0 if a > 0.0 else 0.0),)


# --- a whole neuron in one node ---------------------------------------------


def linear_forward(*args: float) -> float:
    """``sum(w[i] * x[i]) (+ b)``: args are ``w1..wn, x1..xn`` and an optional ``b``."""
    n = len(args) // 2
    total = 0.0
    for w, x in zip(args[:n], args[n : 2 * n]):
        total += w * x
    return total + args[-1] if len(args) % 2 else total


def linear_backward(g: Any, out: Any, *args: Any) -> tuple[Any, ...]:
    # d/dw[i] = x[i], d/dx[i] = w[i], d/db = 1
    n = len(args) // 2
    w, x = args[:n], args[n : 2 * n]
    shares = [g * xi for xi in x] + [g * wi for wi in w]
    return (*shares, g) if len(args) % 2 else tuple(shares)


# --- any number of inputs, as one node ------------------------------------------


def logsumexp_forward(*args: float) -> float:
    """``log(e**a + e**b + ...)``, as ``m + log(Σ e**(x - m))``, m the largest input: nothing overflows."""
    return (m := max(args)) + math.log(math.fsum([math.exp(x - m) for x in args]))


def logsumexp_backward(g: Any, out: Any, *args: Any) -> tuple[Any, ...]:
    # d out / d x = e**x / Σ e**y = e**(x - out), the softmax (at most 1). `math.e ** y` is e**y to a
    # bit or two, and runs on floats and on Values (create_graph) alike.
    return tuple([g * math.e ** (x - out) for x in args])


def _linear_formula(out: str, p: list[str], i: int) -> str:
    n = len(p) // 2  # inputs are w1..wn, x1..xn and maybe b: d/dw = x, d/dx = w, d/db = 1
    return p[n + i] if i < n else p[i - n] if i < 2 * n else "1"


# --- the table ----------------------------------------------------------------

OPS: dict[str, Op] = {}
"""Every op by its name, the string stored in ``Value.op``: the table every part reads."""


def add_op(op: Op, key: str | None = None) -> Op:
    """Put ``op`` into ``OPS`` (under its name, or ``key``), refusing a name that is taken."""
    if (key := key or op.name) in OPS or not op.name:  # "" is a leaf's op
        raise ValueError(f"an op named {key!r} exists already" if op.name else "an op needs a name")
    OPS[key] = op
    return op


def _op(name: str, forward: Callable[..., float], backward: Callable[..., tuple[Any, ...]], compiled: str,
        shares: tuple[str, ...], formula: Formula | None, *helpers: Callable[..., Any], key: str = "",
        vector: tuple[str, ...] = ()) -> Op:
    """A built-in op's record (its template calls ``helpers``, by their names), put in the table."""
    template = Template(compiled, shares, tuple((f.__name__, f) for f in helpers), vector)
    return add_op(Op(name, forward, backward, template, formula), key or None)


ADD = _op("+", add_forward, add_backward, "{a} + {b}", ("{g}", "{g}"), ("1", "1"))
SUB = _op("-", sub_forward, sub_backward, "{a} - {b}", ("{g}", "-{g}"), ("1", "(-1)"))
MUL = _op("*", mul_forward, mul_backward, "{a} * {b}", ("{g} * {b}", "{g} * {a}"), ("{1}", "{0}"))
DIV = _op("/", div_forward, div_backward, "{a} / {b}", ("{g} * (1.0 / {b})", "{g} * (-{out} / {b})"),
          ("1/{1}", "(-{0}/{1}²)"))
NEG = _op("neg", neg_forward, neg_backward, "-{a}", ("-{g}",), ("(-1)",))
# Any power, through the engine's own rules, which hold its edge cases; 2 ** x (a number to the power
# of a Value) has a rule of its own, as the number has no share.
# On arrays (the vector form): NaN or inf where the rules raise, and the exponent's share is 0 at a <= 0.
_POW, _POWS = ("{1}·{0}^({1} - 1)", "{out}·log {0}"), "where({a} > 0.0, {g} * ({out} * log({a})), 0.0)"
POW = _op("**", pow_forward, pow_backward, "pow_forward({a}, {b})",
          ("pow_backward({g}, {out}, {a}, {b})[0]", "pow_backward({g}, {out}, {a}, {b})[1]"), _POW,
          pow_forward, pow_backward, vector=("{a} ** {b}", "{g} * ({b} * {a} ** ({b} - 1.0))", _POWS))
RPOW = _op("**", pow_forward, rpow_backward, "pow_forward({a}, {b})",
           ("", "rpow_backward({g}, {out}, {a}, {b})[1]"), _POW, pow_forward, rpow_backward,
           key="number ** x", vector=("{a} ** {b}", "", _POWS))
EXP = _op("exp", exp_forward, exp_backward, "exp({a})", ("{g} * {out}",), ("{out}",), math.exp)
LOG = _op("log", log_forward, log_backward, "log({a})", ("{g} * (1.0 / {a})",), ("1/{0}",), math.log)
TANH = _op("tanh", tanh_forward, tanh_backward, "tanh({a})", ("{g} * (1.0 - {out} * {out})",),
           ("(1 - {out}²)",), math.tanh)
SIGMOID = _op("sigmoid", sigmoid_forward, sigmoid_backward, "sigmoid_forward({a})",
              ("{g} * ({out} * (1.0 - {out}))",), ("{out}·(1 - {out})",), sigmoid_forward)
SOFTPLUS = _op("softplus", softplus_forward, softplus_backward, "softplus_forward({a})",
               ("{g} * sigmoid_forward({a})",), ("sigmoid({0})",), softplus_forward, sigmoid_forward)
RELU = _op("relu", relu_forward, relu_backward, "{a} if {a} > 0.0 else 0.0", ("{g} * ({a} > 0.0)",),
           ("[{0} > 0]",), vector=("maximum({a}, 0.0)",))  # g × True is g, g × False is g × 0.0
# A neuron w·x (+ b): compile writes its forward itself; the shares are to each w, each x, and b.
LINEAR = _op("linear", linear_forward, linear_backward, "", ("{g} * {x}", "{g} * {w}", "{g}"),
             _linear_formula)
# Any number of inputs, {args}; each input {x}'s share is g × its softmax, e**(x - out) (math.e written out).
LOGSUMEXP = _op("logsumexp", logsumexp_forward, logsumexp_backward, "logsumexp_forward({args})",
                ("{g} * 2.718281828459045 ** ({x} - {out})",), lambda out, p, i: f"e^({p[i]} - {out})",
                logsumexp_forward)
