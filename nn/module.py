"""``Module``: anything that owns parameters (weights and biases)."""

from __future__ import annotations

import os
import random
from pathlib import Path
from typing import Protocol, cast

from autograd import Value


class Sampler(Protocol):
    """What initialisation needs of a random generator: ``random.Random`` has it."""

    def uniform(self, a: float, b: float) -> float: ...


Seed = int | Sampler | None
"""How initialisation is seeded: an int, your own ``random.Random``, or None for
the ``random`` module's shared generator (so ``random.seed(0)`` works too)."""


def sampler(seed: Seed) -> Sampler:
    """A random generator for ``seed`` (see ``Seed``)."""
    if seed is None:
        return random
    if isinstance(seed, int) and not isinstance(seed, bool):
        return random.Random(seed)
    if callable(getattr(seed, "uniform", None)):
        return cast(Sampler, seed)
    raise TypeError(f"seed must be an int, a random.Random or None, got {type(seed).__name__}")


class Module:
    """The base of ``Neuron``, ``Layer`` and ``MLP``: a bundle of parameters.

    A subclass says what its parameters are; ``zero_grad``, ``save`` and
    ``load`` then work for it.
    """

    def parameters(self) -> list[Value]:
        """Every trainable ``Value`` of this module, in a fixed order."""
        return []

    def zero_grad(self) -> None:
        """Set every parameter's ``.grad`` to 0, ready for the next ``backward()``.

        Gradients accumulate across ``backward()`` calls, so a training loop
        zeroes them once per step.
        """
        for p in self.parameters():
            p.grad = 0.0

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the parameters to a JSON file, atomically; see ``nn.serialize.save``."""
        from nn.serialize import save

        return save(self, path)

    def load(self, path: str | os.PathLike[str]) -> None:
        """Read parameters written by ``save``; a file that does not fit changes nothing."""
        from nn.serialize import load

        load(self, path)
