"""Activation functions by name, each with the derivative the seed's formulas use.

A neuron computes ``a = f(h)`` from its pre-activation ``h``. The backward pass
needs ``f′(h)``; autograd finds it on its own, but the error-term table and the
tests want it by hand too, so each activation carries its derivative, written
in terms of ``h`` and ``a`` (sigmoid′ = a·(1 − a) is cheapest from ``a``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from autograd import Value


class Activation(NamedTuple):
    """An activation function: its name, how to apply it, and f′(h)."""

    name: str
    apply: Callable[[Value], Value] | None
    """Records ``f(h)`` in the graph; None for ``"linear"`` (a = h, no extra node)."""
    derivative: Callable[[float, float], float]
    """``f′(h)`` as a float, from ``h`` and ``a = f(h)``."""


def _sigmoid_derivative(h: float, a: float) -> float:
    return a * (1.0 - a)


def _tanh_derivative(h: float, a: float) -> float:
    return 1.0 - a * a


def _relu_derivative(h: float, a: float) -> float:
    return 1.0 if h > 0.0 else 0.0  # 0 at h == 0, as the engine's relu rule says


def _linear_derivative(h: float, a: float) -> float:
    return 1.0


ACTIVATIONS: dict[str, Activation] = {
    "sigmoid": Activation("sigmoid", Value.sigmoid, _sigmoid_derivative),
    "tanh": Activation("tanh", Value.tanh, _tanh_derivative),
    "relu": Activation("relu", Value.relu, _relu_derivative),
    "linear": Activation("linear", None, _linear_derivative),
}
"""Every activation, by the name that ``Neuron``, ``Layer`` and ``MLP`` accept."""


def activation(name: str) -> Activation:
    """The activation called ``name``, or a ``ValueError`` that lists the valid names.

    >>> activation("tanh").derivative(0.0, 0.0)
    1.0
    """
    try:
        return ACTIVATIONS[name]
    except (KeyError, TypeError):
        valid = ", ".join(repr(n) for n in ACTIVATIONS)
        raise ValueError(f"unknown activation {name!r}; choose one of {valid}") from None
