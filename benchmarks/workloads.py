"""The benchmark's workloads, written once for any engine.

Each builder takes the engine's ``Value`` class (glassgrad's or micrograd's)
and uses nothing but the operators both engines share, so that both build the
same expression. ``floor.py`` does the same math by hand on floats.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Callable
from typing import Any

Engine = Callable[[float], Any]  # an engine's Value class


def chain(value: Engine, n: int) -> tuple[Any, Any]:
    """``x -> x * 1.0001 + 0.0001``, ``n`` times: a graph ``2n`` operations deep. Returns (x, y)."""
    x = value(1.0)
    y = x
    for _ in range(n):
        y = y * 1.0001 + 0.0001
    return x, y


def tree_sum(items: list[Any]) -> Any:
    """The pairwise sum of ``items``: a balanced tree of additions, ``log2(len)`` deep."""
    while len(items) > 1:
        pairs = [a + b for a, b in zip(items[::2], items[1::2], strict=False)]
        if len(items) % 2:
            pairs.append(items[-1])
        items = pairs
    return items[0]


def wide_inputs(n: int, seed: int = 1) -> tuple[list[float], list[float]]:
    """The wide graph's inputs: two lists of ``n`` floats in [-1, 1], the same for every seed."""
    rng = random.Random(seed)
    xs = [rng.uniform(-1.0, 1.0) for _ in range(n)]
    return xs, [rng.uniform(-1.0, 1.0) for _ in range(n)]


def wide(value: Engine, xs: list[float], ys: list[float]) -> tuple[Any, list[Any], list[Any]]:
    """The pairwise sum of the products ``xs[i] * ys[i]``: ``4n - 1`` nodes. Returns (root, a, b)."""
    a = [value(x) for x in xs]
    b = [value(y) for y in ys]
    return tree_sum([ai * bi for ai, bi in zip(a, b, strict=True)]), a, b


def wide_nodes(n: int) -> int:
    """The node count of ``wide`` with ``n`` products: 2n leaves, n products, n - 1 sums."""
    return 2 * n + n + (n - 1)


def make_moons(n: int, noise: float = 0.1, seed: int = 0) -> tuple[list[list[float]], list[float]]:
    """Two interleaving half circles (like scikit-learn's ``make_moons``), labels -1 and +1.

    >>> X, Y = make_moons(4)
    >>> len(X), Y
    (4, [-1.0, -1.0, 1.0, 1.0])
    """
    rng = random.Random(seed)
    outer = n // 2
    inner = n - outer
    points = []
    for i in range(outer):
        t = math.pi * i / max(outer - 1, 1)
        points.append((math.cos(t), math.sin(t), -1.0))
    for i in range(inner):
        t = math.pi * i / max(inner - 1, 1)
        points.append((1.0 - math.cos(t), 0.5 - math.sin(t), 1.0))
    X = [[px + rng.gauss(0.0, noise), py + rng.gauss(0.0, noise)] for px, py, _ in points]
    return X, [label for _, _, label in points]


def initial_layers(sizes: list[int], seed: int = 0) -> list[tuple[list[list[float]], list[float]]]:
    """Weights for an MLP of layer ``sizes`` as ``(rows, biases)`` per layer, as micrograd draws them.

    Every implementation starts from these same numbers, so their losses can be compared.
    """
    rng = random.Random(seed)
    return [
        ([[rng.uniform(-1.0, 1.0) for _ in range(nin)] for _ in range(nout)], [0.0] * nout)
        for nin, nout in itertools.pairwise(sizes)
    ]


def hinge_loss(scores: list[Any], ys: list[float], params: list[Any], alpha: float = 1e-4) -> Any:
    """micrograd's moons loss: mean(relu(1 - y * score)) + alpha * sum(p * p)."""
    losses = [(1 - y * score).relu() for score, y in zip(scores, ys, strict=True)]
    data_loss = sum(losses) * (1.0 / len(losses))
    return data_loss + alpha * sum(p * p for p in params)


def moons_step(model: Any, X: list[list[float]], Y: list[float], lr: float, sgd: Any = None) -> float:
    """One training step: forward, hinge loss, zero_grad, backward, SGD update. Returns the loss.

    ``sgd`` is an optimizer with ``step()`` (glassgrad's ``nn.SGD``); without
    one the update is written out, as micrograd's demo does.
    """
    params = model.parameters()
    loss = hinge_loss([model(x) for x in X], Y, params)
    model.zero_grad()
    loss.backward()
    if sgd is not None:
        sgd.step()
    else:
        for p in params:
            p.data -= lr * p.grad
    return float(loss.data)


def load_layers(model: Any, layers: list[tuple[list[list[float]], list[float]]]) -> None:
    """Set an MLP's weights (``model.layers[i].neurons[j].w``/``.b``) to ``layers``."""
    for layer, (rows, biases) in zip(model.layers, layers, strict=True):
        for neuron, row, bias in zip(layer.neurons, rows, biases, strict=True):
            for w, value in zip(neuron.w, row, strict=True):
                w.data = value
            neuron.b.data = bias
