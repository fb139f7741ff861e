"""The browser playground (``demos/playground``): its Python glue in CPython, then the built site in Chromium.

The site is built as the README says (``python -m demos.playground.build``), served
from 127.0.0.1 and driven in headless Chromium from Debian's packages with Selenium,
as ``tests/test_stepper.py`` does. Outside CI a missing npm package (``npm ci
--prefix demos/playground``) or Chromium skips the browser tests with the reason;
in CI (``CI=true``) it fails them.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from autograd.view.expr import Expression, functions
from autograd.view.shown import shown
from nn.seed import seed_example
from tests.checks import headless_chromium
from tests.conftest import in_ci

ROOT = Path(__file__).resolve().parent.parent
PLAYGROUND = ROOT / "demos" / "playground"


def skip_or_fail(problem: str) -> None:
    if in_ci():
        pytest.fail(f"CI=true but {problem}", pytrace=False)
    pytest.skip(problem)


@pytest.fixture(scope="module")
def glue() -> ModuleType:
    """demos/playground/playground.py, the module the page loads into Pyodide."""
    spec = importlib.util.spec_from_file_location("playground", PLAYGROUND / "playground.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- the glue, in CPython --------------------------------------------------------


def test_the_formula_box_gives_the_result_every_gradient_and_the_dot(glue: ModuleType) -> None:
    answer = json.loads(glue.formula("tanh(x*w + b)", json.dumps({"x": "2", "w": "-3", "b": "6.88"})))
    assert answer["names"] == ["x", "w", "b"]
    assert answer["result"] == "0.7064"
    assert answer["grads"] == [["x", "-1.503"], ["w", "1.002"], ["b", "0.501"]]
    assert answer["dot"].startswith("digraph glassgrad {") and "<b>out</b>" in answer["dot"]
    fresh = json.loads(glue.formula("x*y"))  # a name with no value yet gets 1
    assert fresh["values"] == {"x": "1", "y": "1"} and fresh["result"] == "1"


@pytest.mark.parametrize(("text", "values", "says"), [
    ("tanh(x*w +", {}, "not a formula"),
    ("__import__('os')", {}, "unknown function __import__"),
    ("log(x)", {"x": "0"}, "log"),
    ("x / y", {"x": "1", "y": "0"}, "division by zero"),
    ("x + 1", {"x": "two"}, "x = 'two' is not a number"),
])
def test_a_bad_formula_is_one_line(glue: ModuleType, text: str, values: dict[str, str], says: str) -> None:
    answer = json.loads(glue.formula(text, json.dumps(values)))
    assert says in answer["error"] and "\n" not in answer["error"], answer


def test_the_seed_and_the_cell(glue: ModuleType) -> None:
    seed = json.loads(glue.seed())
    assert "δᵒ(L2.N0) = -∂E/∂L2.N0.a × f'(L2.N0.h) = 0.4876 × 0.2498 = 0.1218" in seed["explain"]
    assert "δʰ(L1.N0) = Σ W·δ × f'(L1.N0.h) = 0.1 × 0.1218 × 0.25 = 0.003046" in seed["explain"]
    assert seed["dot"].count("v12 ") >= 1  # the 13 nodes, v0 … v12
    page = glue.stepper_page('<svg id="laid-out"></svg>')
    assert '<svg id="laid-out"></svg>' in page and "{{" not in page
    printed = glue.run_cell(glue.SEED_CELL)
    assert printed == "ŷ = 0.512   δᵒ = 0.1218   δʰ = 0.003046\nΔW = 0.03015\n"
    failed = glue.run_cell("x = 1\n1 / 0\n")
    assert 'File "<cell>", line 2' in failed and failed.endswith("ZeroDivisionError: division by zero\n")
    assert "playground.py" not in failed


SEED_ANSWERS = {"h": "-0.02", "a": "0.495", "ŷ": "0.512", "δᵒ": "0.122", "δʰ": "0.003", "ΔW": "0.0302",
                "Δw1": "0.00015", "Δw2": "0.00045"}
"""The seed's own hand-rounded numbers, as a learner types them."""


def test_the_worksheet_grades_what_is_typed(glue: ModuleType) -> None:
    sheet = json.loads(glue.worksheet())
    assert [name for name, _ in sheet["questions"]] == list(SEED_ANSWERS)
    assert dict(sheet["questions"])["ΔW"] == "η·δᵒ·a"
    assert "inputs: x₁ = 0.1, x₂ = 0.3" in sheet["given"]
    assert any(line.startswith("output error term: δᵒ = (y − ŷ)·f′(h)") for line in sheet["formulas"])
    assert "data ?" in sheet["dot"] and "grad 0" not in sheet["dot"]  # the results are the exercise
    assert "```answers" in sheet["markdown"]
    seed = json.loads(glue.check_worksheet(json.dumps(SEED_ANSWERS)))
    assert seed["ok"] and seed["first_wrong"] is None
    assert seed["report"].startswith("8 of 8 answers right")
    assert all(mark["correct"] for mark in seed["marks"].values()) and len(seed["marks"]) == 8
    # the digits typed count: 0.12 is right for 0.1218, 0.123 is wrong; a blank box is not an answer
    typed = {"δᵒ": "0.12", "ΔW": " 0.0603 ", "a": "", "h": "-0.020"}
    some = json.loads(glue.check_worksheet(json.dumps(typed)))
    right, rate = {"correct": True, "mistake": None}, {"correct": False, "mistake": "missing-rate"}
    assert some["marks"] == {"h": right, "δᵒ": right, "ΔW": rate}
    assert some["first_wrong"] == "ΔW" and "should be 0.0302" in some["report"]
    assert not json.loads(glue.check_worksheet(json.dumps({"δᵒ": "0.123"})))["marks"]["δᵒ"]["correct"]
    bad = json.loads(glue.check_worksheet(json.dumps({"h": "-0.02", "a": "half"})))
    assert bad == {"error": "the answer for 'a' is not a number: 'half'", "name": "a"}


def test_nothing_on_the_pages_paths_runs_a_program_a_thread_or_deep_recursion(
    glue: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A browser has no subprocess and (here) no threads, and a smaller stack than CPython's limit."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the page's paths must not do this in a browser")

    monkeypatch.setattr(subprocess.Popen, "__init__", refuse)
    monkeypatch.setattr(threading.Thread, "start", refuse)
    depth = len(__import__("inspect").stack())
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(depth + 120)  # far below a browser's stack (Pyodide's limit is about 1000)
    try:
        json.loads(glue.formula("tanh(x*w + b) * exp(-x) / (1 + relu(w)) ** 2"))["result"]
        json.loads(glue.seed())
        glue.stepper_page("<svg></svg>")
        assert "ŷ = 0.512" in glue.run_cell(glue.SEED_CELL)
        glue.worksheet()
        assert json.loads(glue.check_worksheet(json.dumps(SEED_ANSWERS)))["ok"]
    finally:
        sys.setrecursionlimit(limit)


# --- the site, in Chromium -------------------------------------------------------


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The site built into a temporary folder and served on 127.0.0.1; its address."""
    if not (PLAYGROUND / "node_modules" / "pyodide" / "pyodide.mjs").exists():
        skip_or_fail("the playground's npm packages are not installed: npm ci --prefix demos/playground")
    from demos.playground.build import build
    from demos.playground.serve import server

    out = build(tmp_path_factory.mktemp("site") / "playground")
    httpd = server(out, port=0)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


def started(driver: Any, url: str) -> str:
    """Open the page at ``url`` and wait until it is ready or has failed; which of the two."""
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(url)
    WebDriverWait(driver, 180).until(lambda d: d.execute_script("return document.body.dataset.ready"))
    state: str = driver.execute_script("return document.body.dataset.ready")
    return state


@pytest.fixture(scope="module")
def page(site: str) -> Iterator[Any]:
    """The playground, loaded in headless Chromium, started up (Python and glassgrad installed)."""
    with headless_chromium(1400, 1000) as driver:
        assert started(driver, site) == "true", status(driver)
        # every file the page fetched came from the site itself
        requests = driver.execute_script("return performance.getEntriesByType('resource').map((e) => e.name)")
        assert requests and all(url.startswith(site) for url in requests), requests
        yield driver


def status(driver: Any) -> str:
    text: str = driver.execute_script("return document.getElementById('status').textContent")
    return text


def text_of(driver: Any, element_id: str) -> str:
    text: str = driver.execute_script("return document.getElementById(arguments[0]).textContent", element_id)
    return text


def type_formula(driver: Any, text: str, **values: str) -> None:
    """Type ``text`` into the formula box, wait for its redraw, then type each value into its box."""
    driver.execute_script(
        "const input = document.getElementById('formula');"
        "input.value = arguments[0]; input.dispatchEvent(new Event('input'));",
        text,
    )
    time.sleep(0.4)  # the box redraws 120 ms after the last key; a value box redraws at once
    for name, value in values.items():
        driver.execute_script(
            "const input = document.getElementById('value-' + arguments[0]);"
            "input.value = arguments[1]; input.dispatchEvent(new Event('input'));",
            name, value,
        )


def test_the_page_loads_with_every_part(page: Any) -> None:
    assert status(page) == "" or page.execute_script(
        "return getComputedStyle(document.getElementById('status')).display") == "none"
    assert text_of(page, "explain").startswith("Backward pass of E = 0.1189, in 13 steps")
    assert page.execute_script("return document.getElementById('code').value").startswith("from nn import")
    assert page.execute_script(
        "return [...document.querySelectorAll('#worksheet-questions input')].map((i) => i.dataset.name)"
    ) == list(SEED_ANSWERS)
    assert [e for e in page.get_log("browser") if e["level"] == "SEVERE"] == []


def test_the_formula_box(page: Any) -> None:
    # the functions it offers are the op table's, as the parser reads it
    assert text_of(page, "functions") == " ".join(functions()) and "softplus" in text_of(page, "functions")
    type_formula(page, "tanh(x*w + b)", x="2", w="-3", b="6.88")
    assert text_of(page, "result") == "0.7064"
    grads = page.execute_script(
        "return [...document.querySelectorAll('#grads span')].map((s) => s.textContent)")
    assert grads == ["∂/∂x = -1.503", "∂/∂w = 1.002", "∂/∂b = 0.501"]
    # the graph: glassgrad's DOT laid out by Graphviz in WebAssembly, one box per Value
    svg = page.execute_script(
        "const svg = document.querySelector('#formula-graph svg');"
        "return svg && [...svg.querySelectorAll('g.node')].map((g) => g.id)"
    )
    assert svg is not None
    out, _ = Expression.parse("tanh(x*w + b)").build({"x": 2, "w": -3, "b": 6.88})
    every = shown(out).order  # x, w, x*w, b, x*w + b and out = tanh(...)
    assert sorted(i for i in svg if not i.endswith("_op")) == sorted(f"v{i}" for i in range(len(every)))
    ops = sorted(f"v{i}_op" for i, v in enumerate(every) if v.op)
    assert sorted(i for i in svg if i.endswith("_op")) == ops
    labels = page.execute_script("return document.querySelector('#formula-graph svg').textContent")
    for expected in ("data 6.880", "grad -1.503", "grad 1.000", "out", "tanh"):
        assert expected in labels


def test_a_bad_formula_shows_one_line_and_the_page_keeps_working(page: Any) -> None:
    type_formula(page, "tanh(x*w +")
    error = text_of(page, "formula-error")
    assert error.startswith("not a formula") and "\n" not in error
    height = page.execute_script(
        "return document.getElementById('formula-error').getBoundingClientRect().height")
    assert height < 40  # one line
    type_formula(page, "x ** 2 + log(y)", x="3", y="1")
    assert text_of(page, "formula-error") == ""
    assert text_of(page, "result") == "9"
    type_formula(page, "log(y)", y="0")
    assert "log" in text_of(page, "formula-error")
    type_formula(page, "tanh(x*w + b)", x="2", w="-3", b="6.88")
    assert text_of(page, "result") == "0.7064"


@pytest.mark.slow
def test_a_deep_formula_fits_the_browsers_stack(page: Any) -> None:
    """The parser's limit, MAX_DEPTH = 500 levels, is walked recursively: in a browser's stack too."""
    type_formula(page, "-" * 498 + "x", x="1.5")  # 499 levels
    assert text_of(page, "formula-error") == ""
    assert text_of(page, "result") == "1.5"
    type_formula(page, "x" + " + x" * 498, x="1.5")  # ((x + x) + x) + …: 499 levels, and 499 nodes drawn cut
    assert text_of(page, "formula-error") == ""
    assert text_of(page, "result") == "748.5"
    assert page.execute_script("return document.querySelectorAll('#formula-graph svg g.node').length") > 100


def test_stepping_through_the_seeds_backward_pass(page: Any) -> None:
    from selenium.webdriver.common.by import By

    frame = page.find_element(By.ID, "stepper")
    page.switch_to.frame(frame)
    try:
        boxes = page.execute_script("return [...document.querySelectorAll('#graph g.node')].map((g) => g.id)")
        assert {f"v{i}" for i in range(13)} <= set(boxes)  # every node of the seed's graph is drawn
        seen = []
        body = page.find_element(By.TAG_NAME, "body")
        body.click()
        for _ in range(13):
            body.send_keys("\ue014")  # →
            seen.append(page.find_element(By.ID, "error-term").text)
        assert "δᵒ(L2.N0) = -∂E/∂L2.N0.a × f'(L2.N0.h) = 0.4876 × 0.2498 = 0.1218" in seen
        assert "δʰ(L1.N0) = Σ W·δ × f'(L1.N0.h) = 0.1 × 0.1218 × 0.25 = 0.003046" in seen
        assert page.find_element(By.ID, "counter").text == "Step 13 of 13"
        page.find_element(By.ID, "prev").click()
        assert page.find_element(By.ID, "counter").text == "Step 12 of 13"
    finally:
        page.switch_to.default_content()


def test_the_python_cell_prints_what_python_prints(page: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    page.find_element(By.ID, "run").click()
    WebDriverWait(page, 30).until(lambda d: "ŷ" in text_of(d, "output"))
    expected = seed_example().prediction.data
    assert text_of(page, "output").startswith(f"ŷ = {expected:.3f}   δᵒ = 0.1218   δʰ = 0.003046\n")
    page.execute_script("document.getElementById('code').value = 'print(1 / 0)'")
    page.find_element(By.ID, "run").click()
    WebDriverWait(page, 30).until(lambda d: "ZeroDivisionError" in text_of(d, "output"))


def worksheet_state(driver: Any) -> dict[str, Any]:
    """Each answer box's mark (its class and the text beside it) and the report's lines with their classes."""
    state: dict[str, Any] = driver.execute_script(
        """
        const marks = {};
        for (const input of document.querySelectorAll('#worksheet-questions input')) {
          const mark = document.getElementById('mark-' + input.dataset.name);
          marks[input.dataset.name] = [input.className, mark.textContent];
        }
        const lines = [...document.querySelectorAll('#worksheet-report span')]
          .map((s) => [s.className, s.textContent]);
        return {marks: marks, lines: lines, error: document.getElementById('worksheet-error').textContent};
        """
    )
    return state


def type_answers(driver: Any, answers: dict[str, str]) -> None:
    """Type each answer into its box as a learner does (replacing what was there), then press Check."""
    from selenium.webdriver.common.by import By

    for name, text in answers.items():
        box = driver.find_element(By.ID, f"answer-{name}")
        box.clear()
        box.send_keys(text)
    driver.find_element(By.ID, "worksheet-check").click()


def test_the_worksheet_grades_the_seeds_numbers_and_names_the_mistake(page: Any) -> None:
    from selenium.webdriver.common.by import By

    svg = page.execute_script("return document.querySelector('#worksheet-graph svg').textContent")
    assert "data ?" in svg and "data 0.1000" in svg and "grad 0" not in svg  # the network, results left out
    assert page.find_element(By.ID, "worksheet-given").text.startswith("inputs: x₁ = 0.1, x₂ = 0.3")
    type_answers(page, SEED_ANSWERS)
    state = worksheet_state(page)
    assert state["error"] == ""
    assert state["marks"] == {name: ["right", "✓ right"] for name in SEED_ANSWERS}
    assert state["lines"][0] == ["summary", "8 of 8 answers right (8 questions)"]
    assert [kind for kind, _ in state["lines"][1:]] == ["right"] * 8

    type_answers(page, {"ΔW": "0.0603"})  # η left out: 0.1218 × 0.495
    state = worksheet_state(page)
    assert state["marks"]["ΔW"] == ["wrong", "✗ wrong: missing-rate"]
    assert all(state["marks"][name] == ["right", "✓ right"] for name in SEED_ANSWERS if name != "ΔW")
    lines = state["lines"]
    assert lines[0][1] == "7 of 8 answers right (8 questions)"
    wrong = [text for kind, text in lines if kind == "wrong"]
    assert len(wrong) == 1 and wrong[0].split() == ["ΔW", "=", "0.0603", "wrong", "(missing-rate)"]
    explained = [text.strip() for kind, text in lines if kind == "explain"]
    assert explained == [
        "should be 0.0302 (exactly 0.0301535)",
        "likely mistake: the learning rate η left out of the step (missing-rate)",
        "ΔW = η·δᵒ·a = 0.5 × 0.1218 × 0.495 = 0.03015",
    ]

    type_answers(page, {"ΔW": "0.0302", "a": "half"})  # not a number: one line, the box marked
    state = worksheet_state(page)
    assert state["error"] == "the answer for 'a' is not a number: 'half'"
    assert state["marks"]["a"][0] == "wrong" and state["lines"] == []
    type_answers(page, {"a": "0.495"})
    assert worksheet_state(page)["lines"][0][1] == "8 of 8 answers right (8 questions)"
    # the rest of the page keeps working
    type_formula(page, "x ** 2", x="3")
    assert text_of(page, "result") == "9"
    assert [e for e in page.get_log("browser") if e["level"] == "SEVERE"] == []


def test_a_failure_to_load_says_what_failed_in_one_line(site: str, tmp_path: Path) -> None:
    from demos.playground.build import build
    from demos.playground.serve import server

    out = build(tmp_path / "playground")
    wheel = next(out.glob("wheels/glassgrad-*.whl"))
    wheel.unlink()
    httpd = server(out, port=0)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        with headless_chromium(1400, 1000) as driver:
            assert started(driver, f"http://127.0.0.1:{httpd.server_address[1]}/") == "failed"
            assert status(driver) == f"Installing glassgrad failed: wheels/{wheel.name}: HTTP 404"
    finally:
        httpd.shutdown()
        httpd.server_close()
