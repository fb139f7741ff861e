"""How every view writes numbers and names nodes: one formatter, one namer.

The steps, ``explain``, the pictures, the HTML stepper, the command line and
the error messages all print numbers and name nodes, and they should agree:
the same node has the same name everywhere, and the same number the same
digits.

Numbers:

* ``number(x)``: four significant digits, as the steps print them;
  ``number(x, zeros=True)`` keeps trailing zeros so that the boxes of a
  picture line up (``0.4950``);
* ``factor(x)``: the same, as the right-hand factor of a product, with a
  negative number in parentheses: ``2 × (-3)``.

Names:

* ``name(v)``: one node on its own: its label, else a leaf's (or constant's)
  value, else its op;
* ``describe(v)``: how error messages name a node, with its exact value.

Nothing here walks a graph or imports the engine, so the engine's own
modules can use it; the views name a whole graph's nodes with these
(``autograd.view.shown.node_names``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from autograd.backward import Step
    from autograd.value import Value

def number(x: float, zeros: bool = False) -> str:
    """``x`` to four significant digits; with ``zeros``, trailing zeros kept (for columns).

    >>> number(0.12180), number(-3.0), number(0.0030462)
    ('0.1218', '-3', '0.003046')
    >>> number(0.495, zeros=True), number(1000.0, zeros=True)
    ('0.4950', '1000')
    """
    if not zeros:
        return f"{x:.4g}"
    text = f"{x:#.4g}"
    return text[:-1] if text.endswith(".") else text  # "1234." reads better as "1234"


def step_text(step: Step) -> str:
    """A step of the backward pass in one line: ``*: upstream 1 → a += 1 × 3, 3 += 1 × 2``."""
    upstream = number(step.upstream)
    adds = ", ".join(f"{name(p)} += {upstream} × {factor(d)}" for p, d, _ in step.contributions)
    return f"{name(step.node)}: upstream {upstream}" + (f" → {adds}" if adds else "")


def factor(x: float) -> str:
    """``x`` as the right-hand factor of a product: negatives in parentheses.

    >>> f"2 × {factor(-3.0)}"
    '2 × (-3)'
    """
    return f"({number(x)})" if x < 0 else number(x)


def name(v: Value | float) -> str:
    """A short name for one node: its label, else a leaf's value, else its op.

    A constant (a plain number in the user's code, the 2 of ``x * 2``) is its value.
    """
    if isinstance(v, float):
        return number(v)
    return v.label or v.op or number(v.data)


def describe(v: Value | float) -> str:
    """How error messages name a node: its label if it has one, and its exact value.

    >>> from autograd import Value
    >>> describe(Value(2.0, label="x")), describe(Value(-1.5)), describe(0.5)
    ("'x' = 2.0", '-1.5', '0.5')
    """
    if isinstance(v, float):
        return repr(v)
    return f"{v.label!r} = {v.data!r}" if v.label else repr(v.data)


def atom(text: str) -> str:
    """A name ready to be an operand: in parentheses if it has a top-level space or a sign."""
    depth = 0
    for ch in text:
        depth += (ch == "(") - (ch == ")")
        if ch == " " and depth == 0:
            return f"({text})"
    return f"({text})" if text.startswith("-") else text


def wrt(text: str) -> str:
    """A name as what a derivative is taken with respect to: ``∂o/∂(x*w)``, ``∂o/∂L1.N0.w1``."""
    plain = text.replace(".", "").replace("#", "").replace("_", "")
    return text if plain.isalnum() else f"({text})"


def expression(op: str, args: list[str]) -> str:
    """How an op applied to named inputs reads: ``x*w``, ``a + b``, ``tanh(h)``."""
    if op in ("+", "-") and len(args) == 2:
        return f"{args[0]} {op} {atom(args[1])}"
    if op in ("*", "/", "**") and len(args) == 2:
        return f"{atom(args[0])}{op}{atom(args[1])}"
    if op == "neg":
        return f"-{atom(args[0])}"
    return f"{op}({', '.join(args)})"
