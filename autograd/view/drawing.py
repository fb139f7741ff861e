"""Pictures of computation graphs: DOT text, SVG, PNG and (with a system Graphviz) PDF.

``draw_graph(root)`` describes the graph of ``root`` in Graphviz's DOT language:
one box per ``Value`` (its label, data and grad), each operation as a small
circle between its inputs and its result, read left to right. The DOT text is
pure: it depends only on the graph, so the same graph always gives the same
text (nodes are numbered by their place in the graph's order, never by ``id()``).

``render(root, "graph.png")`` and ``to_svg(root)`` turn that text into an
image. They need a Graphviz program, found in this order:

* a system Graphviz, ``dot`` on PATH (the only one that writes ``.pdf``);
* ``graphviz-pure``, a self-contained Graphviz installed from PyPI with
  glassgrad itself, so ``pip install`` alone is enough for ``.svg`` and ``.png``.

Pass ``backend="graphviz-pure"`` or ``backend="dot"`` to choose one.

Node ids, for code that works on the SVG (such as the HTML stepper): the node
at index ``i`` of ``autograd.view.shown.shown(root).order`` (the graph's Values, inputs
first, constants left out) is drawn as ``v{i}``, its operation as ``v{i}_op``,
and a constant it takes as input ``k`` as ``v{i}_c{k}``; these names are also
the SVG elements' ``id``.

    >>> from autograd import Value
    >>> x = Value(2.0, label="x")
    >>> y = (x * 3).tanh()
    >>> dot = draw_graph(y).source
    >>> dot.splitlines()[0], "<b>x</b>" in dot, "data 2.000" in dot
    ('digraph glassgrad {', True, True)
"""

from __future__ import annotations

import importlib.metadata
import itertools
import os
import re
import shutil
import subprocess
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any

import graphviz  # type: ignore[import-untyped]

from autograd.text import number
from autograd.value import Value
from autograd.view.escape import dot_string, html_text
from autograd.view.files import write_atomically
from autograd.view.shown import Shown, inputs_of, shown

MAX_NODES = 300
"""Past this many Values, ``draw_graph`` folds neurons, and past this many boxes
it draws only the part nearest the output: Graphviz's layout time grows faster
than the graph (an MLP(2, [16, 16, 1]) loss, 440 Values, takes about 9 s drawn
in full and 0.3 s folded), and nobody reads a picture of thousands of boxes."""

FORMATS = (".svg", ".png", ".pdf", ".dot")
"""The suffixes ``render`` understands (``.pdf`` needs a system Graphviz)."""

BACKENDS = ("auto", "dot", "graphviz-pure")

MAX_SIZE = "40,40"
"""Pictures are at most 40 inches a side (5,760 pixels in a PNG): only big graphs shrink."""

PNG_DPI = 144
"""Pixels per inch of PNGs: twice Graphviz's default, sharp on high-density screens."""

_FONT = "Helvetica"  # one name: graphviz-pure measures text by it (a list falls back to Times)
_LEAF_FILL = "#e3edfb"  # inputs and parameters: the numbers you made
_RESULT_FILL = "#ffffff"  # results of operations
_HIGHLIGHT_FILL = "#ffe680"
_HIGHLIGHT_PEN = "#c0392b"
_GRAD_COLOR = "#a4262c"  # gradients flow backward: one colour for all of them
_CLUSTER_FILL = "#f5f5f7"
_CONSTANT_COLOR = "#666666"  # a plain number of the formula: no box, no grad
_NOT_COMPUTED = "grads not computed yet: call backward() to fill them in"


class RenderError(RuntimeError):
    """No Graphviz program could turn the DOT text into the asked-for format."""


class Graph(graphviz.Digraph):  # type: ignore[misc]
    """A ``graphviz.Digraph`` that displays itself in Jupyter with no system Graphviz.

    The plain ``Digraph`` runs ``dot`` from PATH to show itself in a notebook;
    this one renders through the same programs as ``render`` (a system ``dot``
    if there is one, else ``graphviz-pure`` from PyPI). Everything else is the
    ``graphviz`` package's: ``.source`` is the DOT text.
    """

    def _repr_mimebundle_(
        self,
        include: Iterable[str] | None = None,
        exclude: Iterable[str] | None = None,
        **_: Any,
    ) -> dict[str, str | bytes]:
        """What Jupyter shows: SVG by default, or PNG if ``include`` asks for it."""
        wanted = set(include) if include is not None else {"image/svg+xml"}
        wanted -= set(exclude or ())
        try:
            bundle: dict[str, str | bytes] = {}
            if "image/svg+xml" in wanted:
                bundle["image/svg+xml"] = self._repr_svg_()
            if "image/png" in wanted:
                bundle["image/png"] = pipe(self.source, "png")
            return bundle
        except RenderError as e:
            return {"text/plain": f"{e}\n\n{self.source}"}

    def _repr_svg_(self) -> str:
        return pipe(self.source, "svg").decode("utf-8")


# --- which nodes go where ------------------------------------------------------


def _cluster_of(order: list[Value], uses: list[list[int]]) -> list[tuple[str, ...]]:
    """Each node's cluster path, from ``nn``-style labels: ``L1.N0.w1`` is in ``("L1", "N0")``.

    ``uses[i]`` lists the indices of node i's inputs (constants are not nodes).
    A labelled node's path is its label minus the last part. An unlabelled
    operation joins a cluster when its labelled leaf inputs (the weights of
    ``w * x``) all share one, else when all its inputs share one (the sum of
    a neuron's products, its activation); so a loss built on a network's
    output stays outside, since the target is not in the network's cluster.
    """
    paths: list[tuple[str, ...]] = []
    for i, node in enumerate(order):
        if node.label:
            paths.append(tuple(node.label.split(".")[:-1]))
            continue
        if not uses[i]:
            paths.append(())
            continue
        input_paths = [paths[j] for j in uses[i]]
        from_leaves = {paths[j] for j in uses[i] if not uses[j] and not order[j].op} - {()}
        if len(from_leaves) == 1:
            paths.append(from_leaves.pop())
        elif len(set(input_paths)) == 1:
            paths.append(input_paths[0])
        else:
            paths.append(())
    return paths


def _fold_groups(order: list[Value], uses: list[list[int]], paths: list[tuple[str, ...]]) -> list[int]:
    """For the collapsed view: the index of the group each node is drawn as.

    A neuron (the innermost cluster of ``nn`` labels) becomes one group; so
    does a ``linear`` node outside any cluster, together with its weights and
    bias when they are leaves used nowhere else. Other nodes stay themselves.
    """
    used = [0] * len(order)
    for inputs in uses:
        for j in inputs:
            used[j] += 1
    group = list(range(len(order)))
    first_of_path: dict[tuple[str, ...], int] = {}
    for i, path in enumerate(paths):
        if path:
            group[i] = first_of_path.setdefault(path, i)
    for i in range(len(order)):  # a neuron's constants, when drawn as nodes, fold into it
        for j in uses[i]:
            if paths[i] and not uses[j] and not order[j].label and not order[j].op and used[j] == 1:
                group[j] = group[i]
    for i, node in enumerate(order):
        if node.op == "linear" and not paths[i]:
            raw = inputs_of(node)
            n = len(raw) // 2
            weights = raw[:n] + (raw[2 * n :] if len(raw) % 2 else ())
            index = {order[j]: j for j in uses[i]}
            alone = [index[w] for w in weights if isinstance(w, Value) and w in index]
            alone = [j for j in alone if not uses[j] and used[j] == 1 and not paths[j]]
            folded = [i, *alone]
            for j in folded:
                group[j] = min(folded)
    return group


def nearest_output(uses: list[list[int]], count: int, group: list[int] | None = None) -> set[int]:
    """The ``count`` nodes (or groups) fewest steps from the output, the last node; ties to later nodes.

    ``uses[i]`` lists the indices of node i's inputs. One pass in reverse
    topological order gives each node its shortest distance from the output,
    since every node comes after all its users. ``draw_graph`` cuts big
    graphs to these, and the stepper keeps their steps.
    """
    distance = [len(uses)] * len(uses)
    distance[-1] = 0
    for i in range(len(uses) - 1, -1, -1):
        for j in uses[i]:
            distance[j] = min(distance[j], distance[i] + 1)
    kept: set[int] = set()
    for i in sorted(range(len(uses)), key=lambda i: (distance[i], -i)):
        kept.add(i if group is None else group[i])
        if len(kept) == count:
            break
    return kept


# --- how nodes look --------------------------------------------------------------


def _title_row(title: str) -> list[str]:
    """The bold first row of a box, none for an empty title (Graphviz refuses an empty <b></b>)."""
    return [f"<tr><td><b>{html_text(title)}</b></td></tr>"] if title else []


def _value_label(title: str, node: Value, grads: bool, results: bool = True) -> str:
    rows = _title_row(title)
    data = number(node.data, zeros=True) if results or not node.op else "?"
    rows.append(f"<tr><td>data {data}</td></tr>")
    if grads and node.is_constant:  # no walk works out a constant's gradient: nobody needs it
        rows.append(f'<tr><td><font color="{_GRAD_COLOR}">constant</font></td></tr>')
    elif grads:
        rows.append(
            f'<tr><td><font color="{_GRAD_COLOR}">grad {number(node.grad, zeros=True)}</font></td></tr>'
        )
    return "".join(rows)


def _table(rows: str, fill: str, highlighted: bool) -> str:
    border = f'border="2" color="{_HIGHLIGHT_PEN}"' if highlighted else 'border="1"'
    fill = _HIGHLIGHT_FILL if highlighted else fill
    return f'<<table {border} cellborder="0" cellspacing="0" cellpadding="3" bgcolor="{fill}">{rows}</table>>'


@dataclass
class _Cluster:
    """A labelled box of nodes, e.g. layer ``L1`` holding neuron ``L1.N0``."""

    path: tuple[str, ...]
    lines: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    children: dict[str, _Cluster] = field(default_factory=dict)

    def at(self, path: tuple[str, ...]) -> _Cluster:
        cluster = self
        for depth in range(len(path)):
            cluster = cluster.children.setdefault(path[depth], _Cluster(path[: depth + 1]))
        return cluster

    def emit(self, graph: graphviz.Digraph, numbers: Iterator[int] | None = None) -> None:
        numbers = itertools.count() if numbers is None else numbers
        for name, attrs in self.lines:
            graph.node(name, **attrs)
        for child in self.children.values():
            with graph.subgraph(name=_cluster_name(child.path, next(numbers))) as sub:
                sub.attr(label=dot_string(".".join(child.path)), style="rounded,filled",
                         fillcolor=_CLUSTER_FILL, color="#9a9aa6")
                child.emit(sub, numbers)


_PLAIN_PART = re.compile(r"[A-Za-z0-9]+")


def _cluster_name(path: tuple[str, ...], number: int) -> str:
    """``cluster_L1_N0`` for the path ("L1", "N0"); ``cluster__7`` (its place) if a part is not plain.

    Labels never reach a DOT name (or the SVG's comments and titles, which
    repeat it); and as plain parts hold no ``_``, no two paths share a name.
    """
    if all(_PLAIN_PART.fullmatch(part) for part in path):
        return "cluster_" + "_".join(path)
    return f"cluster__{number}"


# --- draw_graph ------------------------------------------------------------------


def draw_graph(
    root: Value,
    *,
    highlight: Iterable[Value | str] = (),
    show_grad: bool = True,
    cluster: bool = True,
    collapse: bool | None = None,
    max_nodes: int | None = MAX_NODES,
    title: str = "",
    constants: bool = False,
    show_results: bool = True,
) -> Graph:
    """The computation graph of ``root`` as a Graphviz digraph, read left to right.

    Each ``Value`` is a box with its label (if it has one), ``data`` and
    ``grad`` to four significant digits; inputs and parameters (leaves) are
    shaded blue. Each operation is a small circle between its inputs and its
    result. A plain number of your code (the 2 of ``x ** 2``) is a small grey
    number beside its operation, with no box and no grad. ``.source`` of the
    result is the DOT text; in Jupyter it displays itself as an image;
    ``render`` and ``to_svg`` write it out.

    Args:
        root: the output, usually the loss.
        highlight: Values (or labels) to mark in yellow, e.g. the node a
            stepper is at.
        show_grad: show the grad row. Before any ``backward()`` every grad is
            0, which reads as "this has no effect", so then the rows are
            left out and the picture says why.
        cluster: put nodes labelled the ``nn`` way (``L1.N0.w1``: weight 1 of
            neuron 0 of layer 1) into labelled boxes per layer and neuron;
            inside a box a node shows only the last part of its label. A
            network's inputs are drawn just before the first layer's box.
        collapse: draw each neuron (or each ``linear`` node with its weights)
            as one box showing its output. ``None``: only if the graph has
            more than ``max_nodes`` Values.
        max_nodes: the most boxes to draw; past it, only the part nearest
            ``root`` is drawn and the picture says how much is left out.
            ``None`` draws everything, however long Graphviz takes.
        title: a caption above the graph.
        constants: draw each constant as a box of its own, with its grad, as
            ``backward_steps()`` sees it.
        show_results: show the data of results of operations; ``False`` shows
            ``data ?`` instead, and only inputs and parameters their numbers
            (a worksheet whose forward pass is the exercise draws it so).

    Boxes are named by their place in ``autograd.view.shown.shown(root, constants).order``:
    the i-th node is ``v{i}`` (its op circle ``v{i}_op``), and a constant drawn
    inline as input ``k`` of node i is ``v{i}_c{k}``.

    >>> from autograd import Value
    >>> a = Value(3.0, label="a")
    >>> g = draw_graph(a * a)
    >>> [line.strip() for line in g.source.splitlines() if "->" in line]
    ['v1_op -> v1', 'v0 -> v1_op', 'v0 -> v1_op']
    """
    if not isinstance(root, Value):
        raise TypeError(f"draw_graph() takes a Value, got {type(root).__name__}")
    return draw_shown(shown(root, constants), highlight=highlight, show_grad=show_grad, cluster=cluster,
                      collapse=collapse, max_nodes=max_nodes, title=title, show_results=show_results)


def draw_shown(
    graph: Shown,
    *,
    highlight: Iterable[Value | str] = (),
    show_grad: bool = True,
    cluster: bool = True,
    collapse: bool | None = None,
    max_nodes: int | None = MAX_NODES,
    title: str = "",
    size: str | None = MAX_SIZE,
    show_results: bool = True,
) -> Graph:
    """``draw_graph`` of a snapshot taken by ``autograd.view.shown`` (the stepper draws the one it walks).

    ``size`` is Graphviz's largest size of the picture in inches, "width,height"
    (``None``: the natural size, however big).
    """
    order, raw, index, uses = graph.order, graph.inputs, graph.index, graph.uses
    marked = set(highlight)
    no_cluster: tuple[str, ...] = ()
    paths = _cluster_of(order, uses) if cluster else [no_cluster] * len(order)

    notes = [dot_string(title)] if title else []
    grads = show_grad and any(node.grad != 0.0 for node in order)
    if show_grad and not grads:
        notes.append(_NOT_COMPUTED)
    asked = collapse is not None
    if collapse is None:
        collapse = max_nodes is not None and len(order) > max_nodes
    group = _fold_groups(order, uses, paths) if collapse else list(range(len(order)))
    reps = sorted(set(group))
    if collapse and len(reps) < len(order):
        # who asked for folding knows how to unfold; the advice is for a graph folded for its size
        unfold = "" if asked else " (collapse=False to unfold)"
        notes.append(f"{len(order)} values: each neuron folded into one box{unfold}")
    drawn = set(reps)
    if max_nodes is not None and len(reps) > max_nodes:
        drawn = nearest_output(uses, max_nodes, group)
        notes.append(
            f"showing the {max_nodes} boxes nearest the output, of {len(reps)}; "
            f"{len(reps) - max_nodes} more are not drawn (see max_nodes)"
        )

    graph = Graph("glassgrad")
    graph.attr(rankdir="LR", fontname=_FONT, fontsize="12", **({"size": size} if size else {}))
    if notes:
        # One line each (DOT's \n); the notes other than the title are glassgrad's own plain text.
        graph.attr(label=graphviz.nohtml("\\n".join(notes)), labelloc="t")
    graph.attr("node", fontname=_FONT, fontsize="11", shape="plain")
    graph.attr("edge", color="#555555", arrowsize="0.7")
    top = _Cluster(())

    members: dict[int, list[int]] = {}
    for i, g in enumerate(group):
        members.setdefault(g, []).append(i)
    used_outside = [False] * (len(order) - 1) + [True]  # root is the graph's output
    for i in range(len(order)):
        for j in uses[i]:
            if group[j] != group[i]:
                used_outside[j] = True
    # Graphviz stacks the boxes of a rank in the order they come. Listing a network's
    # inputs in operand order, each right after its first user, draws x0 above x1
    # (inside a box, the order of the walk already draws w0 above w1).
    place = {g: (g, -1) for g in reps}
    for i in range(len(order) - 1, -1, -1):
        for k, j in enumerate(uses[i]):
            if not uses[j] and group[j] == j and not paths[j]:
                place[j] = (i, k)
    for g in sorted(reps, key=place.__getitem__):
        if g not in drawn:
            continue
        box = top.at(paths[g]) if len(members[g]) == 1 else top.at(paths[g][:-1])
        name = f"v{g}"
        if len(members[g]) == 1:
            node = order[g]
            title_text = node.label.split(".")[-1] if paths[g] else node.label
            rows = _value_label(title_text, node, grads, show_results)
            fill = _RESULT_FILL if node.op else _LEAF_FILL
            lit = node in marked or (bool(node.label) and node.label in marked)
            box.lines.append((name, {"label": _table(rows, fill, lit), "id": name}))
            if node.op:
                box.lines.append((f"{name}_op", {"label": dot_string(node.op), "shape": "circle",
                                                 "margin": "0.02", "width": "0.3", "id": f"{name}_op"}))
            for k, x in enumerate(raw[g]):
                if not isinstance(x, Value):
                    box.lines.append((f"{name}_c{k}", {"label": number(x), "shape": "plaintext",
                                                       "fontsize": "9", "fontcolor": _CONSTANT_COLOR,
                                                       "margin": "0", "width": "0", "height": "0",
                                                       "id": f"{name}_c{k}"}))
        else:
            rows = _group_label(order, members[g], paths[g], used_outside, grads, show_results)
            lit = any(order[i] in marked for i in members[g])
            box.lines.append((name, {"label": _table(rows, _RESULT_FILL, lit), "id": name}))
    top.emit(graph)

    edges: dict[tuple[str, str], int] = {}
    for i, node in enumerate(order):
        g = group[i]
        if g not in drawn:
            continue
        alone = len(members[g]) == 1
        target = f"v{g}_op" if alone else f"v{g}"
        if alone and node.op:
            edges[(target, f"v{g}")] = 1
        for k, x in enumerate(raw[i]):
            if not isinstance(x, Value):
                if alone:
                    edges[(f"v{g}_c{k}", target)] = 1
                continue
            pg = group[index[x]]
            if pg == g or pg not in drawn:
                continue
            key = (f"v{pg}", target)
            # a * a draws two arrows; inside folded groups one arrow is enough
            edges[key] = edges.get(key, 0) + 1 if alone else 1
    for (tail, head), count in edges.items():
        for _ in range(count):
            if tail.endswith("_op") or "_c" in tail:
                graph.edge(tail, head)
                continue
            # An arrow into a box from outside it (a network's input, the previous
            # layer's output) is drawn at least two ranks long, so that the box's own
            # leaves (its weights) sit beside what comes in, and each layer's box
            # starts where the one before it ends: the picture reads left to right.
            inside = paths[int(tail[1:])]
            into = paths[int(head.split("_")[0][1:])]
            if into and inside[: len(into)] != into:
                graph.edge(tail, head, minlen="2", weight="8")
            else:
                graph.edge(tail, head)
    return graph


def _group_label(
    order: list[Value], members: list[int], path: tuple[str, ...], used_outside: list[bool], grads: bool,
    results: bool,
) -> str:
    """A folded neuron: its name, how many values it holds, and its output(s)."""
    title = ".".join(path) if path else "linear"
    rows = [*_title_row(title), f"<tr><td>{len(members)} values folded</td></tr>"]
    outputs = [i for i in members if used_outside[i]]
    for i in outputs[:3]:
        rows.append(_value_label("", order[i], grads, results))
    if len(outputs) > 3:
        rows.append(f"<tr><td>… {len(outputs) - 3} more outputs</td></tr>")
    return "".join(rows)


# --- turning DOT into images -------------------------------------------------------


def graphviz_pure_executable() -> str | None:
    """The path of the ``graphviz-pure`` program installed from PyPI, or None.

    Found through the package's installed files rather than PATH, because a
    virtual environment's ``bin`` folder need not be on PATH (a notebook
    kernel, a script run by its full path).
    """
    try:
        dist = importlib.metadata.distribution("graphviz-pure")
    except importlib.metadata.PackageNotFoundError:
        return shutil.which("graphviz-pure")
    for file in dist.files or ():
        if PurePath(file).name in ("graphviz-pure", "graphviz-pure.exe"):
            path = Path(str(dist.locate_file(file))).resolve()
            if path.is_file():
                return str(path)
    return shutil.which("graphviz-pure")


def _command(fmt: str, backend: str) -> list[str]:
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; use one of {', '.join(BACKENDS)}")
    if backend in ("auto", "dot"):
        dot = shutil.which("dot")
        if dot:
            return [dot]
        if fmt == "pdf":
            raise RenderError(
                "cannot write .pdf: it needs a system Graphviz (`dot` on PATH), and there is none. "
                "Install Graphviz (https://graphviz.org/download/), or write .svg or .png, "
                "which work with graphviz-pure from PyPI"
            )
        if backend == "dot":
            raise RenderError(
                f"cannot write .{fmt} with backend='dot': there is no system Graphviz (`dot` on PATH). "
                "Install Graphviz (https://graphviz.org/download/), or leave the backend to 'auto', "
                "which uses graphviz-pure from PyPI"
            )
    exe = graphviz_pure_executable()
    if exe is None:
        raise RenderError(
            f"cannot write .{fmt}: no Graphviz program found. Fix: `pip install graphviz-pure` "
            "(glassgrad's own dependency), or install Graphviz so that `dot` is on PATH. "
            "The DOT text needs neither: draw_graph(root).source, or render(root, 'graph.dot')"
        )
    return [exe]


def pipe(source: str, fmt: str, backend: str = "auto") -> bytes:
    """Run Graphviz on DOT ``source`` and return the image in format ``fmt`` (svg, png, pdf)."""
    command = [*_command(fmt, backend), f"-T{fmt}"]
    if fmt == "png":
        command.append(f"-Gdpi={PNG_DPI}")
    try:
        done = subprocess.run(
            command, input=source.encode("utf-8"), capture_output=True, check=False
        )
    except OSError as e:
        raise RenderError(f"could not run {command[0]}: {e}") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip() or f"exit status {done.returncode}"
        raise RenderError(f"{Path(command[0]).name} failed to write {fmt}: {message}")
    return done.stdout


def to_svg(root: Value, *, backend: str = "auto", **options: Any) -> str:
    """The graph of ``root`` as SVG text; ``options`` are those of ``draw_graph``.

    Each node's SVG element has the id of its DOT name (``v3``, ``v3_op``; see
    the module docstring), so a page can find and restyle it.
    """
    return pipe(draw_graph(root, **options).source, "svg", backend).decode("utf-8")


def render(root: Value, path: str | os.PathLike[str], *, backend: str = "auto", **options: Any) -> Path:
    """Write the graph of ``root`` to ``path``, in the format its suffix names.

    ``.dot`` (the DOT text), ``.svg`` and ``.png`` work with nothing but
    glassgrad's own dependencies; ``.pdf`` needs a system Graphviz. ``options``
    are those of ``draw_graph``. The file is written whole or not at all.

    Returns the path written, as a ``pathlib.Path``.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(
            f"cannot tell the format of {str(path)!r} from its suffix; use one of {', '.join(FORMATS)}"
        )
    source = draw_graph(root, **options).source
    data = source.encode("utf-8") if suffix == ".dot" else pipe(source, suffix[1:], backend)
    write_atomically(path, data)
    return path


