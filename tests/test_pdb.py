"""Stepping through backward in pdb, driven non-interactively: commands on stdin.

Each test runs a small script in a fresh Python with pdb's commands piped in,
and checks that pdb stopped where it should and printed the step's numbers.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from autograd import backward_steps
from autograd.view.debug import backward_with_breakpoint
from tests.checks import neuron, run

# The graph every script builds: o = tanh(x*w + b), micrograd's neuron (tests.checks.neuron).
GRAPH = """\
from autograd import Value
x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(6.88, label="b")
n = x * w + b
n.label = "n"
o = n.tanh()
o.label = "o"
"""


Named = tuple[str, float, tuple[tuple[str, float, float], ...]]


def expected_steps() -> list[Named]:
    """Each step of the graph's backward pass, with nodes by name: label, else op."""
    return [
        (
            s.node.label or s.node.op,
            s.upstream,
            tuple((p.label or p.op, lo, c) for p, lo, c in s.contributions),
        )
        for s in backward_steps(neuron())
    ]


def test_backward_with_breakpoint_stops_at_the_chosen_node(tmp_path: Path) -> None:
    steps = expected_steps()
    at = [s[0] for s in steps].index("n")
    out = run(
        GRAPH
        + """
from autograd.view.debug import backward_with_breakpoint
backward_with_breakpoint(o, "n")
print("done: x.grad =", repr(x.grad))
""",
        ["p node.label", "p upstream", "p [(p.label or p.op, local, c) for p, local, c in contributions]",
         "n", "p node.label or node.op", "p upstream", "c"],
        tmp_path,
    )
    _, upstream, contributions = steps[at]
    following = steps[at + 1]
    # the banner, just before pdb's own first line: where the walk is, and what to type
    assert (
        f"backward paused at 'n', upstream = ∂o/∂n = {upstream:.4g} (its gradient, now final)\n"
        "p node / upstream / contributions to look; n next node; c continue; up to reach your own code\n"
        "> " in out
    )
    assert out.count("backward paused at 'n'") == 1  # once, at the stop only
    # `n` names the node it reached, with the banner's first line
    assert f"backward paused at {following[0]!r}, upstream = " in out
    assert "(Pdb) 'n'" in out
    assert f"(Pdb) {upstream!r}" in out
    assert f"(Pdb) {list(contributions)!r}" in out
    # `n` moves on by exactly one node
    assert f"(Pdb) {following[0]!r}\n(Pdb) {following[1]!r}" in out
    # `c` finishes the backward pass, with the grads of backward()
    o = neuron()
    o.backward()
    x = o.parents[0].parents[0].parents[0]
    assert x.label == "x"
    assert f"done: x.grad = {x.grad!r}" in out
    assert out.count("(Pdb)") == 7  # one stop, seven commands: `c` did not stop again


def test_break_in_a_derivative_rule_by_name(tmp_path: Path) -> None:
    out = run(
        GRAPH + "o.backward()\nprint('done')\n",
        ["import autograd.ops", "break autograd.ops.mul_backward", "c", "p (a, b)", "p out", "c"],
        tmp_path,
        "-m",
        "pdb",
    )
    assert "Breakpoint 1 at" in out and "ops.py" in out
    assert "-> return g * b, g * a" in out  # stopped inside the rule
    assert "(Pdb) (2.0, -3.0)" in out  # x and w, as floats on the fast path
    assert "(Pdb) -6.0" in out
    assert "done" in out


def test_the_documented_backward_steps_loop(tmp_path: Path) -> None:
    steps = expected_steps()
    at = [s[0] for s in steps].index("x")
    out = run(
        GRAPH
        + """
for step in o.backward_steps():
    node, upstream, contributions = step.node, step.upstream, step.contributions
    if node.label == "x":
        breakpoint()
print("done")
""",
        ["p node.label", "p upstream", "p contributions", "c"],
        tmp_path,
    )
    assert "(Pdb) 'x'" in out
    assert f"(Pdb) {steps[at][1]!r}" in out
    assert "(Pdb) ()" in out  # a leaf passes nothing on
    assert "done" in out


def test_an_unknown_label_says_which_labels_exist() -> None:
    o = neuron()
    with pytest.raises(ValueError, match=r"backward_with_breakpoint\(\.\.\., 'h'\).*'b', 'n', 'o', 'w', 'x'"):
        backward_with_breakpoint(o, "h")
    assert all(v.grad == 0.0 for v in (o, *o.parents))  # nothing ran


def test_without_a_debugger_it_is_backward(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PYTHONBREAKPOINT", "0")  # breakpoint() does nothing
    stepped, plain = neuron(), neuron()
    backward_with_breakpoint(stepped, "n")
    plain.backward()
    assert stepped.parents[0].grad == plain.parents[0].grad != 0.0
    assert capsys.readouterr().out == ""  # and no banner for a stop that does not happen


def test_from_autograd_itself_up_reaches_your_own_code(tmp_path: Path) -> None:
    """``autograd.backward_with_breakpoint(o, "n")``: the banner's ``up`` leads to the script's own line."""
    upstream = expected_steps()[[s[0] for s in expected_steps()].index("n")][1]
    script = GRAPH + 'import autograd\nautograd.backward_with_breakpoint(o, "n")\nprint("done")\n'
    out = run(script, ["p node.label", "p upstream", "up", "p (o.label, x.grad)", "c"], tmp_path)
    assert "c continue; up to reach your own code\n" in out
    assert "(Pdb) 'n'" in out
    assert f"(Pdb) {upstream!r}" in out
    assert "script.py(8)<module>()" in out  # `up` reached the script's own line
    assert "(Pdb) ('o', 0.0)" in out  # and its names: x's step has not come yet
    assert "done" in out


def test_value_backward_has_no_debugger_in_it() -> None:
    """The engine imports no view: stopping in pdb is the debugger view's job (autograd.view.debug)."""
    with pytest.raises(TypeError, match="breakpoint_at"):
        neuron().backward(breakpoint_at="n")  # type: ignore[call-arg]
