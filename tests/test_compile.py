"""``autograd.compile``: programs that give the engine's results, bit for bit, from any leaf data.

The engine is the reference throughout: every check builds the same graph
with the same data and runs ``backward()``, so these tests follow the engine's
rules wherever they go.
"""

from __future__ import annotations

import ast
import linecache
import math
import operator
import random
import textwrap
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
from autograd import OPS, Value, apply, linear, no_grad, topological_order
from autograd.compiler import HELPERS, SUM_LIMIT, WHOLE_POWER, Program, compile_graph, inputs_of
from autograd.ops import Template
from nn import MLP, SGD, hinge, l2, mse
from tests.checks import bits, run, same_as_the_engine
from tests.strategies import Expression, Ref, apply_step, expressions

FORMS = ("code", "tape")

BUILT_IN = {key: op for key, op in OPS.items() if any(op is v for v in vars(autograd.ops).values())}
"""The engine's own ops, by their keys in the table (tests may add ops with define_op)."""

TEMPLATES: dict[str, Template] = {key: op.template for key, op in BUILT_IN.items() if op.template}
TEMPLATES["** whole"] = WHOLE_POWER  # compile's own, for x ** 2 and other whole constant exponents


def output(expression: Expression, leaves: list[Value]) -> Value:
    """The expression's output from ``leaves``, making only the nodes it depends on (as a
    program computes only those: a step the output does not use may fail on new data)."""
    n = len(expression.inputs)
    needed = {n + len(expression.steps) - 1}
    for position in range(n + len(expression.steps) - 1, n - 1, -1):
        if position in needed:
            needed |= {a.position for a in expression.steps[position - n][1] if isinstance(a, Ref)}
    nodes: dict[int, Any] = dict(enumerate(leaves))
    for position in sorted(p for p in needed if p >= n):
        op, args = expression.steps[position - n]
        nodes[position] = apply_step(op, [nodes[a.position] if isinstance(a, Ref) else a for a in args])
    result: Value = nodes[n + len(expression.steps) - 1]
    return result


Outcome = tuple[float, list[float]] | tuple[Exception, str]


def engine(expression: Expression, data: Sequence[float]) -> Outcome:
    """The engine on a fresh graph from ``data``: (root value, each input's grad),
    or (the error, "forward" or "backward")."""
    leaves = [Value(x, label=f"n{i}") for i, x in enumerate(data)]
    try:
        root = output(expression, leaves)
    except (ArithmeticError, ValueError) as e:
        return e, "forward"
    try:
        root.backward()
    except (ArithmeticError, ValueError) as e:
        return e, "backward"
    return root.data, [leaf.grad for leaf in leaves]


def engine_in_program_order(root: Value, leaves: list[Value], data: Sequence[float]) -> Exception | None:
    """The engine's first error on the graph of ``root`` rebuilt from ``data`` in the order the
    program runs it (parents before children), which can differ from the order the code built it."""
    new: dict[int, Value] = {id(leaf): Value(x, label=leaf.label) for leaf, x in zip(leaves, data)}
    try:
        for node in topological_order(root):
            if id(node) not in new and not node.is_constant:
                args = [x if isinstance(x, float) else new[id(x)] for x in inputs_of(node)]
                new[id(node)] = apply(node.op, *args)  # type: ignore[arg-type]
                new[id(node)].label = node.label
    except (ArithmeticError, ValueError) as e:
        return e
    return None


def test_is_autograd_compile_and_keeps_the_builtin() -> None:
    assert autograd.compile is compile_graph
    assert "compile" not in autograd.__all__  # `from autograd import *` must not hide the built-in
    assert compile("1 + 1", "<test>", "eval") is not None


def test_the_neuron_reads_as_the_chain_rule() -> None:
    x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(6.88, label="b")
    n = x * w + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    program = autograd.compile(o)
    lines = [line.strip() for line in program.source.splitlines()]
    assert "o = tanh(n)" in lines
    assert "g_n = g_o * (1.0 - o * o)" in lines
    assert "g_x = 0.0 + g_mul1 * w" in lines
    assert program.form == "code"
    assert {leaf.label for leaf in program.leaves} == {"x", "w", "b"}
    assert bits(program()) == bits(o.data)
    got = [x.grad, w.grad, b.grad]
    for v in (x, w, b):
        v.grad = 0.0
    o.backward()
    assert [bits(g) for g in got] == [bits(v.grad) for v in (x, w, b)]


DATA = st.lists(st.lists(st.floats(-2.0, 2.0, allow_nan=False, allow_infinity=False), min_size=4, max_size=4))


@pytest.mark.parametrize("form", FORMS)
@given(expressions(), DATA)
def test_random_graphs_replayed_with_new_data_are_the_engine_bit_for_bit(
    form: str, expression: Expression, others: list[list[float]]
) -> None:
    check_replays(form, expression, others)


@pytest.mark.parametrize("form", FORMS)
@settings(max_examples=25)
@given(expressions(max_inputs=4, max_steps=40), DATA)
def test_bigger_random_graphs_too(form: str, expression: Expression, others: list[list[float]]) -> None:
    check_replays(form, expression, others)


def check_replays(form: str, expression: Expression, others: list[list[float]]) -> None:
    """Trace with the expression's inputs, replay with others: the engine's results, or its error."""
    leaves, nodes = expression.build()
    program = compile_graph(nodes[-1], form=form)  # type: ignore[arg-type]
    assert set(program.leaves) <= set(leaves)
    for data in [list(expression.inputs), *[d[: len(leaves)] for d in others if len(d) >= len(leaves)]]:
        for leaf, x in zip(leaves, data):
            leaf.data, leaf.grad = x, 0.25  # grads accumulate onto what is there
        outcome = engine(expression, data)
        if isinstance(outcome[0], Exception):  # the new data left an op's domain: the engine's error
            error, where = outcome
            # in the same words; where several ops fail, the first in the program's order
            errors = [error, engine_in_program_order(nodes[-1], leaves, data)]
            expected = {(type(e), str(e)) for e in errors if e is not None}
            with pytest.raises((ArithmeticError, ValueError)) as raised:
                program()
            assert (type(raised.value), str(raised.value)) in expected
            assert all(leaf.grad == 0.25 for leaf in leaves)  # nothing changed
            if where == "forward":
                with pytest.raises(type(raised.value)):
                    program.forward()
            continue
        value, grads = outcome
        assert bits(program.forward()) == bits(value)
        assert all(leaf.grad == 0.25 for leaf in leaves)
        assert bits(program()) == bits(value)
        assert [bits(leaf.grad) for leaf in leaves] == [bits(0.25 + g) for g in grads]


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("op", sorted(TEMPLATES))
def test_each_template_is_the_engines_rule(form: str, op: str) -> None:
    """Each op alone, with every shape of constant, under a random upstream gradient G."""
    rng = random.Random(op)
    for _ in range(40):
        a, b = rng.uniform(0.2, 2.0), rng.uniform(-2.0, 2.0)
        if rng.random() < 0.5:
            a = -a
        upstream = rng.choice([rng.uniform(-3.0, 3.0), 0.0, -0.0, 1e-300])
        graphs: list[Callable[[Value, Value], Value]]
        if op in ("+", "-", "*", "/"):
            f: Callable[[Any, Any], Value] = {
                "+": operator.add,
                "-": operator.sub,
                "*": operator.mul,
                "/": operator.truediv,
            }[op]
            graphs = [f, lambda p, q: f(p, b), lambda p, q: f(a, q), lambda p, q: f(p, p)]  # noqa: B023
        elif op == "**":
            a = abs(a)
            graphs = [
                lambda p, q: p**q,
                lambda p, q: p**0.5,
                lambda p, q: p**0.0,
                lambda p, q: (p + 3.0) ** q,
            ]
        elif op == "number ** x":
            graphs = [
                lambda p, q: 1.7**q,
                lambda p, q: 0.5 ** (p * q),
                lambda p, q: (-2.0) ** (q * 0.0 + 3.0),
            ]
        elif op == "** whole":
            graphs = [lambda p, q: p**3.0, lambda p, q: p**-2, lambda p, q: q**1]
        elif op == "neg":
            graphs = [lambda p, q: -p]
        elif op == "log":
            a = abs(a)
            graphs = [lambda p, q: p.log()]
        elif op == "linear":
            graphs = [
                lambda p, q: linear([p, q], [q, 0.5], p),
                lambda p, q: linear([p], [a]),  # noqa: B023
                lambda p, q: autograd.apply(autograd.OPS["linear"], p, p, p, p, -1.5),  # a constant bias
            ]
        elif op == "logsumexp":
            graphs = [lambda p, q: autograd.logsumexp(p), lambda p, q: autograd.logsumexp(p, q, -1, 9.0 * p)]
        else:
            graphs = [lambda p, q: getattr(p, op)(), lambda p, q: getattr(q, op)()]
        for graph in graphs:
            p, q = Value(a, label="p"), Value(b, label="q")
            root = graph(p, q) * upstream
            program = compile_graph(root, form=form)  # type: ignore[arg-type]
            assert op in [name for name, _ in program._trace.kinds]
            try:
                value = program()
            except (ArithmeticError, ValueError) as e:  # (-2) ** q, and the like
                with pytest.raises(type(e)):
                    root.backward()
                continue
            got = [p.grad, q.grad]
            p.grad = q.grad = 0.0
            root.backward()
            assert bits(value) == bits(root.data)
            assert [bits(g) for g in got] == [bits(p.grad), bits(q.grad)], (op, a, b, upstream)


def test_every_op_of_the_engine_has_a_template_and_a_defined_one_calls_its_rules(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert set(BUILT_IN) == set(TEMPLATES) - {"** whole"}  # each op is in the test above
    assert all(op.template is not None for op in BUILT_IN.values())
    monkeypatch.setattr(autograd.ops, "OPS", dict(OPS))  # the op defined here leaves with the test
    cube = autograd.define_op("cube", lambda a: a * a * a, lambda g, out, a: (g * (3.0 * a * a),))
    x = Value(0.7, label="x")
    root = cube(x.tanh()) * x
    for form in FORMS:
        program = compile_graph(root, form=form)  # type: ignore[arg-type]
        assert "cube_forward(" in program.source and "cube_backward(" in program.source
        x.grad = 0.0
        value = program()
        got, x.grad = x.grad, 0.0
        root.backward()
        assert (bits(value), bits(got)) == (bits(root.data), bits(x.grad))


@pytest.mark.parametrize("op", sorted(TEMPLATES))
def test_every_contribution_carries_the_upstream_gradient(op: str) -> None:
    """An upstream gradient that overflowed makes every contribution non-finite, so that it
    reaches the leaves, whose gradients the program checks."""
    template = TEMPLATES[op]
    fields = {"g": "G", "out": "0.5", "a": "0.75", "b": "2.0", "x": "0.0", "w": "0.0"}
    helpers = {"G": math.inf, **HELPERS, **dict(template.helpers)}
    for rule in template.backward:
        if rule:
            assert not math.isfinite(eval(rule.format(**fields), helpers)), (
                rule
            )  # our template, not user text


@pytest.mark.parametrize("form", FORMS)
def test_a_linear_node_bigger_than_one_sum_line(form: str) -> None:
    rng = random.Random(5)
    w = [Value(rng.uniform(-1, 1)) for _ in range(450)]
    x = [Value(rng.uniform(-1, 1)) if i % 3 else rng.uniform(-1, 1) for i in range(450)]
    assert len(w) >= SUM_LIMIT
    root = linear(w, x, w[0]) * linear(w[:3], x[:3])
    program = compile_graph(root, form=form)  # type: ignore[arg-type]
    if form == "code":  # the big one through linear_forward, the small one as a sum from 0.0
        assert "linear_forward(" in program.source and "0.0 + " in program.source
    assert bits(program()) == bits(root.data)
    got = [v.grad for v in w]
    for v in w:
        v.grad = 0.0
    root.backward()
    assert [bits(g) for g in got] == [bits(v.grad) for v in w]


def test_a_leaf_used_many_times_sums_over_several_lines() -> None:
    x = Value(0.3, label="x")
    terms = [x * (1.0 + i / 1000) for i in range(1000)]
    root = terms[0]
    for t in terms[1:]:
        root = root + t
    program = compile_graph(root, form="code")
    assert sum(1 for line in program.source.splitlines() if line.strip().startswith("g_x = ")) > 1
    program()
    got, x.grad = x.grad, 0.0
    root.backward()
    assert bits(got) == bits(x.grad)


@pytest.mark.parametrize("form", FORMS)
def test_gradients_accumulate_and_forward_changes_none(form: str) -> None:
    x, y = Value(0.7, label="x"), Value(-1.2, label="y")
    root = (x * y).sigmoid() + (x / y).exp() - y.softplus()
    program = compile_graph(root, form=form)  # type: ignore[arg-type]
    root.backward()
    once = (x.grad, y.grad)
    x.grad = y.grad = 0.0
    program()
    program()
    assert (x.grad, y.grad) == (once[0] + once[0], once[1] + once[1])
    x.data = 0.5  # forward follows the data, and changes no grad
    x2, y2 = Value(0.5), Value(-1.2)
    assert program.forward() == ((x2 * y2).sigmoid() + (x2 / y2).exp() - y2.softplus()).data
    assert (x.grad, y.grad) == (once[0] + once[0], once[1] + once[1])


def test_a_leaf_as_the_root_and_a_constant_only_node() -> None:
    x = Value(2.5, label="x")
    program = autograd.compile(x)
    assert program() == 2.5 and x.grad == 1.0
    c = autograd.apply(autograd.OPS["+"], 1.0, 2.0) * x  # a node of two constants
    for form in FORMS:
        x.grad = 0.0
        assert compile_graph(c, form=form)() == 7.5  # type: ignore[arg-type]
        assert x.grad == 3.0


# --- errors at a call ----------------------------------------------------------------


def error_cases() -> list[tuple[str, Callable[[Value, Value], Value], float, type[Exception], str]]:
    """(name, graph of leaves x and y, a bad x, the error, what its message names)."""
    return [
        ("log", lambda x, y: (x * y).log(), -1.0, ValueError, "log"),
        ("division", lambda x, y: (y / x).tanh(), 0.0, ZeroDivisionError, "/"),
        ("exp", lambda x, y: (x * y).exp(), 2000.0, OverflowError, "exp"),
        ("silent overflow", lambda x, y: (x * y * 1e300).tanh(), 1e300, OverflowError, "*"),
        ("gradient overflow", lambda x, y: x.log() * 1e300 * y, 1e-300, OverflowError, "gradient"),
        ("negative base", lambda x, y: x**0.5 + y, -4.0, ValueError, "**"),
        ("zero to a negative power", lambda x, y: x**-2 * y, 0.0, ZeroDivisionError, "**"),
        ("pow derivative at 0", lambda x, y: (x**0.5) * y, 0.0, ZeroDivisionError, "**"),
    ]


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize(("name", "graph", "bad", "error", "named"), error_cases())
def test_an_error_at_a_call_is_the_engines_and_changes_nothing(
    form: str,
    name: str,
    graph: Callable[[Value, Value], Value],
    bad: float,
    error: type[Exception],
    named: str,
) -> None:
    x, y = Value(1.5, label="x"), Value(0.5, label="y")
    root = graph(x, y)
    program = compile_graph(root, form=form)  # type: ignore[arg-type]
    first = program()
    before = (x.grad, y.grad)
    x.data = bad
    with pytest.raises(error) as raised:
        program()
    assert named in str(raised.value)
    assert (x.grad, y.grad) == before  # nothing changed
    # the engine, on a graph built from the same data, fails the same way, in the same words
    with pytest.raises(error) as by_engine:
        graph(Value(bad, label="x"), Value(0.5, label="y")).backward()
    assert str(raised.value) == str(by_engine.value)
    x.data = 1.5  # and the program is still good
    assert program() == first
    assert (x.grad, y.grad) == (before[0] * 2, before[1] * 2)


def test_an_error_inside_no_grad_is_still_the_engines() -> None:
    x = Value(2.0, label="x")
    program = autograd.compile(x.log())
    x.data = 0.0
    with no_grad(), pytest.raises(ValueError, match="log"):
        program()
    x.data = 3.0
    with no_grad():
        assert program() == math.log(3.0)
    assert x.grad == 1.0 / 3.0


def test_a_leaf_set_to_inf_is_named() -> None:
    x, y = Value(1.0, label="x"), Value(2.0, label="y")
    program = autograd.compile((x * y).tanh())
    x.data = math.inf
    with pytest.raises(ValueError, match=r"'x'|x:"):
        program()
    assert x.grad == 0.0


def test_a_traceback_shows_the_generated_lines() -> None:
    x = Value(1.0, label="x")
    program = autograd.compile(x.log())
    x.data = -1.0
    with pytest.raises(ValueError) as raised:
        program()
    text = "".join(traceback.format_exception(raised.value))
    assert program.filename in text
    assert "return self._through_engine(backward)" in text


# --- labels are user text --------------------------------------------------------------

HOSTILE = [
    "x\nimport os; os.system('echo pwned')",
    "y\r\nraise SystemExit",
    "z\x0c\x0bdel self",
    "'''",
    '"""; import os',
    "\\",
    "lambda",
    "sum",
    "self",
    "leaves",
    "check",
    "finite",
    "tanh",
    "g_x",
    "x",
    "",
    "1st",
    "x₁ ﹦ ℌ",
    "L1.N0.w0",
    "a" * 5000,
    "__import__('os')",
    "\u2028import os",
]


@pytest.mark.parametrize("form", FORMS)
def test_hostile_labels_stay_names_and_comments(form: str) -> None:
    leaves = [Value(0.1 * (i + 1), label=label) for i, label in enumerate(HOSTILE)]
    nodes = [leaf.tanh() * leaves[i - 1] for i, leaf in enumerate(leaves)]
    for node, label in zip(nodes, reversed(HOSTILE)):
        node.label = label
    root = nodes[0]
    for node in nodes[1:]:
        root = root + node
    root.label = HOSTILE[0]
    program = compile_graph(root, form=form)  # type: ignore[arg-type]
    tree = ast.parse(program.source)
    assert not [
        n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom, ast.Raise, ast.Delete))
    ]
    called = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    assert called <= {"tanh", "len", "zip", "range", "reversed", "sum", "push"}
    assigned = [n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)]
    assert all(name.isascii() for name in assigned)
    for line in program.source.splitlines():
        code = line.split("#", 1)[0]
        assert not any(text in code for text in ("import os", "os.system", "raise ", "del ")), line
    assert "x_import_os_os_system_echo_pwned" in program.source or form == "tape"
    same_as_the_engine(program, root, leaves)


def test_names_are_unique_identifiers() -> None:
    labels = ["x", "x", "g_x", "x_1", "x.1", "x-1", "1", "for", "print", ""]
    leaves = [Value(float(i + 1), label=label) for i, label in enumerate(labels)]
    root = leaves[0]
    for leaf in leaves[1:]:
        root = root * leaf
    program = compile_graph(root, form="code")
    reads = [line.split(" = ")[0].strip() for line in program.source.splitlines() if ".data" in line]
    assert len(set(reads)) == len(labels) and all(r.isidentifier() for r in reads)
    assert "for" not in reads and "print" not in reads
    assert program() == math.factorial(10)


# --- training through compile ------------------------------------------------------------


def test_training_through_compile_is_training_through_the_engine() -> None:
    rng = random.Random(3)
    points = [[rng.uniform(-1, 1), rng.uniform(-1, 1)] for _ in range(12)]
    labels = [1 if p[0] * p[1] > 0 else -1 for p in points]

    def model_and_loss() -> tuple[MLP, Value]:
        model = MLP(2, [6, 5, 1], activation="tanh", seed=7)
        scores = [model(p) for p in points]
        loss = hinge(scores, labels) + mse(scores, [float(y) for y in labels]) + 1e-3 * l2(model.parameters())
        return model, loss

    compiled_model, loss = model_and_loss()
    program = autograd.compile(loss)
    compiled_sgd = SGD(compiled_model.parameters(), lr=0.1)
    engine_model = MLP(2, [6, 5, 1], activation="tanh", seed=7)
    engine_sgd = SGD(engine_model.parameters(), lr=0.1)
    for _ in range(5):
        compiled_sgd.zero_grad()
        compiled_loss = program()
        compiled_sgd.step()
        scores = [engine_model(p) for p in points]
        total = hinge(scores, labels) + mse(scores, [float(y) for y in labels])
        total = total + 1e-3 * l2(engine_model.parameters())
        engine_sgd.zero_grad()
        total.backward()
        engine_sgd.step()
        assert bits(compiled_loss) == bits(total.data)
        assert [bits(p.data) for p in compiled_model.parameters()] == [
            bits(p.data) for p in engine_model.parameters()
        ]


def test_python_control_flow_is_recorded_once() -> None:
    x = Value(1.0, label="x")
    y = x * 2 if x.data > 0 else -x  # traced with x > 0
    program = autograd.compile(y)
    x.data = -3.0
    assert program() == -6.0  # still x * 2: the branch was taken while tracing


# --- any size -------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_million_node_chain() -> None:
    x = Value(1.0, label="x")
    y = x
    for _ in range(500_000):
        y = y * 1.0000001 + 0.0000001
    program = autograd.compile(y)
    assert program.form == "tape"
    value = program()
    got, x.grad = x.grad, 0.0
    y.backward()
    assert bits(value) == bits(y.data) and bits(got) == bits(x.grad)


# --- the debugger ------------------------------------------------------------------------


def test_pdb_steps_into_the_generated_code(tmp_path: Path) -> None:
    script = textwrap.dedent(
        """\
        import autograd
        from autograd import Value
        x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(6.88, label="b")
        n = x * w + b
        n.label = "n"
        o = n.tanh()
        o.label = "o"
        program = autograd.compile(o)
        breakpoint()
        program()
        print("done", x.grad)
        """
    )
    # A breakpoint on the program's function: Python 3.13 stops at breakpoint()'s own line, 3.12 and
    # before at the next, so `s` would step into program() only on some versions.
    commands = ["b type(program).__call__", "c", *["n"] * 7, "p n, mul1", "c"]
    out = run(script, commands, tmp_path)
    assert "<autograd.compile #" in out  # pdb is in the generated code
    assert "-> mul1 = x * w" in out and "-> n = mul1 + b" in out  # and shows its lines
    assert "(Pdb) (0.8799999999999999, -6.0)" in out
    assert "done" in out


def test_a_dropped_program_lets_go_of_its_code_at_once_and_of_its_lines_at_the_next_compile() -> None:
    x = Value(1.0, label="x")
    program = autograd.compile((x * x).tanh())
    filename = program.filename
    cls = type(program)
    assert filename in linecache.cache and "__call__" in vars(cls)
    del program  # no gc.collect(): freed as soon as it is dropped
    assert "__call__" not in vars(cls)
    autograd.compile(x * 2)
    assert filename not in linecache.cache


def test_a_program_dropped_while_linecache_is_walked_leaves_the_walk_whole() -> None:
    """linecache.checkcache lists the cache, then reads each entry; the collector, and so a program's
    finalizer, can run in between. Every file it listed must still be there (it raised KeyError)."""
    x = Value(1.0, label="x")
    programs = [autograd.compile(x * x + k) for k in range(3)]
    listed = list(linecache.cache)
    del programs  # their finalizers run here, as they could in the middle of checkcache
    assert all(linecache.cache[name] for name in listed)


def test_the_program_object() -> None:
    x = Value(1.0, label="x")
    program = autograd.compile(x * x)
    assert isinstance(program, Program)
    assert program.leaves == [x] and program.leaves is not program.leaves
    assert "1 leaves" in repr(program) and "code" in repr(program)
    with pytest.raises(TypeError, match="takes a Value"):
        autograd.compile(1.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="form"):
        compile_graph(x, form="fast")  # type: ignore[arg-type]
    unused: Any = program.forward()
    assert unused == 1.0


def test_the_moons_demo_trains_the_same_through_compile_and_the_engine() -> None:
    from tests.test_demos import load_demo

    moons = load_demo("moons")
    points, labels = moons.make_moons(30, noise=0.1, seed=1)
    runs = []
    for how in ("compiled", "engine"):
        model = moons.MLP(2, [8, 8, 1], seed=1)
        loss, acc = moons.train(model, points, labels, steps=4, progress=False, how=how)
        runs.append((bits(loss), acc, [bits(p.data) for p in model.parameters()]))
    assert runs[0] == runs[1]


def test_the_cli_prints_a_formulas_compiled_code(capsys: pytest.CaptureFixture[str]) -> None:
    from glassgrad.cli import main

    assert main(["code", "tanh(x*w + b)", "--at", "x=2,w=-3,b=6.88"]) == 0
    out = capsys.readouterr().out
    assert "out = tanh(add1)" in out and "g_w = 0.0 + g_mul1 * x" in out
    assert "# ∂/∂x = -1.503" in out  # what the program computed, as comments
    compile(out, "<printed>", "exec")  # the whole printout is valid Python
    assert main(["code", "log(x)", "--at", "x=-1"]) == 2  # the engine's error, one line
    assert "log" in capsys.readouterr().err


def test_the_seed_demo_shows_its_formulas_beside_the_compiled_code() -> None:
    from nn.seed import seed_example
    from tests.test_demos import load_demo

    demo = load_demo("seed_example")
    seed = seed_example()
    lines = demo.compiled_backward(seed.loss)
    assert "g_L1_N0_h = g_L1_N0_a * (L1_N0_a * (1.0 - L1_N0_a))  # −δʰ = −W·δᵒ·f′(h)" in lines
    annotated = {line.split(" = ")[0] for line in lines if "#" in line}
    assert annotated == set(demo.SEED_FORMULAS)  # every formula found its line
    assert seed.hidden.w[0].grad == 0.0  # compiling changed no grad
