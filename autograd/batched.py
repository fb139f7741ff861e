"""Batched programs: one example's graph, traced once, replayed over a whole table of rows.

A scalar engine builds one graph per example. ``autograd.compile(root,
batch=[x, y])`` traces the graph of *one* example instead, with that example's
inputs and target as the leaves ``x`` and ``y`` (the *batch leaves*); every
other leaf (the parameters) is *shared* by all rows. ``program.over(rows)``
then runs it for every row of a table, one column per batch leaf::

    >>> import autograd
    >>> from autograd import Value
    >>> x, y = Value(0.0, label="x"), Value(0.0, label="y")   # one example: its data comes from the rows
    >>> w = Value(2.0, label="w")                             # shared by every row
    >>> loss = (w * x - y) ** 2
    >>> program = autograd.compile(loss, batch=[x, y], backend="python")
    >>> program.over([[1.0, 1.0], [2.0, 5.0]])                # (2·1 − 1)², (2·2 − 5)²
    [1.0, 1.0]
    >>> w.grad                                                # the mean of 2·(wx − y)·x over the rows
    -1.0

This is JAX's ``vmap`` in scalar form: the graph you draw and step through
stays the one example's, and only its replay is batched. What the trace saw
as plain numbers (the 2 of ``x ** 2``) is baked in; the batch leaves are not:
their ``.data`` at tracing time is just an example, and ``over`` never reads
or changes their ``.data`` or ``.grad``.

Two backends:

* ``"numpy"`` (the default when NumPy imports): each node of the graph is one
  NumPy expression over a column of all the rows (nodes that depend on no
  batch leaf stay single numbers), written from each op's *vector form*, its
  record's ``template.vector`` (``maximum(x, 0.0)`` for relu) where its float
  text does not already work on arrays. A function a template calls is
  replaced by its NumPy twin (``math.exp`` by ``numpy.exp``, ``sigmoid_forward``
  by the same function on arrays); an op made with ``define_op`` has none and
  runs its own rules through ``numpy.vectorize``: right, but at Python speed.
  Results agree with the python backend to about 1e-12 relative (NumPy's exp,
  log and tanh may differ from libm's in the last bit; NumPy sums pairwise).
* ``"python"``: the straight-line program of ``autograd.compile``, run row by
  row; a row's gradient is bit for bit what building that row's graph and
  calling ``backward()`` gives. Without NumPy it is the default.

Errors: NumPy raises nothing (log(−1) is NaN, 1/0 is inf), so every value
that can stop being finite, and the final gradients, are summed into one
check. If it is not finite, the rows are redone by the python backend, where
a row that fails is redone by the engine, which raises its own error naming
the op, the labels and the row's index. No ``.grad`` changes before every row
has passed.
"""

from __future__ import annotations

import builtins
import functools
import itertools
import math
import weakref
from collections.abc import Callable, Sequence
from typing import Any, Literal

from autograd import ops
from autograd.compiler import (
    _OP_WORDS,
    GONE,
    HELPERS,
    Names,
    Trace,
    _comment,
    _const,
    _contributions,
    _linear_forward,
    _ref,
    _sum,
    _terminals,
    rebuild,
    show_lines,
    trace,
)
from autograd.inputs import to_float
from autograd.ops import Template
from autograd.value import Value, _recording

Backend = Literal["numpy", "python"]
Reduce = Literal["mean", "sum"] | None

_NUMPY_NAMES = (
    "where",
    "maximum",
    "exp",
    "log",
    "log1p",
    "expm1",
    "tanh",
    "logaddexp",
    "float64",
    "ones",
    "isfinite",
    "total",
)
"""The NumPy functions the vector program calls by these names (``total`` is ``numpy.sum``)."""

_PROGRAM_NAMES = frozenset(
    {
        *_NUMPY_NAMES,
        "columns",
        "rows",
        "row",
        "index",
        "n",
        "values",
        "totals",
        "grads",
        "finite",
        "check",
        "program",
        "self",
        "backward",
        "leaves",
    }
)

# An op whose value is finite whenever its inputs are: its values need no check.
_FINITE = (ops.NEG, ops.TANH, ops.SIGMOID, ops.SOFTPLUS, ops.RELU, ops.LOGSUMEXP)


def numpy_or_none() -> Any:
    """The ``numpy`` module, or None where it cannot be imported."""
    try:
        import numpy
    except ImportError:
        return None
    return numpy


def _twins(np: Any) -> dict[Callable[..., Any], Callable[..., Any]]:
    """The NumPy twin of each function a built-in template calls: the same function, on arrays."""

    def sigmoid(a: Any) -> Any:  # 1 / (1 + e**-a) = e**-log(1 + e**-a), with no overflow either side
        return np.exp(-np.logaddexp(0.0, -a))

    def softplus(a: Any) -> Any:  # log(1 + e**a) = max(a, 0) + log1p(e**-|a|), as softplus_forward
        return np.logaddexp(0.0, a)

    def logsumexp(*columns: Any) -> Any:  # m + log Σ e**(x - m), m the largest input of each row
        m = functools.reduce(np.maximum, columns)
        return m + np.log(sum(np.exp(x - m) for x in columns))

    return {
        math.exp: np.exp,
        math.log: np.log,
        math.tanh: np.tanh,
        ops.sigmoid_forward: sigmoid,
        ops.softplus_forward: softplus,
        ops.logsumexp_forward: logsumexp,
        ops.linear_forward: ops.linear_forward,
    }  # linear_forward's loop works on arrays as written


def _vector(template: Template) -> Template:
    """``template`` with its vector form's texts in place of those that do not work on arrays."""
    texts = [
        t or f
        for t, f in itertools.zip_longest(
            template.vector, (template.forward, *template.backward), fillvalue=""
        )
    ]
    return Template(texts[0], tuple(texts[1:]), template.helpers)


# --- the generated code -------------------------------------------------------------


class _Code:
    """What both backends write: names for the slots, each node's forward text and the backward lines."""

    def __init__(self, t: Trace, batch: dict[int, int], vector: bool) -> None:
        self.t, self.batch, self.vector = t, batch, vector
        helpers = {name for template in t.templates.values() for name, _ in template.helpers}
        names = Names(helpers | _PROGRAM_NAMES)
        first = t.first
        self.name = [names.make(leaf.label, "leaf", False) for leaf in t.leaves]
        self.name += [_const(c) for c in t.constants]
        for k, op in enumerate(t.ops):
            self.name.append(names.make(t.labels.get(first + k, ""), _OP_WORDS.get(op, op), False))
        self.grad = [f"g_{n}" for n in self.name]
        # batched[s]: whether slot s depends on a batch leaf (then it is a column in the numpy backend)
        self.batched = [s in batch for s in range(len(t.leaves))] + [False] * len(t.constants)
        for _, a, b in t.tape:
            refs = a if type(a) is tuple else (a, b)
            self.batched.append(any(type(r) is int and self.batched[r] for r in refs))
        self.templates = {k: _vector(v) for k, v in t.templates.items()} if vector else t.templates
        self.shared = [s for s in range(len(t.leaves)) if s not in batch]

    def forward(self) -> list[str]:
        t, name = self.t, self.name
        lines = []
        checked = [name[s] for s in self.shared]  # (the rows' numbers are checked by over)
        for k, (kind, a, b) in enumerate(t.tape):
            s = t.first + k
            template_name, shape = t.kinds[kind]
            template = self.templates[template_name]
            if shape == "n":
                expression = _linear_forward([name[x] for x in a])
            elif shape == "*":
                expression = template.forward.format(args=", ".join(name[x] for x in a))
            else:
                first = _ref(a, name)
                if self.vector and type(a) is not int and type(b) is not int:  # numbers only: as NumPy's
                    first = f"float64({first})"
                expression = template.forward.format(a=first, b="" if b is None else _ref(b, name))
            lines.append(f"{name[s]} = {expression}{_comment(t.labels.get(s, ''), name[s])}")
            if not any(t.ops[k] is op for op in _FINITE):
                checked.append(name[s])
        lines.append("# finite only if every value that could stop being finite is")
        return lines + _sum("check", checked, True)

    def backward(self) -> list[str]:
        """d root / d node for every slot; a shared node's is the sum over the rows (numpy backend)."""
        t, name, grad, first = self.t, self.name, self.grad, self.t.first
        templated = Trace(**{**vars(t), "templates": self.templates})
        terms: dict[int, list[str]] = {}
        for k in range(len(t.tape) - 1, -1, -1):
            s = first + k
            for target, term in _contributions(templated, k, grad[s], name[s], name):
                if self.vector and self.batched[s] and not self.batched[target]:
                    term = f"total({term})"  # from a column to one number: summed over the rows
                terms.setdefault(target, []).append(term)
        terminals = _terminals(t)
        defined = {first + k for k, op in enumerate(t.ops) if op.template is None}
        lines = []
        for s in [*range(len(name) - 1, first - 1, -1), *range(len(t.leaves))]:
            if s == t.root:
                seed = "ones(n)" if self.batched[s] else "float64(n)"  # summed over n rows: n
                lines.append(f"{grad[s]} = {seed if self.vector else '1.0'}")
            else:
                lines += _sum(grad[s], terms.get(s, []), s in terminals or s in defined)
        lines.append("# a gradient that overflowed has spread to the leaves: check theirs")
        return lines + _sum("check", ["check", *[grad[s] for s in sorted(terminals | defined)]], False)


def _numpy_source(code: _Code) -> str:
    t, name = code.t, code.name
    leaves = [
        f"{name[s]} = columns[{code.batch[s]}]"
        if s in code.batch
        else f"{name[s]} = float64(leaves[{s}].data)"
        for s in range(len(t.leaves))
    ]
    root = name[t.root] if code.batched[t.root] else f"ones(n) * {name[t.root]}"
    lines = [
        f"# autograd.compile(batch=...): {len(t.tape) + len(t.leaves)} nodes, {len(code.batch)} batch leaves",
        "# NumPy: each node one expression over all rows (a column), or one number if no batch leaf is below",
        "",
        "def program(self, columns, n, backward=True):",
        '    """The root for each row and, with backward, each shared leaf\'s d root / d leaf',
        '    summed over the rows; None if something was not finite."""',
        "    leaves = self._leaves",
        "    try:",
        "        # the leaves: a batch leaf is its column, a shared leaf its number now",
        *(f"        {line}" for line in leaves),
        "        # forward: each node from its inputs",
        *(f"        {line}" for line in code.forward()),
        "        if backward:",
        "            # backward: d root / d node, from the root down to the leaves",
        *(f"            {line}" for line in code.backward()),
        "        finite = isfinite(check).all()",
        "    except (ArithmeticError, ValueError):  # a define_op op's rule, through numpy.vectorize",
        "        finite = False",
        "    if not finite:",
        "        return None",
        f"    return {root}, [{', '.join(code.grad[s] for s in code.shared)}] if backward else []",
        "",
    ]
    return "\n".join(lines)


def _python_source(code: _Code) -> str:
    t, name = code.t, code.name
    batch = sorted(code.batch, key=code.batch.__getitem__)
    shared = ", ".join(code.grad[s] for s in code.shared)
    lines = [
        f"# autograd.compile(batch=...): {len(t.tape) + len(t.leaves)} nodes, {len(code.batch)} batch leaves",
        "# Python: the straight-line program, row by row",
        "",
        "def program(self, rows, backward=True):",
        '    """The root for each row and, with backward, each shared leaf\'s d root / d leaf, summed."""',
        "    leaves = self._leaves",
        "    # the shared leaves, as they are now",
        *(f"    {name[s]} = leaves[{s}].data{_comment(t.leaves[s].label, name[s])}" for s in code.shared),
        "    values = []",
        f"    totals = [0.0] * {len(code.shared)}",
        "    for index, row in enumerate(rows):",
        "        try:",
        f"            [{', '.join(name[s] for s in batch)}] = row  # the batch leaves",
        *(f"            {line}" for line in code.forward()),
        "            if backward:",
        *(f"                {line}" for line in code.backward()),
        "            finite = check - check == 0.0",
        "        except (ArithmeticError, ValueError):  # 1 / 0, log(0), exp(1000), ...",
        "            finite = False",
        "        if finite:",
        f"            values.append({name[t.root]})",
        f"            grads = [{shared}] if backward else []",
        "        else:  # the engine redoes the row and raises its own error, naming the row",
        "            grads = self._row_through_engine(index, row, backward, values)",
        "        if backward:",
        "            totals = [total + g for total, g in zip(totals, grads)]",
        "    return values, totals",
        "",
    ]
    return "\n".join(lines)


# --- the program ------------------------------------------------------------------------

_numbers = itertools.count(1)


class BatchedProgram:
    """One example's graph, compiled to run over many rows: ``program.over(rows)``.

    Made by ``autograd.compile(root, batch=[leaf, ...])``.

    Attributes:
        batch: the batch leaves, in the order of a row's columns.
        leaves: the shared leaves, whose ``.grad`` ``over`` adds to.
        backend: ``"numpy"`` or ``"python"``.
        source: the generated Python (``print(program.source)``).
    """

    def __init__(self, t: Trace, batch: list[Value], backend: Backend) -> None:
        self._trace = t
        self._leaves = tuple(t.leaves)
        self.batch = list(batch)
        slots = {leaf: s for s, leaf in enumerate(t.leaves)}
        self._batch = {slots[leaf]: column for column, leaf in enumerate(batch) if leaf in slots}
        self._shared = [leaf for s, leaf in enumerate(t.leaves) if s not in self._batch]
        self.backend = backend
        self._np = numpy_or_none() if backend == "numpy" else None
        self._python: Callable[..., Any] | None = None
        self._run: Callable[..., Any] = self._generated(backend)
        self.source: str = self._source

    @property
    def leaves(self) -> list[Value]:
        """The shared leaves (parameters), in the order of the walk."""
        return list(self._shared)

    def _generated(self, backend: Backend) -> Callable[..., Any]:
        """The generated function of ``backend`` (its source in ``self._source``)."""
        code = _Code(self._trace, self._batch, backend == "numpy")
        source = _numpy_source(code) if backend == "numpy" else _python_source(code)
        filename = f"<autograd.compile batch #{next(_numbers)} {backend}>"
        namespace: dict[str, Any] = {"__builtins__": builtins, **HELPERS}
        for template in self._trace.templates.values():
            namespace.update(template.helpers)
        if backend == "numpy":
            np: Any = self._np
            twins = _twins(np)
            for name, f in list(namespace.items()):
                if callable(f) and name != "__builtins__":
                    namespace[name] = twins.get(f) or np.vectorize(f)
            namespace |= {name: getattr(np, name, None) for name in _NUMPY_NAMES}
            namespace["total"] = np.sum
        exec(builtins.compile(source, filename, "exec"), namespace)
        self._source = source
        weakref.finalize(self, GONE.append, filename)  # its lines leave at the next compile (see GONE)
        show_lines(filename, source)
        return functools.partial(namespace["program"], self)

    def __repr__(self) -> str:
        t = self._trace
        return (
            f"<autograd.compile program: {len(t.tape) + len(t.leaves)} nodes, {len(self.batch)} batch leaves,"
            f" {self.backend}>"
        )

    def over(self, rows: Any, reduce: Reduce = "mean") -> Any:
        """The root's value for each row; adds the mean (or sum) over the rows of d root / d leaf into
        each shared leaf's ``.grad`` (``reduce=None``: values only, no ``.grad`` changes).

        ``rows`` is a 2-D NumPy array or a sequence of sequences of numbers, one
        column per batch leaf in ``batch`` order. The values come back as a
        NumPy array for an array, else as a list. A row that fails raises the
        engine's error, naming the row's index, and no ``.grad`` changes.
        """
        if reduce not in ("mean", "sum", None):
            raise ValueError(f"over(): reduce is 'mean', 'sum' or None, got {reduce!r}")
        is_array = type(rows).__module__ == "numpy" and type(rows).__name__ == "ndarray"
        table = self._table(rows)
        n = len(table)
        backward = reduce is not None
        result = None
        if self._np is not None:
            np = self._np
            columns = [np.ascontiguousarray(table[:, k]) for k in range(len(self.batch))]
            with np.errstate(all="ignore"):
                result = self._run(columns, n, backward)
            if result is not None:
                values, totals = result[0], [float(x) for x in result[1]]
        if result is None:
            python_rows = table.tolist() if self._np is not None else table
            values, totals = self._python_run()(python_rows, backward)
        if backward:
            means = [total / n for total in totals] if reduce == "mean" else totals
            for leaf, g in zip(self._shared, means):
                if not math.isfinite(g):
                    raise OverflowError(
                        f"over(): the {reduce} over the rows of d root / d {leaf.label or 'leaf'} "
                        f"is {g!r}; no .grad was changed"
                    )
            for leaf, g in zip(self._shared, means):
                leaf.grad += g
        if is_array:
            return values if self._np is not None and result is not None else self._np_array(values)
        return [float(v) for v in values]

    def _np_array(self, values: list[float]) -> Any:
        np = self._np if self._np is not None else numpy_or_none()
        return np.asarray(values, dtype=float)

    def _python_run(self) -> Callable[..., Any]:
        """The python backend's function (written when first needed, by a numpy program's failed check)."""
        if self.backend == "python":
            return self._run
        if self._python is None:
            source = self._source
            self._python = self._generated("python")
            self._source = source
        return self._python

    def _table(self, rows: Any) -> Any:
        """``rows`` checked: a 2-D array of floats (numpy backend) or a list of tuples of floats."""
        width = len(self.batch)
        np = self._np
        if type(rows).__module__ == "numpy" and hasattr(rows, "ndim"):
            if rows.ndim != 2:
                raise ValueError(
                    f"over(): rows must be 2-D (one row per example, one column per batch leaf), "
                    f"got an array of shape {rows.shape}"
                )
            if rows.dtype.kind not in "biuf":
                raise TypeError(f"over(): rows must hold numbers, got an array of {rows.dtype}")
            rows_np = rows.astype(float)
            self._check_width(rows_np.shape[1], 0)
            if len(rows_np) == 0:
                raise ValueError("over(): no rows")
            bad = np_nonfinite(rows_np)
            if bad is not None:
                raise ValueError(
                    f"over(): row {bad[0]}, column {bad[1]} is {float(rows_np[bad])!r}; glassgrad keeps "
                    "every value finite"
                )
            return rows_np if np is not None else rows_np.tolist()
        if isinstance(rows, (str, bytes)) or not hasattr(rows, "__iter__"):
            raise TypeError(
                f"over(): rows must be a 2-D array or a sequence of rows, got {type(rows).__name__}"
            )
        table = []
        for index, row in enumerate(rows):
            if isinstance(row, (str, bytes)) or not hasattr(row, "__len__"):
                raise TypeError(
                    f"over(): row {index} must be a sequence of {width} numbers, got "
                    f"{type(row).__name__}: {row!r:.60}"
                )
            self._check_width(len(row), index)
            table.append([to_float(x, f"over(): row {index}, column {k}") for k, x in enumerate(row)])
        if not table:
            raise ValueError("over(): no rows")
        return np.asarray(table, dtype=float).reshape(len(table), width) if np is not None else table

    def _check_width(self, width: int, index: int) -> None:
        if width != len(self.batch):
            raise ValueError(
                f"over(): row {index} has {width} columns, but there are {len(self.batch)} batch "
                f"leaves ({', '.join(v.label or 'no label' for v in self.batch)})"
            )

    def _row_through_engine(
        self, index: int, row: Sequence[float], backward: bool, values: list[float]
    ) -> list[float]:
        """Row ``index`` done by the engine: its graph built from the row and the shared leaves, and walked.

        The engine raises its own error for a row that fails, and so does this,
        with the row's index in front. A row that passes (a check sum can
        overflow on its own) gives the engine's results.
        """
        t = self._trace
        token = _recording.set(True)  # even inside no_grad(): the copy needs its graph
        try:
            leaves = [
                Value(row[self._batch[s]] if s in self._batch else leaf.data, leaf.label)
                for s, leaf in enumerate(t.leaves)
            ]
            nodes = rebuild(t, leaves)
            root = nodes[t.root]
            if backward:
                root.backward()
        except (ArithmeticError, ValueError) as e:
            raise type(e)(f"row {index}: {e}") from None
        finally:
            _recording.reset(token)
        values.append(root.data)
        return [nodes[s].grad for s in range(len(t.leaves)) if s not in self._batch]


def np_nonfinite(table: Any) -> tuple[int, int] | None:
    """The (row, column) of the first NaN or infinity in a 2-D array, or None."""
    import numpy as np

    bad = np.argwhere(~np.isfinite(table))
    return (int(bad[0][0]), int(bad[0][1])) if len(bad) else None


def compile_batched(root: Value, batch: Sequence[Value], backend: Backend | None = None) -> BatchedProgram:
    """``autograd.compile(root, batch=[...], backend=...)``: see the module's docstring."""
    if isinstance(batch, Value) or not isinstance(batch, Sequence | tuple):
        raise TypeError(f"compile(): batch is a list of leaves, got {type(batch).__name__}")
    batch = list(batch)
    for leaf in batch:
        if not isinstance(leaf, Value):
            raise TypeError(
                f"compile(): batch takes leaves (Values), got {type(leaf).__name__}: {leaf!r:.60}"
            )
        if leaf.parents or leaf.is_constant:
            raise ValueError(
                f"compile(): a batch leaf must be a leaf Value, not the result of an op: {leaf!r}"
            )
    if len(set(batch)) != len(batch):
        raise ValueError("compile(): a leaf is in batch twice")
    if backend is None:
        backend = "numpy" if numpy_or_none() is not None else "python"
    if backend not in ("numpy", "python"):
        raise ValueError(f"compile(): backend is 'numpy' or 'python', got {backend!r}")
    if backend == "numpy" and numpy_or_none() is None:
        raise ImportError(
            "compile(backend='numpy') needs NumPy (pip install numpy); backend='python' needs nothing"
        )
    return BatchedProgram(trace(root), batch, backend)
