"""The vanishing gradient, measured: error terms layer by layer in deep sigmoid, tanh and relu networks.

    python demos/vanishing_gradient.py        # 10 layers of 16, writes out/vanishing_gradient.png
    python demos/vanishing_gradient.py --depth 4 --samples 2 --out /tmp/vg

The seed closes with: "The maximum derivative of the sigmoid function is
0.25, so the errors in the output get reduced by at least 75%." A hidden
error term is δⱼ = f′(hⱼ)·Σₖ Wⱼₖ δₖ: each layer multiplies by f′ once more.
This demo builds three networks that differ only in the hidden activation
(same size, same seed, so the same weights), backpropagates from the output
and reports the mean |δ| of each layer, with the factor f′ alone next to the
seed's bound. The plot shows both: |δ| per layer, and f′ per layer under the
bound (the bound is on f′, not on δ: the weights can give some of it back).
"""

from __future__ import annotations

import argparse
import math
import random
import sys
from pathlib import Path
from typing import Any

from glassgrad.cli import output_folder_or_exit
from nn import MLP, error_terms

ACTIVATIONS = ("sigmoid", "tanh", "relu")
SIGMOID_BOUND = 0.25


def measure(
    activation: str, depth: int, width: int, samples: int, seed: int
) -> tuple[list[float], list[float]]:
    """Mean |δ| and mean f′(h) per layer (input side first), over ``samples`` random inputs.

    The backward pass starts at the network's (linear) output ŷ itself, so
    the output neuron's δ is 1 in size in every network and each layer's
    |δ| reads as a fraction of it.
    """
    net = MLP(width, [width] * (depth - 1) + [1], activation=activation, seed=seed)
    rng = random.Random(seed + 1)
    delta_sums = [0.0] * depth
    derivative_sums = [0.0] * depth
    for _ in range(samples):
        y_hat = net([rng.gauss(0.0, 1.0) for _ in range(width)])
        y_hat.backward()  # type: ignore[union-attr]
        for i, layer in enumerate(error_terms(net)):
            delta_sums[i] += sum(abs(n.delta) for n in layer) / len(layer)
            derivative_sums[i] += sum(n.derivative for n in layer) / len(layer)
    return [s / samples for s in delta_sums], [s / samples for s in derivative_sums]


def geometric_mean(xs: list[float]) -> float:
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs and min(xs) > 0 else 0.0


def plot(deltas: dict[str, list[float]], derivatives: dict[str, list[float]], path: Path, width: int) -> None:
    """Write ``figure(...)`` to ``path`` as a PNG."""
    import matplotlib.pyplot as plt

    fig = figure(deltas, derivatives, width)
    fig.savefig(path)
    plt.close(fig)


def figure(deltas: dict[str, list[float]], derivatives: dict[str, list[float]], width: int) -> Any:
    """Two panels: mean |δ| per layer (log scale), and mean f′(h) per hidden layer under the seed's bound.

    The seed's bound is on f′ alone (sigmoid′ ≤ 0.25), not on δ: the weights'
    sum Σₖ Wⱼₖδₖ can give some of it back. So the bound is drawn where it
    bounds what is plotted, on the right, as a line no sigmoid point can cross.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    depth = len(next(iter(deltas.values())))
    layers = list(range(1, depth + 1))
    hidden = layers[:-1]  # the output neuron is linear: its f′ is 1
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.6), dpi=110, gridspec_kw={"width_ratios": [3, 2]})
    for activation, marker in zip(ACTIVATIONS, "osD", strict=True):
        left.plot(layers, deltas[activation], marker=marker, label=f"{activation} hidden layers")
        right.plot(hidden, derivatives[activation][:-1], marker=marker, label=activation)
    left.set_yscale("log")
    left.set_xticks(layers)
    left.set_xlabel(f"layer (1 = next to the input, {depth} = output)")
    left.set_ylabel("mean |δ| of the layer's neurons (output = 1)")
    left.set_title("Error terms, backpropagated from the output")
    left.grid(True, which="major", alpha=0.3)
    left.legend(fontsize=8, loc="lower right")

    right.axhline(SIGMOID_BOUND, color="k", linestyle="--", linewidth=1)
    right.annotate(
        "the seed's bound: sigmoid′ ≤ 0.25",
        (hidden[0], SIGMOID_BOUND),
        xytext=(0, 4),
        textcoords="offset points",
        fontsize=8,
    )
    right.set_ylim(0.0, 1.05)
    right.set_xticks(hidden)
    right.set_xlabel("hidden layer")
    right.set_ylabel("mean f′(h), the factor each layer multiplies δ by")
    right.set_title("…one factor f′ per layer, before the weights")
    right.grid(True, which="major", alpha=0.3)
    right.legend(fontsize=8, loc="upper center", ncol=3)  # the top is empty: f′ ≤ 1 below it
    fig.suptitle(f"The vanishing gradient through {depth} layers of {width} neurons", fontsize=11)
    fig.tight_layout()
    return fig


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--depth", type=int, default=10, help="layers, the output included (default 10)")
    parser.add_argument("--width", type=int, default=16, help="neurons per hidden layer (default 16)")
    parser.add_argument("--samples", type=int, default=20, help="random inputs to average over (default 20)")
    parser.add_argument("--seed", type=int, default=0, help="seed for weights and inputs (default 0)")
    parser.add_argument("--out", type=Path, default=Path("out"), help="folder for the PNG (default out/)")
    args = parser.parse_args(argv)
    output_folder_or_exit(parser.prog, args.out)  # before any work: a run that cannot write says so first
    if args.depth < 2 or args.width < 1 or args.samples < 1:
        parser.error("--depth must be at least 2, --width and --samples at least 1")

    deltas, derivatives = {}, {}
    for activation in ACTIVATIONS:
        deltas[activation], derivatives[activation] = measure(
            activation, args.depth, args.width, args.samples, args.seed
        )

    print(f"Mean |δ| per layer, {args.depth} layers of {args.width}, backward from the output (δ = 1):")
    print(f"  {'layer':<7}" + "".join(f"{a:>14}" for a in ACTIVATIONS))
    for i in reversed(range(args.depth)):
        print(f"  {i + 1:<7}" + "".join(f"{deltas[a][i]:>14.3e}" for a in ACTIVATIONS))
    print()
    # f′ over every hidden layer; the |δ| ratio between hidden layers only, since the step
    # from the single output neuron to a full layer is a change of width, not of depth.
    hidden = range(args.depth - 1)
    pairs = range(args.depth - 2) if args.depth > 2 else range(1)
    factor = {a: geometric_mean([derivatives[a][i] for i in hidden]) for a in ACTIVATIONS}
    ratio = {a: geometric_mean([deltas[a][i] / deltas[a][i + 1] for i in pairs]) for a in ACTIVATIONS}
    print("Per hidden layer (geometric means over the layers):")
    print(f"  {'':<42}" + "".join(f"{a:>10}" for a in ACTIVATIONS))
    print(
        f"  {'mean f′(h), the factor before the weights':<42}"
        + "".join(f"{factor[a]:>10.3f}" for a in ACTIVATIONS)
    )
    print(
        f"  {'mean |δ| over mean |δ| of the layer above':<42}"
        + "".join(f"{ratio[a]:>10.3f}" for a in ACTIVATIONS)
    )
    print()
    holds = "holds" if factor["sigmoid"] <= SIGMOID_BOUND else "VIOLATED"
    print(
        f"The seed's bound: sigmoid′ ≤ {SIGMOID_BOUND}, so each sigmoid layer shrinks δ at least 4× "
        f"before the weights.\nMeasured: mean sigmoid′ = {factor['sigmoid']:.3f} (≤ {SIGMOID_BOUND}, "
        f"{holds}); with the weights, each sigmoid layer keeps {ratio['sigmoid']:.3f} of δ.\n"
        f"Over {args.depth - 1} hidden layers f′ alone would leave at most "
        f"{SIGMOID_BOUND}^{args.depth - 1} = {SIGMOID_BOUND ** (args.depth - 1):.1e} of the output's δ; "
        f"Σₖ Wⱼₖδₖ over {args.width} neurons\n"
        f"gives some back, and the first layer's mean |δ| is {deltas['sigmoid'][0]:.1e} "
        f"(tanh {deltas['tanh'][0]:.1e}, relu {deltas['relu'][0]:.1e})."
    )

    path = args.out / "vanishing_gradient.png"
    plot(deltas, derivatives, path, args.width)
    print(f"\nplot written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
