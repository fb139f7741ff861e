"""Checks that several test files share."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Callable, Collection, Iterator
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

from autograd import OPS, Value, define_op, linear

Define = Callable[..., Callable[..., Any]]


def assert_stored_as_floats(out: Value | list[Value]) -> None:
    """Every number in the graph below ``out`` is a plain float: data and grads, constants' too."""
    seen: set[Value] = set()
    stack = list(out) if isinstance(out, list) else [out]
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        assert isinstance(node, Value) and type(node.data) is float and type(node.grad) is float, node
        stack.extend(node.parents)


@contextlib.contextmanager
def ops_restored() -> Iterator[Define]:
    """Inside: ``define_op`` that first takes out an op of the same name; after: ``OPS`` as it was.

    ``OPS`` is the one table every part reads, so ops are defined into it (a
    name defined before, by a doctest say, is put back after).
    """
    before = dict(OPS)

    def defining(name: str, *args: Any, **kwargs: Any) -> Callable[..., Any]:
        OPS.pop(name, None)
        return define_op(name, *args, **kwargs)

    try:
        yield defining
    finally:
        OPS.clear()
        OPS.update(before)


def weights() -> list[Value]:
    """Three labelled weights for ``model``."""
    return [Value(0.7, label="w1"), Value(-0.4, label="w2"), Value(1.3, label="w3")]


def model(w: list[Value]) -> Value:
    """A small graph over shared weights with every kind of node: unary, binary with and
    without constants, a fused linear node, a weight used many times."""
    w1, w2, w3 = w
    h = linear([w1, w2], [0.5, w3], w3)
    a = (w1 * 2 + w2).tanh() * h.sigmoid()
    b = (w3 - 1.5) ** 2 / (w2 * w2 + 1) + (-w1).exp() + (w3 * w1).relu() + w3.log()
    return a * b + 2 ** w2


def reference() -> list[float]:
    """``model``'s gradients, from a fresh graph over fresh weights."""
    w = weights()
    model(w).backward()
    return [v.grad for v in w]


def interrupt_after(n: int, files: Collection[str]) -> Callable[..., Any]:
    """A ``sys.settrace`` tracer that raises KeyboardInterrupt at the n-th line run in ``files``.

    Ctrl-C at a chosen line: run the code under test with n = 1, 2, ... until a
    run finishes, and check what each interrupt left.
    """
    seen = [0]

    def on_line(frame: FrameType, event: str, arg: Any) -> Any:
        if event == "line":
            seen[0] += 1
            if seen[0] == n:
                raise KeyboardInterrupt
        return on_line

    return lambda frame, event, arg: on_line if frame.f_code.co_filename in files else None


def neuron() -> Value:
    """tanh(x*w + b) with every leaf labelled, the way micrograd's README builds it."""
    x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(6.88, label="b")
    n = x * w + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o


ROOT = Path(__file__).resolve().parents[1]


def run(script: str, commands: list[str], tmp_path: Path, *python_args: str) -> str:
    """Run ``script`` with ``commands`` on stdin, as a user at a pdb prompt would; return stdout.

    The script runs in ``tmp_path`` with this repository importable and PYTHONBREAKPOINT unset.
    """
    path = tmp_path / "script.py"
    path.write_text(textwrap.dedent(script), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONBREAKPOINT"}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    done = subprocess.run(
        [sys.executable, *python_args, str(path)],
        input="\n".join(commands) + "\n",
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def lines_run(call: Callable[[], object], files: Collection[str]) -> int:
    """How many lines of ``files`` ``call`` runs: how many places ``interrupt_after`` can stop it."""
    count = [0]

    def on_line(frame: FrameType, event: str, arg: Any) -> Any:
        if event == "line":
            count[0] += 1
        return on_line

    sys.settrace(lambda frame, event, arg: on_line if frame.f_code.co_filename in files else None)
    try:
        call()
    finally:
        sys.settrace(None)
    return count[0]


CHROMEDRIVER = "/usr/bin/chromedriver"
"""Debian's chromedriver (package ``chromium-driver``), which drives Debian's ``chromium``."""


@contextlib.contextmanager
def headless_chromium(width: int = 1280, height: int = 1000) -> Iterator[Any]:
    """Headless Chromium through Selenium and Debian's chromedriver, in a fresh profile removed after.

    Outside CI a missing selenium, Chromium or driver skips the test with the
    reason; in CI (``CI=true``) it fails it. The browser keeps its console log
    (``driver.get_log("browser")``).
    """
    from tests.conftest import in_ci  # here, not at the top: conftest imports this module

    problem = None
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError as error:
        problem = f"selenium is not installed ({error}); pip install -e '.[test]'"
    else:
        found = shutil.which("chromium") or shutil.which("chromium-browser")
        if not (found and os.path.exists(CHROMEDRIVER)):
            problem = "no headless Chromium: apt-get install chromium chromium-driver (as .ci/run does)"
    if problem:
        if in_ci():
            pytest.fail(f"CI=true but {problem}", pytrace=False)
        pytest.skip(problem)
    profile = tempfile.mkdtemp(prefix="glassgrad-chromium-")
    options = webdriver.ChromeOptions()
    for argument in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={profile}", f"--window-size={width},{height}",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    try:
        driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        try:
            yield driver
        finally:
            driver.quit()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def bits(x: float) -> str:
    """A float's exact bits, so that 0.0 and -0.0 differ, as ``==`` would not tell."""
    return float(x).hex()


def same_as_the_engine(program: Any, root: Value, leaves: list[Value]) -> list[float]:
    """``program()`` and ``root.backward()`` from the same grads: value and grads agree, bit for bit."""
    for leaf in leaves:
        leaf.grad = 0.25  # grads accumulate onto what is there
    value = program()
    got = [leaf.grad for leaf in leaves]
    for leaf in leaves:
        leaf.grad = 0.25
    root.backward()
    assert bits(value) == bits(root.data)
    assert [bits(g) for g in got] == [bits(leaf.grad) for leaf in leaves]
    return got
