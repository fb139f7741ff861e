"""The seed's worked example of backpropagation, built with ``nn`` and checked line by line.

    python demos/seed_example.py              # prints the comparison, writes pictures to out/
    python demos/seed_example.py --out /tmp/seed

Two inputs (0.1, 0.3), one sigmoid hidden unit with weights (0.4, −0.2), one
sigmoid output unit with weight W = 0.1, no biases, target y = 1, learning
rate η = 0.5. The seed computes each quantity by hand, rounding as it goes;
here autograd computes them from ``loss.backward()`` alone, and each line
shows the seed's formula, the seed's rounded number, the same formula in full
precision, and what glassgrad read off the network.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import autograd
from autograd import Value, render, render_steps
from glassgrad.cli import output_folder_or_exit
from nn import SGD, error_table
from nn.seed import ETA, TARGET, W_HIDDEN, W_OUTPUT, X, seed_example


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def row(name: str, formula: str, seed: str, exact: float, ours: float, source: str) -> str:
    """One quantity: the seed's formula and number, the exact formula, glassgrad's number."""
    return (
        f"  {name:<20}{formula:<35}{seed:>8}  {exact:>13.9g}  {ours:>13.9g}  {ours - exact:>8.1g}   {source}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("out"), help="where to write the pictures")
    args = parser.parse_args(argv)
    output_folder_or_exit(parser.prog, args.out)  # before any work: a run that cannot write says so first

    # The network, its labelled inputs x0, x1, target y and loss E, built by nn/seed.py
    # (which `glassgrad seed` draws too).
    seed = seed_example()
    net, hidden, output, y_hat, loss = seed.net, seed.hidden, seed.output, seed.prediction, seed.loss
    w1, w2 = hidden.w
    (big_w,) = output.w
    loss.backward()
    table = error_table(net, lr=ETA)  # before the step, so it shows the weights the step started from
    pictures = write_pictures(loss, args.out)  # before the step too: the graph as backward left it
    before = [p.data for p in net.parameters()]
    SGD(net.parameters(), lr=ETA).step()
    step_w1, step_w2, step_big_w = (p.data - b for p, b in zip(net.parameters(), before, strict=True))

    # The seed's formulas in full precision, from nothing but the inputs and weights.
    h = X[0] * W_HIDDEN[0] + X[1] * W_HIDDEN[1]
    a = sigmoid(h)
    out = sigmoid(W_OUTPUT * a)
    delta_o = (TARGET - out) * out * (1 - out)
    delta_h = W_OUTPUT * delta_o * a * (1 - a)

    print("The seed's network: x = (0.1, 0.3), hidden weights w = (0.4, −0.2), output weight W = 0.1,")
    print("sigmoid units, no biases, target y = 1, learning rate η = 0.5.")
    print()
    print(
        f"  {'':<20}{'the seed, by hand':<35}{'seed':>8}  {'exact formula':>13}  {'glassgrad':>13}"
        f"  {'differ':>8}   read from"
    )
    print("Forward pass")
    print(row("h = Σᵢ wᵢxᵢ", "0.1×0.4 − 0.2×0.3", "-0.02", h, hidden.h.data, "hidden.h.data"))
    print(row("a = f(h)", "sigmoid(−0.02)", "0.495", a, output.inputs[0], "output.inputs[0]"))
    print(row("ŷ = f(W·a)", "sigmoid(0.1 × 0.495)", "0.512", out, y_hat.data, "net(x).data"))
    print("Error terms, after loss.backward() with E = ½(y − ŷ)²")
    print(
        row(
            "δᵒ = (y−ŷ)·f′(W·a)",
            "(1 − 0.512) × 0.512 × (1 − 0.512)",
            "0.122",
            delta_o,
            output.delta,
            "output.delta",
        )
    )
    print(
        row(
            "δʰ = W·δᵒ·f′(h)",
            "0.1 × 0.122 × 0.495 × (1 − 0.495)",
            "0.003",
            delta_h,
            hidden.delta,
            "hidden.delta",
        )
    )
    print("Weight steps, after SGD(net.parameters(), lr=0.5).step()")
    print(
        row(
            "ΔW = η·δᵒ·a",
            "0.5 × 0.122 × 0.495",
            "0.0302",
            ETA * delta_o * a,
            step_big_w,
            f"W: {W_OUTPUT} → {big_w.data:.6g}",
        )
    )
    print(
        row(
            "Δw₁ = η·δʰ·x₁",
            "0.5 × 0.003 × 0.1",
            "0.00015",
            ETA * delta_h * X[0],
            step_w1,
            f"w₁: {W_HIDDEN[0]} → {w1.data:.6g}",
        )
    )
    print(
        row(
            "Δw₂ = η·δʰ·x₂",
            "0.5 × 0.003 × 0.3",
            "0.00045",
            ETA * delta_h * X[1],
            step_w2,
            f"w₂: {W_HIDDEN[1]} → {w2.data:.6g}",
        )
    )
    print()
    print("The seed rounds as it goes (δʰ to 0.003, hence its 0.00015 where the exact step is")
    print("0.000152); autograd agrees with the exact formulas to the last digit or two of a float.")
    print()
    print("Every error term and weight step at once, from nn.error_table(net, lr=0.5):")
    print(table)
    print()
    print("The same backward pass as code: autograd.compile(loss) writes it out, one line per node.")
    print("g_n is ∂E/∂n, and δ = −∂E/∂h, so the seed's formulas are there with their signs:")
    for line in compiled_backward(loss):
        print(f"  {line}")

    graph_svg, graph_png, stepper = pictures
    print(f"\nThe graph, with every node's data and grad: {graph_svg} and {graph_png}")
    print(f"Step through the backward pass in a browser (← →): {stepper}")
    return 0


SEED_FORMULAS = {
    "g_sub1": "∂E/∂(y − ŷ) = y − ŷ",
    "g_L2_N0_a": "∂E/∂ŷ = −(y − ŷ)",
    "g_L2_N0_h": "−δᵒ = −(y − ŷ)·f′(W·a)",
    "g_L1_N0_a": "−W·δᵒ",
    "g_L1_N0_h": "−δʰ = −W·δᵒ·f′(h)",
    "g_L2_N0_w0": "∂E/∂W = −δᵒ·a, so ΔW = −η·∂E/∂W = η·δᵒ·a",
    "g_L1_N0_w0": "∂E/∂w₁ = −δʰ·x₁, so Δw₁ = η·δʰ·x₁",
    "g_L1_N0_w1": "∂E/∂w₂ = −δʰ·x₂, so Δw₂ = η·δʰ·x₂",
}
"""The seed's formula beside each line of the compiled backward pass that computes it."""


def compiled_backward(loss: Value) -> list[str]:
    """The backward pass of ``autograd.compile(loss)``, its lines with the seed's formulas beside them.

    Compiling only reads the graph: no ``.grad`` changes.
    """
    program = autograd.compile(loss)
    lines = [line.strip() for line in program.source.splitlines() if line.strip().startswith("g_")]
    width = max(len(line) for line in lines)
    formulas = [SEED_FORMULAS.get(line.split(" = ")[0]) for line in lines]
    return [f"{line:<{width}}  # {formula}" if formula else line for line, formula in zip(lines, formulas)]


def write_pictures(loss: Value, out: Path) -> tuple[Path, Path, Path]:
    """The graph of the loss after backward, as SVG and PNG, and the HTML stepper of its backward pass."""
    return (
        render(loss, out / "seed_graph.svg"),
        render(loss, out / "seed_graph.png"),
        render_steps(loss, out / "seed_backward.html"),
    )


if __name__ == "__main__":
    sys.exit(main())
