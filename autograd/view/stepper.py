"""``render_steps(root, "backward.html")``: a web page that steps through a backward pass.

The page is one self-contained HTML file (the graph as inline SVG, the script
and the styles inline; nothing is fetched from the network), so it opens from
disk in any browser and can be mailed or committed. Previous / Next (or the
arrow keys) walk the backward pass one node at a time. At each step the page
highlights the node whose gradient is now final and shows:

* the chain rule that gave that gradient, in symbols and numbers (the same
  line as ``explain``), and a neuron's error term δ where there is one;
* ``upstream``, that gradient, and for each input the local derivative and
  the ``+= upstream × local`` it passes back;
* in the graph, every grad as far as the walk has got: final, partly summed,
  or not reached yet.

As in ``explain`` and the pictures, a plain number of the formula is shown
inline and gets no step (``constants=True`` gives it one). A big graph is cut
as ``draw_graph`` cuts it: the page keeps the ``max_nodes`` steps nearest the
output and says how many it left out, so that it stays small and quick to
write (a chain of 100,000 operations gives a page of about 0.6 MB in a few
seconds).

The page's numbers come from ``backward_steps()``; the graph is drawn by
``autograd.view.drawing``, whose node ids (``v{i}`` for the i-th node of the
snapshot ``autograd.view.shown.shown(root)``) the page uses to find each node's box.
"""

from __future__ import annotations

import html
import json
import os
import re
from importlib.resources import files
from pathlib import Path
from typing import Any, Literal

from autograd.forward import Inputs, Tangents
from autograd.text import factor, number, wrt
from autograd.value import Value
from autograd.view.drawing import MAX_NODES, draw_shown, nearest_output, pipe
from autograd.view.escape import visible
from autograd.view.explanation import (
    explained_steps,
    forward_direction,
    forward_explained_steps,
    local_formula,
    root_symbol,
)
from autograd.view.files import write_atomically
from autograd.view.shown import Shown, node_names, shown


def render_steps(
    root: Value,
    path: str | os.PathLike[str],
    gradient: float = 1.0,
    *,
    constants: bool = False,
    max_nodes: int | None = MAX_NODES,
    mode: Literal["reverse", "forward"] = "reverse",
    inputs: Inputs | None = None,
    tangents: Tangents | None = None,
) -> Path:
    """Write an HTML page that steps through the backward pass of ``root``; return its path.

    Every ``.grad`` is left as it was: the page is built from a walk whose
    gradients are put back afterwards. ``constants=True`` gives the plain
    numbers of the formula steps and boxes of their own. Past ``max_nodes``
    nodes, only the steps of the ``max_nodes`` nodes nearest the output are
    kept, and the page says so (``None`` keeps every step, however big).

        >>> import tempfile
        >>> from autograd import Value
        >>> x = Value(3.0, label="x")
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     page = render_steps(x * x, Path(folder) / "backward.html")
        ...     text = page.read_text(encoding="utf-8")
        >>> "<svg" in text and "http://" not in text.split("<svg")[0], x.grad
        (True, 0.0)

    ``mode="forward"`` steps through the forward pass along ``tangents`` (one
    per input; by default 1.0 for each) instead: parents first, each box's
    tangent filling in from the inputs (see ``autograd.forward``).
    """
    if not isinstance(root, Value):
        raise TypeError(f"render_steps() takes a Value, got {type(root).__name__}")
    path = Path(path)
    data, dot = stepper_data(root, gradient, constants=constants, max_nodes=max_nodes,
                             mode=mode, inputs=inputs, tangents=tangents)
    page = stepper_page(data, pipe(dot, "svg").decode("utf-8"))
    write_atomically(path, page.encode("utf-8"))
    return path


def stepper_data(
    root: Value,
    gradient: float = 1.0,
    *,
    constants: bool = False,
    max_nodes: int | None = MAX_NODES,
    mode: Literal["reverse", "forward"] = "reverse",
    inputs: Inputs | None = None,
    tangents: Tangents | None = None,
) -> tuple[dict[str, Any], str]:
    """The steps as plain data for the page's script, and the graph as DOT text (nothing is run).

    The options are ``render_steps``'s. Every ``.grad`` is left as it was.
    """
    if mode == "forward":
        direction = forward_direction(inputs, tangents, "render_steps")
        data, dot = _walk_forward(root, *direction, constants, max_nodes)
    elif mode == "reverse":
        data, dot = _walk(root, gradient, constants, max_nodes)
    else:
        raise ValueError(f'render_steps(): mode is "reverse" or "forward", got {mode!r}')
    return _visible(data), dot  # labels as the pictures show them: no bidi control reorders the page


def stepper_page(data: dict[str, Any], svg: str) -> str:
    """The stepper's HTML page, from ``stepper_data``'s data and its DOT laid out as SVG.

    ``render_steps`` lays the DOT out with Graphviz here; the browser playground
    (``demos/playground``) lays it out with Graphviz in WebAssembly, so that
    nothing on its way runs a program.
    """
    direction = "Forward" if data.get("mode") == "forward" else "Backward"
    slots = {
        "title": html.escape(f"{direction} pass of {data['root']}"),
        "svg": svg[svg.index("<svg") :],  # inline: no XML prolog or DOCTYPE
        # A "<" in a label could end the <script> early; \u003c is the same JSON string.
        "data": json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c"),
    }
    template = files("autograd.view").joinpath("stepper.html").read_text(encoding="utf-8")
    # One pass, so that a label reading "{{data}}" in the SVG stays just text.
    return re.sub(r"\{\{(title|svg|data)\}\}", lambda slot: slots[slot.group(1)], template)


def _visible(data: Any) -> Any:
    """``data`` with each of its texts as ``autograd.view.escape.visible`` shows it."""
    if isinstance(data, str):
        return visible(data)
    if isinstance(data, dict):
        return {key: _visible(value) for key, value in data.items()}
    if isinstance(data, list):
        return [_visible(value) for value in data]
    return data


def _walk(root: Value, gradient: float, constants: bool, max_nodes: int | None) -> tuple[dict[str, Any], str]:
    """The steps as plain data for the page's script, and the graph as DOT.

    The graph is drawn while the grads hold this walk's results, so that
    each box has a grad row for the page to fill in; then they are put back.
    """
    graph = shown(root, constants)
    order, index = graph.order, graph.index
    kept = _kept(graph, max_nodes)
    names = node_names(graph)
    values = shown(root).order if constants else order  # the nodes whose grads the walk changes
    saved = [node.grad for node in values]
    try:
        for node in values:
            node.grad = 0.0
        steps: list[dict[str, Any]] = []
        referenced: set[int] = set()  # the nodes the page names: each step's node and inputs
        so_far: dict[Value, float] = {}  # each node's gradient, as summed so far
        for explained in explained_steps(root, gradient, names, constants, only=kept, graph=graph):
            step = explained.step
            contributions = []
            for slot, x in enumerate(explained.inputs):
                if not isinstance(x, Value):
                    continue  # a constant: shown inline in the formulas
                _, local, contribution = step.contributions[slot]
                so_far[x] = so_far.get(x, 0.0) + contribution
                referenced.add(index[x])
                formula = local_formula(step.node, slot, names, explained.inputs)
                product = f"{number(step.upstream)} × {factor(local)}"
                share = _contribution(index[x], formula, local, contribution, product, so_far[x])
                contributions.append(share)
            referenced.add(index[step.node])
            steps.append(_step(index[step.node], step.upstream, explained.equation, explained.error_term,
                               contributions))
        # Full size: the page scales the picture itself, and scrolls a big one to each step.
        dot = draw_shown(graph, show_grad=True, collapse=False, max_nodes=max_nodes, size=None).source
    finally:
        for node, grad in zip(values, saved, strict=True):
            node.grad = grad
    return _page_data(root, order, names, kept, referenced, steps), dot


def _contribution(
    parent: int, formula: str, local: float, contribution: float, product: str, total: float
) -> dict[str, Any]:
    """One contribution of a step, as the page's script reads it: ``product`` is the text of the product."""
    return {
        "parent": parent, "formula": formula, "local": local, "localText": number(local),
        "contribution": contribution, "productText": f"{product} = {number(contribution)}",
        "sumText": number(total, zeros=True),
    }


def _step(
    node: int, upstream: float, equation: str, error_term: str, contributions: list[Any]
) -> dict[str, Any]:
    """One step, as the page's script reads it: ``upstream`` is the gradient (or, forward, the tangent)."""
    return {
        "node": node, "upstream": upstream, "upstreamText": number(upstream),
        "gradText": number(upstream, zeros=True), "equation": equation, "errorTerm": error_term,
        "contributions": contributions,
    }


def _kept(graph: Shown, max_nodes: int | None) -> set[Value]:
    """The nodes whose steps the page keeps: all, or the ``max_nodes`` nearest the output."""
    if max_nodes is not None and len(graph.order) > max_nodes:
        return {graph.order[i] for i in nearest_output(graph.uses, max_nodes)}
    return set(graph.order)


def _page_data(
    root: Value,
    order: list[Value],
    names: dict[Value, str],
    kept: set[Value],
    referenced: set[int],
    steps: list[dict[str, Any]],
) -> dict[str, Any]:
    """What the page's script reads: the root, the nodes the steps name, and the steps."""
    nodes = {i: {"name": names[order[i]], "wrt": wrt(names[order[i]]), "op": order[i].op,
                 "data": number(order[i].data)} for i in sorted(referenced)}
    symbol = root_symbol(root)
    defined = "" if root.label else f" = {names[root]}"
    left_out = len(order) - len(kept)
    note = (
        f"This graph has {len(order)} nodes: the page keeps the steps of the {len(kept)} nearest the output, "
        f"and leaves out the other {left_out} (render_steps(..., max_nodes=None) keeps them all)."
        if left_out else ""
    )
    top = {"root": f"{symbol}{defined} = {number(root.data)}", "symbol": symbol, "leftOut": note}
    return {**top, "nodes": nodes, "steps": steps}


def _walk_forward(
    root: Value, inputs: Inputs, tangents: Tangents, constants: bool, max_nodes: int | None
) -> tuple[dict[str, Any], str]:
    """The forward pass as plain data for the page's script (``mode: "forward"``), and the graph as DOT.

    Each step is in the form of a backward step, with the tangent where the
    gradient was: ``upstream`` is the node's tangent, and each contribution
    is a parent's tangent × its local derivative, the parent's tangent
    (final already: parents come first) in ``sumText``.
    """
    graph = shown(root, constants)
    kept = _kept(graph, max_nodes)
    names = node_names(graph)
    index = graph.index
    steps: list[dict[str, Any]] = []
    referenced: set[int] = set()
    tangent: dict[Value, float] = {}
    for explained in forward_explained_steps(root, inputs, tangents, names, constants, graph=graph):
        step = explained.step
        tangent[step.node] = step.tangent
        if step.node not in kept:
            continue
        contributions = []
        for slot, x in enumerate(explained.inputs):
            if not isinstance(x, Value) or x.is_constant:
                continue  # a constant does not move: shown inline in the formulas
            _, local, contribution = step.contributions[slot]
            referenced.add(index[x])
            formula = local_formula(step.node, slot, names, explained.inputs)
            product = f"{number(local)} × {factor(tangent[x])}"
            contributions.append(_contribution(index[x], formula, local, contribution, product, tangent[x]))
        referenced.add(index[step.node])
        steps.append(_step(index[step.node], step.tangent, explained.equation, "", contributions))
    # The boxes' grad rows are where the page writes the tangents: the graph is
    # drawn while the grads hold them (so each box is sized for its number), then they are put back.
    values = shown(root).order if constants else graph.order  # (constants' grads are worked out, not set)
    saved = [node.grad for node in values]
    try:
        for node in values:
            node.grad = tangent.get(node, 0.0)
        dot = draw_shown(graph, show_grad=True, collapse=False, max_nodes=max_nodes, size=None).source
    finally:
        for node, grad in zip(values, saved, strict=True):
            node.grad = grad
    data = _page_data(root, graph.order, names, kept, referenced, steps)
    return {**data, "mode": "forward"}, dot
