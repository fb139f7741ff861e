"""How the benchmark measures: best-of-k timing, the collector's share, peak memory, profiles, tables.

Timing uses ``time.perf_counter`` and keeps the best of ``repeats`` samples:
on a shared machine the best sample is the one least disturbed by other work.
Before every sample ``gc.collect()`` runs (outside the clock), so that each
sample starts from the same collector state and sees the same collections;
a workload whose cost is amortised over several calls (garbage left by one
training step is collected during the next) is timed ``inner`` calls at a
time and divided.
"""

from __future__ import annotations

import cProfile
import gc
import json
import pathlib
import pstats
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


class GcClock:
    """Sums how long the cyclic garbage collector runs, via ``gc.callbacks``.

    >>> with GcClock() as clock:
    ...     _ = gc.collect()
    >>> clock.collections[2] >= 1 and clock.seconds > 0.0
    True
    """

    def __init__(self) -> None:
        self.seconds = 0.0
        self.collections = [0, 0, 0]  # by generation
        self._started = 0.0

    def _callback(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._started
            self.collections[info["generation"]] += 1

    def __enter__(self) -> GcClock:
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self._callback)


@dataclass(frozen=True)
class Timing:
    """The best sample: seconds per call, and how much of it the collector took."""

    seconds: float
    gc_seconds: float


def best_of(
    work: Callable[[Any], object],
    repeats: int,
    *,
    setup: Callable[[], Any] = lambda: None,
    inner: int = 1,
    gc_enabled: bool = True,
) -> Timing:
    """Time ``work(setup())``: the best of ``repeats`` samples of ``inner`` calls each.

    ``setup`` runs outside the clock, once per sample (e.g. building a graph
    whose backward pass is what is timed). With ``gc_enabled=False`` the
    collector is off while the clock runs.
    """
    best: Timing | None = None
    for _ in range(repeats):
        state = setup()
        gc.collect()
        if not gc_enabled:
            gc.disable()
        try:
            with GcClock() as clock:
                start = time.perf_counter()
                for _ in range(inner):
                    work(state)
                seconds = time.perf_counter() - start
        finally:
            gc.enable()
        del state
        sample = Timing(seconds / inner, clock.seconds / inner)
        if best is None or sample.seconds < best.seconds:
            best = sample
    assert best is not None, "repeats must be at least 1"
    return best


def interleaved(candidates: dict[str, Callable[[], Timing]], repeats: int) -> dict[str, Timing]:
    """The best of ``repeats`` rounds for each candidate, taking turns within a round.

    Each candidate is a one-sample measurement (``lambda: best_of(..., 1)``).
    Taking turns means a burst of load from other processes on a shared
    machine hits every candidate alike, which keeps the ratios honest.
    """
    best: dict[str, Timing] = {}
    for _ in range(repeats):
        for name, measure in candidates.items():
            sample = measure()
            if name not in best or sample.seconds < best[name].seconds:
                best[name] = sample
    return best


def in_fresh_process(function: Callable[..., Any], *args: Any) -> Any:
    """``function(*args)`` called in a new Python process, for a clean heap; JSON in, JSON out.

    A heap that has held big graphs makes the same plain-float code slower (its
    free memory is scattered), so a floor timed there flatters whatever it is
    compared with. ``function`` must be importable by name from this package.
    """
    module = function.__module__
    if module == "__main__":  # run as ``python -m benchmarks.bench``
        spec = sys.modules["__main__"].__spec__
        assert spec is not None, "run the benchmark as a module: python -m benchmarks.bench"
        module = spec.name
    code = (
        "import importlib, json, sys; f = getattr(importlib.import_module(sys.argv[1]), sys.argv[2]);"
        " print(json.dumps(f(*json.loads(sys.argv[3]))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, module, function.__qualname__, json.dumps(args)],
        cwd=pathlib.Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(f"{module}.{function.__qualname__} failed in a fresh process:\n{done.stderr}")
    return json.loads(done.stdout)


def peak_bytes(work: Callable[[], object]) -> int:
    """The peak of memory allocated while ``work()`` runs, by ``tracemalloc``.

    Tracing slows Python down several times, so memory and time are never
    measured in the same run.
    """
    gc.collect()
    tracemalloc.start()
    try:
        work()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def memory_by_line(work: Callable[[], object], top: int = 6) -> str:
    """What ``work()``'s result holds, by the source line that allocated it (``tracemalloc``)."""
    gc.collect()
    tracemalloc.start()
    try:
        kept = work()
        snapshot = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    del kept
    lines = []
    for stat in snapshot.statistics("lineno")[:top]:
        frame = stat.traceback[0]
        where = "/".join(frame.filename.rsplit("/", 2)[-2:])
        lines.append(f"    {size(stat.size):>10} {stat.count:>9,} blocks  {where}:{frame.lineno}")
    return "\n".join(lines)


@dataclass
class Retention:
    """What a dropped graph leaves behind with the collector off, and what it costs to collect."""

    held: int = 0  # bytes allocated while the graph was alive
    after_drop: int = 0  # bytes still allocated after the last reference went
    collected_objects: int = 0  # what gc.collect() then found unreachable
    collect_seconds: float = 0.0
    after_collect: int = 0


def retention(build: Callable[[], object]) -> Retention:
    """Build a graph (``build()`` returns its root), drop it, see if reference counting freed it.

    The collector is off throughout, so only reference counting can free
    memory until the explicit ``gc.collect()`` at the end.
    """
    result = Retention()
    gc.collect()
    gc.disable()
    tracemalloc.start()
    try:
        root = build()
        result.held = tracemalloc.get_traced_memory()[0]
        del root
        result.after_drop = tracemalloc.get_traced_memory()[0]
        start = time.perf_counter()
        result.collected_objects = gc.collect()
        result.collect_seconds = time.perf_counter() - start
        result.after_collect = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
        gc.enable()
    return result


@dataclass
class Profile:
    """The functions that took the most time of their own, from one ``cProfile`` run."""

    rows: list[tuple[float, int, str]] = field(default_factory=list)  # (tottime, calls, where)
    total: float = 0.0

    def __str__(self) -> str:
        lines = [f"    {'own s':>7} {'share':>6} {'calls':>9}  function"]
        for tottime, calls, where in self.rows:
            lines.append(f"    {tottime:7.3f} {tottime / self.total:6.0%} {calls:9d}  {where}")
        return "\n".join(lines)


def profile(work: Callable[[], object], top: int = 8) -> Profile:
    """Run ``work()`` once under ``cProfile``; keep the ``top`` functions by own time."""
    profiler = cProfile.Profile()
    profiler.runcall(work)
    stats: dict[tuple[str, int, str], tuple[Any, ...]] = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    rows = []
    for (filename, line, function), (_, calls, tottime, *_rest) in stats.items():
        short = filename.rsplit("/", 2)[-2:]
        where = f"{function} ({'/'.join(short)}:{line})" if line else function
        rows.append((tottime, calls, where))
    rows.sort(reverse=True)
    return Profile(rows[:top], sum(r[0] for r in rows))


def table(headers: list[str], rows: list[list[str]]) -> str:
    """A plain text table: the first column left-aligned, the others right-aligned.

    >>> print(table(["N", "time"], [["10", "1.0 ms"]]))
    N     time
    --  ------
    10  1.0 ms
    """
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=True)]

    def line(cells: list[str]) -> str:
        first, *rest = (str(c) for c in cells)
        parts = [first.ljust(widths[0])] + [c.rjust(w) for c, w in zip(rest, widths[1:], strict=True)]
        return "  ".join(parts).rstrip()

    return "\n".join([line(headers), "  ".join("-" * w for w in widths)] + [line(r) for r in rows])


def ms(seconds: float) -> str:
    """Seconds as milliseconds with three significant digits."""
    value = seconds * 1000
    return f"{value:.3g} ms" if value < 1000 else f"{value:,.0f} ms"


def size(nbytes: int) -> str:
    """A byte count in KiB or MiB."""
    return f"{nbytes / 2**10:.1f} KiB" if nbytes < 2**20 else f"{nbytes / 2**20:.1f} MiB"


def ratio(value: float, floor: float) -> str:
    """``value / floor`` written as a multiple, e.g. ``12.3×``."""
    return f"{value / floor:.3g}×" if floor > 0 else "n/a"
