"""glassgrad's networks: neurons, layers, MLPs, losses and optimizers on the ``autograd`` engine.

The seed's network, trained one step, and its error terms read off the neurons:

    >>> from nn import MLP, SGD, half_squared_error
    >>> net = MLP(2, [1, 1], activation="sigmoid", output_activation="sigmoid", bias=False)
    >>> hidden, output = net.layers[0].neurons[0], net.layers[1].neurons[0]
    >>> hidden.w[0].data, hidden.w[1].data, output.w[0].data = 0.4, -0.2, 0.1
    >>> loss = half_squared_error(net([0.1, 0.3]), 1.0)
    >>> loss.backward()
    >>> round(output.delta, 4), round(hidden.delta, 6)
    (0.1218, 0.003046)
    >>> SGD(net.parameters(), lr=0.5).step()
    >>> round(output.w[0].data - 0.1, 5)  # ΔW = η·δᵒ·a
    0.03015
"""

from nn import engine_check  # noqa: F401  (first: a foreign `autograd` is a one-line error)
from nn.activations import ACTIVATIONS, Activation
from nn.layers import MLP, Layer, Neuron
from nn.losses import (
    binary_cross_entropy_with_logits,
    cross_entropy,
    half_squared_error,
    hinge,
    l2,
    mse,
    softplus,
)
from nn.module import Module, Seed
from nn.optim import SGD, Adam, Optimizer
from nn.report import NeuronTerms, error_table, error_terms
from nn.serialize import load, save
from nn.torch_bridge import from_torch, to_torch
from nn.worksheet import Worksheet

__all__ = [
    "ACTIVATIONS",
    "MLP",
    "SGD",
    "Activation",
    "Adam",
    "Layer",
    "Module",
    "Neuron",
    "NeuronTerms",
    "Optimizer",
    "Seed",
    "Worksheet",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "error_table",
    "error_terms",
    "from_torch",
    "half_squared_error",
    "hinge",
    "l2",
    "load",
    "mse",
    "save",
    "softplus",
    "to_torch",
]
