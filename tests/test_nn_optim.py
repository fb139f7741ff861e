"""SGD (with momentum) and Adam: steps by hand and against ``torch.optim``."""

from __future__ import annotations

import math
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

import autograd
from autograd import Value
from nn import MLP, SGD, Adam, Optimizer, optim
from tests.checks import interrupt_after

START = [0.5, -1.5, 2.0]
A = [1.0, -2.0, 0.5]
B = [0.3, 0.7, -1.1]


def loss_of(w: list[Any]) -> Any:
    """A small non-quadratic loss, written once for Values and torch tensors alike."""
    total = 0.0
    for wi, a, b in zip(w, A, B, strict=True):
        total = total + (wi * a - b) ** 2
    return total + (w[0] * w[1] - w[2]) ** 2 * 0.25


def run_ours(make: Any, steps: int) -> list[float]:
    w = [Value(x) for x in START]
    opt: Optimizer = make(w)
    for _ in range(steps):
        opt.zero_grad()
        loss_of(w).backward()
        opt.step()
    return [p.data for p in w]


def run_torch(torch: ModuleType, make: Any, steps: int) -> list[float]:
    w = torch.tensor(START, dtype=torch.float64, requires_grad=True)
    opt = make([w])
    for _ in range(steps):
        opt.zero_grad()
        loss_of(list(w.unbind())).backward()
        opt.step()
    return [float(x) for x in w.detach().tolist()]


def test_sgd_step_by_hand() -> None:
    w = [Value(1.0), Value(-2.0)]
    w[0].grad, w[1].grad = 0.5, -3.0
    SGD(w, lr=0.1).step()
    assert [p.data for p in w] == [1.0 - 0.1 * 0.5, -2.0 + 0.1 * 3.0]


def test_sgd_momentum_by_hand() -> None:
    w = Value(1.0)
    opt = SGD([w], lr=0.1, momentum=0.9)
    w.grad = 2.0
    opt.step()  # v = 2
    assert w.data == pytest.approx(1.0 - 0.1 * 2.0, abs=1e-15)
    w.grad = 1.0
    opt.step()  # v = 0.9·2 + 1 = 2.8
    assert w.data == pytest.approx(0.8 - 0.1 * 2.8, abs=1e-15)


def test_adam_two_steps_by_hand() -> None:
    w = Value(1.0)
    opt = Adam([w], lr=0.01, betas=(0.9, 0.999), eps=1e-8)
    expected = 1.0
    m = v = 0.0
    for t, g in enumerate([0.5, -0.2], start=1):
        w.grad = g
        opt.step()
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        expected -= 0.01 * (m / (1 - 0.9**t)) / (math.sqrt(v / (1 - 0.999**t)) + 1e-8)
        assert w.data == pytest.approx(expected, abs=1e-15)
    assert opt.t == 2


def test_adam_first_step_is_about_lr_thanks_to_bias_correction() -> None:
    for g in (1e-3, 1.0, 1e3):
        w = Value(0.0)
        w.grad = g
        Adam([w], lr=0.01).step()
        assert w.data == pytest.approx(-0.01, rel=1e-4)


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_sgd_matches_torch(torch: ModuleType, momentum: float) -> None:
    ours = run_ours(lambda w: SGD(w, lr=0.05, momentum=momentum), steps=8)
    theirs = run_torch(torch, lambda w: torch.optim.SGD(w, lr=0.05, momentum=momentum), steps=8)
    assert ours == pytest.approx(theirs, rel=1e-12, abs=1e-14)


@pytest.mark.parametrize("betas", [(0.9, 0.999), (0.5, 0.9)])
def test_adam_matches_torch(torch: ModuleType, betas: tuple[float, float]) -> None:
    ours = run_ours(lambda w: Adam(w, lr=0.1, betas=betas, eps=1e-8), steps=8)
    theirs = run_torch(torch, lambda w: torch.optim.Adam(w, lr=0.1, betas=betas, eps=1e-8), steps=8)
    assert ours == pytest.approx(theirs, rel=1e-12, abs=1e-14)


def test_step_records_no_graph_and_keeps_values_leaves() -> None:
    net = MLP(2, [2, 1], seed=0)
    net([1.0, 2.0]).backward()  # type: ignore[union-attr]
    for opt in (SGD(net.parameters(), lr=0.1, momentum=0.5), Adam(net.parameters())):
        opt.step()
        assert all(p.op == "" and p.parents == () for p in net.parameters())


def test_zero_grad() -> None:
    w = [Value(1.0), Value(2.0)]
    w[0].grad = w[1].grad = 3.0
    Adam(w).zero_grad()
    assert [p.grad for p in w] == [0.0, 0.0]


def test_a_step_that_would_overflow_changes_nothing() -> None:
    w = [Value(1.0, "w0"), Value(1e308, "w1")]
    w[0].grad, w[1].grad = 1.0, -1e308
    with pytest.raises(OverflowError, match="w1"):
        SGD(w, lr=10.0).step()
    assert [p.data for p in w] == [1.0, 1e308]


@pytest.mark.parametrize(
    "make",
    [
        lambda w: SGD(w, lr=-0.1),
        lambda w: SGD(w, lr=0.1, momentum=1.0),
        lambda w: Adam(w, betas=(0.9, 1.5)),
        lambda w: Adam(w, eps=-1.0),
        lambda w: SGD(w, lr=math.inf),
    ],
)
def test_bad_hyperparameters_are_rejected(make: Any) -> None:
    with pytest.raises(ValueError):
        make([Value(1.0)])


def test_non_values_are_rejected() -> None:
    with pytest.raises(TypeError, match="float"):
        SGD([1.0], lr=0.1)  # type: ignore[list-item]
    with pytest.raises(TypeError, match="lr must be a number"):
        SGD([Value(1.0)], lr="0.1")  # type: ignore[arg-type]


# --- settings are checked whenever they are set ---------------------------

BAD_SETTINGS: list[tuple[str, Any, type[Exception], str]] = [
    ("lr", "0.1", TypeError, r"^lr must be a number, got str"),
    ("lr", None, TypeError, r"^lr must be a number, got NoneType"),
    ("lr", True, TypeError, r"^lr must be a number, got bool"),
    ("lr", 1j, TypeError, r"^lr must be a number, got complex"),
    ("lr", np.array([0.1]), TypeError, r"^lr must be a number, got ndarray"),
    ("lr", 0.0, ValueError, r"^lr must be > 0, got 0.0"),
    ("lr", -0.1, ValueError, r"^lr must be > 0"),
    ("lr", math.inf, ValueError, r"^lr must be a finite number, got inf"),
    ("lr", math.nan, ValueError, r"^lr must be a finite number, got nan"),
    ("lr", 10**400, ValueError, r"^lr must be a finite number"),
]
SGD_SETTINGS = [
    *BAD_SETTINGS,
    ("momentum", "0.9", TypeError, r"^momentum must be a number, got str"),
    ("momentum", 1.0, ValueError, r"^momentum must be in \[0, 1\), got 1.0"),
    ("momentum", -0.1, ValueError, r"^momentum must be in \[0, 1\)"),
    ("momentum", math.nan, ValueError, r"^momentum must be a finite number"),
]
ADAM_SETTINGS = [
    *BAD_SETTINGS,
    ("betas", (0.9,), ValueError, r"^betas must be a pair of numbers \(beta1, beta2\), got 1 of them"),
    ("betas", (0.9, 0.99, 0.999), ValueError, r"^betas must be a pair .* got 3 of them"),
    ("betas", 0.9, TypeError, r"^betas must be a pair of numbers \(beta1, beta2\), got float"),
    ("betas", "ab", TypeError, r"^betas must be a pair .* got str"),
    ("betas", (0.9, 1.0), ValueError, r"^betas\[1\] must be in \[0, 1\), got 1.0"),
    ("betas", (-0.1, 0.9), ValueError, r"^betas\[0\] must be in \[0, 1\)"),
    ("betas", ("0.9", 0.999), TypeError, r"^betas\[0\] must be a number, got str"),
    ("eps", 0.0, ValueError, r"^eps must be > 0, got 0.0"),
    ("eps", -1e-8, ValueError, r"^eps must be > 0"),
    ("eps", math.inf, ValueError, r"^eps must be a finite number"),
    ("eps", "1e-8", TypeError, r"^eps must be a number, got str"),
]


def make_sgd(**settings: Any) -> SGD:
    return SGD([Value(1.0)], **{"lr": 0.1, **settings})


def make_adam(**settings: Any) -> Adam:
    return Adam([Value(1.0)], **settings)


@pytest.mark.parametrize(("make", "name", "bad", "error", "message"), [
    *[(make_sgd, *case) for case in SGD_SETTINGS],
    *[(make_adam, *case) for case in ADAM_SETTINGS],
], ids=repr)  # fmt: skip
def test_a_bad_setting_is_refused_at_construction(
    make: Any, name: str, bad: Any, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        make(**{name: bad})


@pytest.mark.parametrize(("make", "name", "bad", "error", "message"), [
    *[(make_sgd, *case) for case in SGD_SETTINGS],
    *[(make_adam, *case) for case in ADAM_SETTINGS],
], ids=repr)  # fmt: skip
def test_a_bad_setting_is_refused_when_set_later_and_the_old_one_stays(
    make: Any, name: str, bad: Any, error: type[Exception], message: str
) -> None:
    opt = make()
    before = getattr(opt, name)
    with pytest.raises(error, match=message):
        setattr(opt, name, bad)
    assert getattr(opt, name) == before
    opt.parameters[0].grad = 1.0
    opt.step()  # still works
    assert opt.parameters[0].data < 1.0


def test_numpy_settings_are_kept_as_plain_floats() -> None:
    opt = SGD([Value(1.0)], lr=np.float32(0.5), momentum=np.float64(0.25))  # type: ignore[arg-type]
    assert type(opt.lr) is float and opt.lr == 0.5
    assert type(opt.momentum) is float and opt.momentum == 0.25
    opt.lr = np.int64(2)  # type: ignore[assignment]
    assert type(opt.lr) is float and opt.lr == 2.0
    adam = Adam([Value(1.0)], lr=np.float64(0.01), betas=np.array([0.5, 0.75]), eps=np.float32(0.125))  # type: ignore[arg-type]
    assert adam.betas == (0.5, 0.75) and all(type(b) is float for b in adam.betas)
    assert type(adam.eps) is float and adam.eps == 0.125
    adam.betas = [0.25, 0.5]  # type: ignore[assignment]
    assert adam.betas == (0.25, 0.5)


def test_a_learning_rate_schedule_still_works() -> None:
    w = Value(1.0)
    opt = SGD([w], lr=0.5)
    for lr in (0.5, 0.25):
        opt.lr = lr
        w.grad = 1.0
        opt.step()
    assert w.data == 0.25


# --- a step is all or nothing: Ctrl-C at any line ---------------------------

# The optimizer's lines, and the engine's (were Value.data ever a property, its setter would count).
TRACED = {optim.__file__, *(str(Path(autograd.__file__).parent / f"{m}.py") for m in ("value", "ops"))}

OPTIMIZERS: dict[str, Any] = {
    "SGD": lambda w: SGD(w, lr=0.1),
    "SGD with momentum": lambda w: SGD(w, lr=0.1, momentum=0.9),
    "Adam": lambda w: Adam(w, lr=0.1),
}


def ready_to_step(name: str) -> tuple[list[Value], Optimizer]:
    """A network, one step into training (so that momentum and Adam have a state), with fresh grads."""
    net = MLP(2, [3, 1], activation="tanh", seed=0)
    w = net.parameters()
    opt: Optimizer = OPTIMIZERS[name](w)
    for x in ([0.5, -1.0], [1.5, 0.25]):
        opt.zero_grad()
        ((net(x) - 1.0) ** 2).backward()  # type: ignore[operator]
        if x[0] == 0.5:
            opt.step()
    return w, opt


def snapshot_of(w: list[Value], opt: Optimizer) -> tuple[list[float], dict[str, Any]]:
    return [p.data for p in w], opt.state


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_an_interrupt_at_any_line_of_step_leaves_the_step_undone_or_done(name: str) -> None:
    w, opt = ready_to_step(name)
    old = snapshot_of(w, opt)
    opt.step()
    new = snapshot_of(w, opt)
    assert new[0] != old[0] and (name == "SGD" or new[1] != old[1])
    undone = 0
    for n in range(1, 10_000):
        w, opt = ready_to_step(name)
        sys.settrace(interrupt_after(n, TRACED))
        try:
            opt.step()
            finished = True
        except KeyboardInterrupt:
            finished = False
        finally:
            sys.settrace(None)
        after = snapshot_of(w, opt)
        assert after in (old, new), f"a mix of the old and the new step after an interrupt at line {n}"
        if finished:
            assert after == new
            break
        if after == old:  # training goes on from there: the step again is the step without an interrupt
            undone += 1
            opt.step()
            assert snapshot_of(w, opt) == new, f"after an interrupt at line {n}, the next step differs"
    assert finished and n > 20  # every line of step(), its list comprehensions and _apply, was interrupted
    assert undone >= n - 2  # all but a `return` after the last assignment left the step undone
