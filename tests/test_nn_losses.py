"""Losses against their closed forms, finite differences (gradcheck) and PyTorch."""

from __future__ import annotations

import math
from types import ModuleType

import pytest

from autograd import Value, gradcheck
from nn import binary_cross_entropy_with_logits, half_squared_error, hinge, l2, mse, softplus


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
        mse(["a"], [1.0])  # type: ignore[list-item]


def test_numbers_are_accepted_as_predictions() -> None:
    loss = half_squared_error([1.0, 2.0], [Value(0.0), Value(1.0)])
    assert isinstance(loss, Value)
    assert loss.data == 1.0


def test_softplus_keeps_tiny_values() -> None:
    # log(1 + e⁻⁴⁰) is e⁻⁴⁰ to within 1e-17 relative; computed as log(1 + tiny) it would be 0.
    assert softplus(Value(-40.0)).data == pytest.approx(math.exp(-40.0), rel=1e-12)
