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
- ``worksheet()`` and ``check_worksheet(answers)``: the seed's worksheet, where
  ``nn.Worksheet`` exists.
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
from autograd.view.expr import Expression, ExpressionError
from autograd.view.stepper import stepper_data
from autograd.view.stepper import stepper_page as _stepper_page
from nn.seed import seed_example

DEFAULT_VALUE = 1.0
"""The value a name gets until the learner gives it one."""

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


# --- the worksheet (nn.Worksheet, where it exists) ---------------------------------

_worksheets: dict[str, Any] = {}


def worksheet() -> str:
    """``{"available": false}`` without ``nn.Worksheet``; else its questions and its sheet as Markdown."""
    if not hasattr(nn, "Worksheet"):
        return json.dumps({"available": False})
    try:
        sheet = nn.Worksheet.seed()
        _worksheets["seed"] = sheet
        return json.dumps({"available": True, "questions": list(sheet.questions),
                           "markdown": sheet.to_markdown()})
    except Exception as error:  # a worksheet still being built: say so, keep the page
        return json.dumps({"available": True, "error": _one_line(error), "questions": []})


def check_worksheet(answers_json: str) -> str:
    """The report on the learner's answers: ``{"ok", "report", "marks"}``, or ``{"error"}``."""
    given = {name: str(text).strip() for name, text in json.loads(answers_json).items()}
    answers = {name: text for name, text in given.items() if text}
    sheet = _worksheets["seed"]
    try:
        try:
            report = sheet.check(answers)  # as written, so that it is graded at the precision written
        except TypeError:  # a worksheet that takes numbers only
            report = sheet.check({name: float(text) for name, text in answers.items()})
        marks = {name: bool(report[name].correct) for name in answers}
        return json.dumps({"ok": bool(report.ok), "report": str(report), "marks": marks})
    except Exception as error:  # a bad number, an unknown name: one line
        return json.dumps({"error": _one_line(error)})
