"""All of a network's error terms and weight steps at once, layer by layer.

After a forward and a backward pass, ``error_table(model, lr)`` prints what
the seed computes by hand: for each neuron h, f(h), f′(h) and δ = −∂E/∂h, and
for each of its weights the input x, ∂E/∂w and the step Δw = −lr·∂E/∂w (for
one example, the seed's Δw = η·δ·x). ``error_terms(model)`` gives the same
numbers as data.
"""

from __future__ import annotations

from dataclasses import dataclass

from autograd.view import error_term
from nn.layers import MLP, Layer, Neuron


@dataclass(frozen=True)
class NeuronTerms:
    """One neuron's numbers from its latest forward and backward pass."""

    label: str
    activation: str
    h: float
    """The pre-activation Σ wᵢxᵢ + b."""
    a: float
    """The output f(h)."""
    derivative: float
    """f′(h)."""
    delta: float
    """The error term δ = −∂E/∂h (``autograd.view.error_term``, as ``explain`` writes it)."""
    weights: tuple[tuple[str, float, float, float], ...]
    """One ``(label, input x, value w, ∂E/∂w)`` per weight, then the bias (x = 1)."""


def _layers(model: MLP | Layer | Neuron) -> list[list[Neuron]]:
    if isinstance(model, Neuron):
        return [[model]]
    if isinstance(model, Layer):
        return [model.neurons]
    return [layer.neurons for layer in model.layers]


def neuron_terms(neuron: Neuron) -> NeuronTerms:
    """``neuron``'s error term and weight gradients from its latest forward and backward."""
    h = neuron.h
    act = neuron._activation
    a = act.apply(h).data if act.apply is not None else h.data  # recomputed from h: the neuron keeps only h
    weights = [(w.label, x, w.data, w.grad) for w, x in zip(neuron.w, neuron.inputs, strict=True)]
    if neuron.b is not None:
        weights.append((neuron.b.label, 1.0, neuron.b.data, neuron.b.grad))
    return NeuronTerms(
        neuron.label, act.name, h.data, a, act.derivative(h.data, a), error_term(h.grad), tuple(weights)
    )


def error_terms(model: MLP | Layer | Neuron) -> list[list[NeuronTerms]]:
    """Every neuron's ``NeuronTerms``, one list per layer, input side first."""
    return [[neuron_terms(n) for n in layer] for layer in _layers(model)]


def _g(x: float) -> str:
    return f"{x:>13.6g}"


def error_table(model: MLP | Layer | Neuron, lr: float) -> str:
    """The error terms and weight steps of ``model`` as a text table, one block per layer.

    ``lr`` is the learning rate η of the weight steps Δw = −η·∂E/∂w.
    """
    lines = []
    for layer in error_terms(model):
        first = layer[0]
        name = first.label.split(".")[0] if "." in first.label else (first.label or "layer")
        lines.append(f"{name} ({first.activation})")
        lines.append(f"  {'neuron':<12}{'h':>13}{'f(h)':>13}{'f′(h)':>13}{'δ = −∂E/∂h':>15}")
        for n in layer:
            lines.append(f"  {n.label or 'neuron':<12}{_g(n.h)}{_g(n.a)}{_g(n.derivative)}  {_g(n.delta)}")
        lines.append(f"  {'weight':<12}{'input x':>13}{'w':>13}{'∂E/∂w':>13}{'Δw = −η·∂E/∂w':>15}")
        for n in layer:
            for label, x, w, g in n.weights:
                lines.append(f"  {label:<12}{_g(x)}{_g(w)}{_g(g)}  {_g(-lr * g)}")
        lines.append("")
    return "\n".join(lines).rstrip("\n")
