"""``gradcheck``: compare autograd's gradients with finite differences."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from autograd.backward import grad
from autograd.value import Value, no_grad


def gradcheck(
    f: Callable[..., Value],
    inputs: Sequence[float],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> bool:
    """Check ``f``'s gradients against central finite differences, as PyTorch does.

    ``f`` is called as ``f(*values)``, one ``Value`` per number in ``inputs``,
    and must return one ``Value``. For each input i the numerical derivative is
    ``(f(x + eps·eᵢ) - f(x - eps·eᵢ)) / (2·eps)``; it must agree with
    autograd's within ``atol + rtol·|numerical|``. Like PyTorch's gradcheck it
    also checks that a second backward gives the same gradients (no state
    leaks between passes) and that ``backward(0.0)`` adds nothing.

    Returns True, or raises ``AssertionError`` naming the input and both numbers.

        >>> gradcheck(lambda x, y: x * y.tanh(), [0.5, -1.2])
        True
    """
    points = [float(x) for x in inputs]

    def evaluate(at: list[float]) -> float:
        with no_grad():
            return f(*(Value(x) for x in at)).data

    values = [Value(x, label=f"input {i}") for i, x in enumerate(points)]
    out = f(*values)
    if not isinstance(out, Value):
        raise TypeError(f"gradcheck: f must return a Value, got {type(out).__name__}")
    analytic = [g.data for g in grad(out, values)]
    again = [g.data for g in grad(out, values)]
    if again != analytic:
        raise AssertionError(f"gradcheck: a second backward gave {again}, the first {analytic}")

    out.backward(0.0)
    for i, v in enumerate(values):
        if v.grad != 0.0:
            raise AssertionError(f"gradcheck: backward(0.0) added {v.grad!r} to input {i}")

    for i, x in enumerate(points):
        plus = [*points[:i], x + eps, *points[i + 1 :]]
        minus = [*points[:i], x - eps, *points[i + 1 :]]
        try:
            numerical = (evaluate(plus) - evaluate(minus)) / (2 * eps)
        except (ArithmeticError, ValueError) as e:
            raise AssertionError(
                f"gradcheck: f is not defined on both sides of input {i} = {x!r} (± {eps}), "
                f"so it has no central difference there: {e}"
            ) from None
        if not math.isclose(analytic[i], numerical, rel_tol=0.0, abs_tol=atol + rtol * abs(numerical)):
            raise AssertionError(
                f"gradcheck: d f / d input {i} (at {x!r}): autograd gives {analytic[i]!r}, "
                f"central differences give {numerical!r} (eps={eps}, atol={atol}, rtol={rtol})"
            )
    return True
