"""Optimizers: turn each parameter's ``.grad`` into a step, ``SGD`` and ``Adam``.

An optimizer holds a list of parameters. ``step()`` changes their ``.data``
directly, which records nothing in any graph; ``zero_grad()`` clears their
grads for the next backward pass. A training step reads::

    optimizer.zero_grad()
    loss = ...          # forward
    loss.backward()
    optimizer.step()

A step is all or nothing. ``step()`` first works out every new value and
the optimizer's new state (SGD's velocities, Adam's moments and step count),
and checks that every new value is finite; if one is not (a learning rate far
too large), it raises ``OverflowError`` naming the parameter and leaves all
of them as they were. Only then does it set them, and an exception while it
does (Ctrl-C, a ``KeyboardInterrupt``, at any line) puts back the old values
and state before it goes on: stopping training leaves the model and the
optimizer as they were before that step or after it, never a mix that no
step produced. ``state`` shows what an optimizer remembers between steps.

Settings (``lr``, ``momentum``, ``betas``, ``eps``) are checked whenever they
are set, in the constructor or later (``opt.lr = 0.01`` for a schedule): a
wrong type is a ``TypeError`` and a number out of range a ``ValueError``, both
naming the setting, so a bad value never waits for ``step()`` to fail. They are
kept as plain floats (a NumPy number is fine).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from typing import Any

from autograd import Value


class Optimizer:
    """What SGD and Adam share: the parameter list, ``zero_grad`` and a safe update."""

    def __init__(self, parameters: Iterable[Value], lr: float) -> None:
        self.parameters = list(parameters)
        for p in self.parameters:
            if not isinstance(p, Value):
                raise TypeError(f"an optimizer takes Values, got {type(p).__name__}: {p!r}")
        self.lr = lr

    @property
    def lr(self) -> float:
        """The learning rate: a finite number > 0."""
        return self._lr

    @lr.setter
    def lr(self, lr: float) -> None:
        self._lr = _positive("lr", lr)

    def zero_grad(self) -> None:
        """Set every parameter's ``.grad`` to 0."""
        for p in self.parameters:
            p.grad = 0.0

    def step(self) -> None:
        """Move every parameter one step against its gradient."""
        raise NotImplementedError

    @property
    def state(self) -> dict[str, Any]:
        """What the optimizer remembers between steps (a copy): nothing for plain SGD."""
        return {}

    def _apply(self, new_data: list[float], **new_state: object) -> None:
        """Set each parameter's ``.data`` to ``new_data`` and the attributes ``new_state``, all or nothing."""
        for p, x in zip(self.parameters, new_data, strict=True):
            if x - x != 0.0:  # inf or nan
                raise OverflowError(
                    f"{type(self).__name__}.step would set {p.label or 'a parameter'!r} = {p.data!r} "
                    f"to {x!r} "
                    f"(grad {p.grad!r}, lr {self.lr!r}); nothing was changed"
                )
        old_data = [p.data for p in self.parameters]
        old_state = {name: getattr(self, name) for name in new_state}
        try:
            for p, x in zip(self.parameters, new_data, strict=True):
                p.data = x
            for name, value in new_state.items():
                setattr(self, name, value)
        except BaseException:  # Ctrl-C halfway: put everything back, so the step never happened
            for p, x in zip(self.parameters, old_data, strict=True):
                p.data = x
            for name, value in old_state.items():
                setattr(self, name, value)
            raise


def _number(name: str, x: object) -> float:
    """``x`` as a finite float, or a TypeError/ValueError naming the setting ``name``."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{name} must be a number, got {type(x).__name__}: {x!r:.80}")
    try:
        value = float(x)
    except OverflowError:  # an int too large for a float
        value = math.inf
    if value - value != 0.0:
        raise ValueError(f"{name} must be a finite number, got {x!r:.80}")
    return value


def _positive(name: str, x: object) -> float:
    """A setting that must be > 0, such as ``lr`` and ``eps``."""
    value = _number(name, x)
    if not value > 0.0:
        raise ValueError(f"{name} must be > 0, got {x!r}")
    return value


def _fraction(name: str, x: object) -> float:
    """A setting in [0, 1), such as ``momentum`` and each of ``betas``."""
    value = _number(name, x)
    if not 0.0 <= value < 1.0:
        raise ValueError(f"{name} must be in [0, 1), got {x!r}")
    return value


class SGD(Optimizer):
    """Stochastic gradient descent: ``w ← w − lr·w.grad``, so the step is Δw = lr·δ·x.

    With ``momentum`` μ > 0 each parameter keeps a velocity, as in PyTorch:
    ``v ← μ·v + grad`` (v starts as the first grad), then ``w ← w − lr·v``.

    >>> w = Value(1.0)
    >>> w.grad = 0.5
    >>> SGD([w], lr=0.1).step()
    >>> w.data
    0.95

    ``lr`` may be changed between steps (``opt.lr = ...``) for a schedule.
    """

    def __init__(self, parameters: Iterable[Value], lr: float, momentum: float = 0.0) -> None:
        super().__init__(parameters, lr)
        self.momentum = momentum
        self._velocity: list[float] | None = None

    @property
    def momentum(self) -> float:
        """μ, in [0, 1): how much of the previous step each step keeps (0: none)."""
        return self._momentum

    @momentum.setter
    def momentum(self, momentum: float) -> None:
        self._momentum = _fraction("momentum", momentum)

    @property
    def state(self) -> dict[str, Any]:
        """``{"velocity": [...]}``, one per parameter (None before the first step with momentum)."""
        return {"velocity": None if self._velocity is None else list(self._velocity)}

    def step(self) -> None:
        lr, mu = self.lr, self.momentum
        if mu == 0.0:
            self._apply([p.data - lr * p.grad for p in self.parameters])
            return
        if self._velocity is None:
            velocity = [p.grad for p in self.parameters]
        else:
            velocity = [mu * v + p.grad for v, p in zip(self._velocity, self.parameters, strict=True)]
        new_data = [p.data - lr * v for p, v in zip(self.parameters, velocity, strict=True)]
        self._apply(new_data, _velocity=velocity)


class Adam(Optimizer):
    """Adam: a step per parameter scaled by running averages of its gradient and its square.

    With g the gradient and t the step number (from 1)::

        m ← β₁·m + (1 − β₁)·g          the average gradient
        v ← β₂·v + (1 − β₂)·g²         the average squared gradient
        m̂ = m / (1 − β₁ᵗ),  v̂ = v / (1 − β₂ᵗ)   bias correction: m and v start at 0
        w ← w − lr · m̂ / (√v̂ + eps)

    Without the correction the first steps would be far too small, since m
    and v start at 0. The very first step moves each parameter by about lr.

    >>> w = Value(1.0)
    >>> w.grad = 0.5
    >>> Adam([w], lr=0.1).step()
    >>> round(w.data, 6)
    0.9
    """

    def __init__(
        self,
        parameters: Iterable[Value],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ) -> None:
        super().__init__(parameters, lr)
        self.betas = betas
        self.eps = eps
        self.t = 0
        self._m = [0.0] * len(self.parameters)
        self._v = [0.0] * len(self.parameters)

    @property
    def betas(self) -> tuple[float, float]:
        """(β₁, β₂), each in [0, 1): how slowly the two running averages forget."""
        return self._betas

    @betas.setter
    def betas(self, betas: tuple[float, float]) -> None:
        pairlike = hasattr(betas, "__len__") and getattr(betas, "ndim", 1) == 1  # a tuple, list or 1-D array
        if isinstance(betas, (str, bytes)) or not pairlike:
            raise TypeError(
                f"betas must be a pair of numbers (beta1, beta2), got {type(betas).__name__}: {betas!r:.80}"
            )
        if len(betas) != 2:
            raise ValueError(
                f"betas must be a pair of numbers (beta1, beta2), got {len(betas)} of them: {betas!r:.80}"
            )
        self._betas = (_fraction("betas[0]", betas[0]), _fraction("betas[1]", betas[1]))

    @property
    def eps(self) -> float:
        """A finite number > 0 added to √v̂, so that a step never divides by 0."""
        return self._eps

    @eps.setter
    def eps(self, eps: float) -> None:
        self._eps = _positive("eps", eps)

    @property
    def state(self) -> dict[str, Any]:
        """``{"t": steps taken, "m": [...], "v": [...]}``: the two running averages, one per parameter."""
        return {"t": self.t, "m": list(self._m), "v": list(self._v)}

    def step(self) -> None:
        b1, b2 = self.betas
        t = self.t + 1
        m = [b1 * m + (1.0 - b1) * p.grad for m, p in zip(self._m, self.parameters, strict=True)]
        v = [b2 * v + (1.0 - b2) * p.grad * p.grad for v, p in zip(self._v, self.parameters, strict=True)]
        c1, c2 = 1.0 - b1**t, 1.0 - b2**t
        new_data = [
            p.data - self.lr * (mi / c1) / (math.sqrt(vi / c2) + self.eps)
            for p, mi, vi in zip(self.parameters, m, v, strict=True)
        ]
        self._apply(new_data, t=t, _m=m, _v=v)
