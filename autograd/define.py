"""``define_op``: the way to add an op of your own, one record in the table.

An op is a forward rule and a backward rule (see ``autograd/ops.py``); once
it is in the table, every part of glassgrad reads it from there: the walks,
``grad``, the steps, ``explain``, the pictures, ``autograd.compile``,
forward mode and ``gradcheck``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from autograd.ops import Formula, Op, add_op
from autograd.value import Operand, Value, apply


def define_op(name: str, forward: Callable[..., float], backward: Callable[..., tuple[Any, ...]],
              formula: Formula | str | None = None) -> Callable[..., Any]:
    """Add an op to the table; returns a function that applies it to Values and numbers.

    ``forward(*floats) -> float`` computes it; ``backward(g, out, *inputs)``
    returns each input's share, ``g`` × d out / d input. Write the rule with
    arithmetic and ops (built-in or defined), so that it also runs on Values
    and ``grad(..., create_graph=True)`` can differentiate it again.
    ``formula`` is how ``explain`` writes d out / d input (one text per input,
    with ``{0}``, ``{1}``, ... for the inputs' names and ``{out}`` for the result).

        >>> def cube_backward(g, out, a):
        ...     return (g * (3.0 * a * a),)
        >>> cube = define_op("cube", lambda a: a**3, cube_backward, formula="3·{0}²")
        >>> x = Value(2.0, label="x")
        >>> y = cube(x * 1.5)
        >>> y.backward()
        >>> y.data, x.grad, cube(3)
        (27.0, 40.5, 27.0)

    (The README adds ``sin`` and ``cos``, each rule written with the other.)

    The function gives a ``Value`` when any input is one, else a float, so a
    rule that uses it works on floats as fast as on numbers. The op then works
    in ``backward``, ``grad``, ``backward_steps``, ``explain``, the pictures,
    ``autograd.compile`` (which calls its rules) and ``gradcheck``.
    """
    op = add_op(Op(name, forward, backward, None, (formula,) if isinstance(formula, str) else formula))

    def applied(*inputs: Operand) -> Any:
        out = apply(op, *inputs)
        return out if any(isinstance(x, Value) for x in inputs) else out.data

    applied.__name__ = applied.__qualname__ = name
    applied.__doc__ = f"The op {name!r} (made with autograd.define_op), on Values and numbers."
    return applied
