"""The floor: every workload of ``workloads.py`` done by hand on plain floats.

No node objects, no graph: forward and backward written out, as tight as
idiomatic Python gets. It is the yardstick for any pure-Python engine (an
engine can't beat the arithmetic it has to do), so keep it honest: the same
math, no shortcuts an engine could not take.
"""

from __future__ import annotations

from operator import mul

Layers = list[tuple[list[list[float]], list[float]]]  # per layer: weight rows, biases


def chain(x: float, n: int) -> tuple[float, float]:
    """``y = x * 1.0001 + 0.0001``, ``n`` times, and dy/dx. Returns (y, dy/dx)."""
    y = x
    for _ in range(n):
        y = y * 1.0001 + 0.0001
    # Backward: each step's local derivative d(y * 1.0001 + 0.0001)/dy is 1.0001.
    grad = 1.0
    for _ in range(n):
        grad *= 1.0001
    return y, grad


def wide_forward(xs: list[float], ys: list[float]) -> tuple[float, list[int]]:
    """The pairwise sum of ``xs[i] * ys[i]``. Returns it and each level's length (for backward)."""
    level = [x * y for x, y in zip(xs, ys, strict=True)]
    sizes = []
    while len(level) > 1:
        sizes.append(len(level))
        pairs = [a + b for a, b in zip(level[::2], level[1::2], strict=False)]
        if len(level) % 2:
            pairs.append(level[-1])
        level = pairs
    return level[0], sizes


def wide_backward(xs: list[float], ys: list[float], sizes: list[int]) -> tuple[list[float], list[float]]:
    """Gradients of ``wide_forward``'s sum with respect to each x and each y."""
    grads = [1.0]
    for size in reversed(sizes):
        # A sum hands its gradient to both of its inputs; an odd level's last item was carried up.
        below = [g for g in grads[: size // 2] for _ in (0, 1)]
        if size % 2:
            below.append(grads[-1])
        grads = below
    # d(x * y)/dx = y and d(x * y)/dy = x
    return [g * y for g, y in zip(grads, ys, strict=True)], [g * x for g, x in zip(grads, xs, strict=True)]


def moons_step(layers: Layers, X: list[list[float]], Y: list[float], lr: float, alpha: float = 1e-4) -> float:
    """One SGD step of a ReLU MLP (linear output) on micrograd's moons loss; updates ``layers``.

    The loss is mean(relu(1 - y * score)) + alpha * sum(p * p) over all weights
    and biases. Returns the loss before the update.

    The whole batch goes through one layer at a time, so that every inner loop
    (a dot product, a weight's gradient summed over the samples) runs in C via
    ``sum(map(mul, ...))``: this is about twice as fast as looping sample by
    sample, and the floor should be the best plain Python can do.
    """
    last = len(layers) - 1
    scale = 1.0 / len(X)
    # Forward: one list of outputs per sample, for every layer, kept for the backward pass.
    outputs = [X]
    for i, (rows, biases) in enumerate(layers):
        h = [[sum(map(mul, row, x)) + b for row, b in zip(rows, biases, strict=True)] for x in outputs[-1]]
        outputs.append(h if i == last else [[v if v > 0.0 else 0.0 for v in hs] for hs in h])
    margins = [1.0 - y * out[0] for y, out in zip(Y, outputs[-1], strict=True)]
    data_loss = sum(m for m in margins if m > 0.0) * scale

    # Backward: deltas[s][j] = d loss / d pre-activation j, for sample s, from the output layer down.
    # A sample with margin <= 0 has delta 0 but is still carried through, as an engine's backward would.
    deltas = [[-y * scale if m > 0.0 else 0.0] for y, m in zip(Y, margins, strict=True)]
    grads: Layers = []
    for i in range(last, -1, -1):
        # d loss / d w[j][k] = sum over the samples of delta[j] * input[k]
        delta_columns = list(zip(*deltas, strict=True))
        input_columns = list(zip(*outputs[i], strict=True))
        grad_rows = [[sum(map(mul, d, a)) for a in input_columns] for d in delta_columns]
        grads.insert(0, (grad_rows, [sum(d) for d in delta_columns]))
        if i:  # pass the deltas down through the weights and the ReLU (derivative 1 where output > 0)
            weight_columns = list(zip(*layers[i][0], strict=True))
            deltas = [
                [
                    sum(map(mul, w, ds)) if a > 0.0 else 0.0
                    for w, a in zip(weight_columns, inputs, strict=True)
                ]
                for ds, inputs in zip(deltas, outputs[i], strict=True)
            ]

    reg = 0.0
    for rows, biases in layers:
        reg += sum(w * w for row in rows for w in row) + sum(b * b for b in biases)
    # SGD, with the L2 term's gradient 2 * alpha * p added here.
    decay = 2.0 * alpha
    for (rows, biases), (grad_rows, grad_biases) in zip(layers, grads, strict=True):
        for j, (row, grad_row) in enumerate(zip(rows, grad_rows, strict=True)):
            rows[j] = [w - lr * (g + decay * w) for w, g in zip(row, grad_row, strict=True)]
        biases[:] = [b - lr * (g + decay * b) for b, g in zip(biases, grad_biases, strict=True)]
    return data_loss + alpha * reg
