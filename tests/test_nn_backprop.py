"""The seed's error terms, read off ``Neuron.delta``, against its hand formulas.

The seed's worked example to 1e-12, and the hidden-term formula
δⱼ = f′(hⱼ) Σₖ Wⱼₖ δₖ on many random networks of several depths and widths.
"""

from __future__ import annotations

import math
import random

import pytest

from autograd import Value
from nn import MLP, SGD, error_table, error_terms, half_squared_error

TOL = 1e-12


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def seed_net() -> MLP:
    net = MLP(2, [1, 1], activation="sigmoid", output_activation="sigmoid", bias=False)
    hidden, output = net.layers[0].neurons[0], net.layers[1].neurons[0]
    hidden.w[0].data, hidden.w[1].data = 0.4, -0.2
    output.w[0].data = 0.1
    return net


def test_the_seeds_worked_example_through_mlp_and_sgd() -> None:
    net = seed_net()
    hidden, output = net.layers[0].neurons[0], net.layers[1].neurons[0]
    y_hat = net([0.1, 0.3])
    assert isinstance(y_hat, Value)
    half_squared_error(y_hat, 1.0).backward()

    # The seed's formulas, in full precision.
    h = 0.1 * 0.4 + 0.3 * -0.2
    a = sigmoid(h)
    out = sigmoid(0.1 * a)
    delta_o = (1.0 - out) * out * (1.0 - out)
    delta_h = 0.1 * delta_o * a * (1.0 - a)
    assert hidden.h.data == pytest.approx(-0.02, abs=TOL)
    assert y_hat.data == pytest.approx(out, abs=TOL)
    assert output.delta == pytest.approx(delta_o, abs=TOL)
    assert hidden.delta == pytest.approx(delta_h, abs=TOL)
    # The numbers the seed and issue quote.
    assert round(output.delta, 4) == 0.1218
    assert round(hidden.delta, 6) == 0.003046

    SGD(net.parameters(), lr=0.5).step()
    w1, w2 = hidden.w
    (big_w,) = output.w
    assert big_w.data - 0.1 == pytest.approx(0.5 * delta_o * a, abs=TOL)  # ΔW = η δᵒ a
    assert w1.data - 0.4 == pytest.approx(0.5 * delta_h * 0.1, abs=TOL)  # Δw₁ = η δʰ x₁
    assert w2.data + 0.2 == pytest.approx(0.5 * delta_h * 0.3, abs=TOL)  # Δw₂ = η δʰ x₂
    assert big_w.data == pytest.approx(0.1 + 0.5 * delta_o * a, abs=TOL)
    assert round(big_w.data - 0.1, 5) == 0.03015
    assert (round(w1.data - 0.4, 6), round(w2.data + 0.2, 6)) == (0.000152, 0.000457)


def derivative(activation: str, h: float) -> float:
    if activation == "sigmoid":
        return sigmoid(h) * (1 - sigmoid(h))
    if activation == "tanh":
        return 1 - math.tanh(h) ** 2
    raise AssertionError(activation)


@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
@pytest.mark.parametrize("depth", [1, 2, 3, 5])
@pytest.mark.parametrize("width", [1, 3, 6])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_hidden_error_terms_follow_the_seeds_formula(
    activation: str, depth: int, width: int, seed: int
) -> None:
    rng = random.Random(1000 * seed + 10 * depth + width)
    nin, nout = rng.randint(1, 4), rng.randint(1, 3)
    net = MLP(nin, [width] * (depth - 1) + [nout], activation, output_activation=activation, seed=rng)
    x = [rng.uniform(-2, 2) for _ in range(nin)]
    targets = [rng.uniform(-1, 1) for _ in range(nout)]
    out = net(x)
    outputs = out if isinstance(out, list) else [out]
    half_squared_error(outputs, targets).backward()

    # Output layer: δᵒₖ = (yₖ − ŷₖ)·f′(hₖ).
    for neuron, y_hat, y in zip(net.layers[-1].neurons, outputs, targets, strict=True):
        expected = (y - y_hat.data) * derivative(activation, neuron.h.data)
        assert neuron.delta == pytest.approx(expected, rel=TOL, abs=TOL)
    # Hidden layers, from the top down: δⱼ = f′(hⱼ)·Σₖ Wⱼₖ δₖ, with the deltas autograd found above.
    for layer, above in zip(net.layers[:-1], net.layers[1:], strict=True):
        for j, neuron in enumerate(layer.neurons):
            backprop = sum(k.w[j].data * k.delta for k in above.neurons)
            expected = derivative(activation, neuron.h.data) * backprop
            assert neuron.delta == pytest.approx(expected, rel=TOL, abs=TOL)
    # Every weight's gradient is −δ·x (so SGD's step is Δw = η·δ·x) and the bias's is −δ.
    for layer in net.layers:
        for neuron in layer.neurons:
            for w, xi in zip(neuron.w, neuron.inputs, strict=True):
                assert w.grad == pytest.approx(-neuron.delta * xi, rel=TOL, abs=TOL)
            assert neuron.b is not None
            assert neuron.b.grad == pytest.approx(-neuron.delta, rel=TOL, abs=TOL)


def test_delta_comes_from_the_latest_forward_only() -> None:
    net = seed_net()
    neuron = net.layers[1].neurons[0]
    half_squared_error(net([0.1, 0.3]), 1.0).backward()
    first = neuron.delta
    net([0.1, 0.3])  # a new forward: a fresh h, no backward through it yet
    assert neuron.delta == 0.0
    loss = half_squared_error(net([0.1, 0.3]), 1.0)
    loss.backward()
    assert neuron.delta == pytest.approx(first, abs=TOL)  # parameters' grads have doubled meanwhile
    assert net.parameters()[-1].grad == pytest.approx(
        -2 * first * net.layers[1].neurons[0].inputs[0], abs=TOL
    )
    loss.backward()  # backward twice through the same forward: δ doubles, as every grad does
    assert neuron.delta == pytest.approx(2 * first, abs=TOL)


def test_delta_in_a_batch_is_the_last_examples() -> None:
    net = seed_net()
    neuron = net.layers[1].neurons[0]
    predictions = [net([0.5, -0.5]), net([0.1, 0.3])]
    assert all(isinstance(p, Value) for p in predictions)
    half_squared_error(predictions, [0.0, 1.0]).backward()  # type: ignore[arg-type]
    alone = seed_net()
    half_squared_error(alone([0.1, 0.3]), 1.0).backward()
    assert neuron.delta == pytest.approx(alone.layers[1].neurons[0].delta, abs=TOL)


def test_error_terms_and_table_report_the_seeds_numbers() -> None:
    net = seed_net()
    half_squared_error(net([0.1, 0.3]), 1.0).backward()
    (hidden,), (output,) = error_terms(net)
    assert hidden.label == "L1.N0" and output.label == "L2.N0"
    assert hidden.derivative == pytest.approx(sigmoid(-0.02) * (1 - sigmoid(-0.02)), abs=TOL)
    assert output.delta == net.layers[1].neurons[0].delta
    assert [w[0] for w in hidden.weights] == ["L1.N0.w0", "L1.N0.w1"]
    assert hidden.weights[1][1] == 0.3  # input x
    table = error_table(net, lr=0.5)
    assert "L1 (sigmoid)" in table and "L2 (sigmoid)" in table
    assert "0.121832" in table  # δᵒ
    assert "0.0030455" in table  # δʰ
    assert "0.0301535" in table  # ΔW
    assert "0.000152275" in table and "0.000456825" in table  # Δw
