"""micrograd's moons demo, done properly: a small MLP learns to separate two interleaved half-moons.

    python demos/moons.py                 # 100 points, 100 steps, writes out/moons.png
    python demos/moons.py --engine        # the same training by the engine, for comparison
    python demos/moons.py --compiled      # ... or through autograd.compile of the whole batch's graph
    python demos/moons.py --steps 5 --out /tmp/moons

The recipe is micrograd's: MLP(2, [16, 16, 1]) with relu hidden layers, the
hinge (max-margin) loss plus 1e-4 × the sum of squared parameters, and 100
steps of plain gradient descent on all 100 points with a learning rate that
falls from 1.0 to 0.1 (lr = 1 − 0.9·k/100).

The demo draws the graph of *one* point, with its coordinates and label as
batch leaves, and compiles it once as a batched program
(``autograd.compile(loss, batch=[x1, x2, y])``); every step runs it over the
100 points as rows (``program.over(rows)``: the mean of each point's hinge +
L2 is the batch's loss, and its gradient is added into the weights' .grad).
With NumPy each node is one vector operation over all the points: many times
as fast as the engine, with the same numbers (to 1e-12). ``--compiled``
compiles the whole batch's graph instead (``autograd.compile(loss)``: bit for
bit the engine's). The progress bar shows the steps per second of each.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from pathlib import Path

import autograd
from autograd import Value, no_grad
from glassgrad.cli import output_folder_or_exit
from nn import MLP, SGD, hinge, l2

Point = tuple[float, float]


def make_moons(n: int = 100, noise: float = 0.1, seed: int = 1) -> tuple[list[Point], list[int]]:
    """Two interleaving half circles, like scikit-learn's ``make_moons``, with labels ±1.

    The upper moon (label −1) is the half circle of radius 1 around (0, 0);
    the lower moon (label +1) is the same half circle flipped and moved to
    (1, 0.5). Each point gets Gaussian noise with standard deviation ``noise``.
    """
    rng = random.Random(seed)
    n_upper = n // 2
    n_lower = n - n_upper
    points: list[Point] = []
    labels: list[int] = []
    for i in range(n_upper):
        t = math.pi * i / max(n_upper - 1, 1)
        points.append((math.cos(t), math.sin(t)))
        labels.append(-1)
    for i in range(n_lower):
        t = math.pi * i / max(n_lower - 1, 1)
        points.append((1.0 - math.cos(t), 0.5 - math.sin(t)))
        labels.append(1)
    noisy = [(x + rng.gauss(0.0, noise), y + rng.gauss(0.0, noise)) for x, y in points]
    return noisy, labels


def accuracy(scores: list[Value], labels: list[int]) -> float:
    """The fraction of points whose score has the label's sign."""
    return sum((s.data > 0) == (y > 0) for s, y in zip(scores, labels, strict=True)) / len(labels)


def one_point(model: MLP) -> tuple[Value, list[Value]]:
    """One point's loss, hinge + 1e-4 × Σ p², its coordinates and label the batch leaves (x1, x2, y)."""
    x1, x2, y = Value(0.0, label="x1"), Value(0.0, label="x2"), Value(1.0, label="y")
    score: Value = model([x1, x2])  # type: ignore[assignment]
    return (1.0 - y * score).relu() + 1e-4 * l2(model.parameters()), [x1, x2, y]


def loss_of(model: MLP, points: list[Point], labels: list[int]) -> tuple[Value, list[Value]]:
    """The training loss (hinge + 1e-4 × Σ p²) as one graph, and the scores it is made of."""
    scores: list[Value] = [model(list(p)) for p in points]  # type: ignore[misc]
    return hinge(scores, labels) + 1e-4 * l2(model.parameters()), scores


def train(
    model: MLP,
    points: list[Point],
    labels: list[int],
    steps: int,
    progress: bool = True,
    how: str = "batched",
) -> tuple[float, float]:
    """Train ``model`` for ``steps`` steps; returns the last step's loss and the final training accuracy.

    ``how`` is ``"batched"`` (the default: one point's graph, compiled once,
    run over the points as rows by ``program.over``), ``"compiled"`` (the
    whole batch's graph, built once, run by ``autograd.compile``) or
    ``"engine"`` (every step builds the graph again and calls ``backward()``).
    The engine and ``"compiled"`` agree bit for bit; ``"batched"`` with NumPy
    to about 1e-12 (NumPy sums the points pairwise).
    """
    from tqdm import tqdm

    optimizer = SGD(model.parameters(), lr=1.0)
    loss = math.nan
    rows = [[x1, x2, float(y)] for (x1, x2), y in zip(points, labels, strict=True)]
    loss_one, batch = one_point(model)
    batched = autograd.compile(loss_one, batch=batch) if how == "batched" else None
    program = autograd.compile(loss_of(model, points, labels)[0]) if how == "compiled" else None
    # disable=None: a bar on a terminal only, not in a log or a pipe
    bar = tqdm(range(steps), desc=how, unit="step", disable=None if progress else True)
    for k in bar:
        optimizer.zero_grad()
        if batched is not None:
            losses = batched.over(rows)  # each point's loss; their mean's gradient added into .grad
            loss = sum(losses) / len(losses)
        elif program is not None:
            loss = program()  # forward and backward; adds the gradients into .grad
        else:
            total, _ = loss_of(model, points, labels)
            total.backward()
            loss = total.data
        optimizer.lr = 1.0 - 0.9 * k / 100
        optimizer.step()
        bar.set_postfix(loss=f"{loss:.4f}")
    with no_grad():  # evaluating, not training: build no graph
        acc = accuracy([model(list(p)) for p in points], labels)  # type: ignore[misc]
    return loss, acc


def plot(model: MLP, points: list[Point], labels: list[int], path: Path, title: str, grid: int) -> None:
    """Save the decision boundary (the score's sign on a grid) and the points as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    x0, x1 = min(xs) - 0.5, max(xs) + 0.5
    y0, y1 = min(ys) - 0.5, max(ys) + 0.5
    gx = [x0 + (x1 - x0) * i / (grid - 1) for i in range(grid)]
    gy = [y0 + (y1 - y0) * j / (grid - 1) for j in range(grid)]
    with no_grad():  # evaluating, not training: build no graph
        score = [[model([x, y]).data for x in gx] for y in gy]  # type: ignore[union-attr]

    fig, ax = plt.subplots(figsize=(6, 5), dpi=110)
    ax.contourf(gx, gy, score, levels=[-1e9, 0.0, 1e9], colors=["#a6c8ff", "#ffb3a6"], alpha=0.8)
    ax.contour(gx, gy, score, levels=[0.0], colors="black", linewidths=1)
    for label, color, name in ((-1, "#1f4fbf", "label −1"), (1, "#c0392b", "label +1")):
        px = [p[0] for p, y in zip(points, labels, strict=True) if y == label]
        py = [p[1] for p, y in zip(points, labels, strict=True) if y == label]
        ax.scatter(px, py, c=color, edgecolors="white", linewidths=0.6, s=30, label=name)
    ax.plot([], [], color="black", linewidth=1, label="decision boundary (score = 0)")
    ax.set_title(title)
    ax.set_xlabel("x₁")
    ax.set_ylabel("x₂")
    # Below the axes, in one row: inside them, any corner hides points or the boundary.
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=3, fontsize=8, frameon=False)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=100, help="number of points (default 100)")
    parser.add_argument("--steps", type=int, default=100, help="training steps (default 100)")
    parser.add_argument("--seed", type=int, default=1, help="seed for data and weights (default 1)")
    parser.add_argument("--grid", type=int, default=80, help="decision-boundary grid size (default 80)")
    parser.add_argument("--out", type=Path, default=Path("out"), help="folder for moons.png (default out/)")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    how = parser.add_mutually_exclusive_group()
    how.add_argument(
        "--engine", action="store_true", help="train by the engine: build the graph, backward(), every step"
    )
    how.add_argument(
        "--compiled", action="store_true", help="train through autograd.compile of the whole batch's graph"
    )
    args = parser.parse_args(argv)
    output_folder_or_exit(parser.prog, args.out)  # before any work: a run that cannot write says so first
    if args.points < 2 or args.steps < 1 or args.grid < 2:
        parser.error("--points and --grid must be at least 2, --steps at least 1")

    points, labels = make_moons(args.points, noise=0.1, seed=args.seed)
    model = MLP(2, [16, 16, 1], seed=args.seed)
    print(f"{model}: {len(model.parameters())} parameters, {len(points)} points")
    start = time.perf_counter()
    how = "engine" if args.engine else "compiled" if args.compiled else "batched"
    loss, acc = train(model, points, labels, args.steps, progress=not args.no_progress, how=how)
    seconds = time.perf_counter() - start
    print(f"after {args.steps} steps: loss {loss:.4f}, training accuracy {acc:.1%}")
    said = {
        "batched": "one point's graph over the points as rows (program.over, compiling included)",
        "compiled": "autograd.compile of the whole batch's graph (--compiled, compiling included)",
        "engine": "the engine (--engine)",
    }[how]
    print(f"trained through {said} in {seconds:.2f} s: {args.steps / seconds:.0f} steps/s")

    path = args.out / "moons.png"
    title = f"MLP(2, [16, 16, 1]) after {args.steps} steps: {acc:.0%} of {len(points)} points right"
    plot(model, points, labels, path, title, args.grid)
    print(f"decision boundary written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
