"""``autograd.compile`` against what could break it: labels and op names are user text, graphs
without leaves, ops made with ``define_op``, Ctrl-C at any line, and several threads.

As in ``tests/test_compile.py``, the engine is the reference: every program must give the
engine's value and gradients bit for bit, in both forms.
"""

from __future__ import annotations

import ast
import gc
import linecache
import math
import random
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
from autograd import OPS, Value, apply, define_op, linear
from autograd import compiler as compiler_module
from autograd.compiler import HELPERS, SUM_LIMIT, compile_graph
from tests.checks import bits, interrupt_after, lines_run, same_as_the_engine
from tests.strategies import Expression, expressions

FORMS = ("code", "tape")
Define = Callable[..., Callable[..., Any]]


@pytest.fixture
def define(monkeypatch: pytest.MonkeyPatch) -> Iterator[Define]:
    """``define_op`` on a copy of the table: the ops a test defines leave with it (and a name that a
    doctest defined already, such as ``sin``, can be defined again)."""
    monkeypatch.setattr(autograd.ops, "OPS", dict(OPS))

    def defining(name: str, *args: Any, **kwargs: Any) -> Callable[..., Any]:
        autograd.ops.OPS.pop(name, None)
        return define_op(name, *args, **kwargs)

    yield defining


def sin_and_cos(define: Define) -> tuple[Callable[..., Any], Callable[..., Any]]:
    """sin and cos as define_op's docstring makes them: each rule calls the other op."""
    ops: dict[str, Callable[..., Any]] = {}
    ops["cos"] = define("cos", math.cos, lambda g, out, a: (-g * ops["sin"](a),), formula="(-sin {0})")
    ops["sin"] = define("sin", math.sin, lambda g, out, a: (g * ops["cos"](a),), formula="cos {0}")
    return ops["sin"], ops["cos"]


def assert_is_the_engine(root: Value, leaves: list[Value], form: str) -> str:
    """Compile ``root`` in ``form``; its value and the grads it adds are the engine's, bit for bit,
    also when a leaf is 0.0 and after new data. Returns the program's source."""
    program = compile_graph(root, form=form)  # type: ignore[arg-type]
    got = same_as_the_engine(program, root, leaves)
    assert any(g != 0.25 for g in got) or not leaves  # grads were added
    return program.source


# --- every name the generated code uses for itself ---------------------------------------


def every_op(leaves: list[Value], label: str = "") -> Value:
    """A graph over three positive leaves with every built-in op in it, linear's long form
    (through ``linear_forward``) and compile's own ``x ** 2`` included; its op nodes labelled ``label``."""
    x, y, z = leaves
    parts = [
        x + y, x - y, x * y, x / y, -x, x**y, x**2, 2.0**y, x.exp(), x.log(), x.tanh(), x.sigmoid(),
        x.softplus(), (x - 0.5).relu(), linear([x, y], [z, 0.5], x),
        linear([x] * SUM_LIMIT, [y] * SUM_LIMIT), autograd.logsumexp(x, y, z, 0.5),
    ]
    root = parts[0]
    for part in parts[1:]:
        root = root + part * 0.01
    for node in autograd.topological_order(root):
        if node.parents:
            node.label = label
    return root


def generated_names() -> set[str]:
    """Every name the generated code may use for itself: the program's own, and every helper
    of every built-in op's template (and compile's own helpers)."""
    helpers = {name for op in OPS.values() if op.template for name, _ in op.template.helpers}
    return set(compiler_module._PROGRAM_NAMES) | helpers | set(HELPERS)


def test_the_names_it_uses_for_itself_are_known() -> None:
    assert {"program", "self", "backward", "leaves", "check", "finite"} <= compiler_module._PROGRAM_NAMES
    assert {"tanh", "exp", "log", "pow_forward", "pow_backward", "linear_forward"} <= generated_names()


@pytest.mark.parametrize("form", FORMS)
def test_every_name_the_code_uses_is_a_label_or_reserved(form: str, define: Define) -> None:
    """Parsed: each Name in the program is made from a label (all of them start with lbl here)
    or is one the generator keeps for itself, so a name added to the generator later, and not
    reserved, fails here. The tape's code uses no names made from labels at all."""
    sin, cos = sin_and_cos(define)
    leaves = [Value(1.0 + k / 4, label=f"lbl{k}") for k in range(3)]
    root = every_op(leaves, "lbl") + sin(leaves[0]) * cos(leaves[1])
    for node in autograd.topological_order(root):
        node.label = node.label or "lbl"
    program = compile_graph(root, form=form)  # type: ignore[arg-type]
    used = {n.id for n in ast.walk(ast.parse(program.source)) if isinstance(n, ast.Name)}
    ours = {name for name in used if not name.removeprefix("g_").startswith("lbl")}
    helpers = {name for template in program._trace.templates.values() for name, _ in template.helpers}
    assert {"sin_forward", "cos_backward", "tanh", "pow_forward"} <= helpers
    if form == "code":
        assert ours <= compiler_module._RESERVED | helpers, ours - compiler_module._RESERVED - helpers
        assert {"lbl0", "g_lbl0", "lbl", "lbl_1"} <= used
    else:
        assert ours == used
    assert_is_the_engine(root, leaves, form)


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("name", sorted(generated_names() | {"sin_forward", "sin_backward", "cos_forward"}))
def test_a_label_named_like_the_codes_own_names_shadows_none(form: str, name: str, define: Define) -> None:
    """Each name the code uses, as the label of a leaf at 0.0 (a leaf named backward once made
    program() add no grads at all) and of every node: the program is still the engine."""
    sin, cos = sin_and_cos(define)
    leaves = [Value(0.0, label=name), Value(1.3, label=name), Value(0.6, label="z")]
    positive = [leaves[1], leaves[1] * 0.5, leaves[2]]
    root = every_op(positive, name) + sin(leaves[0]) * cos(leaves[0]) + leaves[0] * leaves[2]
    for node in autograd.topological_order(root):
        node.label = name
    leaves[2].label = "z"
    source = assert_is_the_engine(root, leaves, form)
    if form == "code":  # renamed (name_1, ...), never the code's own name
        slots = [line.split(" = ")[0].strip() for line in source.splitlines() if " = leaves[" in line]
        assert len(slots) == 3 and name not in slots and f"{name}_1" in slots
    x = Value(2.0, label=name)  # the smallest case: the label on the only leaf
    assert_is_the_engine(x * 3.0, [x], form)


def test_a_leaf_named_backward_at_zero_still_gets_its_gradients() -> None:
    """The bug as found: a leaf labelled backward at 0.0 was the program's ``backward`` flag."""
    backward, w = Value(0.0, label="backward"), Value(2.0, label="w")
    program = autograd.compile(backward * w + w)
    assert program() == 2.0
    assert (backward.grad, w.grad) == (2.0, 1.0)


# --- graphs without leaves ---------------------------------------------------------------

NO_LEAVES: list[tuple[str, Callable[[], Value]]] = [
    ("linear of numbers", lambda: linear([2.26], [-2.11])),  # type: ignore[list-item]
    ("linear of numbers with a bias", lambda: apply(OPS["linear"], 2.26, -2.11, 0.5)),
    ("an op of two numbers", lambda: apply(OPS["+"], 1.0, 2.0)),
    ("ops on an op of numbers", lambda: (apply(OPS["*"], 1.5, 2.0) * 3.0).tanh() + 1.0),
    ("a power of numbers", lambda: apply(OPS["**"], 2.0, 0.5) * 2.0),
    ("a constant as the root", lambda: autograd.Constant(2.5)),
]


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize(("name", "make"), NO_LEAVES)
def test_a_graph_with_no_leaves_compiles_and_runs(form: str, name: str, make: Callable[[], Value]) -> None:
    root = make()
    program = compile_graph(root, form=form)  # type: ignore[arg-type]
    assert bits(program()) == bits(root.data) == bits(program.forward())
    x = Value(0.5, label="x")  # and below a leaf: the leaf's gradient is the engine's
    assert_is_the_engine(make() * x, [x], form)


@pytest.mark.parametrize("form", FORMS)
def test_a_rule_that_fails_on_numbers_only_fails_the_program_as_the_engine(form: str) -> None:
    """The engine runs the rule of a node whose inputs are all numbers, though nobody needs its
    shares; where it raises (the derivative of 0 ** 0.5 is infinite), so does the program."""
    x = Value(1.5, label="x")
    root = apply(OPS["**"], 0.0, 0.5) * x
    with pytest.raises(ZeroDivisionError) as by_engine:
        root.backward()
    program = compile_graph(root, form=form)  # type: ignore[arg-type]
    x.grad = 0.0
    with pytest.raises(ZeroDivisionError) as raised:
        program()
    assert str(raised.value) == str(by_engine.value) and x.grad == 0.0
    assert program.forward() == 0.0


# --- ops made with define_op ----------------------------------------------------------------


@pytest.mark.parametrize("form", FORMS)
def test_sin_and_cos_compile_to_the_engines_results(form: str, define: Define) -> None:
    sin, cos = sin_and_cos(define)
    rng = random.Random(13)
    for _ in range(30):
        x, y = Value(rng.uniform(-3, 3), label="x"), Value(rng.uniform(-3, 3), label="y")
        root = sin(x * y) * cos(x) + sin(2.0) * x + cos(sin(y)).tanh()
        source = assert_is_the_engine(root, [x, y], form)
        assert "sin_forward(" in source and "cos_backward(" in source
    program = compile_graph(root, form=form)  # type: ignore[arg-type]
    for _ in range(10):  # new data: still the engine
        x.data, y.data = rng.uniform(-3, 3), rng.uniform(-3, 3)
        x2, y2 = Value(x.data), Value(y.data)
        again = sin(x2 * y2) * cos(x2) + sin(2.0) * x2 + cos(sin(y2)).tanh()
        again.backward()
        x.grad = y.grad = 0.0
        assert bits(program()) == bits(again.data)
        assert [bits(x.grad), bits(y.grad)] == [bits(x2.grad), bits(y2.grad)]


@pytest.mark.parametrize("form", FORMS)
def test_a_defined_op_of_two_inputs_with_numbers_on_either_side(form: str, define: Define) -> None:
    hypot = define("hypot", math.hypot, lambda g, out, a, b: (g * (a / out), g * (b / out)))
    x, y = Value(0.3, label="x"), Value(-1.7, label="y")
    root = hypot(x, y) * hypot(x, 2.0) + hypot(-0.5, y) + hypot(x, x)
    assert_is_the_engine(root, [x, y], form)


NAMED_LIKE_OURS = ["pow", "tanh_", "linear_forward", "sigmoid_forward", "backward", "check", "1st",
                   "x\nimport os", "'''", "a b", "sin²", "lambda"]


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("name", NAMED_LIKE_OURS)
def test_a_defined_op_named_like_the_codes_own_names_is_renamed(form: str, name: str, define: Define) -> None:
    """define_op("pow") is allowed (the built-in's key is "**"), but its helpers cannot be the
    engine's pow_forward and pow_backward, which ``x ** y`` in the same program calls."""
    twice = define(name, lambda a: 2.0 * a, lambda g, out, a: (g * 2.0,))
    x, y = Value(1.5, label="x"), Value(0.5, label=name)
    root = twice(x) ** y + x**y + twice(y).tanh() + twice(x).sigmoid()
    root = root + linear([x] * SUM_LIMIT, [y] * SUM_LIMIT)  # through linear_forward
    program = compile_graph(root, form=form)  # type: ignore[arg-type]
    helpers = dict(h for template in program._trace.templates.values() for h in template.helpers)
    assert helpers["pow_forward"] is autograd.ops.pow_forward
    ours = [helper for helper, f in helpers.items() if f is autograd.ops.OPS[name].forward]
    assert len(ours) == 1 and ours[0].isidentifier() and ours[0] not in compiler_module._RESERVED
    if name == "pow":
        assert ours == ["pow_2_forward"]
    tree = ast.parse(program.source)
    assert not [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))]
    assert_is_the_engine(root, [x, y], form)


@pytest.mark.parametrize("form", FORMS)
def test_a_defined_op_that_overflows_or_drops_an_inf_fails_as_the_engine(form: str, define: Define) -> None:
    """A defined op's value and the gradient its rule gets are checked, as the engine checks them:
    Python raises for neither, and a rule need not pass an inf on."""
    big = define("big", lambda a: a * 1e300, lambda g, out, a: (g * 1e300,))
    flat = define("flat", lambda a: a, lambda g, out, a: (0.0,))  # drops the gradient: an inf too
    cases: list[tuple[Callable[[Value, Value], Value], float]] = [
        (lambda x, y: big(x).tanh() * y, 1e10),  # the value overflows
        (lambda x, y: flat(x) * y * y, 1e200),  # flat's gradient, y * y, overflows; the leaves' do not
    ]
    for root_of, bad in cases:
        x, y = Value(1e-300, label="x"), Value(1.0, label="y")
        root = root_of(x, y)
        program = compile_graph(root, form=form)  # type: ignore[arg-type]
        program()
        x.grad = y.grad = 0.0
        (x if root_of is cases[0][0] else y).data = bad
        with pytest.raises(OverflowError) as by_engine:
            root_of(Value(x.data, label="x"), Value(y.data, label="y")).backward()
        with pytest.raises(OverflowError) as raised:
            program()
        assert str(raised.value) == str(by_engine.value) and x.grad == y.grad == 0.0


# --- hostile labels in random graphs ---------------------------------------------------------------

HOSTILE = st.one_of(
    st.sampled_from([
        "x\nimport os; os.system('echo pwned')", "'''", '"""', "\\", "lambda", "for", "None", "backward",
        "self", "leaves", "check", "finite", "program", "tanh", "pow_forward", "linear_forward", "g_n0",
        "n0", "__import__('os')", "\u2028import os", "x₁ ﹦ ℌ", "1st", "", "a" * 3000, "g_", "_", "TAPE",
    ]),
    st.text(max_size=12),
)


@pytest.mark.parametrize("form", FORMS)
@settings(max_examples=60)
@given(expressions(max_inputs=4, max_steps=20), st.data())
def test_hostile_labels_in_random_graphs(form: str, expression: Expression, data: st.DataObject) -> None:
    leaves, nodes = expression.build()
    for node in nodes:
        node.label = data.draw(HOSTILE)
    root: Value = nodes[-1]
    program = compile_graph(root, form=form)  # type: ignore[arg-type]
    unsafe = (ast.Import, ast.ImportFrom, ast.Raise, ast.Delete)
    assert not [n for n in ast.walk(ast.parse(program.source)) if isinstance(n, unsafe)]
    same_as_the_engine(program, root, leaves)


# --- Ctrl-C and threads ---------------------------------------------------------------------------

ENGINE = tuple(str(p) for p in Path(autograd.__file__).parent.glob("*.py"))
"""autograd/*.py: the engine and compile (not the views)."""


def interrupt_model(w: list[Value], sin: Callable[..., Any]) -> Value:
    """A small graph with every kind of node compile writes: unary, binary with and without
    constants, x ** 2, a linear node, a defined op, and a weight used many times."""
    w1, w2, w3 = w
    h = linear([w1, w2], [0.5, w3], w3)
    a = (w1 * 2 + w2).tanh() * h.sigmoid() + sin(w3)
    root: Value = a * ((w3 - 1.5) ** 2 / (w2 * w2 + 1) + w3.log()) + 2**w2
    return root


def backward_in_another_thread(root: Value) -> bool:
    """Whether another thread can walk (no lock left held) within a few seconds."""
    done: list[bool] = []
    def walk() -> None:
        root.backward()
        done.append(True)

    thread = threading.Thread(target=walk, daemon=True)
    thread.start()
    thread.join(timeout=10)
    return done == [True]


@pytest.mark.parametrize("form", FORMS)
def test_an_interrupt_at_any_line_of_compile_leaves_nothing_behind(form: str, define: Define) -> None:
    """Ctrl-C at each line compile runs, in turn: the collector is as it was, no lock is held,
    no generated lines are left in linecache, and the next compile is the engine's."""
    sin, _ = sin_and_cos(define)
    w = [Value(0.7, label="w1"), Value(-0.4, label="w2"), Value(1.3, label="w3")]
    reference = interrupt_model(w, sin)
    reference.backward()
    expected = [v.grad for v in w]
    built = interrupt_model(w, sin)  # built before the tracer: only compile is interrupted
    compile_graph(built, form=form)  # type: ignore[arg-type]  # warm: labels' names are cached after one
    total = lines_run(lambda: compile_graph(built, form=form), ENGINE)  # type: ignore[arg-type]
    assert total > 100
    cached = {name for name in linecache.cache if name.startswith("<autograd.compile")}
    for collecting, stride in ((True, 1), (False, 5)):  # with the collector off, at every 5th line
        (gc.enable if collecting else gc.disable)()
        try:
            n = 0
            while True:  # Ctrl-C at line n = 1, 2, ... until a compile runs to its end
                n += stride
                sys.settrace(interrupt_after(n, ENGINE))
                try:
                    finished = compile_graph(built, form=form)  # type: ignore[arg-type]
                except KeyboardInterrupt:
                    finished = None
                finally:
                    sys.settrace(None)
                if finished is not None:
                    break
                assert gc.isenabled() is collecting, f"after an interrupt at line {n} of {total}"
                # the lines of programs gone wait for the next compile to drop them (compiler_module.GONE)
                left = {name for name in linecache.cache if name.startswith("<autograd.compile")}
                left -= cached | set(compiler_module.GONE)
                assert not left, f"after an interrupt at line {n} of {total}"
                for v in w:
                    v.grad = 0.0
                program = compile_graph(built, form=form)  # type: ignore[arg-type]
                program()
                assert [v.grad for v in w] == expected, f"after an interrupt at line {n} of {total}"
                del program
                if n % 97 == 0:  # not every time: a thread each time would take long
                    assert backward_in_another_thread(built), f"after an interrupt at line {n}"
            assert n > total - 10 - stride  # the interrupts landed all along compile
        finally:
            gc.enable()
    assert backward_in_another_thread(built)


def test_threads_compiling_and_walking_at_once_each_get_the_engines_results(define: Define) -> None:
    sin, _ = sin_and_cos(define)
    w = [Value(0.7, label="w1"), Value(-0.4, label="w2"), Value(1.3, label="w3")]
    reference = interrupt_model(w, sin)
    reference.backward()
    expected = [bits(v.grad) for v in w]
    root = interrupt_model(w, sin)
    errors: list[BaseException] = []

    def work(form: str) -> None:
        try:
            for _ in range(40):
                program = compile_graph(root, form=form)  # type: ignore[arg-type]
                new = [Value(v.data, label=v.label) for v in w]
                mine = interrupt_model(new, sin)
                mine.backward()
                assert [bits(v.grad) for v in new] == expected
                assert bits(program.forward()) == bits(reference.data)
        except BaseException as e:  # report in the main thread
            errors.append(e)

    threads = [threading.Thread(target=work, args=(form,)) for form in (*FORMS, *FORMS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
