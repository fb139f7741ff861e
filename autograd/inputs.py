"""What the engine takes as a number: ``to_float``, with a message that says why not.

Values hold finite floats only, so that a bad number stops where it starts
instead of spreading NaNs. Everything that takes a number from a user (a
``Value``, an operand, a gradient, a module's input) goes through here.
"""

from __future__ import annotations

import math
import numbers
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from autograd.value import Value


def values(items: list[Any], where: str) -> list[Value]:
    """``items`` if each is a ``Value``, else a ``TypeError`` naming the first that is not."""
    from autograd.value import Value  # here: autograd.value itself imports this module

    for v in items:
        if not isinstance(v, Value):
            raise TypeError(f"{where} takes Values, got {type(v).__name__}: {v!r:.80}")
    return items


def to_float(x: Any, where: str) -> float:
    """``x`` as a finite float, or a ``TypeError``/``ValueError``/``OverflowError`` that says why not.

    ``where`` names what took the number, for the message::

        >>> to_float(3, "Value()")
        3.0
        >>> to_float("2", "Value()")
        Traceback (most recent call last):
        TypeError: Value() takes an int or a float, got str: '2'
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
    return float(x)


def to_result(x: Any, where: str) -> float:
    """An op's result as a finite float: infinity is an ``OverflowError`` (too large), else as ``to_float``.

    For the forward rules of ops defined with ``define_op``, which may give an
    int, a NumPy number, nan or something that is not a number at all.
    """
    if isinstance(x, float) and math.isinf(x):
        raise OverflowError("result too large for a float")
    return to_float(x, where)
