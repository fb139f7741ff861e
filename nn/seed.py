"""The seed's worked example of backpropagation, built once for everyone who shows it.

The seed (the backprop notes this project grew from) works one example by
hand: two inputs x = (0.1, 0.3), one sigmoid hidden unit with weights
w = (0.4, −0.2), one sigmoid output unit with weight W = 0.1, no biases,
target y = 1, error E = ½(y − ŷ)² and learning rate η = 0.5::

    h = x₁·w₁ + x₂·w₂ = −0.02,   a = sigmoid(h) = 0.495,   ŷ = sigmoid(W·a) = 0.512

``seed_example()`` builds that network with ``nn``, runs it forward and
returns the pieces. ``glassgrad seed`` and ``demos/seed_example.py`` both use
it, so they show the same graph:

    >>> seed = seed_example()
    >>> seed.loss.backward()
    >>> round(seed.output.delta, 4), round(seed.hidden.delta, 6)  # the seed's δᵒ and δʰ
    (0.1218, 0.003046)
    >>> seed.loss.label, [x.label for x in seed.inputs], seed.hidden.w[1].label
    ('E', ['x0', 'x1'], 'L1.N0.w1')
"""

from __future__ import annotations

from dataclasses import dataclass

from autograd import Value
from nn.layers import MLP, Neuron
from nn.losses import half_squared_error

X = (0.1, 0.3)
"""The inputs x₁, x₂ (labelled ``x0``, ``x1``: ``nn`` counts from 0)."""
W_HIDDEN = (0.4, -0.2)
"""The hidden unit's weights w₁, w₂."""
W_OUTPUT = 0.1
"""The output unit's weight W."""
TARGET = 1.0
"""The target y."""
ETA = 0.5
"""The learning rate η of the seed's weight steps."""


@dataclass(frozen=True)
class SeedExample:
    """The seed's network after its forward pass: the graph from the inputs to the loss."""

    net: MLP
    """2 inputs → 1 sigmoid hidden unit → 1 sigmoid output unit, no biases."""
    inputs: tuple[Value, Value]
    """x, as Values labelled ``x0`` and ``x1``, so that pictures name them."""
    target: Value
    """y, labelled ``y``."""
    prediction: Value
    """ŷ, the output unit's activation (``L2.N0.a``)."""
    loss: Value
    """E = ½(y − ŷ)², labelled ``E``: call ``loss.backward()``."""

    @property
    def hidden(self) -> Neuron:
        """The hidden unit: ``hidden.w`` are w₁, w₂ and ``hidden.delta`` is δʰ after backward."""
        return self.net.layers[0].neurons[0]

    @property
    def output(self) -> Neuron:
        """The output unit: ``output.w[0]`` is W and ``output.delta`` is δᵒ after backward."""
        return self.net.layers[1].neurons[0]


def seed_example() -> SeedExample:
    """The seed's network with the seed's numbers, run forward once (no backward yet)."""
    # seed=0: the weights are set just below, and the shared random generator is left alone
    net = MLP(2, [1, 1], activation="sigmoid", output_activation="sigmoid", bias=False, seed=0)
    hidden, output = net.layers[0].neurons[0], net.layers[1].neurons[0]
    hidden.w[0].data, hidden.w[1].data = W_HIDDEN
    output.w[0].data = W_OUTPUT
    inputs = (Value(X[0], label="x0"), Value(X[1], label="x1"))
    target = Value(TARGET, label="y")
    prediction = net(list(inputs))
    assert isinstance(prediction, Value)  # one output unit: one Value
    loss = half_squared_error(prediction, target)
    loss.label = "E"
    return SeedExample(net, inputs, target, prediction, loss)
