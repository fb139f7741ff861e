"""``Neuron``, ``Layer`` and ``MLP``: the seed's network, any depth and width.

A neuron computes its pre-activation ``h = Σᵢ wᵢ·xᵢ + b`` and its output
``a = f(h)``. Here ``h`` is ONE node of the graph (the engine's fused
``linear`` op, whose local gradients are x, w and 1), not 2n additions and
multiplications: a moons training step builds about 7× fewer nodes, and a
stepped backward pass shows one step per neuron, which is how the seed
thinks about it.

Parameters are labelled by position, ``L{layer}.N{neuron}.w{input}`` and
``L{layer}.N{neuron}.b``, so graphs and error messages say which weight is
which. Layers count from 1, as in the textbooks, where layer 0 is the input;
neurons and weights count from 0, as Python indexes them: ``L1.N0.w1`` is
``mlp.layers[0].neurons[0].w[1]``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any, SupportsIndex

from autograd import Value, linear
from nn.activations import Activation
from nn.activations import activation as find_activation
from nn.module import Module, Seed, inputs, sampler, size

Inputs = Sequence[Value | float] | Any
"""What a module is called on: a list or tuple of numbers or Values, or a 1-D array."""


def _activation(argument: str, name: object) -> Activation:
    """The activation called ``name``; errors say which argument was wrong."""
    if not isinstance(name, str):
        kind = type(name).__name__
        raise TypeError(f"{argument} must be the name of an activation, got {kind}: {name!r:.80}")
    try:
        return find_activation(name)
    except ValueError as e:
        raise ValueError(f"{argument}: {e}") from None


def _check_flag(argument: str, flag: object) -> None:
    if not isinstance(flag, bool):
        raise TypeError(f"{argument} must be True or False, got {type(flag).__name__}: {flag!r:.80}")


def _check_label(label: object) -> None:
    if not isinstance(label, str):
        raise TypeError(f"label must be a str, got {type(label).__name__}: {label!r:.80}")


class Neuron(Module):
    """One unit: ``a = f(Σᵢ wᵢ·xᵢ + b)``.

    >>> n = Neuron(2, activation="sigmoid", bias=False, seed=0)
    >>> n.w[0].data, n.w[1].data = 0.4, -0.2
    >>> a = n([0.1, 0.3])
    >>> round(a.data, 4)
    0.495

    Weights start uniform in ±√(6/nin) (He initialisation: a relu network's
    signals and error terms then keep their size from layer to layer), the
    bias at 0.

    Attributes:
        w: the weights, one ``Value`` per input.
        b: the bias, or None when ``bias=False``.
        activation: the name of f.
        label: the prefix of the parameters' labels (``"L1.N0"`` in an MLP).
    """

    def __init__(
        self,
        nin: SupportsIndex,
        activation: str = "relu",
        bias: bool = True,
        *,
        seed: Seed = None,
        label: str = "",
    ) -> None:
        nin = size("nin", nin, "a neuron needs at least one input")
        self._activation = _activation("activation", activation)
        _check_flag("bias", bias)
        _check_label(label)
        self.activation = activation
        self.nin = nin
        self.label = label
        prefix = f"{label}." if label else ""
        rng = sampler(seed)
        bound = math.sqrt(6.0 / nin)
        self.w = [Value(rng.uniform(-bound, bound), f"{prefix}w{i}") for i in range(nin)]
        self.b: Value | None = Value(0.0, f"{prefix}b") if bias else None
        self._name = label or "Neuron"
        self._h_label = f"{prefix}h"
        self._a_label = f"{prefix}a"
        self._h: Value | None = None  # the pre-activation of the latest forward

    def __call__(self, x: Inputs) -> Value:
        """The neuron's output for inputs ``x`` (numbers or Values), as a new graph node."""
        return self._forward(inputs(x, self._name, self.nin))

    def _forward(self, x: Sequence[Value | float]) -> Value:
        """``__call__`` for inputs already checked: each a float or a Value, ``nin`` of them."""
        h = linear(self.w, x, self.b)
        h.label = self._h_label
        self._h = h
        f = self._activation.apply
        if f is None:
            return h
        a = f(h)
        a.label = self._a_label
        return a

    def parameters(self) -> list[Value]:
        return [*self.w, self.b] if self.b is not None else list(self.w)

    @property
    def h(self) -> Value:
        """The pre-activation node ``h`` of the latest forward call."""
        if self._h is None:
            raise RuntimeError(f"{self._name} has not been called yet: run a forward pass first")
        return self._h

    @property
    def inputs(self) -> list[float]:
        """The inputs ``xᵢ`` of the latest forward call, as numbers."""
        return [x.data for x in self.h.parents[self.nin : 2 * self.nin]]

    @property
    def delta(self) -> float:
        """The seed's error term δ = −∂E/∂h, from the latest forward and backward.

        It is read off the ``h`` node of the latest forward call: ``-h.grad``.
        That node is new with every forward call, so δ counts only the
        backward passes through that forward (a new forward starts it at 0),
        while parameters' grads keep accumulating until ``zero_grad()``. When a
        batch is run through the network one example after another, δ is the
        last example's. Calling ``backward()`` twice on the same loss doubles
        δ, just as it doubles every grad.

        For ``E = ½(y − ŷ)²`` at a sigmoid output this is the seed's
        δᵒ = (y − ŷ)·f′(h); in a hidden neuron j it is δⱼ = f′(hⱼ) Σₖ Wⱼₖ δₖ.
        """
        return 0.0 - self.h.grad  # not -grad: no -0.0 before a backward pass

    def __repr__(self) -> str:
        bias = "" if self.b is not None else ", bias=False"
        label = f", label={self.label!r}" if self.label else ""
        return f"Neuron({self.nin}, activation={self.activation!r}{bias}{label})"


class Layer(Module):
    """``nout`` neurons that read the same inputs; called, it returns a list of ``nout`` Values.

    It returns a list even when ``nout == 1``, so code that loops over a
    layer's outputs never has to special-case it.

    >>> layer = Layer(3, 2, activation="tanh", seed=0)
    >>> len(layer([1.0, 2.0, 3.0]))
    2
    """

    def __init__(
        self,
        nin: SupportsIndex,
        nout: SupportsIndex,
        activation: str = "relu",
        bias: bool = True,
        *,
        seed: Seed = None,
        label: str = "",
    ) -> None:
        nin = size("nin", nin, "a layer needs at least one input")
        nout = size("nout", nout, "a layer needs at least one neuron")
        _activation("activation", activation)
        _check_label(label)
        rng = sampler(seed)
        prefix = f"{label}." if label else ""
        self.nin = nin
        self.label = label
        self.activation = activation
        self.neurons = [Neuron(nin, activation, bias, seed=rng, label=f"{prefix}N{j}") for j in range(nout)]
        self._name = label or "Layer"

    def __call__(self, x: Inputs) -> list[Value]:
        """Each neuron's output for inputs ``x``."""
        return self._forward(inputs(x, self._name, self.nin))

    def _forward(self, x: Sequence[Value | float]) -> list[Value]:
        """``__call__`` for inputs already checked (by this layer or the MLP it is in)."""
        return [n._forward(x) for n in self.neurons]

    def parameters(self) -> list[Value]:
        return [p for n in self.neurons for p in n.parameters()]

    def __repr__(self) -> str:
        return f"Layer({self.nin}, {len(self.neurons)}, activation={self.activation!r})"


class MLP(Module):
    """A multi-layer perceptron: layers of neurons, each layer feeding the next.

    ``MLP(2, [16, 16, 1])`` has two inputs, two hidden layers of 16 neurons
    with ``activation``, and one output neuron with ``output_activation``.
    Called on a list of ``nin`` numbers or Values, it returns a ``Value`` when
    the last layer has one neuron, else a list of Values.

    The seed's network, bias-free with sigmoid units, in three lines:

    >>> net = MLP(2, [1, 1], activation="sigmoid", output_activation="sigmoid", bias=False)
    >>> (w1, w2), (W,) = net.layers[0].neurons[0].w, net.layers[1].neurons[0].w
    >>> w1.data, w2.data, W.data = 0.4, -0.2, 0.1
    >>> round(net([0.1, 0.3]).data, 3)
    0.512
    """

    def __init__(
        self,
        nin: SupportsIndex,
        nouts: Iterable[SupportsIndex],
        activation: str = "relu",
        output_activation: str = "linear",
        bias: bool = True,
        *,
        seed: Seed = None,
    ) -> None:
        listlike = hasattr(nouts, "__iter__") and getattr(nouts, "ndim", 1) == 1  # a list, or a 1-D array
        if isinstance(nouts, (str, bytes)) or not listlike:
            raise TypeError(f"nouts is a list of layer sizes, e.g. [16, 16, 1], got {nouts!r:.80}")
        widths = [size(f"nouts[{i}]", n, "a layer needs at least one neuron") for i, n in enumerate(nouts)]
        if not widths:
            raise ValueError("an MLP needs at least one layer: nouts is empty")
        nin = size("nin", nin, "an MLP needs at least one input")
        _activation("activation", activation)  # fail early, even when there is no hidden layer
        _activation("output_activation", output_activation)
        _check_flag("bias", bias)
        rng = sampler(seed)
        sizes = [nin, *widths]
        last = len(widths) - 1
        self.nin = nin
        self.activation = activation
        self.output_activation = output_activation
        self.layers = [
            Layer(
                sizes[i],
                sizes[i + 1],
                output_activation if i == last else activation,
                bias,
                seed=rng,
                label=f"L{i + 1}",
            )
            for i in range(len(widths))
        ]

    def __call__(self, x: Inputs) -> Value | list[Value]:
        """The network's output for inputs ``x``: a Value if the last layer has one neuron."""
        # Inputs are checked once, here, and each layer passes its outputs (all Values) straight
        # on: checking at every neuron as well made the moons forward pass (100 points) 3% slower.
        out = self.layers[0]._forward(inputs(x, "MLP", self.nin))
        for layer in self.layers[1:]:
            out = layer._forward(out)
        return out[0] if len(out) == 1 else out

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self) -> str:
        sizes = [len(layer.neurons) for layer in self.layers]
        return (
            f"MLP({self.nin}, {sizes}, activation={self.activation!r}, "
            f"output_activation={self.output_activation!r})"
        )
