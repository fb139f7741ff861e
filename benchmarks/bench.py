"""glassgrad against micrograd 0.1.0 and against hand-written floats, in one process and one run.

    python -m benchmarks.bench            # the full run (several minutes)
    python -m benchmarks.bench --quick    # the same sections, fewer repeats, no N = 10^6
    python -m benchmarks.bench --smoke    # tiny sizes: checks that it runs (bars not judged)
    python -m benchmarks.bench wide moons # only these (of chain, wide, cycles, moons, compile, batched)

Run it from the repository root after ``pip install -e '.[bench]'``. Six sections:

1. a deep chain (glassgrad works at every depth; micrograd's recursive sort
   fails past a few hundred nodes, so at N = 10^5 it runs with the recursion
   limit raised),
2. a wide graph (build, backward alone, both together, and peak memory per node),
3. reference cycles (is a dropped graph freed without the cyclic collector?),
4. a training step on two moons with ``nn`` (forward, backward, SGD update),
   by the engine and through ``autograd.compile``,
5. ``autograd.compile`` itself: how long compiling takes, for the moons step
   and for the deep chain, and how fast the chain's program runs,
6. batched programs: the moons step over N rows through ``program.over``
   (one example's graph, NumPy), against the floor over the same N rows,
   with PyTorch on the same batch as tensors beside it (if it imports).

Times are the best of several samples, with the garbage collector on unless
a column says otherwise ("GC" is the part of that time the collector took).
Every "ratio" is the whole task against ``floor.py``, the same math by hand
on floats; the wide graph's floor runs in a fresh process (a clean heap), the
others in this one. Each section ends with its bars, and the summary lists
them all. A bar that fails prints a ``cProfile`` of glassgrad's part.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import itertools
import math
import platform
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import autograd
from autograd import Value
from benchmarks import floor, workloads
from benchmarks.measure import (
    Timing,
    best_of,
    in_fresh_process,
    interleaved,
    memory_by_line,
    ms,
    peak_bytes,
    profile,
    ratio,
    retention,
    size,
    table,
)

try:
    from micrograd.engine import Value as MicroValue  # type: ignore[import-untyped]
    from micrograd.nn import MLP as MicroMLP  # type: ignore[import-untyped]
except ImportError:
    sys.exit("the benchmark compares with micrograd 0.1.0: pip install -e '.[bench]'")


@dataclass(frozen=True)
class Config:
    """Sizes and repeats of one run. Bars are judged only at the sizes they are set for."""

    chain_sizes: tuple[int, ...] = (10**3, 10**4, 10**5, 10**6)
    chain_repeats: int = 5
    chain_micrograd: int = 10**5  # micrograd's chain runs here too, with the recursion limit raised
    wide_n: int = 200_000
    wide_repeats: int = 5
    cycle_n: int = 50_000
    loop_n: int = 10_000
    loop_steps: int = 20
    moons_points: int = 100
    moons_repeats: int = 10
    micrograd_repeats: int = 3  # micrograd's step takes about a second with the collector on
    moons_inner: int = 3  # steps per sample: a step's garbage is collected during the next
    compile_chain: int = 10**5
    compile_repeats: int = 3
    batched_rows: tuple[int, ...] = (100, 10_000)
    batched_repeats: int = 5


FULL = Config()
QUICK = Config(
    chain_sizes=(10**3, 10**4, 10**5),
    chain_repeats=3,
    wide_repeats=2,
    loop_steps=10,
    moons_repeats=3,
    micrograd_repeats=1,
    moons_inner=2,
    compile_repeats=2,
    batched_repeats=3,
)
SMOKE = Config(
    chain_sizes=(10, 1000, 3000),
    chain_repeats=1,
    chain_micrograd=3000,
    wide_n=1001,
    wide_repeats=1,
    cycle_n=1000,
    loop_n=100,
    loop_steps=2,
    moons_points=10,
    moons_repeats=1,
    micrograd_repeats=1,
    moons_inner=1,
    compile_chain=1000,
    compile_repeats=1,
    batched_rows=(10, 50),
    batched_repeats=1,
)


# --- bars ---------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    """A speed or memory promise: a measured ``value`` must stay at most ``limit`` (below it if strict)."""

    text: str
    limit: float
    unit: str = "×"  # how the value and the limit are written, e.g. "× micrograd", " B/node"
    strict: bool = False  # "faster than": the value must be below the limit, not equal to it

    def passes(self, value: float) -> bool:
        return value < self.limit if self.strict else value <= self.limit

    def compare(self, value: float) -> str:
        """The value against the limit: ``0.41× < 1×``, or ``1.73× > 1.5× (15.3% over)``."""
        shown, limit = f"{value:.3g}{self.unit}", f"{self.limit:g}{self.unit}"
        if self.passes(value):
            return f"{shown} {'<' if self.strict else '≤'} {limit}"
        over = f" ({value / self.limit - 1:.1%} over)" if self.limit > 0 else ""
        return f"{shown} {'≥' if self.strict else '>'} {limit}{over}"


# The bars of issue 13, in the order the sections judge them.
BARS = {
    "chain vs micrograd": Bar(
        "deep chain, N = 10^5, build + backward: faster than micrograd", 1.0, "× micrograd", strict=True
    ),
    "wide vs micrograd": Bar("wide graph, build + backward: faster than micrograd", 1.0, "× micrograd", True),
    "wide backward": Bar("wide graph, backward alone: at most 1.5× micrograd's", 1.5, "× micrograd"),
    "wide memory": Bar("wide graph, peak memory: at most 220 bytes per node", 220.0, " B/node"),
    "cycles": Bar("dropped graph freed by refcounting (nothing left for the collector)", 0.0, " objects"),
    "moons engine": Bar("moons step, engine: at most 15× the floor", 15.0),
    "moons vs micrograd": Bar("moons step, engine: faster than micrograd", 1.0, "× micrograd", strict=True),
    "moons compiled": Bar("moons step through autograd.compile: at most 0.7× the floor", 0.7),
    "compile moons": Bar("compile the moons step: at most 20 engine steps", 20.0, " steps"),
    "compile chain": Bar("compile the 10^5 chain: at most 20× its engine build + backward", 20.0),
    "chain program": Bar("the 10^5 chain's program: at most 10× the floor", 10.0),
    # issue 15
    "batched 100": Bar("moons step over 100 rows through program.over: at most 1× the floor", 1.0),
    "batched 10000": Bar("moons step over 10,000 rows through program.over: at most 0.05× the floor", 0.05),
}
results: dict[str, tuple[str, str]] = {}  # bar -> (PASS, FAIL or n/a; the value against the limit)


def judge(bar: str, value: float, judged: bool) -> str:
    """The bar's verdict on ``value`` (a line to print), remembered for the summary.

    Not ``judged`` (the run is not at the bar's size): 'n/a', with the value shown.
    """
    if judged:
        results[bar] = ("PASS" if BARS[bar].passes(value) else "FAIL", BARS[bar].compare(value))
    else:
        results[bar] = ("n/a", f"{value:.3g}{BARS[bar].unit}, not at the bar's size")
    status, detail = results[bar]
    return f"  bar  {status}  {BARS[bar].text}: {detail}"


def failed(bar: str) -> bool:
    return results.get(bar, ("", ""))[0] == "FAIL"


def summary() -> str:
    """Every bar, in order: PASS, FAIL, n/a (not at its size) or -- (its section was not run)."""
    lines = []
    for name, bar in BARS.items():
        status, detail = results.get(name, ("--", "not run"))
        lines.append(f"{status:4}  {bar.text}: {detail}")
    return "\n".join(lines)


def show_profile(title: str, work: Callable[[], object]) -> None:
    print(f"  cProfile of glassgrad's part ({title}), by own time:")
    print(profile(work))


def heading(title: str) -> None:
    print(f"\n== {title} ==")


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


# --- 1. deep chain ------------------------------------------------------------


def chain_grad(engine: Any, n: int) -> float:
    """Build the chain with ``engine``, run its backward, return dy/dx."""
    x, y = workloads.chain(engine, n)
    y.backward()
    return float(x.grad)


def micrograd_chain_fails(n: int) -> bool:
    try:
        chain_grad(MicroValue, n)
    except RecursionError:
        return True
    return False


def micrograd_limit(lo: int = 100, hi: int = 1000) -> int | None:
    """The smallest N whose chain micrograd cannot differentiate, by bisection over [lo, hi]."""
    if micrograd_chain_fails(lo) or not micrograd_chain_fails(hi):
        return None
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if micrograd_chain_fails(mid):
            hi = mid
        else:
            lo = mid
    return hi


def micrograd_depth(n: int) -> int:
    """A recursion limit deep enough for micrograd's topological sort of the N-chain (2N + 1 nodes deep)."""
    return sys.getrecursionlimit() + 2 * n + 100


@contextlib.contextmanager
def recursion_limit(limit: int) -> Iterator[None]:
    """Raise the recursion limit to ``limit`` inside the block; restore it after.

    Safe from CPython 3.11, where a Python call to Python takes no C stack;
    before that, 2·10^5 nested calls would overflow the C stack and crash.
    """
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, limit))
    try:
        yield
    finally:
        sys.setrecursionlimit(old)


DEEP_RECURSION_WORKS = sys.version_info >= (3, 11)


def micrograd_chain_sample(n: int) -> Timing:
    with recursion_limit(micrograd_depth(n)):
        return best_of(lambda _: chain_grad(MicroValue, n), 1)


CHAIN_COLUMNS = ["N", "glassgrad ok", "glassgrad", "of it GC", "GC off", "floor", "ratio", "ratio GC off"]
CHAIN_COLUMNS += ["micrograd", "its ratio", "glassgrad / micrograd"]


def chain_row(n: int, cfg: Config, limit: int | None) -> tuple[list[str], float | None]:
    """One row of the chain table (glassgrad with GC on and off, the floor, micrograd), and
    glassgrad's time over micrograd's where micrograd ran."""
    # Short runs get more samples (a millisecond is easily disturbed); 10^6 takes seconds a run.
    if n <= 10**4:
        repeats = 3 * cfg.chain_repeats
    elif n <= 10**5:
        repeats = cfg.chain_repeats
    else:
        repeats = min(cfg.chain_repeats, 2)
    candidates = {
        "on": lambda: best_of(lambda _: chain_grad(Value, n), 1),
        "off": lambda: best_of(lambda _: chain_grad(Value, n), 1, gc_enabled=False),
        "floor": lambda: best_of(lambda _: floor.chain(1.0, n), 1),
    }
    expected = floor.chain(1.0, n)[1]
    ok = "yes" if close(chain_grad(Value, n), expected) else "WRONG GRAD"
    at_default = limit is None or n < limit
    micro = ""  # why micrograd is not timed at this N, if it is not
    if n > cfg.chain_micrograd:
        micro = "not run"
    elif at_default:
        # (timed with the limit raised too, for the timing harness's own frames)
        candidates["micrograd"] = lambda: micrograd_chain_sample(n)
    elif n < cfg.chain_micrograd:
        micro = "RecursionError" if micrograd_chain_fails(n) else "worked?!"
    elif not DEEP_RECURSION_WORKS:
        micro = "not run (Python < 3.11)"
    else:
        with recursion_limit(micrograd_depth(n)):
            micro = "" if close(chain_grad(MicroValue, n), expected) else "WRONG GRAD"
        candidates["micrograd"] = lambda: micrograd_chain_sample(n)
    # micrograd takes its turns with the others, so that a burst of load hits all alike.
    best = interleaved(candidates, repeats)
    on, off, base = best["on"], best["off"], best["floor"]
    row = [f"{n:,}", ok, ms(on.seconds), ms(on.gc_seconds), ms(off.seconds), ms(base.seconds)]
    row += [ratio(on.seconds, base.seconds), ratio(off.seconds, base.seconds)]
    if "micrograd" not in best or micro:
        return [*row, micro, "", ""], None
    mg = best["micrograd"].seconds
    shown = ms(mg) + ("" if at_default else " (limit raised)")
    row += [shown, ratio(mg, base.seconds), ratio(on.seconds, mg)]
    return row, on.seconds / mg


def section_chain(cfg: Config) -> None:
    heading("1. Deep chain: x -> x*1.0001 + 0.0001, N times, then backward (build + backward)")
    limit = micrograd_limit()
    print(
        f"micrograd raises RecursionError from N = {limit} on "
        f"(bisection over 100..1000; recursion limit {sys.getrecursionlimit()})"
    )
    sizes = sorted({*cfg.chain_sizes, cfg.chain_micrograd, *([limit - 1] if limit else [])})
    rows, against = zip(*(chain_row(n, cfg, limit) for n in sizes), strict=True)
    print(table(CHAIN_COLUMNS, list(rows)))
    n = cfg.chain_micrograd
    if limit is not None and n >= limit:
        print(
            f"(at N = {n:,} micrograd runs with sys.setrecursionlimit({micrograd_depth(n):,}), restored"
            f" after; N = {limit - 1} is the largest it runs at the default limit, not judged)"
        )
    slower = against[sizes.index(n)]
    if slower is not None:
        print(judge("chain vs micrograd", slower, n == 10**5))
    if failed("chain vs micrograd"):
        show_profile(f"N = {n:,}", lambda: chain_grad(Value, n))


# --- 2. wide graph --------------------------------------------------------------


def wide_task(engine: Any, xs: list[float], ys: list[float]) -> Callable[[], Any]:
    """The wide graph's whole task with ``engine``: build it, run backward, return the root."""

    def run() -> Any:
        root = workloads.wide(engine, xs, ys)[0]
        root.backward()
        return root

    return run


def wide_floor(n: int, repeats: int) -> dict[str, list[float]]:
    """The wide graph's floor, build and backward, each as [seconds, GC seconds] (best of ``repeats``).

    The benchmark calls this in a fresh process: timed in a heap that has held
    glassgrad's graphs, the same floats run markedly slower.
    """
    xs, ys = workloads.wide_inputs(n)
    build = best_of(lambda _: floor.wide_forward(xs, ys), repeats)
    backward = best_of(
        lambda sizes: floor.wide_backward(xs, ys, sizes), repeats, setup=lambda: floor.wide_forward(xs, ys)[1]
    )
    return {"build": [build.seconds, build.gc_seconds], "backward": [backward.seconds, backward.gc_seconds]}


def section_wide(cfg: Config) -> None:
    n = cfg.wide_n
    nodes = workloads.wide_nodes(n)
    heading(f"2. Wide graph: pairwise sum of {n:,} products a_i*b_i ({nodes:,} nodes)")
    # The floor first, in a clean heap: a fresh process that builds no graph.
    fresh = in_fresh_process(wide_floor, n, 3 * cfg.wide_repeats)
    clean = {key: Timing(*value) for key, value in fresh.items()}
    xs, ys = workloads.wide_inputs(n)

    # Correctness: glassgrad's gradients against the floor's.
    root, a, b = workloads.wide(Value, xs, ys)
    root.backward()
    ga, gb = floor.wide_backward(xs, ys, floor.wide_forward(xs, ys)[1])
    pairs = [*zip(a, ga, strict=True), *zip(b, gb, strict=True)]
    ok = all(close(v.grad, g) for v, g in pairs)
    print(f"glassgrad's gradients match the floor's: {'yes' if ok else 'NO'}")
    del root, a, b, pairs

    def build_glassgrad() -> Any:
        return workloads.wide(Value, xs, ys)[0]

    def build_micrograd() -> Any:
        return workloads.wide(MicroValue, xs, ys)[0]

    # The floor (again, in this process) and glassgrad take turns; micrograd, slow to build, comes after.
    best = interleaved(
        {
            "floor build": lambda: best_of(lambda _: floor.wide_forward(xs, ys), 1),
            "floor backward": lambda: best_of(
                lambda sizes: floor.wide_backward(xs, ys, sizes),
                1,
                setup=lambda: floor.wide_forward(xs, ys)[1],
            ),
            "glassgrad build": lambda: best_of(lambda _: build_glassgrad(), 1),
            "glassgrad backward": lambda: best_of(lambda root: root.backward(), 1, setup=build_glassgrad),
        },
        cfg.wide_repeats,
    )
    reps = cfg.micrograd_repeats
    best["micrograd build"] = best_of(lambda _: build_micrograd(), reps)
    best["micrograd backward"] = best_of(lambda root: root.backward(), reps, setup=build_micrograd)
    timings = {
        "floor, fresh process": (clean["build"], clean["backward"]),
        "floor, this process": (best["floor build"], best["floor backward"]),
        "glassgrad": (best["glassgrad build"], best["glassgrad backward"]),
        "micrograd": (best["micrograd build"], best["micrograd backward"]),
    }
    # Memory in runs of its own: tracemalloc slows everything down.
    floor_memory = peak_bytes(lambda: floor.wide_backward(xs, ys, floor.wide_forward(xs, ys)[1]))
    memory = {
        "floor, fresh process": floor_memory,
        "floor, this process": floor_memory,
        "glassgrad": peak_bytes(wide_task(Value, xs, ys)),
        "micrograd": peak_bytes(wide_task(MicroValue, xs, ys)),
    }
    base_build, base_backward = timings["floor, fresh process"]
    base = base_build.seconds + base_backward.seconds
    rows = []
    for name, (build, backward) in timings.items():
        total = build.seconds + backward.seconds
        rows.append(
            [
                name,
                ms(build.seconds),
                ms(backward.seconds),
                ratio(backward.seconds, base_backward.seconds),
                ms(total),
                ms(build.gc_seconds + backward.gc_seconds),
                ratio(total, base),
                size(memory[name]),
                f"{memory[name] / nodes:.0f}",
            ]
        )
    headers = ["", "build", "backward alone", "its ratio", "build + backward", "of it GC", "ratio"]
    print(table([*headers, "peak memory", "bytes/node"], rows))
    print(
        "(ratios against the floor timed in a fresh process; build + backward is the sum of the best"
        " build and the best backward;\n peak memory: tracemalloc from after the input float lists"
        " exist, through build and backward)"
    )
    judged = n == 200_000
    glass_build, glass_backward = timings["glassgrad"]
    micro_build, micro_backward = timings["micrograd"]
    glass_total = glass_build.seconds + glass_backward.seconds
    micro_total = micro_build.seconds + micro_backward.seconds
    print(judge("wide vs micrograd", glass_total / micro_total, judged))
    print(judge("wide backward", glass_backward.seconds / micro_backward.seconds, judged))
    print(judge("wide memory", memory["glassgrad"] / nodes, judged))
    if failed("wide vs micrograd") or failed("wide backward"):
        root = build_glassgrad()
        show_profile("backward", root.backward)
        del root
    if failed("wide memory"):
        print("  Memory held after glassgrad's backward, by the line that allocated it:")
        print(memory_by_line(wide_task(Value, xs, ys)))


# --- 3. reference cycles --------------------------------------------------------


def section_cycles(cfg: Config) -> None:
    n = cfg.cycle_n
    heading(f"3. Reference cycles: build + backward a wide graph of {n:,} products, then drop it, GC off")
    xs, ys = workloads.wide_inputs(n, seed=2)

    rows = []
    found = {}
    for name, engine in (("glassgrad", Value), ("micrograd", MicroValue)):
        r = retention(wide_task(engine, xs, ys))
        found[name] = r.collected_objects
        left = r.after_drop / r.held
        collected = [f"{r.collected_objects:,}", ms(r.collect_seconds), size(r.after_collect)]
        rows.append([name, size(r.held), f"{size(r.after_drop)} ({left:.1%})", *collected])
    headers = ["", "graph holds", "left after del", "gc.collect() finds", "taking", "left after it"]
    print(table(headers, rows))
    print(
        "(what del leaves without cycles is Python's free lists of tuples and floats, which"
        " gc.collect() empties)"
    )
    print(judge("cycles", found["glassgrad"], True))

    steps = cfg.loop_steps
    xs, ys = xs[: cfg.loop_n], ys[: cfg.loop_n]
    print(f"\nA training-like loop, GC on: {steps} × (build {cfg.loop_n:,} products + backward + drop)")
    work = {
        "floor": lambda: floor.wide_backward(xs, ys, floor.wide_forward(xs, ys)[1]),
        "glassgrad": wide_task(Value, xs, ys),
        "micrograd": wide_task(MicroValue, xs, ys),
    }
    times = {name: best_of(lambda _: run(), 1, inner=steps) for name, run in work.items()}  # noqa: B023
    base = times["floor"].seconds
    rows = [
        [name, ms(t.seconds), ms(t.gc_seconds), f"{t.gc_seconds / t.seconds:.0%}", ratio(t.seconds, base)]
        for name, t in times.items()
    ]
    print(table(["", "per step", "of it GC", "GC share", "ratio"], rows))


# --- 4. moons training step -----------------------------------------------------


def load_nn() -> tuple[Any, Any] | None:
    """glassgrad's ``nn.MLP`` and ``nn.SGD``, or None while ``nn`` is not written yet."""
    try:
        from nn import MLP, SGD  # type: ignore[attr-defined, unused-ignore]
    except ImportError:
        return None
    return MLP, SGD


def section_moons(cfg: Config) -> None:
    sizes = [2, 16, 16, 1]
    heading(
        f"4. Moons training step: MLP(2, [16, 16, 1]), {cfg.moons_points} points, hinge loss + 1e-4·L2, "
        "forward + backward + SGD"
    )
    X, Y = workloads.make_moons(cfg.moons_points, noise=0.1, seed=0)
    start = workloads.initial_layers(sizes, seed=0)
    lr = 0.05

    micro = MicroMLP(2, sizes[1:])
    workloads.load_layers(micro, start)
    layers = copy.deepcopy(start)
    steps: dict[str, Callable[[], float]] = {
        "floor": lambda: floor.moons_step(layers, X, Y, lr),
        "micrograd": lambda: workloads.moons_step(micro, X, Y, lr),
    }
    nn = load_nn()
    if nn is None:
        print("nn not available (glassgrad's nn.MLP / nn.SGD do not import yet): glassgrad row skipped")
    else:
        MLP, SGD = nn
        model = MLP(2, sizes[1:], activation="relu", output_activation="linear")
        workloads.load_layers(model, start)
        sgd = SGD(model.parameters(), lr=lr)
        steps["glassgrad"] = lambda: workloads.moons_step(model, X, Y, lr, sgd)
        steps["glassgrad compile"] = compiled_moons_step(MLP, SGD, sizes, start, X, Y, lr)

    # From the same weights, the first two steps must give the same losses
    # everywhere: the first checks the forward pass, the second the update.
    losses = {name: (step(), step()) for name, step in steps.items()}
    agree = all(close(a, b) for pair in losses.values() for a, b in zip(pair, losses["floor"], strict=True))
    shown = ", ".join(f"{k} {a:.10f}, {b:.10f}" for k, (a, b) in losses.items())
    print(f"losses of the first two steps: {shown} ({'agree' if agree else 'DISAGREE'})")

    def timed(name: str, gc_enabled: bool = True) -> Callable[[], Timing]:
        step = steps[name]
        return lambda: best_of(lambda _: step(), 1, inner=cfg.moons_inner, gc_enabled=gc_enabled)

    # The floor and glassgrad take turns (they are quick); micrograd, slow, comes after.
    candidates = {"floor": timed("floor")}
    if "glassgrad" in steps:
        candidates |= {
            "glassgrad nn, GC on": timed("glassgrad"),
            "glassgrad nn, GC off": timed("glassgrad", False),
            "glassgrad autograd.compile, GC on": timed("glassgrad compile"),
        }
    best = interleaved(candidates, cfg.moons_repeats)
    for gc_enabled in (True, False):
        best[f"micrograd 0.1.0, GC {'on' if gc_enabled else 'off'}"] = best_of(
            lambda _: steps["micrograd"](),
            cfg.micrograd_repeats,
            inner=cfg.moons_inner,
            gc_enabled=gc_enabled,
        )
    base = best.pop("floor")
    micrograd_on = best["micrograd 0.1.0, GC on"].seconds
    rows = [["floor (hand-written floats)", ms(base.seconds), ms(base.gc_seconds), "1×", ""]]
    for name, t in best.items():
        against = ratio(t.seconds, micrograd_on) if name.endswith("GC on") else ""
        rows.append([name, ms(t.seconds), ms(t.gc_seconds), ratio(t.seconds, base.seconds), against])
    print(table(["", "per step", "of it GC", "ratio", "/ micrograd GC on"], rows))
    if "glassgrad" in steps:
        judged = cfg.moons_points == 100
        engine = best["glassgrad nn, GC on"].seconds
        print(judge("moons engine", engine / base.seconds, judged))
        print(judge("moons vs micrograd", engine / micrograd_on, judged))
        compiled = best["glassgrad autograd.compile, GC on"].seconds
        print(judge("moons compiled", compiled / base.seconds, judged))
        if failed("moons engine") or failed("moons vs micrograd"):
            show_profile("one step", steps["glassgrad"])


def compiled_moons_step(
    MLP: Any, SGD: Any, sizes: list[int], start: Any, X: list[list[float]], Y: list[float], lr: float
) -> Callable[[], float]:
    """The moons step through ``autograd.compile``: the loss's graph built and compiled once.

    Each step then does what ``workloads.moons_step`` does: zero_grad, the
    forward and backward pass (the program), the SGD update; it returns the loss.
    """
    model = MLP(2, sizes[1:], activation="relu", output_activation="linear")
    workloads.load_layers(model, start)
    sgd = SGD(model.parameters(), lr=lr)
    program = autograd.compile(workloads.hinge_loss([model(x) for x in X], Y, model.parameters()))

    def step() -> float:
        sgd.zero_grad()
        loss = program()
        sgd.step()
        return float(loss)

    return step


# --- 5. autograd.compile ----------------------------------------------------------


def section_compile(cfg: Config) -> None:
    heading("5. autograd.compile: compile time, and the deep chain's program")
    rows = []
    verdicts = []
    nn = load_nn()
    if nn is None:
        print("nn not available: the moons row is skipped")
    else:
        MLP, SGD = nn
        X, Y = workloads.make_moons(cfg.moons_points, noise=0.1, seed=0)
        start = workloads.initial_layers([2, 16, 16, 1], seed=0)
        model = MLP(2, [16, 16, 1], activation="relu", output_activation="linear")
        workloads.load_layers(model, start)
        sgd = SGD(model.parameters(), lr=0.05)
        loss = workloads.hinge_loss([model(x) for x in X], Y, model.parameters())
        program = autograd.compile(loss)
        del program
        # Measured one after the other, not in turns: freeing a program (megabytes
        # of code) just before an engine step slows that step down.
        best = {
            "engine step": best_of(
                lambda _: workloads.moons_step(model, X, Y, 0.05, sgd),
                cfg.moons_repeats,
                inner=cfg.moons_inner,
            ),
            "compile": best_of(lambda _: autograd.compile(loss), cfg.compile_repeats),
        }
        steps = best["compile"].seconds / best["engine step"].seconds
        verdicts.append(judge("compile moons", steps, cfg.moons_points == 100))
        rows.append(
            [
                f"moons step ({autograd.compile(loss).form})",
                ms(best["compile"].seconds),
                f"{ms(best['engine step'].seconds)} (one engine step)",
                f"{steps:.3g} steps",
            ]
        )

    n = cfg.compile_chain
    x, y = workloads.chain(Value, n)
    best = interleaved(
        {
            "engine": lambda: best_of(lambda _: chain_grad(Value, n), 1),
            "compile": lambda: best_of(lambda _: autograd.compile(y), 1),
        },
        cfg.compile_repeats,
    )
    times = best["compile"].seconds / best["engine"].seconds
    verdicts.append(judge("compile chain", times, n == 10**5))
    program = autograd.compile(y)
    rows.append(
        [
            f"deep chain, N = {n:,} ({program.form})",
            ms(best["compile"].seconds),
            f"{ms(best['engine'].seconds)} (engine build + backward)",
            f"{times:.3g}×",
        ]
    )
    print(table(["compiling", "takes (GC on)", "against", "ratio"], rows))
    print("\n".join(verdicts))

    x.grad = 0.0
    program()
    ok = close(x.grad, floor.chain(1.0, n)[1])
    best = interleaved(
        {
            "program": lambda: best_of(lambda _: program(), 1),
            "floor": lambda: best_of(lambda _: floor.chain(1.0, n), 1),
        },
        cfg.chain_repeats,
    )
    times = best["program"].seconds / best["floor"].seconds
    agree = "yes" if ok else "NO"
    print(f"\nThe chain's program, N = {n:,}: forward + backward (dy/dx matches the floor's: {agree})")
    row = [ms(best["program"].seconds), ms(best["floor"].seconds), f"{times:.3g}×"]
    print(table(["program (GC on)", "floor", "ratio"], [row]))
    print(judge("chain program", times, n == 10**5))


# --- 6. batched programs --------------------------------------------------------------


def batched_moons_step(
    sizes: list[int], start: Any, X: list[list[float]], Y: list[float], lr: float, backend: Any = "numpy"
) -> Callable[[], float]:
    """The moons step through ``program.over``: one point's graph (x1, x2, y batch leaves), compiled once.

    The mean over the rows of ``relu(1 - y·score) + 1e-4·Σp²`` is the batch's
    hinge loss + L2, so each step is what ``floor.moons_step`` does: zero_grad,
    ``over`` (forward and backward), the SGD update. It returns the loss.
    """
    from nn import MLP, SGD

    model = MLP(2, sizes[1:], activation="relu", output_activation="linear")
    workloads.load_layers(model, start)
    sgd = SGD(model.parameters(), lr=lr)
    x1, x2, y = Value(0.0, label="x1"), Value(0.0, label="x2"), Value(1.0, label="y")
    loss = workloads.hinge_loss([model([x1, x2])], [y], model.parameters())  # type: ignore[list-item]
    program = autograd.compile(loss, batch=[x1, x2, y], backend=backend)
    rows: Any = [[a, b, c] for (a, b), c in zip(X, Y, strict=True)]
    if backend == "numpy":
        import numpy

        rows = numpy.array(rows)

    def step() -> float:
        sgd.zero_grad()
        losses = program.over(rows)
        sgd.step()
        return float(sum(losses) / len(losses))

    return step


def torch_moons_step(
    sizes: list[int], start: Any, X: list[list[float]], Y: list[float], lr: float
) -> Callable[[], float] | None:
    """The same step in PyTorch on the whole batch as float64 tensors (None if torch does not import)."""
    try:
        import torch
    except ImportError:
        return None
    layers = [
        torch.nn.Linear(nin, nout, dtype=torch.float64) for nin, nout in itertools.pairwise(sizes)
    ]
    with torch.no_grad():
        for linear, (rows, biases) in zip(layers, start, strict=True):
            linear.weight.copy_(torch.tensor(rows, dtype=torch.float64))
            linear.bias.copy_(torch.tensor(biases, dtype=torch.float64))
    params: list[Any] = [p for linear in layers for p in linear.parameters()]
    inputs, targets = torch.tensor(X, dtype=torch.float64), torch.tensor(Y, dtype=torch.float64)

    def step() -> float:
        h = inputs
        for i, linear in enumerate(layers):
            h = linear(h) if i == len(layers) - 1 else torch.relu(linear(h))
        loss: Any = torch.relu(1 - targets * h[:, 0]).mean() + 1e-4 * sum((p * p).sum() for p in params)
        for p in params:
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= lr * p.grad
        return float(loss.detach())

    return step


def section_batched(cfg: Config) -> None:
    heading("6. Batched programs: the moons step over N rows through program.over (NumPy), against the floor")
    sizes, lr = [2, 16, 16, 1], 0.05
    start = workloads.initial_layers(sizes, seed=0)
    rows = []
    verdicts = []
    for n in cfg.batched_rows:
        X, Y = workloads.make_moons(n, noise=0.1, seed=0)
        layers = copy.deepcopy(start)
        steps: dict[str, Callable[[], float]] = {
            "floor": lambda: floor.moons_step(layers, X, Y, lr),  # noqa: B023
            "over": batched_moons_step(sizes, start, X, Y, lr),
        }
        torch_step = torch_moons_step(sizes, start, X, Y, lr)
        if torch_step is not None:
            steps["torch"] = torch_step
        losses = {name: (step(), step()) for name, step in steps.items()}
        first = losses["floor"]
        agree = all(close(a, b) for pair in losses.values() for a, b in zip(pair, first, strict=True))
        best = interleaved(
            {name: (lambda s=step: best_of(lambda _: s(), 1)) for name, step in steps.items()},  # type: ignore[misc]
            cfg.batched_repeats,
        )
        base = best["floor"].seconds
        over = best["over"].seconds
        torch_time = best["torch"].seconds if "torch" in best else None
        torch_row = [ms(torch_time), ratio(torch_time, base)] if torch_time else ["not installed", ""]
        said = "agree" if agree else "DISAGREE"
        rows.append([f"{n:,}", ms(base), ms(over), ratio(over, base), *torch_row, said])
        bar = {100: "batched 100", 10_000: "batched 10000"}.get(n)
        if bar is not None:
            verdicts.append(judge(bar, over / base, True))
        elif n == cfg.batched_rows[0]:
            verdicts.append(judge("batched 100", over / base, False))
        else:
            verdicts.append(judge("batched 10000", over / base, False))
    headers = ["rows", "floor", "program.over", "ratio", "PyTorch (tensors)", "its ratio", "first two losses"]
    print(table(headers, rows))
    print("(one step: forward, backward and the SGD update; over's is one example's graph, compiled once,")
    print(" run on NumPy columns of all N rows; ratios against the floor over the same N rows)")
    print("\n".join(verdicts))


SECTIONS: dict[str, Callable[[Config], None]] = {
    "chain": section_chain,
    "wide": section_wide,
    "cycles": section_cycles,
    "moons": section_moons,
    "compile": section_compile,
    "batched": section_batched,
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench", description=__doc__.split("\n")[0])
    sizes = parser.add_mutually_exclusive_group()
    sizes.add_argument("--quick", action="store_true", help="fewer repeats and no N = 10^6 (about 3 minutes)")
    sizes.add_argument(
        "--smoke", action="store_true", help="tiny sizes, to check that it runs; bars not judged"
    )
    parser.add_argument(
        "sections", nargs="*", help=f"run only these, of: {', '.join(SECTIONS)} (default: all)"
    )
    args = parser.parse_args(argv)
    unknown = [name for name in args.sections if name not in SECTIONS]
    if unknown:
        parser.error(f"unknown section {unknown[0]!r}; the sections are {', '.join(SECTIONS)}")
    cfg = SMOKE if args.smoke else QUICK if args.quick else FULL
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # show progress through a pipe
    samples = (
        f"{cfg.chain_repeats} (chain), {cfg.wide_repeats} (wide), {cfg.moons_repeats} × {cfg.moons_inner}"
    )
    print(f"Python {sys.version.split()[0]} on {platform.machine()}. Times: GC on unless marked, best of")
    print(f"{samples} steps (moons) samples. Ratios: against hand-written floats (benchmarks/floor.py).")
    for name, section in SECTIONS.items():
        if not args.sections or name in args.sections:
            section(cfg)
    heading("Summary (-- : its section was not run)")
    print(summary())


if __name__ == "__main__":
    main()
