"""The HTML stepper: the file it writes, and the page as it behaves in a real Chromium.

The browser tests drive headless Chromium from Debian's packages (``chromium``,
``chromium-driver``; ``.ci/run`` installs them) with Selenium. Outside CI a
missing browser skips them with the reason; in CI (``CI=true``) it fails them.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from autograd import Step, Value, backward_steps, linear
from autograd.view.shown import shown
from autograd.view.stepper import render_steps
from nn import MLP, half_squared_error
from tests.checks import headless_chromium


def seed_graph() -> Value:
    """The seed's network by hand: two inputs, a sigmoid hidden unit, a sigmoid output, E = ½(1 - ŷ)²."""
    x = [Value(0.1, label="x1"), Value(0.3, label="x2")]
    h = linear([Value(0.4, label="L1.N0.w1"), Value(-0.2, label="L1.N0.w2")], x)
    h.label = "L1.N0.h"
    a = h.sigmoid()
    a.label = "L1.N0.a"
    z = linear([Value(0.1, label="L2.N0.w1")], [a])
    z.label = "L2.N0.h"
    y_hat = z.sigmoid()
    y_hat.label = "ŷ"
    loss = 0.5 * (1 - y_hat) ** 2
    loss.label = "E"
    return loss


def seed_network() -> Value:
    """The seed's network as the seed demo builds it, with labelled inputs and target."""
    net = MLP(2, [1, 1], activation="sigmoid", output_activation="sigmoid", bias=False)
    hidden, output = net.layers[0].neurons[0], net.layers[1].neurons[0]
    hidden.w[0].data, hidden.w[1].data, output.w[0].data = 0.4, -0.2, 0.1
    loss = half_squared_error(net([Value(0.1, label="x0"), Value(0.3, label="x1")]), Value(1.0, label="y"))
    loss.label = "E"
    return loss


def chain(n: int) -> Value:
    """A chain of ``n`` operations, each with a constant: y = y * 1.0001 + 0.0001."""
    y = Value(1.0, label="x")
    for _ in range(n // 2):
        y = y * 1.0001 + 0.0001
    return y


def node_steps(root: Value) -> list[Step]:
    """``backward_steps(root)`` without the steps of constants (unlabelled leaves, in these graphs)."""
    return [s for s in backward_steps(root) if s.node.parents or s.node.label]


def embedded_data(page: str) -> dict[str, Any]:
    match = re.search(r'<script type="application/json" id="steps-data">(.*?)</script>', page, re.S)
    assert match
    data: dict[str, Any] = json.loads(match.group(1))
    return data


# --- the file -------------------------------------------------------------------


def test_the_page_is_one_self_contained_file(tmp_path: Path) -> None:
    path = render_steps(seed_graph(), tmp_path / "backward.html")
    assert path == tmp_path / "backward.html"
    page = path.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "<svg" in page and "<?xml" not in page
    # nothing to fetch: no external scripts, styles, images or fonts
    assert not re.search(r"<(script|link|img|iframe)[^>]*\s(src|href)=", page)
    assert "url(" not in page and "@import" not in page
    assert [u for u in re.findall(r"https?://[^\s\"'<>]+", page) if "www.w3.org" not in u] == []
    assert "{{" not in page  # every slot of the template filled in


def test_the_embedded_steps_are_those_of_backward_steps_but_constants(tmp_path: Path) -> None:
    root = seed_graph()
    order = shown(root).order  # the Values: no constants
    page = render_steps(root, tmp_path / "b.html").read_text(encoding="utf-8")
    data = embedded_data(page)
    steps = node_steps(seed_graph())  # a fresh copy: same shape, same order
    assert len(data["steps"]) == len(steps) == len(order) == 12  # 15 with the constants 0.5, 1 and 2
    for on_page, step in zip(data["steps"], steps, strict=True):
        assert on_page["upstream"] == step.upstream
        assert order[on_page["node"]].label == step.node.label
        # a row per input that is a Value: the constants are in the formulas, not in the table
        given = [(lo, c) for p, lo, c in step.contributions if p.parents or p.label]
        assert [(c["local"], c["contribution"]) for c in on_page["contributions"]] == given
    # every node the page refers to is drawn with that id
    for i in range(len(order)):
        assert f'id="v{i}"' in page
    assert data["leftOut"] == ""


def test_constants_true_steps_through_every_node(tmp_path: Path) -> None:
    root = seed_graph()
    data = embedded_data(render_steps(root, tmp_path / "b.html", constants=True).read_text(encoding="utf-8"))
    # every node of the walk, and the three constants (0.5, 1, 2) that no walk needs but the page shows
    walked = len(list(backward_steps(seed_graph())))
    assert len(data["steps"]) == walked + 3 == len(shown(root, True).order) == 15
    assert {data["nodes"][str(step["node"])]["name"] for step in data["steps"]} >= {"0.5", "1", "2"}


def test_the_users_grads_are_left_alone(tmp_path: Path) -> None:
    root = seed_graph()
    order = shown(root).order
    order[0].grad = 42.0  # as if from an earlier backward()
    render_steps(root, tmp_path / "b.html")
    assert [v.grad for v in order] == [42.0] + [0.0] * (len(order) - 1)


@pytest.mark.slow
def test_a_huge_graph_keeps_the_steps_nearest_the_output(tmp_path: Path) -> None:
    """A chain of 100,000 operations: a page under a megabyte, written in seconds (was 27 s and 212 MiB)."""
    root = chain(100_000)
    start = time.perf_counter()
    path = render_steps(root, tmp_path / "chain.html")
    seconds = time.perf_counter() - start
    size = path.stat().st_size
    assert seconds < 30, f"render_steps took {seconds:.1f} s"  # loose: about 3 s on a quiet machine
    assert size < 3_000_000, f"the page is {size} bytes"
    data = embedded_data(path.read_text(encoding="utf-8"))
    assert len(data["steps"]) == 300
    assert "100001 nodes" in data["leftOut"] and "the other 99701" in data["leftOut"]
    assert data["steps"][0]["node"] == 100_000  # the output's step comes first
    assert data["steps"][0]["upstream"] == 1.0
    # every step kept is drawn, and the page names only what its steps use
    page = path.read_text(encoding="utf-8")
    assert all(f'id="v{step["node"]}"' in page for step in data["steps"])
    assert len(data["nodes"]) == 301
    every = render_steps(chain(1000), tmp_path / "all.html", max_nodes=None)
    assert len(embedded_data(every.read_text(encoding="utf-8"))["steps"]) == 1001


def test_labels_cannot_break_out_of_the_page(tmp_path: Path) -> None:
    x = Value(1.0, label="</script><script>alert(1)</script>")
    y = x * 2
    y.label = "{{data}}"
    page = render_steps(y, tmp_path / "b.html").read_text(encoding="utf-8")
    assert page.count('"steps":[') == 1
    assert "<script>alert(1)" not in page
    names = [node["name"] for node in embedded_data(page)["nodes"].values()]
    assert "</script><script>alert(1)</script>" in names


# --- the page, in Chromium ---------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium through Selenium and Debian's chromedriver (``tests/checks.py``)."""
    with headless_chromium(1280, 1000) as driver:
        yield driver


def open_page(driver: Any, path: Path) -> None:
    """Load the page and wait until its script has shown step 0 (a big page takes a moment)."""
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(path.as_uri())
    WebDriverWait(driver, 30).until(lambda d: d.execute_script("return document.body.dataset.step === '0'"))


def page_state(driver: Any) -> dict[str, Any]:
    """What the page shows now, read from the DOM."""
    state: dict[str, Any] = driver.execute_script(
        """
        const rows = [...document.querySelectorAll('#contributions tbody tr')];
        const grads = {};
        for (const g of document.querySelectorAll('#graph g.node')) {
          const row = [...g.querySelectorAll('text')].find((t) => t.textContent.startsWith('grad '));
          if (row) grads[g.id] = [row.textContent, row.getAttribute('class')];
        }
        return {
          step: Number(document.body.dataset.step),
          counter: document.getElementById('counter').textContent,
          heading: document.getElementById('heading').textContent,
          node: document.getElementById('heading').dataset.node,
          upstream: document.getElementById('upstream').dataset.value,
          upstreamText: document.getElementById('upstream').textContent,
          upstreamNote: document.getElementById('upstream-note').textContent,
          equation: document.getElementById('equation').textContent,
          errorTerm: document.getElementById('error-term').textContent,
          current: [...document.querySelectorAll('#graph .current')].map((e) => e.id),
          receiving: [...document.querySelectorAll('#graph .receiving')].map((e) => e.id).sort(),
          rows: rows.map((r) => ({parent: Number(r.dataset.parent), local: Number(r.dataset.local),
                                  contribution: Number(r.dataset.contribution),
                                  cells: [...r.cells].map((c) => c.textContent)})),
          grads: grads,
          prevDisabled: document.getElementById('prev').disabled,
          nextDisabled: document.getElementById('next').disabled,
        };
        """
    )
    return state


def test_clicking_next_walks_the_whole_backward_pass(browser: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    root = seed_graph()
    order = shown(root).order
    index = {node: i for i, node in enumerate(order)}
    steps = node_steps(root)  # the truth the page must show
    n = len(steps)
    open_page(browser, render_steps(seed_graph(), tmp_path / "backward.html"))

    start = page_state(browser)
    assert start["counter"] == f"Step 0 of {n}"
    assert start["prevDisabled"] and not start["nextDisabled"]
    assert start["heading"] == "Before the backward pass"
    assert {text for text, _ in start["grads"].values()} == {"grad ?"}

    final: dict[int, str] = {}
    for k, step in enumerate(steps, start=1):
        browser.find_element(By.ID, "next").click()
        now = page_state(browser)
        i = index[step.node]
        assert now["step"] == k and now["counter"] == f"Step {k} of {n}"
        assert int(now["node"]) == i
        assert f"v{i}" in now["current"]  # the box of this step's node is highlighted
        assert float(now["upstream"]) == step.upstream
        assert [(r["parent"], r["local"], r["contribution"]) for r in now["rows"]] == [
            (index[p], local, c) for p, local, c in step.contributions if p in index
        ]
        assert now["receiving"] == sorted({f"v{index[p]}" for p, _, _ in step.contributions if p in index})
        final[i] = f"grad {step.upstream:#.4g}".rstrip(".")
        # grads filled in so far: every node walked shows its final grad, the rest '?' or a partial sum
        for j, (text, state) in now["grads"].items():
            j_index = int(j[1:])
            if j_index in final:
                assert (text, state) == (final[j_index], "grad-final")
            else:
                assert state in ("grad-unknown", "grad-partial")

    # a few steps checked in the words a learner reads
    browser.find_element(By.TAG_NAME, "body").send_keys("\ue011")  # Home
    for _ in range(steps.index(next(s for s in steps if s.node.label == "L1.N0.h")) + 1):
        browser.find_element(By.TAG_NAME, "body").send_keys("\ue014")  # →
    hidden = page_state(browser)
    assert hidden["heading"].startswith("Node L1.N0.h (made by linear")
    assert hidden["equation"] == (
        "∂E/∂L1.N0.h = ∂E/∂L1.N0.a × L1.N0.a·(1 - L1.N0.a) = -0.01218 × 0.25 = -0.003046"
    )
    assert hidden["errorTerm"] == "δʰ(L1.N0) = Σ W·δ × f'(L1.N0.h) = 0.1 × 0.1218 × 0.25 = 0.003046"
    assert hidden["upstreamText"] == "-0.003046"
    first_row = ["L1.N0.w1", "x1 = 0.1", "-0.003046 × 0.1 = -0.0003046", "-0.0003046"]
    assert hidden["rows"][0]["cells"] == first_row

    browser.find_element(By.ID, "prev").click()
    assert page_state(browser)["heading"].startswith("Node L1.N0.a (made by sigmoid")
    browser.find_element(By.TAG_NAME, "body").send_keys("\ue011")  # Home
    while not page_state(browser)["heading"].startswith("Node 1 - ŷ"):
        assert not page_state(browser)["nextDisabled"]
        browser.find_element(By.ID, "next").click()
    named = page_state(browser)  # an unlabelled node is named by its expression, in parentheses
    assert named["heading"].startswith("Node 1 - ŷ (made by -")
    assert named["upstreamNote"] == "= ∂E/∂(1 - ŷ), passed on to each parent:"
    assert named["equation"].startswith("∂E/∂(1 - ŷ) = ")

    browser.find_element(By.TAG_NAME, "body").send_keys("\ue010")  # End
    end = page_state(browser)
    assert end["counter"] == f"Step {n} of {n}" and end["nextDisabled"]
    assert all(state == "grad-final" for _, state in end["grads"].values())
    # the last step shows what backward() leaves (listing the steps above ran them into .grad)
    assert {f"v{i}": f"grad {v.grad:#.4g}" for i, v in enumerate(order)} == {
        j: text for j, (text, _) in end["grads"].items()
    }
    severe = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert severe == []


def overflowing_grads(driver: Any) -> list[str]:
    """The grad rows whose text runs past the edge of their box, as "id: text"."""
    found: list[str] = driver.execute_script(
        """
        const out = [];
        for (const g of document.querySelectorAll('#graph g.node')) {
          const row = [...g.querySelectorAll('text')].find((t) => t.textContent.startsWith('grad '));
          if (!row) continue;
          const box = g.querySelector('polygon').getBoundingClientRect();
          const text = row.getBoundingClientRect();
          const outside = text.left < box.left - 0.5 || text.right > box.right + 0.5;
          if (outside) out.push(g.id + ': ' + row.textContent);
        }
        return out;
        """
    )
    return found


def test_every_grad_fits_its_box_at_every_step(browser: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    # Sums that grow longer than the final grad: x gets 1e-05 + ... from many uses.
    x = Value(0.3, label="x")
    y = sum((x * (k + 0.123456) * 1e-5 for k in range(5)), Value(0.0, label="zero"))
    y = (y * -1.0).tanh()
    y.label = "y"
    open_page(browser, render_steps(y, tmp_path / "sums.html"))
    total = len(embedded_data((tmp_path / "sums.html").read_text(encoding="utf-8"))["steps"])
    for _ in range(total + 1):
        assert overflowing_grads(browser) == []
        browser.find_element(By.ID, "next").click()
    open_page(browser, render_steps(seed_network(), tmp_path / "seed.html"))
    for _ in range(11):
        assert overflowing_grads(browser) == []
        browser.find_element(By.ID, "next").click()


def test_the_seeds_graph_fits_the_window(browser: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    browser.set_window_size(1400, 1000)
    try:
        open_page(browser, render_steps(seed_network(), tmp_path / "seed.html"))
        for _ in range(3):
            browser.find_element(By.ID, "next").click()  # the panel keeps its height as steps change
        box = browser.execute_script(
            "const r = document.querySelector('#graph svg').getBoundingClientRect();"
            "return [r.left, r.top, r.right, r.bottom, window.innerWidth, window.innerHeight];"
        )
        left, top, right, bottom, width, height = box
        assert left >= 0 and right <= width and top > 0 and bottom <= height, box
        assert right - left > width / 2  # fitted, not shrunk to a stamp
        while not page_state(browser)["heading"].startswith("Node L1.N0.h"):
            browser.find_element(By.ID, "next").click()
        # the seed's busiest step (four inputs, an error term) shows whole, without scrolling the panel
        assert len(page_state(browser)["rows"]) == 4
        panel = browser.execute_script("const p = document.getElementById('panel'); "
                                       "return [p.scrollHeight, p.clientHeight]")
        assert panel[0] <= panel[1], panel
        browser.find_element(By.ID, "fit").click()  # unfitted: the natural size, which is wider
        natural = browser.execute_script(
            "return document.querySelector('#graph svg').getBoundingClientRect().width"
        )
        assert natural > right - left
    finally:
        browser.set_window_size(1280, 1000)


def graph_layout(driver: Any) -> dict[str, Any]:
    """Where the graph is drawn, and whether the graph's area or the page has to scroll."""
    layout: dict[str, Any] = driver.execute_script(
        """
        const svg = document.querySelector('#graph svg').getBoundingClientRect();
        const area = document.getElementById('graph'), page = document.documentElement;
        return {
          box: [svg.left, svg.top, svg.right, svg.bottom],
          window: [window.innerWidth, window.innerHeight],
          areaScrolls: area.scrollWidth > area.clientWidth || area.scrollHeight > area.clientHeight,
          pageScrolls: page.scrollWidth > page.clientWidth || page.scrollHeight > page.clientHeight,
        };
        """
    )
    return layout


@contextlib.contextmanager
def viewport(driver: Any, width: int, height: int) -> Iterator[None]:
    """The page's own size set to ``width`` x ``height`` (a window's size also counts its frame)."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
    try:
        yield
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def graph_scale(driver: Any) -> float:
    scale: float = driver.execute_script(
        "const svg = document.querySelector('#graph svg');"
        "return svg.getBoundingClientRect().width / svg.width.baseVal.value;"
    )
    return scale


def in_view(driver: Any, node_id: str) -> bool:
    """Whether the box ``node_id`` shows whole inside the graph's area, as scrolled."""
    inside: bool = driver.execute_script(
        """
        const box = document.getElementById(arguments[0]).getBoundingClientRect();
        const area = document.getElementById('graph');
        const r = area.getBoundingClientRect();
        const right = r.left + area.clientLeft + area.clientWidth;
        const bottom = r.top + area.clientTop + area.clientHeight;
        return box.left >= r.left - 0.5 && box.right <= right + 0.5
          && box.top >= r.top - 0.5 && box.bottom <= bottom + 0.5;
        """,
        node_id,
    )
    return inside


@pytest.mark.parametrize("size", [(1024, 600), (1280, 720)])
def test_a_laptop_window_shows_every_step_whole(browser: Any, tmp_path: Path, size: tuple[int, int]) -> None:
    """At 1024x600 every row of every step shows, the panel never scrolls, and the step's node is in view.

    The panel used to give up its height to the graph, down to 7em, and scroll inside itself: at the
    seed's step 7 a parent's row was hidden. Now it keeps the height of its busiest step, and the graph,
    in the room left, is fitted whole where that is legible, else shown full size and scrolled to each step.
    """
    from selenium.webdriver.common.by import By

    with viewport(browser, *size):
        open_page(browser, render_steps(seed_network(), tmp_path / "seed.html"))
        total = len(embedded_data((tmp_path / "seed.html").read_text(encoding="utf-8"))["steps"])
        heights = set()
        for k in range(total + 1):
            panel = browser.execute_script("const p = document.getElementById('panel'); "
                                           "return [p.scrollHeight, p.clientHeight, p.offsetHeight]")
            assert panel[0] <= panel[1], (k, panel)  # the whole step shows, without scrolling the panel
            heights.add(panel[2])
            layout = graph_layout(browser)
            assert not layout["pageScrolls"], (k, layout)
            scale = graph_scale(browser)
            assert scale >= 0.4 - 1e-9, (k, scale)  # never shrunk past legibility unless the learner zooms
            if k:
                node = page_state(browser)["node"]
                assert in_view(browser, f"v{node}"), (k, node)
            assert overflowing_grads(browser) == []
            browser.find_element(By.ID, "next").click()
        assert len(heights) == 1, heights  # the graph does not jump from step to step


def test_the_graph_zooms_and_pans(browser: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    with viewport(browser, 1024, 600):
        open_page(browser, render_steps(seed_network(), tmp_path / "seed.html"))
        fitted = graph_scale(browser)
        browser.find_element(By.ID, "zoom-in").click()
        assert graph_scale(browser) == pytest.approx(fitted * 1.25, rel=1e-3)
        assert not browser.find_element(By.ID, "fit").is_selected()  # a zoom of the learner's own
        browser.find_element(By.ID, "zoom-in").click()
        browser.find_element(By.ID, "zoom-out").click()
        assert graph_scale(browser) == pytest.approx(fitted * 1.25, rel=1e-3)
        for _ in range(3):
            browser.find_element(By.ID, "next").click()  # a zoom holds while stepping
        assert graph_scale(browser) == pytest.approx(fitted * 1.25, rel=1e-3)
        assert in_view(browser, f"v{page_state(browser)['node']}")  # and each step scrolls to its node

        # the wheel (a touchpad's pinch is Ctrl+wheel) zooms about the pointer: the point under it stays
        point = browser.execute_script(
            """
            const area = document.getElementById('graph').getBoundingClientRect();
            const [x, y] = [area.left + 300, area.top + 80];
            const svg = document.querySelector('#graph svg').getBoundingClientRect();
            const scale = svg.width / document.querySelector('#graph svg').width.baseVal.value;
            document.getElementById('graph').dispatchEvent(new WheelEvent('wheel',
              {clientX: x, clientY: y, deltaY: -100, ctrlKey: true, bubbles: true, cancelable: true}));
            const after = document.querySelector('#graph svg').getBoundingClientRect();
            const scaleAfter = after.width / document.querySelector('#graph svg').width.baseVal.value;
            return [(x - svg.left) / scale, (y - svg.top) / scale, (x - after.left) / scaleAfter,
                    (y - after.top) / scaleAfter, scale, scaleAfter];
            """
        )
        gx, gy, gx_after, gy_after, before, after = point
        assert after > before * 2  # a pinch of 100: e^1
        assert (gx_after, gy_after) == (pytest.approx(gx, abs=2), pytest.approx(gy, abs=2))

        # dragging pans
        area = browser.find_element(By.ID, "graph")
        scrolled = browser.execute_script("const a = arguments[0]; return [a.scrollLeft, a.scrollTop]", area)
        drag = ActionChains(browser).move_to_element(area).click_and_hold().move_by_offset(-120, -40)
        drag.release().perform()
        moved = browser.execute_script("const a = arguments[0]; return [a.scrollLeft, a.scrollTop]", area)
        assert moved[0] - scrolled[0] == pytest.approx(120, abs=2), (scrolled, moved)
        assert moved[1] - scrolled[1] == pytest.approx(40, abs=2), (scrolled, moved)

        # the keys: - zooms out, 0 fits again
        body = browser.find_element(By.TAG_NAME, "body")
        zoomed = graph_scale(browser)
        body.send_keys("-")
        assert graph_scale(browser) == pytest.approx(zoomed / 1.25, rel=1e-3)
        body.send_keys("0")
        assert graph_scale(browser) == pytest.approx(fitted, rel=1e-3)
        assert browser.find_element(By.ID, "fit").is_selected()
        assert overflowing_grads(browser) == []
        assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []


@pytest.mark.slow
def test_a_huge_graph_in_the_browser(browser: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    open_page(browser, render_steps(chain(100_000), tmp_path / "chain.html"))
    state = page_state(browser)
    assert state["counter"] == "Step 0 of 300"
    note = browser.find_element(By.ID, "left-out").text
    assert "leaves out the other 99701" in note
    browser.find_element(By.ID, "next").click()
    assert sorted(page_state(browser)["current"]) == ["v100000", "v100000_op"]
    browser.find_element(By.TAG_NAME, "body").send_keys("\ue010")  # End
    end = page_state(browser)
    assert end["counter"] == "Step 300 of 300" and end["nextDisabled"]
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []
