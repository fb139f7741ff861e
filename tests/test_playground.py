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
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from autograd.view.expr import Expression
from autograd.view.shown import shown
from nn.seed import seed_example
from tests.conftest import in_ci

ROOT = Path(__file__).resolve().parent.parent
PLAYGROUND = ROOT / "demos" / "playground"
CHROMEDRIVER = "/usr/bin/chromedriver"


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


def test_the_worksheet_section_says_whether_there_is_one(glue: ModuleType) -> None:
    import nn

    sheet = json.loads(glue.worksheet())
    assert sheet["available"] == hasattr(nn, "Worksheet")
    if sheet["available"]:
        assert "δᵒ" in sheet["questions"]


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


def chromium() -> Any:
    """Headless Chromium through Selenium and Debian's chromedriver (skipped, or failed in CI, if missing)."""
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
        skip_or_fail(problem)
    options = webdriver.ChromeOptions()
    for argument in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={tempfile.mkdtemp(prefix='glassgrad-chromium-')}", "--window-size=1400,1000",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


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
    driver = chromium()
    try:
        assert started(driver, site) == "true", status(driver)
        # every file the page fetched came from the site itself
        requests = driver.execute_script("return performance.getEntriesByType('resource').map((e) => e.name)")
        assert requests and all(url.startswith(site) for url in requests), requests
        yield driver
    finally:
        profile = driver.capabilities.get("chrome", {}).get("userDataDir")
        driver.quit()
        if profile:
            shutil.rmtree(profile, ignore_errors=True)


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
    import nn

    shown = not page.execute_script("return document.getElementById('worksheet').hidden")
    assert shown == hasattr(nn, "Worksheet")  # the worksheet's place shows only where there is one
    assert [e for e in page.get_log("browser") if e["level"] == "SEVERE"] == []


def test_the_formula_box(page: Any) -> None:
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


def test_a_failure_to_load_says_what_failed_in_one_line(site: str, tmp_path: Path) -> None:
    from demos.playground.build import build
    from demos.playground.serve import server

    out = build(tmp_path / "playground")
    wheel = next(out.glob("wheels/glassgrad-*.whl"))
    wheel.unlink()
    httpd = server(out, port=0)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    driver = chromium()
    try:
        assert started(driver, f"http://127.0.0.1:{httpd.server_address[1]}/") == "failed"
        assert status(driver) == f"Installing glassgrad failed: wheels/{wheel.name}: HTTP 404"
    finally:
        driver.quit()
        httpd.shutdown()
        httpd.server_close()
