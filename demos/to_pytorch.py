"""Where the seed's error terms δ live in PyTorch: glassgrad's ``Neuron.delta`` beside PyTorch's −∂E/∂h.

    pip install ".[torch]"
    python demos/to_pytorch.py

The seed's network (inputs (0.1, 0.3), hidden weights (0.4, −0.2), output
weight W = 0.1, sigmoid units, no biases, target 1) is built in glassgrad,
copied to PyTorch with ``nn.to_torch``, and both run one backward pass of
E = ½(y − ŷ)².

glassgrad keeps each neuron's pre-activation h as a node of its graph, so the
error term δ = −∂E/∂h is there to read afterwards: ``neuron.delta``. PyTorch
computes the very same number, as the gradient of each ``Linear`` layer's
output h, but it does not keep it: autograd frees the gradient of a tensor
that is not a leaf as soon as it has been passed on. To see it, a forward hook
on each Linear keeps its output and calls ``retain_grad()`` on it; after
``backward()``, δ is ``-h.grad``. The weight gradients agree too, and in both
they are −δ·x: the seed's step Δw = η·δ·x is plain gradient descent.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, NamedTuple

from nn import MLP, half_squared_error, to_torch

X = (0.1, 0.3)
W_HIDDEN = (0.4, -0.2)
W_OUTPUT = 0.1
TARGET = 1.0


class Row(NamedTuple):
    """One quantity, as glassgrad and PyTorch give it, and where each was read."""

    name: str
    ours: float
    theirs: float
    ours_from: str
    theirs_from: str


def seed_network() -> MLP:
    """The seed's network: 2 inputs → 1 sigmoid hidden unit → 1 sigmoid output, no biases."""
    net = MLP(2, [1, 1], activation="sigmoid", output_activation="sigmoid", bias=False)
    hidden, output = net.layers[0].neurons[0], net.layers[1].neurons[0]
    hidden.w[0].data, hidden.w[1].data = W_HIDDEN
    output.w[0].data = W_OUTPUT
    return net


def compare() -> list[Row]:
    """Run the seed's forward and backward pass in both engines; the numbers side by side."""
    import torch  # here, so that --help works without it

    net = seed_network()
    model = to_torch(net)  # Linear(2, 1), Sigmoid(), Linear(1, 1), Sigmoid(), in float64

    # glassgrad: backward, then read δ off the neurons.
    y_hat = net(list(X))
    loss = half_squared_error(y_hat, TARGET)
    loss.backward()
    hidden, output = net.layers[0].neurons[0], net.layers[1].neurons[0]

    # PyTorch: keep each Linear's output h, and ask autograd to keep its gradient.
    h: list[Any] = []

    def keep(module: Any, inputs: Any, out: Any) -> None:
        out.retain_grad()
        h.append(out)

    for linear in (model[0], model[2]):
        linear.register_forward_hook(keep)
    y_hat_t = model(torch.tensor(X, dtype=torch.float64))
    loss_t = 0.5 * ((TARGET - y_hat_t) ** 2).sum()
    loss_t.backward()
    h_hidden, h_output = h

    return [
        Row("ŷ", y_hat.data, y_hat_t.item(), "net(x).data", "model(x)"),  # type: ignore[union-attr]
        Row("E = ½(y − ŷ)²", loss.data, loss_t.item(), "loss.data", "loss"),
        Row("δᵒ (output)", output.delta, -h_output.grad.item(), "output.delta", "-h.grad of Linear 2"),
        Row("δʰ (hidden)", hidden.delta, -h_hidden.grad.item(), "hidden.delta", "-h.grad of Linear 1"),
        Row("∂E/∂W", output.w[0].grad, model[2].weight.grad[0, 0].item(), "W.grad", "model[2].weight.grad"),
        Row("∂E/∂w₁", hidden.w[0].grad, model[0].weight.grad[0, 0].item(), "w₁.grad", "model[0].weight.grad"),
        Row("∂E/∂w₂", hidden.w[1].grad, model[0].weight.grad[0, 1].item(), "w₂.grad", "model[0].weight.grad"),
    ]


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args(argv)  # --help, and nothing else
    try:
        rows = compare()
    except ImportError as error:  # no PyTorch: say how to get it, in one line
        advice = 'pip install "glassgrad[torch]"'
        print(f"to_pytorch.py: error: this demo needs PyTorch ({error}): {advice}", file=sys.stderr)
        return 2
    print("The seed's network in glassgrad and, through nn.to_torch, in PyTorch (float64),")
    print("after one backward pass of E = ½(y − ŷ)² at x = (0.1, 0.3), y = 1:")
    print()
    print(f"  {'':<15}{'glassgrad':>18}  {'PyTorch':>18}  {'differ':>8}   glassgrad reads / PyTorch reads")
    for row in rows:
        print(
            f"  {row.name:<15}{row.ours:>18.12g}  {row.theirs:>18.12g}  {row.ours - row.theirs:>8.1g}"
            f"   {row.ours_from} / {row.theirs_from}"
        )
    print()
    print("δ = −∂E/∂h, where h is a neuron's pre-activation: in PyTorch, the output of its Linear layer.")
    print("Autograd frees that gradient once it is used; retain_grad() (here from a forward hook) keeps it.")
    print("Each weight's gradient is −δ·x in both, so the seed's step Δw = η·δ·x is gradient descent.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
