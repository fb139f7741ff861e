"""Formulas typed as text, such as ``"tanh(x*w + b)"``, built into a graph of Values.

The text is parsed with Python's ``ast`` module and then walked by hand: only
numbers, variable names, ``+ - * / **``, unary ``-`` and ``+``, and calls of
the ops of the table on one argument (``exp log tanh sigmoid softplus relu``,
and any op added with ``autograd.define_op``) are accepted. Nothing is ever
passed to ``eval`` or ``exec``, so a formula can compute but never act.

Every problem is an ``ExpressionError`` that says what and where, in one line.
Limits keep that true for any text: ``MAX_LENGTH`` characters, ``MAX_DEPTH``
levels of nesting (deeper, Python's own parser runs out of stack) and
``MAX_DIGITS`` digits in a number. A Python keyword (``lambda``, ``if``)
cannot be a variable name, since the parser reads it as Python.

    >>> formula = Expression.parse("tanh(x*w + b)")
    >>> formula.names
    ('x', 'w', 'b')
    >>> out, leaves = formula.build({"x": 2, "w": -3, "b": 6.88})
    >>> round(out.data, 4), leaves["x"].label
    (0.7064, 'x')
"""

from __future__ import annotations

import ast
import keyword
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

from autograd.ops import OPS
from autograd.value import Value, apply


def functions() -> tuple[str, ...]:
    """The functions a formula may call: the ops of the table named by a word (``linear`` needs a list).

    >>> functions()[:6]
    ('neg', 'exp', 'log', 'tanh', 'sigmoid', 'softplus')
    """
    return tuple(name for name in OPS if name.isidentifier() and name != "linear")

MAX_LENGTH = 10_000
"""The longest formula accepted, in characters."""

MAX_DEPTH = 500
"""How deeply operations may nest: ``-(-(-x))`` is 4 deep, and so is ``x+x+x+x``, which
Python reads as ``((x+x)+x)+x``. The checks below walk the formula recursively, so
the limit keeps them well inside Python's recursion limit."""

MAX_DIGITS = 300
"""The longest run of digits in one number. A float keeps about 17 significant digits
and stops at about 1.8e308, so nothing longer is meaningful, and Python itself refuses
to read an integer of more than 4,300 digits."""

_DIGITS = re.compile(r"(?<!\w)\d[\d_]*")  # a number's digits: not those of a name like x2
_WORD = re.compile(r"(?<![\w.])[^\W\d]\w*")  # a name, or a keyword such as lambda

_BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_UNSUPPORTED = {ast.FloorDiv: "//", ast.Mod: "%", ast.MatMult: "@", ast.BitXor: "^", ast.BitAnd: "&",
                ast.BitOr: "|", ast.LShift: "<<", ast.RShift: ">>"}


class ExpressionError(ValueError):
    """The text is not a formula glassgrad can build, or its values do not fit it."""


def _where(node: ast.AST) -> str:
    return f"at column {getattr(node, 'col_offset', 0) + 1}"


def _check_numbers(text: str) -> None:
    """Refuse a number too long to read, before Python tries to."""
    for match in _DIGITS.finditer(text):
        digits = len(match.group().replace("_", ""))
        if digits > MAX_DIGITS:
            raise ExpressionError(
                f"the number at column {match.start() + 1} is too long: {digits} digits, "
                f"the limit is {MAX_DIGITS} (a float keeps about 17)"
            )


def _syntax_error(text: str, error: SyntaxError) -> ExpressionError:
    """What Python's parser found wrong, said for a formula (a keyword gets its own message)."""
    for match in _WORD.finditer(text):
        word = match.group()
        if keyword.iskeyword(word) and word not in ("True", "False", "None"):
            return ExpressionError(
                f"{word} at column {match.start() + 1} is a Python keyword, so it cannot be a "
                f"variable name; rename it (for example {word}_)"
            )
    return ExpressionError(f"not a formula: {error.msg} at column {error.offset or 1}")


def _depth(tree: ast.expr) -> int:
    """How deeply the operations of ``tree`` nest (``x`` is 1 deep), walked without recursion."""
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        children = (child for child in ast.iter_child_nodes(node) if isinstance(child, ast.expr))
        stack.extend((child, depth + 1) for child in children)
    return deepest


def _too_deep() -> ExpressionError:
    return ExpressionError(f"the formula is nested too deeply (the limit is {MAX_DEPTH} levels)")


def _check(node: ast.expr) -> None:
    """Raise ExpressionError unless every part of ``node`` is on the whitelist."""
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            raise ExpressionError(f"{node.value!r} {_where(node)} is not a number")
        try:
            number = float(node.value)  # an int such as 0xFFF…F can be too large
        except OverflowError:
            number = math.inf
        if not math.isfinite(number):
            raise ExpressionError(f"the number {_where(node)} is too large for a float (at most 1.8e308)")
    elif isinstance(node, ast.Name):
        if node.id in functions():
            raise ExpressionError(f"{node.id} {_where(node)} is a function: call it, as in {node.id}(x)")
    elif isinstance(node, ast.BinOp):
        if type(node.op) not in _BINARY:
            symbol = _UNSUPPORTED.get(type(node.op), type(node.op).__name__)
            hint = " (for a power write **)" if symbol == "^" else ""
            where = f"at column {(node.left.end_col_offset or 0) + 1}"
            raise ExpressionError(f"operator {symbol} {where} is not supported{hint}; use + - * / **")
        _check(node.left)
        _check(node.right)
    elif isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, (ast.USub, ast.UAdd)):
            raise ExpressionError(f"unary operator {_where(node)} is not supported; only - and + are")
        _check(node.operand)
    elif isinstance(node, ast.Call):
        name = node.func.id if isinstance(node.func, ast.Name) else None
        if name not in functions():
            called, known = ast.unparse(node.func), ", ".join(functions())
            raise ExpressionError(f"unknown function {called} {_where(node)}; use one of {known}")
        if len(node.args) != 1 or node.keywords or isinstance(node.args[0], ast.Starred):
            raise ExpressionError(f"{name}() {_where(node)} takes exactly one argument")
        _check(node.args[0])
    else:
        raise ExpressionError(
            f"{type(node).__name__} {_where(node)} is not allowed; a formula has numbers, names, "
            f"+ - * / ** and calls of {', '.join(functions())}"
        )


def _names(tree: ast.expr) -> tuple[str, ...]:
    """The variables of ``tree``, in order of first appearance, left to right."""
    # A function's name is always a call here: _check rejects it anywhere else.
    calls = functions()
    names = [n for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id not in calls]
    found = [(n.lineno, n.col_offset, n.id) for n in names]
    return tuple(dict.fromkeys(name for _, _, name in sorted(found)))


@dataclass(frozen=True)
class Expression:
    """A checked formula: its text, its syntax tree and its variable names."""

    text: str
    tree: ast.expr
    names: tuple[str, ...]

    @classmethod
    def parse(cls, text: str) -> Expression:
        """Parse and check ``text``; an ``ExpressionError`` says what is wrong and where."""
        source = text.strip()
        if not source:
            raise ExpressionError("the formula is empty")
        if len(text) > MAX_LENGTH:
            raise ExpressionError(f"the formula is {len(text)} characters long; the limit is {MAX_LENGTH}")
        _check_numbers(source)
        try:
            tree = ast.parse(source, mode="eval").body
        except SyntaxError as e:
            raise _syntax_error(source, e) from None
        except (RecursionError, MemoryError):  # how Python's parser says "nested too deeply"
            raise _too_deep() from None
        if _depth(tree) > MAX_DEPTH:
            raise _too_deep()
        _check(tree)
        return cls(text, tree, _names(tree))

    def build(self, values: Mapping[str, float]) -> tuple[Value, dict[str, Value]]:
        """Run the formula forward on ``values``; returns the result and one leaf per name.

        Each name becomes one ``Value`` labelled with the name, used wherever
        the name appears, so ``x*x`` has the parents ``(x, x)``.
        Engine errors (``log(0)``, ``1/0``) pass through unchanged.
        """
        missing = [name for name in self.names if name not in values]
        if missing:
            example = ",".join(f"{name}=1" for name in missing)
            raise ExpressionError(f"no value for {', '.join(missing)}: give it with --at {example}")
        unused = [name for name in values if name not in self.names]
        if unused:
            raise ExpressionError(f"{', '.join(unused)} is not in the formula {self.text!r}")
        leaves = {name: Value(values[name], label=name) for name in self.names}
        out = _build(self.tree, leaves)  # at most MAX_DEPTH calls deep
        return (out if isinstance(out, Value) else Value(out)), leaves


def _build(node: ast.expr, leaves: Mapping[str, Value]) -> Value | float:
    """The value of a checked tree (numbers stay floats until they meet a Value)."""
    if isinstance(node, ast.Constant):
        assert isinstance(node.value, (int, float))
        return float(node.value)
    if isinstance(node, ast.Name):
        return leaves[node.id]
    if isinstance(node, ast.UnaryOp):
        operand = _build(node.operand, leaves)
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.Call):
        assert isinstance(node.func, ast.Name)
        argument = _build(node.args[0], leaves)
        value = argument if isinstance(argument, Value) else Value(argument)
        return apply(OPS[node.func.id], value)  # an op of the table: checked by _check
    if isinstance(node, ast.BinOp):
        left, right = _build(node.left, leaves), _build(node.right, leaves)
        if not isinstance(left, Value) and not isinstance(right, Value):
            left = Value(left)  # 2 ** 3 still becomes a node, so it shows in the graph
        symbol = _BINARY[type(node.op)]
        if symbol == "+":
            return left + right
        if symbol == "-":
            return left - right
        if symbol == "*":
            return left * right
        if symbol == "/":
            return left / right
        return left**right
    raise AssertionError(f"unchecked node {type(node).__name__}")
