"""Forward mode beside reverse mode: when each wins, Newton's method, and the seed's network.

    python demos/modes.py                   # sizes up to 64, writes out/modes.png and out/newton.png
    python demos/modes.py --max-size 8 --out /tmp/modes

Both modes read the same rule table (autograd/forward.py): reverse mode walks
the graph from the output back and gives the gradient of one output with
respect to every input in one pass; forward mode walks it from the inputs on
and gives the derivative of every output along one input in one pass. So:

1. For f: ℝⁿ → ℝ (a loss of n weights) the full Jacobian (the gradient) takes
   reverse mode 1 pass and forward mode n passes; for g: ℝ → ℝᵐ it is the
   other way round. The demo counts the passes and the rule calls and times
   both as n and m grow, and plots them.
2. Newton's method on f(x) = x⁴ − 2x² from x = 2, with the second derivative
   from ``hessian``, beside gradient descent (DeZero's worked example: Newton
   reaches the minimum x = 1 in 7 steps).
3. The seed's network: the derivative of the loss along one weight by forward
   mode is that weight's ``.grad`` after ``backward()``.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

from autograd import Value, grad, linear
from autograd.forward import Jacobian, hessian, jacobian, jvp
from nn.seed import seed_example

MODES = ("reverse", "forward")
Costs = dict[str, dict[str, list[tuple[int, int, float]]]]
"""For f and g, for each mode: (passes, rule calls, seconds) at each size."""


# --- 1. the cost of each mode ---------------------------------------------------


TRUNK = 16
"""How many tanh layers every function below shares: a graph with some depth to walk."""


def trunk(h: Value) -> Value:
    """``TRUNK`` steps of h ← tanh(0.9·h + 0.1): the part of the graph every output shares."""
    for _ in range(TRUNK):
        h = (h * 0.9 + 0.1).tanh()
    return h


def many_to_one(n: int) -> tuple[list[Value], list[Value]]:
    """f: ℝⁿ → ℝ, a loss of n weights: (trunk(w · x) − 1)²."""
    w = [Value(0.1 * ((i % 7) - 3), label=f"w{i}") for i in range(n)]
    x = [0.5 + 0.01 * i for i in range(n)]
    return [(trunk(linear(w, x)) - 1.0) ** 2], w


def one_to_many(m: int) -> tuple[list[Value], list[Value]]:
    """g: ℝ → ℝᵐ, m outputs of one input t: y_k = tanh(c_k · trunk(t))."""
    t = Value(0.3, label="t")
    h = trunk(t)
    return [(h * (0.1 * (k + 1))).tanh() for k in range(m)], [t]


def cost(
    make: Callable[[int], tuple[list[Value], list[Value]]], size: int, mode: str, repeat: int = 3
) -> tuple[Jacobian, float]:
    """The Jacobian of ``make(size)`` by ``mode``, and the best time of ``repeat`` runs in seconds."""
    outputs, inputs = make(size)
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        J = jacobian(outputs, inputs, mode=mode)
        best = min(best, time.perf_counter() - start)
    return J, best


def measure(sizes: list[int], repeat: int = 3) -> Costs:
    """For f and g, for each mode: (passes, rule calls, seconds) at each size."""
    results: Costs = {}
    for name, make in (("f", many_to_one), ("g", one_to_many)):
        results[name] = {}
        for mode in MODES:
            rows = []
            for size in sizes:
                J, seconds = cost(make, size, mode, repeat)
                rows.append((J.passes, J.rule_calls, seconds))
            results[name][mode] = rows
    return results


def plot_costs(sizes: list[int], results: Costs, path: Path) -> None:
    """Rule calls (top) and time (bottom) of the full Jacobian, for f (left) and g (right)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    titles = {"f": "f: ℝⁿ → ℝ (a loss of n weights)", "g": "g: ℝ → ℝᵐ (m outputs of one input)"}
    sizes_of = {"f": "n (inputs)", "g": "m (outputs)"}
    styles = {"reverse": ("#a4262c", "o"), "forward": ("#2c7fb8", "s")}
    fig, axes = plt.subplots(2, 2, figsize=(11, 7.5), sharex="col", constrained_layout=True)
    for col, name in enumerate(("f", "g")):
        for mode in MODES:
            color, marker = styles[mode]
            rows = results[name][mode]
            axes[0][col].plot(sizes, [r[1] for r in rows], marker=marker, color=color, label=f"{mode} mode")
            axes[1][col].plot(sizes, [r[2] * 1e3 for r in rows], marker=marker, color=color,
                              label=f"{mode} mode")
        axes[0][col].set_title(titles[name])
        axes[0][col].set_ylabel("rule calls for the whole Jacobian")
        axes[1][col].set_ylabel("time for the whole Jacobian (ms)")
        axes[1][col].set_xlabel(sizes_of[name])
        for row in (0, 1):
            axes[row][col].set_xscale("log", base=2)
            axes[row][col].set_yscale("log")
            axes[row][col].grid(True, which="both", alpha=0.3)
            axes[row][col].legend()
        winner = "reverse" if name == "f" else "forward"
        passes = "1 pass against n" if name == "f" else "1 pass against m"
        axes[0][col].text(0.03, 0.95, f"{winner} mode wins: {passes}", transform=axes[0][col].transAxes,
                          va="top", fontsize=10)
    fig.suptitle("One rule table, two directions: the cost of the full Jacobian")
    fig.savefig(path, dpi=110)
    plt.close(fig)


# --- 2. Newton's method with the Hessian ------------------------------------------


def quartic(x: Value) -> Value:
    """DeZero's example: f(x) = x⁴ − 2x², minima at x = ±1."""
    return x**4 - 2 * x**2


def newton(x0: float = 2.0, steps: int = 10) -> list[float]:
    """x ← x − f′(x) / f″(x), the second derivative from ``hessian``; stops where f′(x) is 0."""
    xs = [x0]
    for _ in range(steps):
        x = Value(xs[-1], label="x")
        y = quartic(x)
        (g,) = grad(y, [x])
        if g.data == 0.0:  # at the minimum: Newton's step would be 0
            break
        ((h,),) = hessian(y, [x])
        xs.append(x.data - g.data / h)
    return xs


def gradient_descent(
    x0: float = 2.0, lr: float = 0.01, tolerance: float = 1e-10, limit: int = 10_000
) -> list[float]:
    """x ← x − lr·f′(x) until |x − 1| < tolerance (or ``limit`` steps)."""
    xs = [x0]
    while abs(xs[-1] - 1.0) >= tolerance and len(xs) <= limit:
        x = Value(xs[-1])
        (g,) = grad(quartic(x), [x])
        xs.append(x.data - lr * g.data)
    return xs


def plot_newton(newton_xs: list[float], descent_xs: list[float], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.8), constrained_layout=True)
    grid = [0.6 + 1.5 * i / 200 for i in range(201)]
    left.plot(grid, [x**4 - 2 * x**2 for x in grid], color="#555", label="f(x) = x⁴ − 2x²")
    left.plot(newton_xs, [x**4 - 2 * x**2 for x in newton_xs], "o-", color="#a4262c", label="Newton")
    left.plot(descent_xs[:40], [x**4 - 2 * x**2 for x in descent_xs[:40]], ".", color="#2c7fb8",
              label="gradient descent (first 40 steps)")
    left.set_xlabel("x")
    left.set_ylabel("f(x)")
    left.set_title("From x = 2 to the minimum at x = 1")
    left.legend()
    floor = 1e-17  # |x − 1| is 0 at the end: drawn at this floor on the log scale
    right.semilogy(range(len(newton_xs)), [max(abs(x - 1), floor) for x in newton_xs], "o-", color="#a4262c",
                   label=f"Newton: x = 1.0 after {len(newton_xs) - 1} steps")
    right.semilogy(range(len(descent_xs)), [max(abs(x - 1), floor) for x in descent_xs], "-", color="#2c7fb8",
                   label=f"gradient descent, lr 0.01: {len(descent_xs) - 1} steps to |x − 1| < 1e-10")
    right.annotate("x = 1.0 exactly", (len(newton_xs) - 1, floor), xytext=(8, -3), textcoords="offset points",
                   fontsize=9)
    right.set_xscale("symlog", linthresh=10)
    right.set_xlabel("step")
    right.set_ylabel("|x − 1|")
    right.set_title("Distance to the minimum")
    right.grid(True, which="both", alpha=0.3)
    right.legend(loc="upper center", bbox_to_anchor=(0.5, -0.17))
    fig.savefig(path, dpi=110)
    plt.close(fig)


# --- 3. the seed's network ------------------------------------------------------------


def seed_check() -> list[tuple[str, float, float]]:
    """For each weight of the seed's network: (label, forward-mode derivative, .grad from backward())."""
    seed = seed_example()
    weights = seed.net.parameters()
    along = [jvp(seed.loss, [w], [1.0]) for w in weights]  # one forward pass per weight
    seed.loss.backward()  # one backward pass for all of them
    return [(w.label, d, w.grad) for w, d in zip(weights, along, strict=True)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-size", type=int, default=64, help="the largest n and m (powers of 2 up to it)")
    parser.add_argument("--repeat", type=int, default=3, help="time each Jacobian as the best of this many")
    parser.add_argument("--out", type=Path, default=Path("out"), help="where to write the plots")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    sizes = [2**k for k in range(args.max_size.bit_length()) if 2**k <= args.max_size]
    print("1. The full Jacobian by each mode: passes, rule calls, time (best of "
          f"{args.repeat})")
    results = measure(sizes, args.repeat)
    for name, what in (("f", "f: R^n -> R, n ="), ("g", "g: R -> R^m, m =")):
        print(f"  {what}")
        for i, size in enumerate(sizes):
            cells = []
            for mode in MODES:
                passes, calls, seconds = results[name][mode][i]
                cells.append(f"{mode} {passes:>3} passes {calls:>6} rule calls {seconds * 1e3:8.3f} ms")
            print(f"  {size:>5}   " + "   ".join(cells))
    plot_costs(sizes, results, args.out / "modes.png")

    print("\n2. Newton's method on f(x) = x^4 - 2x^2 from x = 2 (f'' from hessian)")
    newton_xs = newton()
    for i, x in enumerate(newton_xs):
        print(f"  {i} {x!r}")
    descent_xs = gradient_descent()
    print(f"  Newton: x = {newton_xs[-1]!r} after {len(newton_xs) - 1} steps; gradient descent "
          f"(lr 0.01) needs {len(descent_xs) - 1} steps to get within 1e-10 of it")
    plot_newton(newton_xs, descent_xs, args.out / "newton.png")

    print("\n3. The seed's network: dE/dw by forward mode (one pass per weight) and by backward()")
    for label, along, backward in seed_check():
        same = "equal" if along == backward else f"equal to rounding ({abs(along / backward - 1):.0e} apart)"
        print(f"  {label:<10} forward {along:+.12g}   backward {backward:+.12g}   {same}")

    print(f"\nWrote {args.out / 'modes.png'} and {args.out / 'newton.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
