"""Loss functions: how far predictions are from targets, as one ``Value`` to ``backward()`` from.

Each takes predictions (a ``Value`` or number, or a list of them) and targets
(the same shape, numbers or Values) and returns a single ``Value``.

    >>> from autograd import Value
    >>> y_hat = Value(0.512)
    >>> half_squared_error(y_hat, 1.0).data  # the seed's E = ½(y − ŷ)²
    0.119072
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from autograd import Value, linear, logsumexp
from nn.module import kind, number

Scalar = Value | float
Batch = Scalar | Sequence[Scalar] | Any
"""A loss's argument: one number or Value, a list or tuple of them, or a 1-D array."""


def _pairs(predictions: Batch, targets: Batch, loss: str) -> tuple[list[Value], list[Scalar]]:
    """Predictions (as Values) and targets (floats or Values) as two lists of the same length."""
    p = _batch(predictions, loss, "prediction")
    t = _batch(targets, loss, "target")
    if len(p) != len(t):
        raise ValueError(f"{loss}: {len(p)} predictions but {len(t)} targets")
    if not p:
        raise ValueError(f"{loss}: no predictions")
    return [x if isinstance(x, Value) else Value(x) for x in p], t


def _batch(x: Any, loss: str, what: str) -> list[Scalar]:
    """``x`` as a list of floats and Values: a list, tuple or 1-D array item by item, else one item."""
    ndim = getattr(x, "ndim", 0)  # NumPy scalars, arrays and torch tensors have one
    if isinstance(x, (list, tuple)) or ndim == 1:
        items = list(x)
    elif ndim == 0:
        items = [x]
    else:
        raise TypeError(f"{loss} takes a number, a list of numbers or a 1-D array of {what}s, got {kind(x)}")
    return [number(v, loss, f"{what} {i}") for i, v in enumerate(items)]


def _data(x: Scalar) -> float:
    return x.data if isinstance(x, Value) else x


def _scaled_sum(terms: list[Value], scale: float) -> Value:
    """``scale · Σ terms``, as plain additions so that a drawn graph reads as the formula."""
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total * scale


def half_squared_error(predictions: Batch, targets: Batch) -> Value:
    """The seed's error ``E = ½ Σ (y − ŷ)²``: its gradient in ŷ is just −(y − ŷ).

    >>> half_squared_error([Value(1.0), Value(2.0)], [0.0, 0.0]).data
    2.5
    """
    p, t = _pairs(predictions, targets, "half_squared_error")
    return _scaled_sum([(y - y_hat) ** 2 for y_hat, y in zip(p, t, strict=True)], 0.5)


def mse(predictions: Batch, targets: Batch) -> Value:
    """Mean squared error, ``(1/n) Σ (y − ŷ)²``.

    >>> mse([Value(1.0), Value(2.0)], [0.0, 0.0]).data
    2.5
    """
    p, t = _pairs(predictions, targets, "mse")
    return _scaled_sum([(y - y_hat) ** 2 for y_hat, y in zip(p, t, strict=True)], 1.0 / len(p))


def softplus(z: Value) -> Value:
    """``log(1 + eᶻ)``, one node of the engine's ``softplus`` op: it never
    overflows, keeps tiny values for large negative z (``softplus(-40)`` is
    4.2e-18, not 0), and its derivative is sigmoid(z).

    >>> round(softplus(Value(0.0)).data, 6)
    0.693147
    """
    return z.softplus()


def binary_cross_entropy_with_logits(logits: Batch, targets: Batch) -> Value:
    """Binary cross-entropy of ``sigmoid(logit)`` against targets in [0, 1], averaged.

    Per example it is ``−y·log σ(z) − (1 − y)·log(1 − σ(z))``, which simplifies
    to ``softplus(z) − y·z``. Working from the logit z rather than from σ(z)
    keeps it finite for any z: ``log σ(z)`` itself underflows to ``log 0`` for
    z below about −745, and rounds to 0 far sooner.

    >>> round(binary_cross_entropy_with_logits(Value(1000.0), 0.0).data, 6)
    1000.0
    """
    z, t = _pairs(logits, targets, "binary_cross_entropy_with_logits")
    for y in t:
        if not 0.0 <= _data(y) <= 1.0:
            raise ValueError(f"binary_cross_entropy_with_logits: targets must be in [0, 1], got {y!r}")
    terms = [softplus(x) - y * x for x, y in zip(z, t, strict=True)]
    return _scaled_sum(terms, 1.0 / len(terms))


def cross_entropy(logits: Batch, one_hot: Batch) -> Value:
    """Softmax cross-entropy of one example: ``logsumexp(z) − Σₖ yₖ·zₖ``.

    With ``p = softmax(z)`` it is ``−Σₖ yₖ·log pₖ`` (for a one-hot y: −log of
    the probability of the right class), but written through the ``logsumexp``
    op, which takes the largest logit out first, so that it is finite for any
    logits (e**1000 would overflow; ``log p`` of a tiny p would round to log 0).
    Its gradient in zₖ is ``pₖ − yₖ``. The targets are numbers or Values (batch
    leaves of a batched program), normally 0 or 1 and summing to 1.

    >>> z = [Value(1000.0), Value(0.0), Value(-1000.0)]
    >>> loss = cross_entropy(z, [1, 0, 0])
    >>> loss.backward()
    >>> loss.data, [round(x.grad, 6) for x in z]
    (0.0, [0.0, 0.0, 0.0])
    """
    z, y = _pairs(logits, one_hot, "cross_entropy")
    return logsumexp(*z) - linear(z, y)


def hinge(scores: Batch, targets: Batch) -> Value:
    """The max-margin loss of micrograd's moons demo: ``mean(relu(1 − y·score))``, y = ±1.

    An example costs nothing once its score is on the right side by a margin
    of at least 1.

    >>> hinge([Value(2.0), Value(0.5)], [1, 1]).data
    0.25
    """
    s, t = _pairs(scores, targets, "hinge")
    for y in t:
        if _data(y) not in (-1.0, 1.0):
            raise ValueError(f"hinge: targets must be -1 or +1, got {y!r}")
    return _scaled_sum([(1.0 - y * x).relu() for x, y in zip(s, t, strict=True)], 1.0 / len(s))


def l2(parameters: Sequence[Value]) -> Value:
    """``Σ p²`` over ``parameters``, for weight decay: ``loss + 1e-4 * l2(model.parameters())``.

    It is one node, ``linear(p, p)`` (each pᵢ gets the gradient 2pᵢ: pᵢ once
    as a weight, once as an input), labelled "l2", rather than 2n nodes: in
    the moons demo that is a tenth of the graph.

    >>> l2([Value(3.0), Value(4.0)]).data
    25.0
    """
    params = [
        p if isinstance(p, Value) else Value(number(p, "l2", f"parameter {i}"))
        for i, p in enumerate(parameters)
    ]
    if not params:
        return Value(0.0, "l2")
    out = linear(params, params)
    out.label = "l2"
    return out
