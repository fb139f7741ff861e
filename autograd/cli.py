"""The ``glassgrad`` command: try the engine on a formula without writing a file.

    glassgrad graph "tanh(x*w + b)" --at x=2,w=-3,b=6.88 -o graph.png
    glassgrad steps "tanh(x*w + b)" --at x=2,w=-3,b=6.88            # as text
    glassgrad steps "tanh(x*w + b)" --at x=2,w=-3,b=6.88 -o backward.html
    glassgrad seed -o seed.png                                     # the seed's network

Formulas are parsed by ``autograd.expr`` (never evaluated as Python). Bad
input (a formula it cannot read, a missing or non-numeric value, a domain
error such as ``log(0)``) gets a one-line error and exit status 2, as
argparse does for bad options; a failure to write the output gets status 1.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from autograd.drawing import BACKENDS, FORMATS, RenderError, render
from autograd.expr import Expression, ExpressionError
from autograd.value import Value

USAGE_ERROR = 2
FAILURE = 1


class UsageError(Exception):
    """Bad input from the command line: reported in one line, exit status 2."""


def parse_at(items: Sequence[str]) -> dict[str, float]:
    """``["x=2,w=-3", "b=6.88"]`` → ``{"x": 2.0, "w": -3.0, "b": 6.88}``.

    >>> parse_at(["x=2,w=-3", "b=6.88"])
    {'x': 2.0, 'w': -3.0, 'b': 6.88}
    """
    values: dict[str, float] = {}
    for item in items:
        for pair in item.split(","):
            name, sep, text = (part.strip() for part in pair.partition("="))
            if not sep or not name:
                raise UsageError(f"--at takes name=number pairs separated by commas, got {pair.strip()!r}")
            if not name.isidentifier():
                raise UsageError(f"--at: {name!r} is not a variable name")
            if name in values:
                raise UsageError(f"--at gives {name} twice")
            try:
                number = float(text)
            except ValueError:
                raise UsageError(f"--at {name}={text}: {text!r} is not a number") from None
            if number - number != 0.0:  # nan or inf
                raise UsageError(f"--at {name}={text}: the value must be a finite number")
            values[name] = number
    return values


def build(formula: str, at: Sequence[str]) -> tuple[Value, dict[str, Value]]:
    """Parse ``formula``, run it forward at the ``--at`` values; UsageError if anything is wrong."""
    try:
        out, leaves = Expression.parse(formula).build(parse_at(at))
    except ExpressionError as e:
        raise UsageError(str(e)) from None
    except (ValueError, ArithmeticError) as e:  # the engine's domain errors: log(0), 1/0, exp(1000)
        raise UsageError(f"{formula}: {e}") from None
    if out.op:
        out.label = "out"  # so that steps read ∂out/∂x rather than repeating the formula
    return out, leaves


def _number(x: float) -> str:
    return f"{x:.4g}"


def _summary(formula: str, out: Value, leaves: dict[str, Value]) -> str:
    grads = "   ".join(f"∂/∂{name} = {_number(leaf.grad)}" for name, leaf in leaves.items())
    return f"{formula.strip()} = {_number(out.data)}" + (f"\n{grads}" if grads else "")


def seed_network() -> tuple[Value, dict[str, Value]]:
    """The seed's worked example (backprop-notes.txt), built from Values.

    Inputs x = (0.1, 0.3), weights w = (0.4, -0.2), one sigmoid hidden unit,
    output weight W = 0.1, a sigmoid output and target y = 1::

        h = x1·w1 + x2·w2,   a = sigmoid(h),   ŷ = sigmoid(W·a),   E = ½(y - ŷ)²

    Labels follow ``nn``'s dotted convention, so the drawing boxes the hidden
    unit and the output unit. Returns E and the named Values.
    """
    x1, x2, y = Value(0.1, label="x1"), Value(0.3, label="x2"), Value(1.0, label="y")
    w1, w2 = Value(0.4, label="hidden.w1"), Value(-0.2, label="hidden.w2")
    W = Value(0.1, label="output.W")
    h = x1 * w1 + x2 * w2
    h.label = "hidden.h"
    a = h.sigmoid()
    a.label = "hidden.a"
    z = W * a
    z.label = "output.h"
    y_hat = z.sigmoid()
    y_hat.label = "output.ŷ"
    E = 0.5 * (y - y_hat) ** 2
    E.label = "E"
    return E, {"x1": x1, "x2": x2, "w1": w1, "w2": w2, "h": h, "a": a, "W": W, "Wa": z, "ŷ": y_hat, "E": E}


def _seed_report(v: dict[str, Value], learning_rate: float = 0.5) -> str:
    """The seed's numbers, read off the graph after backward()."""
    delta_o, delta_h = -v["Wa"].grad, -v["h"].grad
    return "\n".join([
        "The seed's network: x = (0.1, 0.3), w = (0.4, -0.2), W = 0.1, target y = 1, η = 0.5",
        f"forward:  h = {_number(v['h'].data)}   a = {_number(v['a'].data)}   "
        f"ŷ = {_number(v['ŷ'].data)}   E = {_number(v['E'].data)}",
        f"backward: δᵒ = -∂E/∂(W·a) = {_number(delta_o)}   δʰ = -∂E/∂h = {_number(delta_h)}",
        f"steps:    ΔW = -η·∂E/∂W = {_number(-learning_rate * v['W'].grad)}   "
        f"Δw1 = {_number(-learning_rate * v['w1'].grad)}   Δw2 = {_number(-learning_rate * v['w2'].grad)}",
    ])


# --- the subcommands ------------------------------------------------------------


def _write_graph(root: Value, path: str, args: argparse.Namespace) -> None:
    written = render(root, path, backend=args.backend, collapse=args.collapse or None)
    print(f"wrote {written}")


def _write_steps(root: Value, path: str) -> None:
    try:
        from autograd.stepper import render_steps  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        raise RenderError("the HTML stepper (autograd.stepper) is not available in this install") from None
    written = render_steps(root, path)
    print(f"wrote {written}")


def _graph(args: argparse.Namespace) -> None:
    out, leaves = build(args.formula, args.at)
    out.backward()
    print(_summary(args.formula, out, leaves))
    if args.output:
        _write_graph(out, args.output, args)
    else:
        print("(add -o graph.png, .svg or .dot to draw it)")


def _steps(args: argparse.Namespace) -> None:
    out, _ = build(args.formula, args.at)
    if args.output:
        _write_steps(out, args.output)
    else:
        from autograd.explanation import explain

        explain(out)


def _seed(args: argparse.Namespace) -> None:
    E, values = seed_network()
    if args.steps:
        _write_steps(E, args.steps)  # the stepper runs its own backward pass
        for v in values.values():
            v.grad = 0.0
    E.backward()
    print(_seed_report(values))
    if args.output:
        _write_graph(E, args.output, args)


def _check_suffix(path: str | None, allowed: Sequence[str]) -> None:
    if path is not None and Path(path).suffix.lower() not in allowed:
        raise UsageError(f"cannot write {path!r}: the name must end in {', '.join(allowed)}")


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="glassgrad",
        description="Draw a formula's computation graph, or step through its backward pass.",
        epilog='Formulas use numbers, names, + - * / ** and exp log tanh sigmoid relu, e.g. "tanh(x*w + b)". '
        'A formula that starts with "-" goes last, after "--": glassgrad graph --at x=1 -- "-x".',
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="{graph,steps,seed}")

    def formula_command(name: str, help: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help, description=help)
        sub.add_argument("formula", help='e.g. "tanh(x*w + b)"')
        sub.add_argument("--at", action="append", default=[], metavar="x=2,w=-3",
                         help="the value of each variable (repeatable)")
        return sub

    graph = formula_command("graph", "run a formula forward and backward, and draw its graph")
    graph.add_argument("-o", "--output", help=f"image to write: {', '.join(FORMATS)}")
    steps = formula_command("steps", "step through a formula's backward pass: as text, or an HTML page (-o)")
    steps.add_argument("-o", "--output", help="HTML page to write (one self-contained file)")
    seed = commands.add_parser("seed", help="the seed's worked example: its numbers, and its graph (-o)")
    seed.add_argument("-o", "--output", help=f"image of the graph: {', '.join(FORMATS)}")
    seed.add_argument("--steps", metavar="PAGE.html", help="also write the HTML stepper of its backward pass")
    for sub in (graph, seed):
        sub.add_argument("--collapse", action="store_true", help="draw each neuron as one box")
        sub.add_argument("--backend", choices=BACKENDS, default="auto",
                         help="Graphviz program: a system `dot`, or graphviz-pure from PyPI (default: auto)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0, 1 on failure, 2 on bad input)."""
    parser = make_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # argparse has printed its message: --help, or a bad option
        return e.code if isinstance(e.code, int) else USAGE_ERROR
    try:
        if args.command in ("graph", "seed"):
            _check_suffix(args.output, FORMATS)
        if args.command == "steps":
            _check_suffix(args.output, (".html", ".htm"))
        if args.command == "seed":
            _check_suffix(args.steps, (".html", ".htm"))
        {"graph": _graph, "steps": _steps, "seed": _seed}[args.command](args)
    except UsageError as e:
        print(f"glassgrad {args.command}: error: {e}", file=sys.stderr)
        return USAGE_ERROR
    except (ValueError, ArithmeticError) as e:  # no derivative there: x**0.5 at x=0
        print(f"glassgrad {args.command}: error: {e}", file=sys.stderr)
        return USAGE_ERROR
    except (RenderError, OSError) as e:
        print(f"glassgrad {args.command}: error: {e}", file=sys.stderr)
        return FAILURE
    return 0


if __name__ == "__main__":
    sys.exit(main())
