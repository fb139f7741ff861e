"""What the playground page asks of glassgrad, answered in plain data (JSON text) for its script.

The page (``index.html``, ``playground.js``) loads this module into Pyodide
after installing glassgrad's wheel. Everything here runs in the browser, so
nothing on these paths starts a program (drawing gives DOT text, which the
page lays out with Graphviz in WebAssembly), starts a thread, or recurses
deeply: ``tests/test_playground.py`` checks that in CPython too.

- ``formula(text, values)``: the formula box, parsed by glassgrad's own parser
  (``autograd.view.expr``, never ``eval``): its names, result, gradients and graph.
- ``seed()``: the seed's network: ``explain`` in the seed's notation and the
  stepper's data and DOT; ``stepper_page(svg)`` then gives the stepper itself.
- ``run_cell(code)``: the Python cell, which is Python on purpose; what it printed.
- ``worksheet()`` and ``check_worksheet(answers)``: the seed's worksheet
  (``nn.Worksheet``): its questions, and glassgrad's report on the answers typed.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import traceback
from typing import Any

import nn
from autograd import draw_graph, explain
from autograd.text import number
from autograd.view.expr import Expression, ExpressionError, functions
from autograd.view.stepper import stepper_data
from autograd.view.stepper import stepper_page as _stepper_page
from nn.seed import seed_example

DEFAULT_VALUE = 1.0
"""The value a name gets until the learner gives it one."""

FUNCTIONS = " ".join(functions())
"""The functions a formula may call: the ops of the table (``autograd.view.expr.functions``)."""

SEED_CELL = '''\
from nn import MLP, SGD, half_squared_error

# The seed's network: inputs (0.1, 0.3), hidden weights (0.4, -0.2), output weight W = 0.1
net = MLP(2, [1, 1], activation="sigmoid", output_activation="sigmoid", bias=False)
hidden, output = net.layers[0].neurons[0], net.layers[1].neurons[0]
hidden.w[0].data, hidden.w[1].data, output.w[0].data = 0.4, -0.2, 0.1

y_hat = net([0.1, 0.3])
loss = half_squared_error(y_hat, 1.0)  # E = ½(y − ŷ)²
loss.backward()
print(f"ŷ = {y_hat.data:.3f}   δᵒ = {output.delta:.4f}   δʰ = {hidden.delta:.6f}")

SGD(net.parameters(), lr=0.5).step()  # w ← w − η·∂E/∂w, which is Δw = η·δ·x
print(f"ΔW = {output.w[0].data - 0.1:.5f}")
'''
"""What the Python cell holds at first: the README's seed example."""


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__


def _value(name: str, text: object) -> float:
    try:
        value = float(str(text).strip())
    except ValueError:
        raise ExpressionError(f"{name} = {str(text).strip()!r} is not a number") from None
    if not math.isfinite(value):
        raise ExpressionError(f"{name} = {str(text).strip()!r} is not a finite number")
    return value


def formula(text: str, values_json: str = "{}") -> str:
    """The formula box: ``{"names", "values", "result", "grads", "dot"}``, or ``{"error", "names"}``.

    ``values_json`` maps names to what the learner typed; a name with no value
    yet gets ``DEFAULT_VALUE``, and ``values`` says what each name was given.
    An error is one line: the parser's, or the engine's (``log(0)``).
    """
    given: dict[str, Any] = json.loads(values_json)
    names: list[str] = []
    try:
        expression = Expression.parse(text)
        names = list(expression.names)
        values = {name: _value(name, given.get(name, DEFAULT_VALUE)) for name in names}
        out, leaves = expression.build(values)
        if out.op:
            out.label = "out"  # as the glassgrad command does: steps read ∂out/∂x
        out.backward()
    except (ValueError, ArithmeticError) as error:  # ExpressionError, and the engine's domain errors
        return json.dumps({"error": _one_line(error), "names": names})
    return json.dumps({
        "names": names,
        "values": {name: number(value) for name, value in values.items()},
        "result": number(out.data),
        "grads": [[name, number(leaf.grad)] for name, leaf in leaves.items()],
        "dot": draw_graph(out).source,
    })


_seed_data: dict[str, Any] = {}


def seed() -> str:
    """The seed's network: ``{"explain", "dot"}`` (the stepper's data is kept for ``stepper_page``)."""
    example = seed_example()
    data, dot = stepper_data(example.loss)  # leaves every .grad as it was
    _seed_data.clear()
    _seed_data.update(data)
    text = io.StringIO()
    explain(example.loss, file=text)
    return json.dumps({"explain": text.getvalue(), "dot": dot})


def stepper_page(svg: str) -> str:
    """The HTML stepper of the seed's network, with the graph ``seed()``'s DOT laid out as ``svg``."""
    return _stepper_page(_seed_data, svg)


def run_cell(code: str) -> str:
    """Run the Python cell as Python runs a script; return what it printed (and a traceback, if it failed).

    The cell is Python on purpose: it is the learner's own code, run in their
    own browser. Only the formula box is glassgrad's parser's business.
    """
    printed = io.StringIO()
    namespace: dict[str, Any] = {"__name__": "__main__"}
    with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
        try:
            exec(compile(code, "<cell>", "exec"), namespace)
        except BaseException as error:  # the learner's error: shown as Python shows it, from the cell on
            frames = traceback.extract_tb(error.__traceback__)
            cell = [frame for frame in frames if frame.filename != __file__]
            print("Traceback (most recent call last):", file=printed)
            print("".join(traceback.format_list(cell)), end="", file=printed)
            print("".join(traceback.format_exception_only(type(error), error)), end="", file=printed)
    return printed.getvalue()


# --- the worksheet ------------------------------------------------------------------

_sheet: list[nn.Worksheet] = []  # the seed's worksheet, once worksheet() has made it


def _bullets(markdown: str, heading: str) -> list[str]:
    """The ``- `` lines of the section ``## heading`` of a worksheet's Markdown."""
    lines = markdown.splitlines()
    start = lines.index(f"## {heading}") + 1
    end = next((k for k in range(start, len(lines)) if lines[k].startswith("## ")), len(lines))
    return [line[2:] for line in lines[start:end] if line.startswith("- ")]


def worksheet() -> str:
    """The seed's worksheet (``nn.Worksheet.seed()``) for the page.

    ``{"questions": [[name, formula], ...], "given", "formulas", "dot", "markdown"}``:
    the questions in order, each with its formula in symbols (as the printed
    worksheet has it); the given numbers and the seed's formulas, a line each;
    the network's DOT with only the inputs' and weights' numbers (the rest is
    the exercise); and the sheet as Markdown, for ``glassgrad check``.
    """
    sheet = nn.Worksheet.seed()
    _sheet[:] = [sheet]
    markdown = sheet.to_markdown(picture=False)  # the picture would need Graphviz's program: the page draws
    return json.dumps({
        "questions": [[q, sheet.formula(q, numbers=False).split(" = ", 1)[1]] for q in sheet.questions],
        "given": _bullets(markdown, "Given"),
        "formulas": _bullets(markdown, "The seed's formulas"),
        "dot": draw_graph(seed_example().loss, show_grad=False, show_results=False).source,
        "markdown": markdown,
    })


def check_worksheet(answers_json: str) -> str:
    """Grade the learner's answers (name → the text typed; blank ones left out) with ``Worksheet.check``.

    ``{"ok", "first_wrong", "report", "marks"}``: ``report`` is glassgrad's own
    report text, and ``marks`` maps each answer to ``{"correct", "mistake"}``.
    An answer that is not a number is ``{"error", "name"}``, in one line.
    The text goes to ``check`` as typed, so that it is graded at the digits typed.
    """
    typed: dict[str, str] = json.loads(answers_json)
    answers = {name: text.strip() for name, text in typed.items() if text.strip()}
    sheet = _sheet[0] if _sheet else nn.Worksheet.seed()
    try:
        report = sheet.check(answers)
    except (ValueError, TypeError) as error:  # "the answer for 'h' is not a number: 'abc'"
        bad = next((name for name, text in answers.items() if not _grades(sheet, name, text)), None)
        return json.dumps({"error": _one_line(error), "name": bad})
    marks = {g.name: {"correct": g.correct, "mistake": g.mistake} for g in report}
    return json.dumps({"ok": report.ok, "first_wrong": report.first_wrong, "report": str(report),
                       "marks": marks})


def _grades(sheet: nn.Worksheet, name: str, text: str) -> bool:
    """Whether ``check`` takes this one answer (a number), rather than saying it is not one."""
    try:
        sheet.check({name: text})
    except (ValueError, TypeError):
        return False
    return True
