"""The ``glassgrad`` command: try the engine on a formula without writing a file.

    glassgrad graph "tanh(x*w + b)" --at x=2,w=-3,b=6.88 -o graph.png
    glassgrad steps "tanh(x*w + b)" --at x=2,w=-3,b=6.88            # as text
    glassgrad steps "tanh(x*w + b)" --at x=2,w=-3,b=6.88 -o backward.html
    glassgrad code "tanh(x*w + b)" --at x=2,w=-3,b=6.88             # as Python (compile)
    glassgrad seed -o seed.png                                     # the seed's network
    glassgrad worksheet -o sheet.md        # the seed's backprop to work by hand (--random --seed N: another)
    glassgrad check sheet.md               # grade the answers filled in: the first wrong one, and why
    glassgrad quiz                         # the same, one number at a time, in the terminal
    glassgrad --version

Formulas are parsed by ``autograd.view.expr`` (never evaluated as Python).

Exit status: 0 when it did what was asked; 2 when it could not, with one line
on stderr that names your text or path and says why (a formula it cannot read,
a missing or bad value, no derivative there, an output it cannot write, a
format that needs a program you do not have, another package installed as
``autograd``), as argparse does for bad options; 1 when Graphviz itself failed,
or when ``check`` found a wrong answer.
Output paths are checked before any work is done, so a run that cannot write
its file prints nothing else.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import shutil
import sys
from collections.abc import Callable, Sequence
from keyword import iskeyword
from pathlib import Path
from typing import TYPE_CHECKING

from autograd.text import number
from autograd.value import Value
from autograd.view import write_atomically

# Modules, not the `autograd` package itself: if another package called
# `autograd` shadows glassgrad's, these still load, and main() can say so.
# `nn` is imported where it is used, after main() has made that check.
from autograd.view.drawing import BACKENDS, FORMATS, RenderError, render
from autograd.view.expr import Expression, ExpressionError, functions

if TYPE_CHECKING:
    from nn.worksheet import Worksheet

USAGE_ERROR = 2
FAILURE = 1
WRONG = 1
"""``check``'s status when an answer is wrong."""
DEFAULT_SIZES = (2, 2, 1)
PAGES = (".html", ".htm")
"""What ``-o`` of ``steps``, and ``--steps`` of ``seed``, may write."""


class UsageError(Exception):
    """Bad input from the command line, or an output it cannot write: one line, exit status 2."""


def version() -> str:
    """glassgrad's version, as installed; a source tree that was never installed has none."""
    try:
        return importlib.metadata.version("glassgrad")
    except importlib.metadata.PackageNotFoundError:
        return "(version unknown: not installed; pip install . to install it)"


def shown(text: str, limit: int = 60) -> str:
    """``text`` quoted, shortened for a one-line message: a formula can be 10,000 characters.

    >>> shown("x" * 100, limit=10)
    "'xxxxxxxxx…'"
    """
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


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
                raise UsageError(f"--at takes name=number pairs, separated by commas, got {shown(pair)}")
            if not name.isidentifier():
                raise UsageError(f"--at: {shown(name)} is not a variable name")
            if iskeyword(name):
                raise UsageError(f"--at: {name} is a Python keyword, so it cannot be a variable name")
            if name in values:
                raise UsageError(f"--at gives {name} twice")
            try:
                value = float(text)
            except ValueError:
                raise UsageError(f"--at {name}=…: {shown(text)} is not a number") from None
            if value - value != 0.0:  # nan or inf, also from a number too large for a float
                raise UsageError(f"--at {name}=…: {shown(text)} is not a finite float")
            values[name] = value
    return values


def build(formula: str, at: Sequence[str]) -> tuple[Value, dict[str, Value]]:
    """Parse ``formula``, run it forward at the ``--at`` values; UsageError if anything is wrong."""
    try:
        out, leaves = Expression.parse(formula).build(parse_at(at))
    except ExpressionError as e:
        raise UsageError(str(e)) from None
    except (ValueError, ArithmeticError) as e:  # the engine's domain errors: log(0), 1/0, exp(1000)
        raise UsageError(f"{shown(formula.strip())}: {e}") from None
    if out.op:
        out.label = "out"  # so that steps read ∂out/∂x rather than repeating the formula
    return out, leaves


def _summary(formula: str, out: Value, leaves: dict[str, Value]) -> str:
    grads = "   ".join(f"∂/∂{name} = {number(leaf.grad)}" for name, leaf in leaves.items())
    return f"{formula.strip()} = {number(out.data)}" + (f"\n{grads}" if grads else "")


def seed_report() -> str:
    """The seed's numbers, read off the network (``nn/seed.py``) after one backward pass."""
    from nn.seed import ETA, seed_example

    seed = seed_example()
    seed.loss.backward()
    hidden, output = seed.hidden, seed.output
    (w1, w2), (big_w,) = hidden.w, output.w
    return "\n".join([
        "The seed's network: x = (0.1, 0.3), w = (0.4, -0.2), W = 0.1, target y = 1, η = 0.5",
        f"forward:  h = {number(hidden.h.data)}   a = {number(output.inputs[0])}   "
        f"ŷ = {number(seed.prediction.data)}   E = {number(seed.loss.data)}",
        f"backward: δᵒ = -∂E/∂(W·a) = {number(output.delta)}   δʰ = -∂E/∂h = {number(hidden.delta)}",
        f"steps:    ΔW = -η·∂E/∂W = {number(-ETA * big_w.grad)}   "
        f"Δw1 = {number(-ETA * w1.grad)}   Δw2 = {number(-ETA * w2.grad)}",
    ])


# --- output files ---------------------------------------------------------------


def check_output(path: str | None, allowed: Sequence[str], backend: str = "auto") -> None:
    """UsageError, naming ``path``, if the command could not write it; nothing if it could.

    Checked before any work, so that a run that cannot write prints nothing
    else: the suffix, the folder, and for pictures the Graphviz it needs.
    """
    if path is None:
        return
    target = Path(path)
    suffix, folder = target.suffix.lower(), target.parent
    if target.is_dir():
        example = target / f"out{allowed[0]}"
        raise UsageError(f"cannot write {path!r}: it is a folder; give a file name, such as {example}")
    if suffix not in allowed:
        raise UsageError(f"cannot write {path!r}: the name must end in {', '.join(allowed)}")
    if not folder.exists():
        raise UsageError(f"cannot write {path!r}: there is no folder {str(folder)!r}")
    if not folder.is_dir():
        raise UsageError(f"cannot write {path!r}: {str(folder)!r} is not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(f"cannot write {path!r}: the folder {str(folder)!r} is not writable")
    if suffix == ".dot" or shutil.which("dot") is not None:
        return
    if suffix == ".pdf":  # graphviz-pure writes svg and png only
        raise UsageError(
            f"cannot write {path!r}: .pdf needs a system Graphviz (`dot` on PATH), and there is none; "
            "install Graphviz (https://graphviz.org/download/), or write .svg or .png"
        )
    if backend == "dot":
        raise UsageError(
            f"cannot write {path!r} with --backend dot: there is no system Graphviz (`dot` on PATH); "
            "leave out --backend to use graphviz-pure"
        )


def check_folder(path: str | os.PathLike[str]) -> None:
    """UsageError, naming ``path``, if files cannot be written into the folder ``path`` (made if missing)."""
    folder = Path(path)
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"cannot write into {str(folder)!r}: it is a file, not a folder")
    existing = folder
    while not existing.exists():  # the nearest folder that exists: the new ones are made in it
        existing = existing.parent
    if not existing.is_dir():
        raise UsageError(f"cannot make the folder {str(folder)!r}: {str(existing)!r} is a file")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise UsageError(f"cannot write into {str(folder)!r}: the folder {str(existing)!r} is not writable")


def output_folder_or_exit(prog: str, path: Path) -> Path:
    """For the demos' ``--out``: ``path`` made, or one line on stderr and exit status 2 (before any work)."""
    try:
        check_folder(path)
        path.mkdir(parents=True, exist_ok=True)
    except (UsageError, OSError) as e:
        print(f"{prog}: error: {getattr(e, 'strerror', None) or e}", file=sys.stderr)
        raise SystemExit(USAGE_ERROR) from None
    return path


def _write(path: str, write: Callable[[str], Path]) -> None:
    """``write(path)``, an OSError said in one line with the user's ``path``.

    The writer (``autograd.view.files``) writes a hidden temporary file beside the
    target first, so its errors name that file, which the user never asked for.
    """
    try:
        written = write(path)
    except OSError as e:
        raise UsageError(f"cannot write {path!r}: {e.strerror or e}") from None
    print(f"wrote {written}")


def _write_graph(root: Value, path: str, args: argparse.Namespace) -> None:
    _write(path, lambda p: render(root, p, backend=args.backend, collapse=args.collapse or None))


def _write_steps(root: Value, path: str) -> None:
    from autograd.view.stepper import render_steps

    _write(path, lambda p: render_steps(root, p))


# --- the subcommands ------------------------------------------------------------


def _graph(args: argparse.Namespace) -> None:
    check_output(args.output, FORMATS, args.backend)
    out, leaves = build(args.formula, args.at)
    out.backward()
    print(_summary(args.formula, out, leaves))
    if args.output:
        _write_graph(out, args.output, args)
    else:
        print("(add -o graph.png, .svg or .dot to draw it)")


def _steps(args: argparse.Namespace) -> None:
    check_output(args.output, PAGES)
    out, _ = build(args.formula, args.at)
    if args.output:
        _write_steps(out, args.output)
    else:
        from autograd.view.explanation import explain

        explain(out)


def _code(args: argparse.Namespace) -> None:
    """Print the formula's compiled program (``autograd.compile``), then what it computes."""
    from autograd.compiler import compile_graph

    out, leaves = build(args.formula, args.at)
    program = compile_graph(out)
    print(program.source, end="")
    program()  # the program's own numbers, which are backward()'s
    results = ["program() gives:", *_summary(args.formula, out, leaves).splitlines()]
    print("\n".join(f"# {line}" for line in results))


def _seed(args: argparse.Namespace) -> None:
    from nn.seed import seed_example

    check_output(args.output, FORMATS, args.backend)
    check_output(args.steps, PAGES)
    print(seed_report())
    if args.steps:
        _write_steps(seed_example().loss, args.steps)  # the stepper runs its own backward pass
    if args.output:
        seed = seed_example()
        seed.loss.backward()
        _write_graph(seed.loss, args.output, args)


# --- worksheets: backprop by hand, graded --------------------------------------

SHEETS = (".md", ".markdown", ".txt")
"""What ``worksheet -o`` may write."""


def _sheet(args: argparse.Namespace) -> Worksheet:
    from nn.worksheet import Worksheet

    if args.random:
        return Worksheet.random(args.sizes, seed=args.seed)
    if args.seed is not None or args.sizes != DEFAULT_SIZES:
        raise UsageError("--seed and --sizes choose a random worksheet: add --random")
    return Worksheet.seed()


def _worksheet(args: argparse.Namespace) -> None:
    check_output(args.output, SHEETS)
    if args.output and Path(args.output).exists() and not args.force:
        raise UsageError(f"{args.output!r} exists (your answers may be in it): give another name, or --force")
    sheet = _sheet(args)
    if not args.output:
        print(sheet.to_markdown(picture=False))
        print("(add -o sheet.md to write it to a file, with a picture of the network)")
        return
    _write(args.output, lambda p: write_atomically(p, sheet.to_markdown().encode("utf-8")))
    print(f"fill in the answers, then: glassgrad check {args.output}")


def _check(args: argparse.Namespace) -> int:
    from nn.worksheet import origin_of

    try:
        text = Path(args.file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise UsageError(f"cannot read {args.file!r}: {getattr(e, 'strerror', None) or e}") from None
    origin = origin_of(text)
    if origin is not None and not args.random:
        args = make_parser().parse_args(["check", args.file, *_origin_options(origin)])
    sheet = _sheet(args)
    try:
        answers = sheet.read_answers(text)
    except ValueError as e:
        raise UsageError(f"{args.file}, {e}") from None
    if not answers:
        raise UsageError(f"{args.file}: no answers filled in (lines such as `h = -0.02`)")
    report = sheet.check(answers)
    print(report)
    if report.ok and len(report) < len(sheet.questions):
        print(f"all right so far: {len(sheet.questions) - len(report)} to go")
    return 0 if report.ok else WRONG


def _origin_options(origin: str) -> list[str]:
    """The options of a ``# worksheet:`` line (``random --seed 7``) for the parser."""
    words = origin.split()
    if words == ["seed"]:
        return []
    if words[:1] == ["random"] and all(w.startswith("--") or w.replace(",", "").isdigit() for w in words[1:]):
        return ["--random", *words[1:]]
    raise UsageError(f"the file's `# worksheet: {origin}` line names no worksheet glassgrad knows")


def _quiz(args: argparse.Namespace) -> int:
    """Ask each number in turn; right: on to the next; wrong: the hint, and another try."""
    from nn.worksheet import MISTAKES

    sheet = _sheet(args)
    print(sheet.to_markdown(picture=False).split("## Your answers")[0].rstrip())
    print("\nType each number (as many digits as you like); ? shows the answer; Ctrl-D stops.")
    answers: dict[str, str] = {}
    try:
        for question in sheet.questions:
            tries = 0
            while True:
                text = input(f"{question} = ").strip()
                if text == "?":
                    print(f"  {sheet.formula(question)}")
                    break
                if not text:
                    continue
                try:
                    graded = sheet.check({**answers, question: text})[question]
                except (ValueError, TypeError) as e:
                    print(f"  {e}")
                    continue
                if graded.correct:
                    print(f"  right (exactly {graded.expected:.6g})")
                    answers[question] = text
                    break
                tries += 1
                print("  not quite" + (f": {MISTAKES[graded.mistake]}" if graded.mistake else ""))
                shown_formula = sheet.formula(question, numbers=tries > 1)
                print(f"  {shown_formula}" + ("" if tries > 1 else "   (try again; ? shows the answer)"))
    except EOFError:
        print(f"\nstopped: {len(answers)} of {len(sheet.questions)} numbers worked out")
        return 0
    except KeyboardInterrupt:
        print("\nstopped")
        return 130
    print(f"done: all {len(sheet.questions)} numbers worked out")
    return 0


def engine_problem() -> str | None:
    """One line if the ``autograd`` that Python imports is not glassgrad's engine, else None.

    ``nn`` makes that check when it is imported (see ``nn/__init__.py``), and
    the seed's network needs ``nn`` anyway.
    """
    try:
        import nn  # noqa: F401
    except ImportError as e:
        return str(e).splitlines()[0] if str(e) else repr(e)
    return None


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="glassgrad",
        description="Draw a formula's computation graph, or step through its backward pass.",
        epilog=f'Formulas use numbers, names, + - * / ** and {" ".join(functions())}, e.g. "tanh(x*w + b)"; '
        'a formula may start with "-": glassgrad graph "-x" --at x=1.',
    )
    parser.add_argument("--version", action="version", version=f"glassgrad {version()}")
    commands = parser.add_subparsers(
        dest="command", required=True, metavar="{graph,steps,code,seed,worksheet,check,quiz}"
    )

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
    formula_command("code", "print the formula's forward and backward pass as Python (autograd.compile)")
    seed = commands.add_parser("seed", help="the seed's worked example: its numbers, and its graph (-o)")
    seed.add_argument("-o", "--output", help=f"image of the graph: {', '.join(FORMATS)}")
    seed.add_argument("--steps", metavar="PAGE.html", help="also write the HTML stepper of its backward pass")
    for sub in (graph, seed):
        sub.add_argument("--collapse", action="store_true", help="draw each neuron as one box")
        sub.add_argument("--backend", choices=BACKENDS, default="auto",
                         help="Graphviz program: a system `dot`, or graphviz-pure from PyPI (default: auto)")
    sheet = commands.add_parser("worksheet", help="the seed's backprop as a worksheet to fill in by hand",
                                description="Write a worksheet: the network, its numbers, the seed's "
                                "formulas, and a blank line for each number to work out.")
    sheet.add_argument("-o", "--output", metavar="sheet.md", help="write it here (default: print it)")
    sheet.add_argument("--force", action="store_true", help="replace the file if it exists")
    check = commands.add_parser("check", help="grade a filled-in worksheet (lines `name = number`)",
                                description="Grade the `name = number` lines of a worksheet: each answer at "
                                "the digits given, the first wrong one with its likely mistake.")
    check.add_argument("file", help="the worksheet, or any file of `name = number` lines")
    quiz = commands.add_parser("quiz", help="work the seed's backprop one number at a time, graded at once")
    for sub in (sheet, check, quiz):
        sub.add_argument("--random", action="store_true", help="a random network instead of the seed's")
        sub.add_argument("--seed", type=int, metavar="N", help="with --random: the same sheet for the same N")
        sub.add_argument("--sizes", type=_sizes, default=DEFAULT_SIZES, metavar="2,2,1",
                         help="with --random: the inputs, then each layer's units (default 2,2,1)")
    return parser


def _sizes(text: str) -> tuple[int, ...]:
    meaning = f"sizes are the inputs, then each layer's units, e.g. 2,2,1; got {text!r}"
    try:
        sizes = tuple(int(n) for n in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(meaning) from None
    if len(sizes) < 2 or min(sizes) < 1:
        raise argparse.ArgumentTypeError(meaning)
    return sizes


FORMULA_COMMANDS = ("graph", "steps", "code")
_VALUE_OPTIONS = ("--at", "-o", "--output", "--backend")


def formula_last(argv: Sequence[str]) -> list[str]:
    """``argv`` with a formula that starts with ``-`` moved after ``--``, so argparse takes it as the formula.

    >>> formula_last(["graph", "-x", "--at", "x=1"])
    ['graph', '--at', 'x=1', '--', '-x']
    >>> formula_last(["graph", "--at", "x=1", "-x*2", "-o", "g.png"])
    ['graph', '--at', 'x=1', '-o', 'g.png', '--', '-x*2']
    """
    args = list(argv)
    if not args or args[0] not in FORMULA_COMMANDS or "--" in args:
        return args
    k = 1
    while k < len(args):
        token = args[k]
        if token in _VALUE_OPTIONS:
            k += 2
        elif token.startswith("--") or token in ("-h", "-o") or (token.startswith("-o") and "." in token[2:]):
            k += 1  # --collapse, --at=…, --help, -ograph.png
        elif token.startswith("-"):
            return [*args[:k], *args[k + 1 :], "--", token]
        else:
            return args  # the formula, as argparse reads it
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0; 2 when it cannot, said in one line; 1 on failure)."""
    problem = engine_problem()
    if problem:
        print(f"glassgrad: error: {problem}", file=sys.stderr)
        return USAGE_ERROR
    parser = make_parser()
    try:
        args = parser.parse_args(formula_last(sys.argv[1:] if argv is None else argv))
    except SystemExit as e:  # argparse has printed its message: --help, --version, or a bad option
        return e.code if isinstance(e.code, int) else USAGE_ERROR
    commands: dict[str, Callable[[argparse.Namespace], int | None]] = {
        "graph": _graph, "steps": _steps, "code": _code, "seed": _seed,
        "worksheet": _worksheet, "check": _check, "quiz": _quiz,
    }
    try:
        status = commands[args.command](args)
    except UsageError as e:
        print(f"glassgrad {args.command}: error: {e}", file=sys.stderr)
        return USAGE_ERROR
    except (ValueError, ArithmeticError) as e:  # no derivative there: x**0.5 at x=0
        print(f"glassgrad {args.command}: error: {e}", file=sys.stderr)
        return USAGE_ERROR
    except RenderError as e:  # Graphviz ran and failed
        print(f"glassgrad {args.command}: error: {e}", file=sys.stderr)
        return FAILURE
    return status or 0


if __name__ == "__main__":
    sys.exit(main())
