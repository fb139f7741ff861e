"""glassgrad against micrograd 0.1.0 and against hand-written floats, in one process and one run.

    python -m benchmarks.bench            # the full run (a few minutes)
    python -m benchmarks.bench --quick    # the same sections, fewer repeats, no N = 10^6
    python -m benchmarks.bench --smoke    # tiny sizes: checks that it runs (bars not judged)
    python -m benchmarks.bench wide moons # only these sections (of chain, wide, cycles, moons, compile)

Run it from the repository root after ``pip install -e '.[bench]'``. Five sections:

1. a deep chain (glassgrad works at every depth; micrograd's recursive sort fails),
2. a wide graph (time of backward, and peak memory per node),
3. reference cycles (is a dropped graph freed without the cyclic collector?),
4. a training step on two moons with ``nn`` (forward, backward, SGD update),
   by the engine and through ``autograd.compile``,
5. ``autograd.compile`` itself: how long compiling takes, for the moons step
   and for the deep chain, and how fast the chain's program runs.

Times are the best of several samples, with the garbage collector on unless
a column says otherwise ("GC" is the part of that time the collector took).
Every ratio is against ``floor.py``, the same math by hand on floats. A bar
that fails prints a ``cProfile`` of glassgrad's part.
"""

from __future__ import annotations

import argparse
import copy
import math
import platform
import random
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import autograd
from autograd import Value
from benchmarks import floor, workloads
from benchmarks.measure import (
    Timing,
    best_of,
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
)
SMOKE = Config(
    chain_sizes=(10, 1000, 3000),
    chain_repeats=1,
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
)

CHAIN_BAR = (10**5, 40.0)  # at N = 10^5, build + backward <= 40x the floor
WIDE_BYTES_BAR = 120.0  # bytes per node, at n = 200,000
WIDE_BACKWARD_BAR = 20.0
MOONS_BAR = 9.0  # the engine, without compile (issue: 10.5x before the engine-core rework)
COMPILED_MOONS_BAR = 1.0  # the moons step through autograd.compile, against the floor
COMPILE_STEPS_BAR = 20.0  # compiling the moons step, in engine steps
COMPILE_CHAIN_BAR = 20.0  # compiling the 10^5 chain, in engine build + backward passes
REPLAY_CHAIN_BAR = 10.0  # the 10^5 chain's program, against the floor
results: list[tuple[str, bool | None]] = []  # every bar's verdict, for the summary


def verdict(name: str, value: float, bar: float, judged: bool, unit: str = "×") -> str:
    """PASS/FAIL of ``value <= bar``, remembered for the summary; 'n/a' when not at the bar's size."""
    if not judged:
        results.append((name, None))
        return "n/a (size)"
    passed = value <= bar
    results.append((name, passed))
    if passed:
        return f"PASS (≤ {bar:g}{unit})"
    return f"FAIL ({value:.4g}{unit} > {bar:g}{unit}: {value / bar - 1:.1%} over)"


def failed(prefix: str) -> bool:
    """Whether a bar whose name starts with ``prefix`` has failed."""
    return any(passed is False for name, passed in results if name.startswith(prefix))


def show_profile(title: str, work: Callable[[], object]) -> None:
    print(f"  cProfile of glassgrad's part ({title}), by own time:")
    print(profile(work))


def heading(title: str) -> None:
    print(f"\n== {title} ==")


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


# --- 1. deep chain ------------------------------------------------------------


def glassgrad_chain(n: int) -> float:
    x, y = workloads.chain(Value, n)
    y.backward()
    return float(x.grad)


def micrograd_chain_fails(n: int) -> bool:
    try:
        workloads.chain(MicroValue, n)[1].backward()
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


CHAIN_COLUMNS = ["N", "glassgrad ok", "glassgrad", "of it GC", "GC off", "floor", "ratio", "ratio GC off"]
CHAIN_COLUMNS += ["micrograd (ratio)", "bar: ≤ 40× at 10^5"]


def chain_row(n: int, cfg: Config, limit: int | None) -> list[str]:
    """One row of the chain table: glassgrad (GC on and off), the floor, micrograd, the bar."""
    # Short runs get more samples (a millisecond is easily disturbed); 10^6 takes seconds a run.
    if n <= 10**4:
        repeats = 3 * cfg.chain_repeats
    elif n <= 10**5:
        repeats = cfg.chain_repeats
    else:
        repeats = min(cfg.chain_repeats, 2)
    best = interleaved(
        {
            "on": lambda: best_of(lambda _: glassgrad_chain(n), 1),
            "off": lambda: best_of(lambda _: glassgrad_chain(n), 1, gc_enabled=False),
            "floor": lambda: best_of(lambda _: floor.chain(1.0, n), 1),
        },
        repeats,
    )
    on, off, base = best["on"], best["off"], best["floor"]
    ok = "yes" if close(glassgrad_chain(n), floor.chain(1.0, n)[1]) else "WRONG GRAD"
    if n > 10**5:
        micro = "not run"
    elif limit is not None and n >= limit:
        micro = "RecursionError" if micrograd_chain_fails(n) else "worked?!"
    else:
        t = best_of(lambda _: micrograd_chain_fails(n), cfg.chain_repeats).seconds
        micro = f"{ms(t)} ({ratio(t, base.seconds)})"
    bar = ""
    if n == CHAIN_BAR[0]:
        bar = verdict(
            "chain N=10^5 build+backward <= 40x floor", on.seconds / base.seconds, CHAIN_BAR[1], True
        )
    times = [ms(on.seconds), ms(on.gc_seconds), ms(off.seconds), ms(base.seconds)]
    ratios = [ratio(on.seconds, base.seconds), ratio(off.seconds, base.seconds)]
    return [f"{n:,}", ok, *times, *ratios, micro, bar]


def section_chain(cfg: Config) -> None:
    heading("1. Deep chain: x -> x*1.0001 + 0.0001, N times, then backward (build + backward)")
    limit = micrograd_limit()
    print(
        f"micrograd raises RecursionError from N = {limit} on "
        f"(bisection over 100..1000; recursion limit {sys.getrecursionlimit()})"
    )
    sizes = sorted({*cfg.chain_sizes, *([limit - 1] if limit else [])})
    rows = [chain_row(n, cfg, limit) for n in sizes]
    print(table(CHAIN_COLUMNS, rows))
    if failed("chain"):
        n = CHAIN_BAR[0]
        show_profile(f"N = {n:,}", lambda: glassgrad_chain(n))


# --- 2. wide graph --------------------------------------------------------------


def section_wide(cfg: Config) -> None:
    n = cfg.wide_n
    nodes = workloads.wide_nodes(n)
    heading(f"2. Wide graph: pairwise sum of {n:,} products a_i*b_i ({nodes:,} nodes)")
    rng = random.Random(1)
    xs = [rng.uniform(-1.0, 1.0) for _ in range(n)]
    ys = [rng.uniform(-1.0, 1.0) for _ in range(n)]

    # Correctness first: glassgrad's gradients against the floor's.
    root, a, b = workloads.wide(Value, xs, ys)
    root.backward()
    ga, gb = floor.wide_backward(xs, ys, floor.wide_forward(xs, ys)[1])
    pairs = [*zip(a, ga, strict=True), *zip(b, gb, strict=True)]
    ok = all(close(v.grad, g) for v, g in pairs)
    print(f"glassgrad's gradients match the floor's: {'yes' if ok else 'NO'}")
    del root, a, b

    def build_glassgrad() -> Any:
        return workloads.wide(Value, xs, ys)[0]

    def build_micrograd() -> Any:
        return workloads.wide(MicroValue, xs, ys)[0]

    def glassgrad_all() -> Any:
        root = build_glassgrad()
        root.backward()
        return root

    def micrograd_all() -> Any:
        root = build_micrograd()
        root.backward()
        return root

    def floor_all() -> Any:
        return floor.wide_backward(xs, ys, floor.wide_forward(xs, ys)[1])

    # The floor and glassgrad take turns; micrograd (slow to build) is timed after them.
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
        name: (best[f"{name} build"], best[f"{name} backward"])
        for name in ("floor", "glassgrad", "micrograd")
    }
    floor_backward = best["floor backward"]
    # Memory in runs of its own: tracemalloc slows everything down.
    memory = {
        "floor": peak_bytes(floor_all),
        "glassgrad": peak_bytes(glassgrad_all),
        "micrograd": peak_bytes(micrograd_all),
    }
    judged = n == 200_000
    rows = []
    for name, (build, backward) in timings.items():
        per_node = memory[name] / nodes
        time_bar = mem_bar = ""
        if name == "glassgrad":
            backward_ratio = backward.seconds / floor_backward.seconds
            time_bar = verdict("wide backward <= 20x floor", backward_ratio, WIDE_BACKWARD_BAR, judged)
            mem_bar = verdict("wide peak <= 120 bytes/node", per_node, WIDE_BYTES_BAR, judged, " B")
        build_times = [ms(build.seconds), ms(build.gc_seconds)]
        backward_times = [
            ms(backward.seconds),
            ms(backward.gc_seconds),
            ratio(backward.seconds, floor_backward.seconds),
        ]
        rows.append(
            [name, *build_times, *backward_times, time_bar, size(memory[name]), f"{per_node:.0f}", mem_bar]
        )
    headers = ["", "build", "of it GC", "backward", "of it GC", "ratio", "bar: ≤ 20×"]
    print(table([*headers, "peak memory", "bytes/node", "bar: ≤ 120 B"], rows))
    print("(peak memory: tracemalloc from after the input float lists exist, through build and backward)")
    if failed("wide backward"):
        root = build_glassgrad()
        show_profile("backward", root.backward)
        del root
    if failed("wide peak"):
        print("  Memory held after glassgrad's backward, by the line that allocated it:")
        print(memory_by_line(glassgrad_all))


# --- 3. reference cycles --------------------------------------------------------


def section_cycles(cfg: Config) -> None:
    n = cfg.cycle_n
    heading(f"3. Reference cycles: build + backward a wide graph of {n:,} products, then drop it, GC off")
    rng = random.Random(2)
    xs = [rng.uniform(-1.0, 1.0) for _ in range(n)]
    ys = [rng.uniform(-1.0, 1.0) for _ in range(n)]

    def build(engine: Any) -> Callable[[], Any]:
        def run() -> Any:
            root = workloads.wide(engine, xs, ys)[0]
            root.backward()
            return root

        return run

    rows = []
    for name, engine in (("glassgrad", Value), ("micrograd", MicroValue)):
        r = retention(build(engine))
        left = r.after_drop / r.held
        bar = ""
        if name == "glassgrad":
            bar = verdict("dropped graph freed by refcounting", 100 * left, 1.0, True, "% left")
        rows.append(
            [
                name,
                size(r.held),
                f"{size(r.after_drop)} ({left:.1%})",
                f"{r.collected_objects:,}",
                ms(r.collect_seconds),
                size(r.after_collect),
                bar,
            ]
        )
    print(
        table(
            [
                "",
                "graph holds",
                "left after del",
                "gc.collect() finds",
                "taking",
                "left after it",
                "bar: freed without GC",
            ],
            rows,
        )
    )

    steps = cfg.loop_steps
    xs, ys = xs[: cfg.loop_n], ys[: cfg.loop_n]
    print(f"\nA training-like loop, GC on: {steps} × (build {cfg.loop_n:,} products + backward + drop)")
    rows = []
    for name, engine in (("glassgrad", Value), ("micrograd", MicroValue)):
        work = build(engine)
        t = best_of(lambda _: work(), 1, inner=steps)  # noqa: B023 (called at once)
        rows.append([name, ms(t.seconds), ms(t.gc_seconds), f"{t.gc_seconds / t.seconds:.0%}"])
    print(table(["", "per step", "of it GC", "GC share"], rows))


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
    rows = [["floor (hand-written floats)", ms(base.seconds), ms(base.gc_seconds), "1×", ""]]
    for name, t in best.items():
        bar = ""
        if name == "glassgrad nn, GC on":
            bar = verdict(
                "moons step <= 9x floor", t.seconds / base.seconds, MOONS_BAR, cfg.moons_points == 100
            )
        if name == "glassgrad autograd.compile, GC on":
            bar = verdict(
                "moons step through compile <= 1x floor",
                t.seconds / base.seconds,
                COMPILED_MOONS_BAR,
                cfg.moons_points == 100,
            )
        rows.append([name, ms(t.seconds), ms(t.gc_seconds), ratio(t.seconds, base.seconds), bar])
    print(table(["", "per step", "of it GC", "ratio", "bar: ≤ 9×, compiled ≤ 1× (GC on)"], rows))
    if failed("moons"):
        glassgrad_step = steps["glassgrad"]
        show_profile("one step", glassgrad_step)


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
        judged = cfg.moons_points == 100
        bar = verdict("compile the moons step <= 20 engine steps", steps, COMPILE_STEPS_BAR, judged, " steps")
        rows.append(
            [
                f"moons step ({autograd.compile(loss).form})",
                ms(best["compile"].seconds),
                f"{ms(best['engine step'].seconds)} (one engine step)",
                f"{steps:.3g} steps",
                bar,
            ]
        )

    n = cfg.compile_chain
    x, y = workloads.chain(Value, n)
    best = interleaved(
        {
            "engine": lambda: best_of(lambda _: glassgrad_chain(n), 1),
            "compile": lambda: best_of(lambda _: autograd.compile(y), 1),
        },
        cfg.compile_repeats,
    )
    times = best["compile"].seconds / best["engine"].seconds
    bar = verdict("compile the chain <= 20x build + backward", times, COMPILE_CHAIN_BAR, n == 10**5)
    program = autograd.compile(y)
    rows.append(
        [
            f"deep chain, N = {n:,} ({program.form})",
            ms(best["compile"].seconds),
            f"{ms(best['engine'].seconds)} (engine build + backward)",
            f"{times:.3g}×",
            bar,
        ]
    )
    print(table(["compiling", "takes", "against", "ratio", "bar: ≤ 20 (GC on)"], rows))

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
    bar = verdict("chain program <= 10x floor", times, REPLAY_CHAIN_BAR, n == 10**5)
    agree = "yes" if ok else "NO"
    print(f"\nThe chain's program, N = {n:,}: forward + backward (dy/dx matches the floor's: {agree})")
    row = [ms(best["program"].seconds), ms(best["floor"].seconds), f"{times:.3g}×", bar]
    print(table(["program", "floor", "ratio", "bar: ≤ 10× (GC on)"], [row]))


SECTIONS: dict[str, Callable[[Config], None]] = {
    "chain": section_chain,
    "wide": section_wide,
    "cycles": section_cycles,
    "moons": section_moons,
    "compile": section_compile,
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench", description=__doc__.split("\n")[0])
    sizes = parser.add_mutually_exclusive_group()
    sizes.add_argument("--quick", action="store_true", help="fewer repeats and no N = 10^6 (about 2 minutes)")
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
    heading("Summary")
    for name, passed in results:
        print(f"{'n/a ' if passed is None else 'PASS' if passed else 'FAIL'}  {name}")


if __name__ == "__main__":
    main()
