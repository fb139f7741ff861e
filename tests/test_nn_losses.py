"""Losses against their closed forms, finite differences (gradcheck) and PyTorch."""

from __future__ import annotations

import math
from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from autograd import Value, gradcheck
from nn import binary_cross_entropy_with_logits, half_squared_error, hinge, l2, mse, softplus
from tests.checks import assert_stored_as_floats


def values(xs: list[float]) -> list[Value]:
    return [Value(x) for x in xs]


def test_half_squared_error_closed_form_and_gradient() -> None:
    y_hat = Value(0.512372)
    loss = half_squared_error(y_hat, 1.0)
    assert loss.data == pytest.approx(0.5 * (1 - 0.512372) ** 2, abs=1e-15)
    loss.backward()
    assert y_hat.grad == pytest.approx(-(1 - 0.512372), abs=1e-15)  # ∂E/∂ŷ = −(y − ŷ)
    assert half_squared_error(values([1.0, 2.0, -1.0]), [0.0, 0.0, 1.0]).data == pytest.approx(
        0.5 * (1 + 4 + 4)
    )


def test_mse_closed_form() -> None:
    assert mse(values([1.0, 2.0, -1.0]), [0.0, 0.0, 1.0]).data == pytest.approx((1 + 4 + 4) / 3)
    assert mse(Value(3.0), Value(1.0)).data == 4.0


def test_hinge_closed_form() -> None:
    scores, labels = [2.0, 0.5, -0.25, -3.0], [1, 1, 1, -1]
    expected = sum(max(0.0, 1 - y * s) for s, y in zip(scores, labels, strict=True)) / 4
    assert hinge(values(scores), labels).data == pytest.approx(expected, abs=1e-15)


def bce_closed_form(z: float, y: float) -> float:
    p = 1 / (1 + math.exp(-z))
    return -(y * math.log(p) + (1 - y) * math.log(1 - p))


def test_binary_cross_entropy_closed_form() -> None:
    zs, ys = [-2.0, -0.3, 0.0, 0.7, 3.0], [0.0, 1.0, 1.0, 0.0, 0.25]
    expected = sum(bce_closed_form(z, y) for z, y in zip(zs, ys, strict=True)) / len(zs)
    assert binary_cross_entropy_with_logits(values(zs), ys).data == pytest.approx(expected, rel=1e-13)


@pytest.mark.parametrize("z", [-1e4, -800.0, -50.0, 50.0, 800.0, 1e4])
@pytest.mark.parametrize("y", [0.0, 1.0])
def test_binary_cross_entropy_is_stable_for_large_logits(z: float, y: float) -> None:
    logit = Value(z)
    loss = binary_cross_entropy_with_logits(logit, y)
    # The exact loss is softplus(z) − y·z: about max(z, 0) − y·z for |z| this large.
    assert loss.data == pytest.approx(max(z, 0.0) - y * z, abs=1e-12)
    loss.backward()
    assert logit.grad == pytest.approx((1.0 if z > 0 else 0.0) - y, abs=1e-12)  # sigmoid(z) − y


@pytest.mark.parametrize("z", [-30.0, -2.0, -1e-9, 0.0, 1e-9, 0.5, 30.0])
def test_softplus_and_its_gradient(z: float) -> None:
    x = Value(z)
    out = softplus(x)
    assert out.data == pytest.approx(math.log1p(math.exp(-abs(z))) + max(z, 0.0), rel=1e-15)
    out.backward()
    assert x.grad == pytest.approx(1 / (1 + math.exp(-z)), rel=1e-12)  # right at 0 too: 0.5


@pytest.mark.parametrize(
    "loss",
    [
        lambda a, b, c: half_squared_error([a, b, c], [0.3, -1.0, 2.0]),
        lambda a, b, c: mse([a, b, c], [0.3, -1.0, 2.0]),
        lambda a, b, c: binary_cross_entropy_with_logits([a, b, c], [1.0, 0.0, 0.4]),
        lambda a, b, c: hinge([a, b, c], [1, -1, 1]),
        lambda a, b, c: l2([a, b, c]),
    ],
    ids=["half_squared_error", "mse", "bce", "hinge", "l2"],
)
def test_gradients_match_finite_differences(loss: object) -> None:
    # Points away from hinge's kink at margin 1.
    assert gradcheck(loss, [0.3, 0.8, -1.7])  # type: ignore[arg-type]
    assert gradcheck(loss, [-2.5, -0.4, 1.9])  # type: ignore[arg-type]


def test_l2_is_the_sum_of_squares_with_gradient_2p() -> None:
    params = values([3.0, -4.0, 0.5])
    penalty = l2(params)
    assert penalty.data == 25.25
    penalty.backward()
    assert [p.grad for p in params] == [6.0, -8.0, 1.0]
    assert l2([]).data == 0.0


def test_losses_match_pytorch(torch: ModuleType) -> None:
    F = torch.nn.functional
    preds, targets = [0.3, -1.2, 2.5, 0.0], [1.0, 0.0, 1.0, 0.5]
    t_pred = torch.tensor(preds, dtype=torch.float64, requires_grad=True)
    t_target = torch.tensor(targets, dtype=torch.float64)
    for ours, theirs in [
        (mse, F.mse_loss(t_pred, t_target)),
        (binary_cross_entropy_with_logits, F.binary_cross_entropy_with_logits(t_pred, t_target)),
    ]:
        ps = values(preds)
        loss = ours(ps, targets)
        loss.backward()
        (t_grad,) = torch.autograd.grad(theirs, t_pred)
        assert loss.data == pytest.approx(theirs.item(), rel=1e-13)
        assert [p.grad for p in ps] == pytest.approx(t_grad.tolist(), rel=1e-12)


def test_bad_shapes_and_targets_are_clear_errors() -> None:
    with pytest.raises(ValueError, match="2 predictions but 3 targets"):
        mse(values([1.0, 2.0]), [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="no predictions"):
        mse([], [])
    with pytest.raises(ValueError, match="-1 or \\+1"):
        hinge(values([1.0]), [0])
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        binary_cross_entropy_with_logits(values([1.0]), [2.0])
    with pytest.raises(TypeError):
        mse(["a"], [1.0])


def test_numbers_are_accepted_as_predictions() -> None:
    loss = half_squared_error([1.0, 2.0], [Value(0.0), Value(1.0)])
    assert isinstance(loss, Value)
    assert loss.data == 1.0


def test_softplus_keeps_tiny_values() -> None:
    # log(1 + e⁻⁴⁰) is e⁻⁴⁰ to within 1e-17 relative; computed as log(1 + tiny) it would be 0.
    assert softplus(Value(-40.0)).data == pytest.approx(math.exp(-40.0), rel=1e-12)


# --- numbers are numbers: NumPy and torch predictions and targets -----------

LOSSES: dict[str, Callable[..., Value]] = {
    "half_squared_error": half_squared_error,
    "mse": mse,
    "bce": binary_cross_entropy_with_logits,
    "hinge": hinge,
}
PREDICTIONS = [0.5, -0.25]  # inside the margin of hinge, so every gradient is non-zero
TARGETS = [1.0, -1.0]  # valid for every loss but bce, whose targets are in [0, 1]


def targets_for(name: str) -> list[float]:
    return [1.0, 0.0] if name == "bce" else TARGETS


def reference(name: str) -> float:
    return LOSSES[name](values(PREDICTIONS), targets_for(name)).data


@pytest.mark.parametrize("name", sorted(LOSSES))
@pytest.mark.parametrize(
    "convert",
    [
        lambda xs: np.array(xs),
        lambda xs: np.array(xs, dtype=np.float32),
        lambda xs: [np.float64(x) for x in xs],
        lambda xs: tuple(np.array(x) for x in xs),  # 0-d arrays
    ],
    ids=["1-D array", "1-D float32 array", "NumPy scalars", "0-d arrays"],
)
def test_numpy_predictions_and_targets(name: str, convert: Any) -> None:
    loss = LOSSES[name]
    predictions = values(PREDICTIONS)
    for out in (
        loss(predictions, convert(targets_for(name))),
        loss(convert(PREDICTIONS), convert(targets_for(name))),
        loss(convert(PREDICTIONS), targets_for(name)),
    ):
        assert out.data == reference(name)
        out.backward()
        assert_stored_as_floats(out)
    assert all(type(p.grad) is float and p.grad != 0.0 for p in predictions)


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_one_numpy_scalar_is_one_example(name: str) -> None:
    loss = LOSSES[name]
    target = np.float64(targets_for(name)[0])
    out = loss(Value(0.5), target)
    assert out.data == loss(Value(0.5), float(target)).data
    assert_stored_as_floats(out)
    out = loss(np.float32(0.5), np.int64(1))
    assert out.data == loss(0.5, 1.0).data
    assert_stored_as_floats(out)


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_a_0d_torch_tensor_is_a_number(torch: ModuleType, name: str) -> None:
    loss = LOSSES[name]
    target = torch.tensor(targets_for(name)[0], dtype=torch.float64)
    out = loss(torch.tensor(0.5), target)
    assert out.data == loss(0.5, targets_for(name)[0]).data
    out.backward()  # a Tensor in .data would fail here
    assert_stored_as_floats(out)
    both = loss(torch.tensor(PREDICTIONS, dtype=torch.float64), torch.tensor(targets_for(name)))
    assert both.data == reference(name)  # a 1-D tensor is a batch, as a 1-D array is
    with pytest.raises(TypeError, match=r"got a 1-D Tensor of shape \(2,\) as target 0"):
        loss(values(PREDICTIONS), [torch.tensor(TARGETS), 1.0])


@pytest.mark.parametrize("name", sorted(LOSSES))
@pytest.mark.parametrize(
    ("predictions", "targets", "message"),
    [
        (np.zeros((2, 1)), TARGETS, r"1-D array of predictions, got a 2-D ndarray of shape \(2, 1\)"),
        (PREDICTIONS, np.zeros((1, 2)), r"1-D array of targets, got a 2-D ndarray of shape \(1, 2\)"),
        ("ab", TARGETS, r"numbers or Values, got str as prediction 0"),
        (PREDICTIONS, [1.0, None], r"numbers or Values, got NoneType as target 1"),
        (PREDICTIONS, [1.0, "1"], r"numbers or Values, got str as target 1"),
        ([0.5, np.array([1.0])], TARGETS, r"got a 1-D ndarray of shape \(1,\) as prediction 1"),
        (None, 1.0, r"numbers or Values, got NoneType as prediction 0"),
    ],
    ids=repr,
)
def test_what_is_not_a_number_is_a_type_error_naming_its_type(
    name: str, predictions: Any, targets: Any, message: str
) -> None:
    with pytest.raises(TypeError, match=message):
        LOSSES[name](predictions, targets)


def test_l2_takes_numpy_numbers_too() -> None:
    out = l2([Value(3.0), np.float64(4.0), np.int64(1)])  # type: ignore[list-item]
    assert out.data == 26.0
    assert_stored_as_floats(out)
    with pytest.raises(TypeError, match="got str as parameter 1"):
        l2([Value(1.0), "x"])  # type: ignore[list-item]
