"""The HTML stepper: the file it writes, and the page as it behaves in a real Chromium.

The browser tests drive headless Chromium from Debian's packages (``chromium``,
``chromium-driver``; ``.ci/run`` installs them) with Selenium. Outside CI a
missing browser skips them with the reason; in CI (``CI=true``) it fails them.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from autograd import Value, backward_steps, linear, topological_order
from autograd.stepper import render_steps

CHROMEDRIVER = "/usr/bin/chromedriver"


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


def test_the_embedded_steps_are_those_of_backward_steps(tmp_path: Path) -> None:
    root = seed_graph()
    page = render_steps(root, tmp_path / "b.html").read_text(encoding="utf-8")
    data = embedded_data(page)
    order = topological_order(root)
    index = {node: i for i, node in enumerate(order)}
    steps = list(backward_steps(seed_graph()))  # a fresh copy: same shape, same order
    assert len(data["steps"]) == len(steps) == len(order)
    for shown, step in zip(data["steps"], steps, strict=True):
        assert shown["upstream"] == step.upstream
        assert order[shown["node"]].label == step.node.label
        assert [c["local"] for c in shown["contributions"]] == [lo for _, lo, _ in step.contributions]
        assert [c["contribution"] for c in shown["contributions"]] == [c for _, _, c in step.contributions]
    # every node the page refers to is drawn with that id
    for i in range(len(order)):
        assert f'id="v{i}"' in page
    del index


def test_the_users_grads_are_left_alone(tmp_path: Path) -> None:
    root = seed_graph()
    order = topological_order(root)
    order[0].grad = 42.0  # as if from an earlier backward()
    render_steps(root, tmp_path / "b.html")
    assert [v.grad for v in order] == [42.0] + [0.0] * (len(order) - 1)


def test_labels_cannot_break_out_of_the_page(tmp_path: Path) -> None:
    x = Value(1.0, label="</script><script>alert(1)</script>")
    y = x * 2
    y.label = "{{data}}"
    page = render_steps(y, tmp_path / "b.html").read_text(encoding="utf-8")
    assert page.count('"steps": [') == 1
    assert "<script>alert(1)" not in page
    names = [node["name"] for node in embedded_data(page)["nodes"]]
    assert "</script><script>alert(1)</script>" in names


# --- the page, in Chromium ---------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium through Selenium and Debian's chromedriver."""
    problem = None
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError as error:
        problem = f"selenium is not installed ({error}); pip install -e '.[test]'"
    else:
        chromium = shutil.which("chromium") or shutil.which("chromium-browser")
        if not (chromium and os.path.exists(CHROMEDRIVER)):
            problem = "no headless Chromium: apt-get install chromium chromium-driver (as .ci/run does)"
    if problem:
        if os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}:
            pytest.fail(f"CI=true but {problem}", pytrace=False)
        pytest.skip(problem)

    profile = tempfile.mkdtemp(prefix="glassgrad-chromium-")
    options = webdriver.ChromeOptions()
    for argument in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={profile}", "--window-size=1280,1000",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


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
    order = topological_order(root)
    index = {node: i for i, node in enumerate(order)}
    steps = list(backward_steps(root))  # the truth the page must show
    n = len(steps)
    browser.get((render_steps(seed_graph(), tmp_path / "backward.html")).as_uri())

    start = page_state(browser)
    assert start["counter"] == f"Step 0 of {n}"
    assert start["prevDisabled"] and not start["nextDisabled"]
    assert start["heading"] == "Before the backward pass"
    assert {text for text, _ in start["grads"].values()} == {"grad ?"}

    final: dict[int, str] = {}
    for k, step in enumerate(steps, start=1):
        browser.find_element(By.ID, "next").click()
        shown = page_state(browser)
        i = index[step.node]
        assert shown["step"] == k and shown["counter"] == f"Step {k} of {n}"
        assert int(shown["node"]) == i
        assert f"v{i}" in shown["current"]  # the box of this step's node is highlighted
        assert float(shown["upstream"]) == step.upstream
        assert [(r["parent"], r["local"], r["contribution"]) for r in shown["rows"]] == [
            (index[p], local, c) for p, local, c in step.contributions
        ]
        assert shown["receiving"] == sorted({f"v{index[p]}" for p, _, _ in step.contributions})
        final[i] = f"grad {step.upstream:#.4g}".rstrip(".")
        # grads filled in so far: every node walked shows its final grad, the rest '?' or a partial sum
        for j, (text, state) in shown["grads"].items():
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
    assert hidden["errorTerm"] == "δ(L1.N0) = Σ W·δ × f'(L1.N0.h) = 0.1 × 0.1218 × 0.25 = 0.003046"
    assert hidden["upstreamText"] == "-0.003046"
    first_row = ["L1.N0.w1", "x1 = 0.1", "-0.003046 × 0.1 = -0.0003046", "-0.0003046"]
    assert hidden["rows"][0]["cells"] == first_row

    browser.find_element(By.ID, "prev").click()
    assert page_state(browser)["heading"].startswith("Node L1.N0.a (made by sigmoid")

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
