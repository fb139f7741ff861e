"""``render_steps(root, "backward.html")``: a web page that steps through a backward pass.

The page is one self-contained HTML file (the graph as inline SVG, the script
and the styles inline; nothing is fetched from the network), so it opens from
disk in any browser and can be mailed or committed. Previous / Next (or the
arrow keys) walk the backward pass one node at a time. At each step the page
highlights the node whose gradient is now final and shows:

* the chain rule that gave that gradient, in symbols and numbers (the same
  line as ``explain``), and a neuron's error term δ where there is one;
* ``upstream``, that gradient, and for each parent the local derivative and
  the ``+= upstream × local`` it passes back;
* in the graph, every grad as far as the walk has got: final, partly summed,
  or not reached yet.

The page's numbers come from ``backward_steps()``; the graph is drawn by
``autograd.drawing.to_svg``, whose node ids (``v{i}`` for the i-th node of
``topological_order(root)``) the page uses to find each node's box.
"""

from __future__ import annotations

import html
import json
import os
import re
from importlib.resources import files
from pathlib import Path
from typing import Any

from autograd.drawing import to_svg
from autograd.explanation import explained_steps, factor, local_formula, node_names, num, root_symbol
from autograd.files import write_atomically
from autograd.graph import topological_order
from autograd.value import Value


def render_steps(root: Value, path: str | os.PathLike[str], gradient: float = 1.0) -> Path:
    """Write an HTML page that steps through the backward pass of ``root``; return its path.

    Every ``.grad`` is left as it was: the page is built from a walk whose
    gradients are put back afterwards.

        >>> import tempfile
        >>> from autograd import Value
        >>> x = Value(3.0, label="x")
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     page = render_steps(x * x, Path(folder) / "backward.html")
        ...     text = page.read_text(encoding="utf-8")
        >>> "<svg" in text and "http://" not in text.split("<svg")[0], x.grad
        (True, 0.0)
    """
    path = Path(path)
    data, svg = _walk(root, gradient)
    slots = {
        "title": html.escape(f"Backward pass of {data['root']}"),
        "svg": svg[svg.index("<svg") :],  # inline: no XML prolog or DOCTYPE
        # A "<" in a label could end the <script> early; \u003c is the same JSON string.
        "data": json.dumps(data, ensure_ascii=False).replace("<", "\\u003c"),
    }
    template = files("autograd").joinpath("stepper.html").read_text(encoding="utf-8")
    # One pass, so that a label reading "{{data}}" in the SVG stays just text.
    page = re.sub(r"\{\{(title|svg|data)\}\}", lambda slot: slots[slot.group(1)], template)
    write_atomically(path, page.encode("utf-8"))
    return path


def _walk(root: Value, gradient: float) -> tuple[dict[str, Any], str]:
    """The steps as plain data for the page's script, and the graph as SVG.

    The graph is drawn while the grads hold this walk's results, so that
    each box has a grad row for the page to fill in; then they are put back.
    """
    order = topological_order(root)
    index = {node: i for i, node in enumerate(order)}
    names = node_names(root)
    saved = [node.grad for node in order]
    try:
        for node in order:
            node.grad = 0.0
        steps = []
        so_far = [0.0] * len(order)  # each node's gradient, as summed so far
        for explained in explained_steps(root, gradient, names):
            step = explained.step
            contributions = []
            for slot, (parent, local, contribution) in enumerate(step.contributions):
                j = index[parent]
                so_far[j] += contribution
                contributions.append({
                    "parent": j,
                    "formula": local_formula(step.node, slot, names),
                    "local": local, "localText": num(local),
                    "contribution": contribution,
                    "productText": f"{num(step.upstream)} × {factor(local)} = {num(contribution)}",
                    "sumText": _grad_text(so_far[j]),
                })
            steps.append({
                "node": index[step.node],
                "upstream": step.upstream, "upstreamText": num(step.upstream),
                "gradText": _grad_text(step.upstream),
                "equation": explained.equation,
                "errorTerm": explained.error_term,
                "contributions": contributions,
            })
        svg = to_svg(root, show_grad=True)
    finally:
        for node, grad in zip(order, saved, strict=True):
            node.grad = grad
    nodes = [{"name": names[node], "op": node.op, "data": num(node.data)} for node in order]
    symbol = root_symbol(root)
    defined = "" if root.label else f" = {names[root]}"
    top = {"root": f"{symbol}{defined} = {num(root.data)}", "symbol": symbol}
    return {**top, "nodes": nodes, "steps": steps}, svg


def _grad_text(x: float) -> str:
    """A grad as the graph's boxes print it (four significant digits, zeros kept)."""
    text = f"{x:#.4g}"
    return text[:-1] if text.endswith(".") else text
