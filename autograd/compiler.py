"""``autograd.compile``: one graph's forward and backward pass, as generated Python over floats.

A training loop builds the same graph every step, and most of a step's time
goes into making ``Value`` objects. ``compile(root)`` walks the graph below
``root`` once and writes the whole computation out as plain Python over
floats: the forward pass, then the backward pass, each gradient summed from
its contributions in the order ``backward()`` adds them, so the results are
bit for bit the engine's. Calling the program reruns it on the leaves'
current ``.data``::

    >>> import autograd
    >>> from autograd import Value
    >>> x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(6.88, label="b")
    >>> n = x * w + b
    >>> n.label = "n"
    >>> o = n.tanh()
    >>> o.label = "o"
    >>> program = autograd.compile(o)
    >>> program() == o.data, w.grad  # the value, and d o / d leaf added into each .grad
    (True, 1.0019434875390165)
    >>> w.data = -2.0  # new data: the program follows it, with no graph built
    >>> round(program.forward(), 6)
    0.993718
    >>> for line in program.source.splitlines():  # the backward pass, as code
    ...     if line.strip().startswith("g_"):
    ...         print(line.strip())
    g_o = 1.0
    g_n = g_o * (1.0 - o * o)
    g_mul1 = g_n
    g_b = 0.0 + g_n
    g_x = 0.0 + g_mul1 * w
    g_w = 0.0 + g_mul1 * x

What is traced is the graph, not the Python that built it (as with
``torch.jit.trace``): numbers that were plain Python numbers are baked in,
and a Python ``if`` on a value took the branch it took while tracing::

    y = x * 2 if x.data > 0 else -x   # traced with x > 0: the program always computes x * 2
    program = autograd.compile(y)

Branches inside the ops (relu at 0, sigmoid's two halves, the edges of ``**``)
are evaluated at every call, so they follow the data.

Each op is written from its record in the table (``autograd.ops.OPS``): its
``template`` is Python text with the very arithmetic of its rules (``tanh({a})``,
``{g} * (1.0 - {out} * {out})``). An op made with ``autograd.define_op`` has
none: the program calls its two rules (``sin_forward(x)``,
``sin_backward(g, out, x)[0]``), so it too gives the engine's results. One
template is compile's own: ``x ** 2`` and other whole constant exponents are
written ``x ** 2.0`` (``WHOLE_POWER``), not as calls of ``pow_forward``.

Two forms of program, chosen by the size of the graph:

* ``"code"``: straight-line code, one line per node, named after the labels
  (``L1.N0.w0`` → ``L1_N0_w0``), which a debugger can step through. It is
  the fastest to run, but Python takes about 5 µs to compile each node and
  edge of it (a moons step: 0.4 s).
* ``"tape"``: the graph as a list of instructions (a tape), replayed by a
  loop that is itself generated from the same templates. It compiles in
  about a microsecond per node, faster than the engine builds and walks the
  graph, so a graph of millions of nodes compiles, and it runs several times
  slower than ``"code"``.

The fast path checks nothing node by node: Python raises for division by
zero, ``log`` of a number ≤ 0 and overflow in ``exp`` and ``**``, and one sum
of every value that could overflow silently (and of the final gradients, to
which any gradient that overflowed spreads; a defined op's rule need not
spread it, so the gradients such rules get are in the sum too) says whether
all were finite. If
anything went wrong, the call is redone by the engine from the same leaf data
(``_through_engine``), which raises the engine's own error, naming the op,
the labels and the values. No ``.grad`` changes before every check passed.
Where new data takes several ops out of their domain at once, the error names
the first in the program's order (parents before children), which need not
be the first that your own code would meet.
"""

from __future__ import annotations

import builtins
import collections
import functools
import itertools
import keyword
import linecache
import math
import re
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, overload

from autograd import ops
from autograd.graph import topological_order
from autograd.ops import Template
from autograd.value import Value, _recording, apply

if TYPE_CHECKING:
    from autograd.batched import Backend, BatchedProgram

Form = Literal["auto", "code", "tape"]

CODE_LIMIT = 150_000
"""``form="auto"`` writes straight-line code for graphs of up to this many nodes
plus edges, and a tape beyond. Measured (``python -m benchmarks.bench compile``):
a moons step (7,000 nodes, 73,000 edges) as code compiles in 0.4 s (13 engine
steps; Python's compiler takes most of it) and runs at 0.75× hand-written floats;
a chain of 10^5 steps (200,000 nodes) as a tape compiles in 0.2 s (0.3× the
engine's build + backward) and runs at 6× the floor, where code would take
about 9 s to compile."""

SUM_LIMIT = 200
"""At most this many terms in one sum expression: Python's compiler recurses
once per ``+``, so a weight used 10^5 times gets its gradient over several lines."""


# --- the templates: each op's own, from its record in the table ----------------

WHOLE_POWER = Template("{a} ** {b}", ("{g} * ({b} * {a} ** ({b} - 1.0))", ""))
"""Compile's own template for ``x ** 2`` and other whole, non-zero constant exponents:
Python's ``**`` raises where ``pow_forward`` would (0 ** -1, overflow), and the rule
is one product (moons: L2's p * p), where the op's own template calls ``pow_backward``."""

HELPERS: dict[str, Callable[..., Any]] = {"linear_forward": ops.linear_forward}
"""Functions the generated code calls besides the templates' own helpers."""

_BUILTIN_HELPERS = frozenset(h for op in ops.OPS.values() if op.template for h, _ in op.template.helpers)
"""The helpers of the built-in ops' templates (``tanh``, ``pow_forward``, ...): no defined op's
helper is named so."""


def template_of(op: ops.Op, arity: int, taken: set[str] | frozenset[str] = frozenset()) -> Template:
    """How the program writes ``op``: its record's template, or calls of its two rules.

    An op without a template (one made with ``define_op``) is written as calls
    of its own rules, ``NAME_forward(a, b)`` and ``NAME_backward(g, out, a, b)[k]``,
    so the program computes exactly what the engine does. NAME is made of the
    op's name; where that is a name in use (``taken``, a built-in helper such
    as ``pow_forward``, or the program's own), it gets ``_2``, ``_3``, ...
    """
    if op.template is not None:
        return op.template
    base = _identifier(op.name) or "op"
    if base[0].isdigit():
        base = f"op_{base}"
    word, k = base, 1
    while {f"{word}_forward", f"{word}_backward"} & (taken | _BUILTIN_HELPERS | _RESERVED):
        k += 1
        word = f"{base}_{k}"
    f, b = f"{word}_forward", f"{word}_backward"
    if arity > 2:  # any number of inputs: {args} are all of them, {i} the index of the share's
        share = f"{b}({{g}}, {{out}}, {{args}})[{{i}}]"
        return Template(f"{f}({{args}})", (share,), ((f, op.forward), (b, op.backward)))
    args = ", ".join(("{a}", "{b}")[:arity])
    return Template(f"{f}({args})", tuple(f"{b}({{g}}, {{out}}, {args})[{k}]" for k in range(arity)),
                    ((f, op.forward), (b, op.backward)))


# Values that can overflow to inf without Python raising: these are checked (and every op without a template).
_CAN_OVERFLOW = frozenset({"+", "-", "*", "/", "linear"})

_OP_WORDS = {"+": "add", "-": "sub", "*": "mul", "/": "div", "**": "pow"}

_PROGRAM_NAMES = frozenset({"program", "self", "backward", "leaves", "check", "finite"})
"""Every name the straight-line code uses for itself, so that no label can shadow one (the tape's code
uses no names made from labels)."""

_RESERVED = frozenset({*keyword.kwlist, *keyword.softkwlist, *dir(builtins), *HELPERS, *_PROGRAM_NAMES})
"""Names a label never becomes: keywords, builtins, helpers and the program's own names."""


# --- tracing ------------------------------------------------------------------

Ref = int | float  # an input of a tape entry: a slot (int) or a constant baked in (float)


@dataclass
class Trace:
    """The graph below a root, as slots: leaves first, then linear's constants, then op nodes.

    ``tape[k]`` is ``(kind, a, b)`` for the op node in slot ``first + k``, in
    topological order (inputs before the nodes that use them): ``kinds[kind]``
    is ``(template name, shape)`` (``templates`` has each template by its
    name: the op's key in the table, or ``"** whole"``), where the shape says
    which inputs are values (``v``, ``a``/``b`` a slot) and which constants
    (``c``, a float); a ``linear`` node has ``a``, a tuple of slots, and no ``b``.
    """

    leaves: list[Value]
    constants: list[float]
    tape: list[tuple[int, Any, Any]]
    kinds: list[tuple[str, str]]
    templates: dict[str, Template]
    ops: list[ops.Op]
    labels: dict[int, str]
    root: int

    first: int
    """The slot of the first op node: leaves and constants come before."""

    @property
    def size(self) -> int:
        """Nodes plus edges: what code generation's time grows with."""
        edges = sum(len(a) if type(a) is tuple else 2 for _, a, _ in self.tape)
        return len(self.leaves) + len(self.tape) + edges


def topological(root: Value) -> list[Value]:
    """The nodes below ``root``, inputs first: the engine's own order (``topological_order``).

    The backward pass sums each gradient in the reverse of this order, so the
    program must use the very same one. Constants are not in it (they are baked
    into the code), unless the root is one: then it is the program's one leaf,
    as it is the one node ``backward()`` walks.
    """
    return topological_order(root)


def inputs_of(node: Value) -> tuple[Value | float, ...]:
    """A node's inputs as the program sees them: a constant as its number, baked in."""
    return tuple(p.data if p.is_constant else p for p in node.parents)


def trace(root: Value) -> Trace:
    """``root``'s graph as a ``Trace``."""
    if not isinstance(root, Value):
        raise TypeError(f"compile() takes a Value, got {type(root).__name__}: {root!r:.80}")
    order = topological(root)
    leaves = [node for node in order if not node.parents]
    slot: dict[Value, int] = {leaf: k for k, leaf in enumerate(leaves)}
    constants: list[float] = []
    kinds: dict[tuple[str, str], int] = {}
    templates: dict[str, Template] = {}
    tape: list[tuple[int, Any, Any]] = []
    op_of: list[ops.Op] = []
    labels = {k: leaf.label for k, leaf in enumerate(leaves) if leaf.label}
    nodes = [node for node in order if node.parents]
    key_of = {id(op): key for key, op in ops.OPS.items()}  # POW and RPOW are equal strings: found by identity
    named: dict[int, str] = {}  # id(op), or id(WHOLE_POWER): the name of its template in this trace
    kind_of: dict[tuple[int, str], int] = {}  # (the same id, shape): its kind
    first = len(leaves) + sum(1 for n in nodes if _slotted(n) for x in n.parents if x.is_constant)
    linear, power, lse = ops.LINEAR, ops.POW, ops.LOGSUMEXP
    s = first
    for node in nodes:  # the loop of every compile: written out for speed (10^5 nodes in 0.1 s)
        op: ops.Op = node.op  # type: ignore[assignment]
        parents = node.parents
        a: Any
        b: Any = None
        source: ops.Op | Template = op
        if op is linear or op is lse or len(parents) > 2:  # "n" (linear), or "*": any number
            refs = []
            for x in parents:
                if x.is_constant:
                    refs.append(len(leaves) + len(constants))
                    constants.append(x.data)
                else:
                    refs.append(slot[x])
            shape, a = "n" if op is linear else "*", tuple(refs)
        elif len(parents) == 2:
            x, y = parents
            a, shape = (x.data, "c") if x.is_constant else (slot[x], "v")
            if y.is_constant:
                b, shape = y.data, shape + "c"
                if op is power and shape == "vc" and b == int(b) != 0:
                    source = WHOLE_POWER
            else:
                b, shape = slot[y], shape + "v"
        else:
            (x,) = parents
            a, shape = (x.data, "c") if x.is_constant else (slot[x], "v")
        kind = kind_of.get((id(source), shape))
        if kind is None:
            name = named.get(id(source))
            if name is None:
                whole = source is WHOLE_POWER
                name = named[id(source)] = _add_template(templates, op, whole, len(parents), key_of)
            kind = kind_of[id(source), shape] = kinds.setdefault((name, shape), len(kinds))
        tape.append((kind, a, b))
        op_of.append(op)
        slot[node] = s
        if node.label:
            labels[s] = node.label
        s += 1
    return Trace(leaves, constants, tape, list(kinds), templates, op_of, labels, slot[root], first)


def _slotted(node: Value) -> bool:
    """Whether a node's constants get slots of their own: linear's, and any op's of any number of inputs."""
    return node.op is ops.LINEAR or node.op is ops.LOGSUMEXP or len(node.parents) > 2


def _add_template(
    templates: dict[str, Template], op: ops.Op, whole: bool, arity: int, key_of: dict[int, str]
) -> str:
    """Add the template of ``op`` (or WHOLE_POWER) to ``templates`` under a name of its own; return it.

    The name is the op's key in the table (``"** whole"`` for WHOLE_POWER); an op
    named like another op of this trace (one not in the table) gets a ``'``.
    """
    if whole:
        name, template = "** whole", WHOLE_POWER
    else:
        helpers = {helper for other in templates.values() for helper, _ in other.helpers}
        name, template = key_of.get(id(op), op.name), template_of(op, arity, helpers)
    while name in templates:
        name += "'"
    templates[name] = template
    return name


# --- names ----------------------------------------------------------------------


class Names:
    """Python names for the slots of a trace, made from labels; never a name the code uses itself.

    A label is user text: only letters, digits and ``_`` of it are kept, so
    ``L1.N0.w0`` is ``L1_N0_w0``; a node without a label is named after its op
    (``mul1``; an op's name is user text too). A name already taken (a keyword,
    a builtin, ``_RESERVED``, a helper of this program's templates, another
    slot's) gets ``_1``, ``_2``, ... Each name ``n`` comes with its gradient's
    name ``g_n``, and both are unique.
    """

    def __init__(self, reserved: set[str]) -> None:
        self.taken: set[str] = set(_RESERVED) | reserved
        self.counts: collections.Counter[str] = collections.Counter()

    def make(self, label: str, fallback: str, numbered: bool) -> str:
        base = _identifier(label) if label else ""
        if not base:
            base, numbered = _identifier(fallback) or "node", True
        if base[0].isdigit():
            base = f"v_{base}"
        while True:
            self.counts[base] += 1
            count = self.counts[base]
            name = f"{base}{count}" if numbered else base if count == 1 else f"{base}_{count - 1}"
            if name not in self.taken and f"g_{name}" not in self.taken:
                self.taken.update((name, f"g_{name}"))
                return name


@functools.lru_cache(maxsize=4096)
def _identifier(label: str) -> str:
    """The letters, digits and ``_`` of a label, other runs of characters made one ``_``."""
    return re.sub(r"[^A-Za-z0-9_]+", "_", label).strip("_")[:40]


def _comment(label: str, name: str) -> str:
    """The label as a comment, when the name does not already say it; escaped, so it stays a comment."""
    said = label.replace(".", "_")
    if not label or name == said or (name.startswith(f"{said}_") and name[len(said) + 1 :].isdigit()):
        return ""
    text = label if len(label) <= 60 else label[:59] + "…"
    return f"  # {text!a}"  # ascii(): quotes, and \n, \r and non-ASCII escaped


def _const(x: float) -> str:
    """A constant exactly (repr round-trips), in parentheses when negative so it binds as one."""
    return f"({x!r})" if math.copysign(1.0, x) < 0 else repr(x)


def _sum(target: str, terms: list[str], from_zero: bool) -> list[str]:
    """Lines that set ``target`` to the sum of ``terms``, added left to right (from 0.0 if asked).

    The engine adds a node's contributions one by one, from 0.0 (``grads.get(parent, 0.0) + share``),
    so a chain of ``+`` in the source gives the very same float on every Python (``sum()`` of floats is
    compensated from 3.12 on, so it is not used). At most SUM_LIMIT terms to a line: Python's compiler
    recurses once per ``+``.
    """
    head = ["0.0", *terms] if from_zero else terms
    lines = []
    for k in range(0, len(head), SUM_LIMIT):
        part = head[k : k + SUM_LIMIT]
        lines.append(f"{target} = {' + '.join([target, *part] if k else part)}")
    return lines


# --- the two forms of program -------------------------------------------------------


def _terminals(t: Trace) -> set[int]:
    """The leaves, and the op nodes whose inputs are all constants: no gradient goes further down."""
    n_leaves, first = len(t.leaves), t.first
    found = set(range(n_leaves))
    for k, (_, a, b) in enumerate(t.tape):
        if type(a) is tuple:
            if all(n_leaves <= x < first for x in a):
                found.add(first + k)
        elif type(a) is not int and type(b) is not int:
            found.add(first + k)
    return found


def _contributions(t: Trace, k: int, g: str, out: str, name: list[str]) -> list[tuple[int, str]]:
    """(input slot, contribution to its gradient) for each value input of op node ``k``, in operand order.

    ``name`` names every slot (a constant's slot by its value).
    """
    kind, a, b = t.tape[k]
    template_name, shape = t.kinds[kind]
    rules = t.templates[template_name].backward
    lo, hi = len(t.leaves), t.first  # the slots of constants: they get no gradient
    if shape == "*":  # any number of inputs: one rule, filled in for each
        args = ", ".join(name[x] for x in a)
        return [(x, rules[0].format(g=g, out=out, x=name[x], i=i, args=args))
                for i, x in enumerate(a) if not lo <= x < hi]
    if shape == "n":
        n = len(a) // 2
        # Each rule is filled in once, around a hole for the other factor: a neuron has many.
        to_w, _, after_w = rules[0].format(g=g, x="\0").partition("\0")
        to_x, _, after_x = rules[1].format(g=g, w="\0").partition("\0")
        found = [(w, to_w + name[x] + after_w) for w, x in zip(a[:n], a[n : 2 * n]) if not lo <= w < hi]
        found += [(x, to_x + name[w] + after_x) for w, x in zip(a[:n], a[n : 2 * n]) if not lo <= x < hi]
        if len(a) % 2 and not lo <= a[-1] < hi:
            found.append((a[-1], rules[2].format(g=g)))
        return found
    fields = {"g": g, "out": out, "a": _ref(a, name), "b": "" if b is None else _ref(b, name)}
    inputs = zip((a, b), shape, rules)
    return [(x, rule.format(**fields) or "0.0") for x, letter, rule in inputs if letter == "v"]


def _rules_of_constants(template: Template, fields: dict[str, str]) -> list[str]:
    """The rules of a node whose inputs are all constants, as lines that run them and drop the shares.

    Nobody needs those shares, but the engine runs the rule, and a rule that
    calls a function can raise (``pow_backward`` at 0 ** 0.5, a defined op's):
    then so does the program. Plain arithmetic on finite floats cannot.
    """
    if not template.helpers:
        return []
    note = "  # run as the engine does; no share is needed"
    return [f"{rule.format(**fields)}{note}" for rule in template.backward if rule]


def _ref(x: Ref, name: list[str]) -> str:
    """An input in the code: the name of its slot, or the constant itself."""
    return name[x] if type(x) is int else _const(x)


def _linear_forward(refs: list[str]) -> str:
    """``w·x (+ b)`` as ``ops.linear_forward`` computes it: the sum of the products, then + b."""
    n = len(refs) // 2
    products = [f"{w} * {x}" for w, x in zip(refs[:n], refs[n : 2 * n])]
    bias = f" + {refs[-1]}" if len(refs) % 2 else ""
    if len(products) >= SUM_LIMIT:  # one expression would be too deep for Python's compiler
        return f"linear_forward({', '.join(refs)})"
    return f"0.0 + {' + '.join(products)}{bias}"  # from 0.0, left to right, as linear_forward adds


def _code(t: Trace) -> str:
    """The program as straight-line code: one line per node, forward, then backward."""
    names = Names({name for template in t.templates.values() for name, _ in template.helpers})
    first, n_leaves = t.first, len(t.leaves)
    name = [names.make(leaf.label, "leaf", False) for leaf in t.leaves]
    name += [_const(c) for c in t.constants]
    for k, op in enumerate(t.ops):
        name.append(names.make(t.labels.get(first + k, ""), _OP_WORDS.get(op, op), False))

    grad = [f"g_{n}" for n in name]

    root = name[t.root]
    forward = ["# the leaves, as they are now"]
    forward += [
        f"{name[k]} = leaves[{k}].data{_comment(leaf.label, name[k])}" for k, leaf in enumerate(t.leaves)
    ]
    checked = name[:n_leaves]  # values that could be inf or nan without Python raising
    forward.append("# forward: each node from its inputs")
    for k, (kind, a, b) in enumerate(t.tape):
        s = first + k
        template_name, shape = t.kinds[kind]
        if shape == "n":
            expression = _linear_forward([name[x] for x in a])
        elif shape == "*":
            expression = t.templates[template_name].forward.format(args=", ".join(name[x] for x in a))
        else:
            expression = t.templates[template_name].forward.format(
                a=_ref(a, name), b="" if b is None else _ref(b, name)
            )
        forward.append(f"{name[s]} = {expression}{_comment(t.labels.get(s, ''), name[s])}")
        if t.ops[k] in _CAN_OVERFLOW or t.ops[k].template is None:
            checked.append(name[s])
    forward.append("# finite only if every value that could overflow silently is")
    forward += _sum("check", checked, True)

    # Each node's contributions, in the order the engine adds them: its
    # children in walk order (reverse topological), each in operand order.
    terms: dict[int, list[str]] = collections.defaultdict(list)
    for k in range(len(t.tape) - 1, -1, -1):
        for target, term in _contributions(t, k, grad[first + k], name[first + k], name):
            terms[target].append(term)
    backward = [f"# backward: d {root} / d node, from {root} down to the leaves, as the engine walks"]
    terminals = _terminals(t)
    # The gradients a defined op's rule gets: checked, as the engine checks every node's (its rule
    # need not pass an inf on), and summed from 0.0, as the engine's are (0.0 + -0.0 is 0.0).
    defined = {first + k for k, op in enumerate(t.ops) if op.template is None}
    for s in [*range(len(name) - 1, first - 1, -1), *range(n_leaves)]:
        if s == t.root:
            backward.append(f"{grad[s]} = 1.0")
        else:
            # A leaf's gradient starts from 0.0, as the engine's does; inside the graph the sign of
            # a zero gradient changes no leaf's gradient (every built-in rule multiplies by it).
            backward += _sum(grad[s], terms[s], s in terminals or s in defined)
        if s in terminals and s >= first:
            kind, a, b = t.tape[s - first]
            template_name, shape = t.kinds[kind]
            if shape not in ("n", "*"):
                b_ref = "" if b is None else _ref(b, name)
                fields = {"g": grad[s], "out": name[s], "a": _ref(a, name), "b": b_ref}
                backward += _rules_of_constants(t.templates[template_name], fields)
    terminal = [grad[s] for s in sorted(terminals | defined)]
    backward.append("# a gradient that overflowed has spread to the leaves: check theirs")
    backward += _sum("check", ["check", *terminal], False)

    lines = [
        f"# autograd.compile: {len(t.tape) + n_leaves} nodes, {n_leaves} leaves, straight-line code",
        "",
        "def program(self, backward=True):",
        f'    """{root} and, with backward, d {root} / d leaf added into each leaf\'s .grad."""',
        "    leaves = self._leaves",
        "    try:",
        *(f"        {line}" for line in forward),
        "        if backward:",
        *(f"            {line}" for line in backward),
        *_finish([f"        leaves[{k}].grad += {grad[k]}" for k in range(n_leaves)] or ["        pass"],
                 root),
    ]
    return "\n".join(lines)


def _finish(add_grads: list[str], result: str) -> list[str]:
    """How every program ends: check, hand a failed call to the engine, else add the leaves' grads."""
    return [
        "        finite = check - check == 0.0",
        "    except (ArithmeticError, ValueError):  # 1 / 0, log(0), exp(1000), ...",
        "        finite = False",
        "    if not finite:  # the engine redoes the call and raises its own error, naming the node",
        "        return self._through_engine(backward)",
        "    if backward:  # every check passed: add d root / d leaf into each leaf's .grad",
        *add_grads,
        f"    return {result}",
        "",
    ]


def _tape_code(t: Trace) -> str:
    """The program as a loop over the tape, with one branch per kind of entry, the commonest first."""
    counts = collections.Counter(kind for kind, _, _ in t.tape)
    order = [kind for kind, _ in counts.most_common()]

    def ref(x: str, letter: str) -> str:
        return f"v[{x}]" if letter == "v" else x

    forward: list[str] = []
    backward: list[str] = []
    for position, kind in enumerate(order):
        template_name, shape = t.kinds[kind]
        said = ascii(template_name)[1:-1]  # an op's name is user text (define_op): one line of comment
        test = f"{'if' if position == 0 else 'elif'} kind == {kind}:  # {said} ({shape})"
        template = t.templates[template_name]
        forward.append(test)
        backward.append(test)
        if shape == "*":  # a: the slots of its inputs
            forward.append(f"    push({template.forward.format(args='*[v[s] for s in a]')})")
            share = template.backward[0].format(g="gi", out="v[i]", x="v[s]", i="k", args="*args")
            backward += ["    args = [v[s] for s in a]", "    for k, s in enumerate(a):",
                         f"        g[s] += {share}"]
            continue
        if shape == "n":
            forward.append("    push(linear_forward(*[v[s] for s in a]))")
            backward += [
                "    n = len(a) // 2  # a: the slots of w1..wn, x1..xn (and b)",
                "    for w, x in zip(a[:n], a[n : 2 * n]):",
                f"        g[w] += {template.backward[0].format(g='gi', x='v[x]')}",
                "    for w, x in zip(a[:n], a[n : 2 * n]):",
                f"        g[x] += {template.backward[1].format(g='gi', w='v[w]')}",
                "    if len(a) % 2:",
                f"        g[a[-1]] += {template.backward[2].format(g='gi')}",
            ]
            continue
        fields = {"a": ref("a", shape[0]), "b": ref("b", shape[1:] or "c"), "out": "v[i]", "g": "gi"}
        forward.append(f"    push({template.forward.format(**fields)})")
        for letter, slot, rule in zip(shape, "ab", template.backward):
            if letter == "v":
                backward.append(f"    g[{slot}] += {rule.format(**fields) or '0.0'}")
        if "v" not in shape:
            backward += [f"    {line}" for line in _rules_of_constants(template, fields)] or ["    pass"]
    lines = [
        f"# autograd.compile: {len(t.tape) + len(t.leaves)} nodes, {len(t.leaves)} leaves, a tape of",
        "# (kind, a, b) entries: a and b are slots of v (and of g) or constants; see autograd/compiler.py",
        "",
        "def program(self, backward=True):",
        '    """The root and, with backward, d root / d leaf added into each leaf\'s .grad."""',
        "    leaves = self._leaves",
        "    v = [leaf.data for leaf in leaves] + CONSTANTS  # the values, by slot",
        "    push = v.append",
        "    try:",
        "        # forward: the op nodes in topological order, each appended to v",
        "        for kind, a, b in TAPE:",
        *(f"            {line}" for line in forward or ["pass  # no op nodes: the root is a leaf"]),
        "        check = 0.0 + sum(v)  # finite only if every value is",
        "        if backward:",
        "            # backward: d root / d node, summed in g in the order the engine adds them",
        "            g = [0.0] * len(v)",
        f"            g[{t.root}] = 1.0",
        f"            for i, (kind, a, b) in zip(range(len(v) - 1, {t.first - 1}, -1), reversed(TAPE)):",
        "                gi = g[i]",
        *(f"                {line}" for line in backward or ["pass"]),
        "            check = check + sum(g)  # finite only if every gradient is too",
        *_finish(["        for leaf, gradient in zip(leaves, g):", "            leaf.grad += gradient"],
                 f"v[{t.root}]"),
    ]
    return "\n".join(lines)


# --- the program ------------------------------------------------------------------------

def rebuild(t: Trace, leaves: list[Value]) -> list[Any]:
    """The engine's graph of ``t`` again, from Values for its leaves: each slot's Value (constants as floats).

    A failed call is redone this way, so that the engine raises its own error, naming the node.
    """
    values: list[Any] = [*leaves, *t.constants]
    for k, (kind, a, b) in enumerate(t.tape):
        _, shape = t.kinds[kind]
        if shape in ("n", "*"):
            args = [values[s] for s in a]
        else:
            args = [values[x] if letter == "v" else x for x, letter in zip((a, b), shape)]
        node = apply(t.ops[k], *args)
        node.label = t.labels.get(t.first + k, "")
        values.append(node)
    return values


_numbers = itertools.count(1)


class Program:
    """A compiled graph: call it for the root's value and gradients, as ``backward()`` gives them.

    Made by ``autograd.compile(root)``. Each call reads the leaves' current
    ``.data``:

    * ``program()`` recomputes the root, adds d root / d leaf into each
      leaf's ``.grad`` (it accumulates, like ``backward()``) and returns the
      root's value. A call that fails raises the engine's error and changes
      no ``.grad``; the program stays usable.
    * ``program.forward()`` returns the root's value only.

    Attributes:
        leaves: the leaves it reads and whose ``.grad`` it adds to.
        source: the generated Python (``print(program.source)``); tracebacks
            show its lines, and ``pdb`` can step into ``program()``.
        form: ``"code"`` (straight-line) or ``"tape"`` (see the module).
    """

    _leaves: tuple[Value, ...]

    def __init__(self, t: Trace, source: str, form: str, filename: str) -> None:
        self._trace = t
        self._leaves = tuple(t.leaves)
        self.source = source
        self.form = form
        self.filename = filename

    @property
    def leaves(self) -> list[Value]:
        """The leaves it reads (parameters, inputs), in the order of the walk."""
        return list(self._leaves)

    def __call__(self, backward: bool = True) -> float:
        """The root's value; with ``backward`` (the default), its gradients added into the leaves."""
        raise NotImplementedError  # each program's class has the generated function here

    def forward(self) -> float:
        """The root's value only, from the leaves' current data; no ``.grad`` changes."""
        return self(backward=False)

    def __repr__(self) -> str:
        nodes, leaves = len(self._trace.tape) + len(self._leaves), len(self._leaves)
        return f"<autograd.compile program: {nodes} nodes, {leaves} leaves, {self.form}>"

    def _through_engine(self, backward: bool) -> float:
        """The call done by the engine instead: rebuild the graph from the leaves' data, and walk it.

        The fast path comes here when something was not finite or Python
        raised: the engine then raises its own error, naming the op, the
        labels and the values. If nothing was wrong after all (a check sum
        can overflow on its own), this gives the same results, more slowly.
        """
        t = self._trace
        token = _recording.set(True)  # even inside no_grad(): the copy needs its graph
        try:
            values: list[Any] = []
            for leaf in t.leaves:
                try:
                    values.append(Value(leaf.data, leaf.label))
                except (TypeError, ValueError) as e:
                    raise type(e)(f"the leaf {leaf.label or 'without a label'}: {e}") from None
            values = rebuild(t, values)
            root = values[t.root]
            if backward:
                root.backward()
                for leaf, copy in zip(t.leaves, values):
                    leaf.grad += copy.grad
            return float(root.data)
        finally:
            _recording.reset(token)


@overload
def compile_graph(root: Value, form: Form = "auto", *, batch: None = None, backend: None = None) -> Program:
    ...
@overload
def compile_graph(root: Value, form: Form = "auto", *, batch: list[Value] | tuple[Value, ...],
                  backend: Backend | None = None) -> BatchedProgram: ...
def compile_graph(root: Value, form: Form = "auto", *, batch: list[Value] | tuple[Value, ...] | None = None,
                  backend: Backend | None = None) -> Program | BatchedProgram:
    """Trace the graph below ``root`` once; return it as a ``Program`` over plain floats.

    With ``batch=[leaf, ...]`` it is a batched program instead, one example's
    graph to run over many rows (``autograd/batched.py``), on ``backend``
    ``"numpy"`` or ``"python"``.

    Use it as ``autograd.compile(root)``. ``program()`` gives what
    ``root.backward()`` gives on a graph built from the leaves' current data
    (bit for bit), without building one::

        >>> import autograd
        >>> from autograd import Value
        >>> x = Value(3.0, label="x")
        >>> program = autograd.compile(x * x + 1)
        >>> program(), x.grad
        (10.0, 6.0)
        >>> x.data = 4.0
        >>> program(), x.grad  # .grad accumulates, as with backward()
        (17.0, 14.0)

    It records the graph, not your Python: a Python ``if`` on a value is
    fixed at the branch taken while tracing (see the module's docstring).
    ``form`` is ``"code"``, ``"tape"`` or ``"auto"`` (code up to
    ``CODE_LIMIT`` nodes plus edges).
    """
    if batch is not None or backend is not None:
        from autograd.batched import compile_batched

        if batch is None:
            raise ValueError("compile(): backend= is for batched programs: give batch=[leaf, ...] too")
        return compile_batched(root, batch, backend)
    t = trace(root)
    if form == "auto":
        form = "code" if t.size <= CODE_LIMIT else "tape"
    if form not in ("code", "tape"):
        raise ValueError(f"compile(): form is 'auto', 'code' or 'tape', got {form!r}")
    source = _code(t) if form == "code" else _tape_code(t)
    filename = f"<autograd.compile #{next(_numbers)}>"
    # The source holds no user text (labels, names of defined ops) but escaped
    # comments and identifiers made of [A-Za-z0-9_] (class Names, template_of),
    # so executing it runs only our templates and the ops' own rules.
    namespace: dict[str, Any] = {
        "__builtins__": builtins,
        **HELPERS,
        **{name: f for template in t.templates.values() for name, f in template.helpers},
        "TAPE": t.tape,
        "CONSTANTS": t.constants,
    }
    exec(builtins.compile(source, filename, "exec"), namespace)
    cls = type("Program", (Program,), {"__call__": namespace["program"]})
    program: Program = cls(t, source, form, filename)
    # Tracebacks and pdb read the lines from linecache, until the program is gone (the finalizer
    # first: an interrupt between the two lines then leaves no lines behind).
    weakref.finalize(program, _release, filename, cls, namespace)
    show_lines(filename, source)
    return program


GONE: list[str] = []
"""The generated files of programs that are gone, whose lines the next ``show_lines`` drops.

Not at once: a finalizer can run inside the cyclic collector, which can run inside
``linecache.checkcache``'s own loop over the cache (pdb and doctest call it), and a
line dropped there made that loop raise ``KeyError`` (seen once, in a doctest)."""


def show_lines(filename: str, source: str) -> None:
    """Put a program's lines in linecache, for tracebacks and pdb; first drop those of programs gone."""
    while GONE:
        linecache.cache.pop(GONE.pop(), None)
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)


def _release(filename: str, cls: type, namespace: dict[str, Any]) -> None:
    """When a program is gone: what its class holds now, its lines at the next compile (``GONE``).

    A class is a reference cycle, freed only by the cyclic collector; emptied
    here, it keeps neither the code (megabytes for a big graph) nor the tape.
    """
    GONE.append(filename)
    namespace.clear()
    del cls.__call__
