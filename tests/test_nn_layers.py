"""Neuron, Layer and MLP: the API.md contract, labels, seeding and clear errors."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from autograd import Value, no_grad
from nn import ACTIVATIONS, MLP, Layer, Module, Neuron
from tests.checks import assert_stored_as_floats


def test_neuron_computes_activation_of_weighted_sum() -> None:
    n = Neuron(3, activation="tanh", seed=0)
    n.w[0].data, n.w[1].data, n.w[2].data = 0.5, -1.0, 2.0
    assert n.b is not None
    n.b.data = 0.25
    out = n([1.0, 2.0, 3.0])
    assert out.data == pytest.approx(math.tanh(0.5 - 2.0 + 6.0 + 0.25), abs=1e-15)
    assert n.h.data == pytest.approx(4.75, abs=1e-15)
    assert n.inputs == [1.0, 2.0, 3.0]


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_every_activation_by_name(name: str) -> None:
    n = Neuron(1, activation=name, bias=False, seed=0)
    n.w[0].data = 1.0
    expected = {"sigmoid": 1 / (1 + math.exp(0.7)), "tanh": math.tanh(-0.7), "relu": 0.0, "linear": -0.7}
    assert n([-0.7]).data == pytest.approx(expected[name], abs=1e-15)


def test_linear_output_is_the_h_node_itself() -> None:
    n = Neuron(2, activation="linear", seed=0)
    assert n([1.0, 2.0]) is n.h


def test_bias_false_has_no_bias_parameter() -> None:
    n = Neuron(4, bias=False, seed=0)
    assert n.b is None
    assert n.parameters() == n.w
    assert len(Neuron(4, seed=0).parameters()) == 5


def test_layer_returns_a_list_even_with_one_neuron() -> None:
    out = Layer(2, 1, seed=0)([1.0, 2.0])
    assert isinstance(out, list)
    assert len(out) == 1
    assert isinstance(out[0], Value)


def test_mlp_returns_value_for_one_output_and_list_otherwise() -> None:
    assert isinstance(MLP(2, [3, 1], seed=0)([1.0, 2.0]), Value)
    out = MLP(2, [3, 2], seed=0)([1.0, 2.0])
    assert isinstance(out, list)
    assert len(out) == 2


def test_mlp_structure_and_activations() -> None:
    net = MLP(3, [4, 5, 2], activation="tanh", output_activation="sigmoid", seed=0)
    assert [len(layer.neurons) for layer in net.layers] == [4, 5, 2]
    assert [layer.activation for layer in net.layers] == ["tanh", "tanh", "sigmoid"]
    assert all(
        len(n.w) == nin for layer, nin in zip(net.layers, [3, 4, 5], strict=True) for n in layer.neurons
    )
    assert len(net.parameters()) == (3 + 1) * 4 + (4 + 1) * 5 + (5 + 1) * 2
    assert len(set(map(id, net.parameters()))) == len(net.parameters())
    assert isinstance(net, Module)


def test_parameters_are_labelled_by_position() -> None:
    net = MLP(2, [2, 1], seed=0)
    labels = [p.label for p in net.parameters()]
    assert labels == [
        "L1.N0.w0", "L1.N0.w1", "L1.N0.b",
        "L1.N1.w0", "L1.N1.w1", "L1.N1.b",
        "L2.N0.w0", "L2.N0.w1", "L2.N0.b",
    ]  # fmt: skip
    assert net.layers[0].neurons[0].w[1].label == "L1.N0.w1"
    net([1.0, 2.0])
    assert net.layers[1].neurons[0].h.label == "L2.N0.h"


def test_setting_data_sets_the_weights() -> None:
    net = MLP(1, [1], output_activation="linear", seed=0)
    neuron = net.layers[0].neurons[0]
    neuron.w[0].data = 3.0
    assert neuron.b is not None
    neuron.b.data = 1.0
    assert net([2.0]).data == 7.0  # type: ignore[union-attr]


def test_seeding_is_reproducible() -> None:
    def weights(seed: int | random.Random | None) -> list[float]:
        return [p.data for p in MLP(3, [4, 1], seed=seed).parameters()]

    assert weights(7) == weights(7)
    assert weights(7) != weights(8)
    assert weights(random.Random(7)) == weights(7)
    random.seed(3)
    first = weights(None)
    random.seed(3)
    assert weights(None) == first


def test_initial_weights_are_he_uniform_and_biases_zero() -> None:
    net = MLP(6, [50], seed=1)
    bound = math.sqrt(6 / 6)
    weights = [w.data for n in net.layers[0].neurons for w in n.w]
    assert all(-bound <= w <= bound for w in weights)
    assert max(weights) > 0.8 * bound and min(weights) < -0.8 * bound
    assert all(n.b is not None and n.b.data == 0.0 for n in net.layers[0].neurons)


def test_zero_grad_zeroes_every_parameter() -> None:
    net = MLP(2, [3, 1], seed=0)
    net([1.0, -1.0]).backward()  # type: ignore[union-attr]
    assert any(p.grad != 0.0 for p in net.parameters())
    net.zero_grad()
    assert all(p.grad == 0.0 for p in net.parameters())


def test_inputs_may_be_values_and_receive_gradients() -> None:
    x = [Value(0.5, "x0"), Value(-1.5, "x1")]
    net = MLP(2, [3, 1], activation="tanh", seed=0)
    net(x).backward()  # type: ignore[union-attr]
    assert any(v.grad != 0.0 for v in x)


def test_no_grad_forward_builds_no_graph() -> None:
    net = MLP(2, [3, 1], seed=0)
    with no_grad():
        out = net([1.0, 2.0])
    assert out.parents == ()  # type: ignore[union-attr]


# --- clear errors ---------------------------------------------------------


def test_unknown_activation_names_it_and_lists_the_valid_ones() -> None:
    for make in (
        lambda: Neuron(2, activation="softmax"),
        lambda: Layer(2, 2, activation="softmax"),
        lambda: MLP(2, [2, 1], activation="softmax"),
        lambda: MLP(2, [2, 1], output_activation="softmax"),
    ):
        with pytest.raises(ValueError, match="softmax") as info:
            make()
        for name in ("sigmoid", "tanh", "relu", "linear"):
            assert name in str(info.value)


@pytest.mark.parametrize("module", [Neuron(3, seed=0), Layer(3, 2, seed=0), MLP(3, [2, 1], seed=0)])
def test_wrong_number_of_inputs_gives_both_numbers(module: Neuron | Layer | MLP) -> None:
    with pytest.raises(ValueError, match=r"takes 3 inputs, got 2"):
        module([1.0, 2.0])


def test_inner_neuron_reports_its_label() -> None:
    neuron = MLP(3, [2, 1], seed=0).layers[1].neurons[0]
    with pytest.raises(ValueError, match=r"L2\.N0 takes 2 inputs, got 5"):
        neuron([1.0] * 5)


@pytest.mark.parametrize("bad", [["a", 1.0], [None, 1.0], [1.0, [2.0]]])
def test_non_numeric_input_is_a_type_error(bad: list[object]) -> None:
    with pytest.raises(TypeError, match="numbers or Values"):
        MLP(2, [2, 1], seed=0)(bad)


def test_input_that_is_not_a_list_is_a_type_error() -> None:
    with pytest.raises(TypeError, match=r"list of 2 numbers or Values \(or a 1-D array\), got float"):
        MLP(2, [1], seed=0)(3.0)


def test_non_finite_input_is_rejected() -> None:
    with pytest.raises(ValueError):
        MLP(2, [1], seed=0)([math.nan, 1.0])


@pytest.mark.parametrize(
    "make",
    [lambda: Neuron(0), lambda: Layer(2, 0), lambda: MLP(2, []), lambda: MLP(2, [1], seed="x")],  # type: ignore[arg-type]
)
def test_bad_sizes_and_seeds_are_rejected(make: object) -> None:
    with pytest.raises((ValueError, TypeError)):
        make()  # type: ignore[operator]


def test_delta_before_any_forward_is_a_clear_error() -> None:
    with pytest.raises(RuntimeError, match="not been called yet"):
        _ = Neuron(2, seed=0).delta


def test_repr_shows_the_shape() -> None:
    assert repr(MLP(2, [16, 16, 1])) == "MLP(2, [16, 16, 1], activation='relu', output_activation='linear')"


def test_bad_sizes_name_the_argument() -> None:
    with pytest.raises(TypeError, match=r"nin must be an int, got bool"):
        MLP(True, [1])
    with pytest.raises(TypeError, match=r"nin must be an int, got float"):
        Neuron(2.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"nout must be an int, got str"):
        Layer(2, "3")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"nouts\[1\] must be an int, got bool"):
        MLP(2, [3, True])
    with pytest.raises(ValueError, match=r"at least one neuron, got nouts\[0\]=0"):
        MLP(2, [0, 1])
    with pytest.raises(ValueError, match=r"at least one input, got nin=-1"):
        MLP(-1, [1])
    with pytest.raises(TypeError, match=r"nouts is a list of layer sizes"):
        MLP(2, np.array([[3, 1]]))
    with pytest.raises(TypeError, match=r"nouts is a list of layer sizes"):
        MLP(2, "31")  # type: ignore[arg-type]


def test_numpy_ints_are_sizes_stored_as_ints() -> None:
    net = MLP(np.int64(2), [np.int32(3), np.int64(1)])
    assert type(net.nin) is int and type(net.layers[1].nin) is int
    assert [len(layer.neurons) for layer in net.layers] == [3, 1]
    assert repr(net) == "MLP(2, [3, 1], activation='relu', output_activation='linear')"
    assert MLP(2, np.array([4, 1])).layers[0].nin == 2  # a 1-D array of sizes is a list of sizes
    assert Neuron(np.uint8(3)).nin == 3
    assert Layer(np.int16(2), np.int16(5)).nin == 2


def test_other_arguments_are_checked_by_name() -> None:
    with pytest.raises(TypeError, match=r"^activation must be the name of an activation, got NoneType"):
        Neuron(2, activation=None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"^output_activation: unknown activation 'softmax'"):
        MLP(2, [2, 1], output_activation="softmax")
    with pytest.raises(TypeError, match=r"^output_activation must be the name of an activation, got int"):
        MLP(2, [2, 1], output_activation=0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"^bias must be True or False, got str"):
        MLP(2, [1], bias="no")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"^bias must be True or False, got int"):
        Layer(2, 1, bias=0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"^label must be a str, got int"):
        Neuron(2, label=3)  # type: ignore[arg-type]


# --- numbers are numbers: NumPy and torch inputs ---------------------------

MODULES: list[Callable[[], Any]] = [
    lambda: Neuron(3, activation="tanh", seed=1),
    lambda: Layer(3, 2, activation="tanh", seed=1),
    lambda: MLP(3, [4, 2], activation="tanh", seed=1),
]


def outputs(out: Value | list[Value]) -> list[float]:
    return [v.data for v in (out if isinstance(out, list) else [out])]


ARRAY_LIKE_INPUTS = {
    "1-D float64 array": np.array([0.5, -1.0, 2.0]),
    "1-D float32 array": np.array([0.5, -1.0, 2.0], dtype=np.float32),
    "1-D int array": np.array([1, -1, 2]),
    "tuple of NumPy scalars": (np.float64(0.5), np.float32(-1.0), np.int64(2)),
    "list of 0-d arrays": [np.array(0.5), np.array(-1.0), np.array(2.0)],
    "list of ints": [1, -1, 2],
}
EXPECTED_INPUTS = {
    "1-D float64 array": [0.5, -1.0, 2.0],
    "1-D float32 array": [0.5, -1.0, 2.0],
    "1-D int array": [1.0, -1.0, 2.0],
    "tuple of NumPy scalars": [0.5, -1.0, 2.0],
    "list of 0-d arrays": [0.5, -1.0, 2.0],
    "list of ints": [1.0, -1.0, 2.0],
}


@pytest.mark.parametrize("make", MODULES, ids=["Neuron", "Layer", "MLP"])
@pytest.mark.parametrize("name", sorted(ARRAY_LIKE_INPUTS))
def test_numpy_inputs_are_plain_floats_inside(make: Any, name: str) -> None:
    module = make()
    out = module(ARRAY_LIKE_INPUTS[name])
    assert outputs(out) == outputs(make()(EXPECTED_INPUTS[name]))
    assert_stored_as_floats(out)
    for v in out if isinstance(out, list) else [out]:
        v.backward()
    assert_stored_as_floats(out)
    assert all(type(p.grad) is float and p.grad != 0.0 for p in module.parameters() if "w" in p.label)


def test_neuron_inputs_are_floats_and_constants_of_the_graph() -> None:
    n = Neuron(2, seed=0)
    n(np.array([0.25, 4.0]))
    assert n.inputs == [0.25, 4.0]
    assert all(type(x) is float for x in n.inputs)
    xs = n.h.parents[2:4]
    assert all(x.is_constant and type(x.data) is float for x in xs)  # numbers become constant leaves
    assert n.h.parents[2:4] == xs  # and reading them again changes nothing


def test_values_among_numpy_scalars_keep_their_gradients() -> None:
    x = Value(0.5, "x")
    net = MLP(2, [3, 1], activation="tanh", seed=0)
    out = net([x, np.float64(-1.0)])
    out.backward()  # type: ignore[union-attr]
    assert x.grad != 0.0
    assert_stored_as_floats(out)


def test_a_0d_torch_tensor_is_an_input_number(torch: ModuleType) -> None:
    for make in MODULES:
        x = [torch.tensor(0.5, dtype=torch.float64), torch.tensor(-1.0), 2.0]
        out = make()(x)
        assert outputs(out) == outputs(make()([0.5, -1.0, 2.0]))
        assert_stored_as_floats(out)
        for v in out if isinstance(out, list) else [out]:
            v.backward()  # a Tensor in .data would fail here
        assert_stored_as_floats(out)
    # a 1-D tensor is a list of inputs, as a 1-D array is
    net = MODULES[2]()
    assert outputs(net(torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64))) == outputs(net([0.5, -1.0, 2.0]))


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (np.array([[0.5, -1.0, 2.0]]), r"\(or a 1-D array\), got a 2-D ndarray of shape \(1, 3\)"),
        (np.zeros((3, 3)), r"\(or a 1-D array\), got a 2-D ndarray of shape \(3, 3\)"),
        (np.float64(0.5), r"list of 3 numbers or Values \(or a 1-D array\), got float64"),
        (np.array(0.5), r"list of 3 numbers or Values \(or a 1-D array\), got ndarray"),
        ("abc", r"list of 3 numbers or Values \(or a 1-D array\), got str"),
        ({1: 1, 2: 2, 3: 3}, r"list of 3 numbers or Values \(or a 1-D array\), got dict"),
        (None, r"list of 3 numbers or Values \(or a 1-D array\), got NoneType"),
        ([0.5, "1", 2.0], r"numbers or Values, got str as input 1"),
        ([0.5, None, 2.0], r"numbers or Values, got NoneType as input 1"),
        ([0.5, np.array([1.0]), 2.0], r"numbers or Values, got a 1-D ndarray of shape \(1,\) as input 1"),
        ([0.5, 1.0, np.array([1.0, 2.0])], r"got a 1-D ndarray of shape \(2,\) as input 2"),
        ([0.5, 1.0, 1j], r"numbers or Values, got complex as input 2"),
        (np.array(["a", "b", "c"]), r"numbers or Values, got str_ as input 0"),
    ],
    ids=repr,
)
@pytest.mark.parametrize("make", MODULES, ids=["Neuron", "Layer", "MLP"])
def test_what_is_not_a_list_of_numbers_is_a_type_error_naming_its_type(
    make: Any, bad: object, message: str
) -> None:
    with pytest.raises(TypeError, match=message):
        make()(bad)


def test_an_element_that_is_a_torch_tensor_of_one_or_more_dimensions_is_refused(torch: ModuleType) -> None:
    for bad in (torch.tensor([1.0]), torch.tensor([1.0, 2.0])):
        with pytest.raises(TypeError, match=r"got a 1-D Tensor of shape \(\d,\) as input 1"):
            MLP(2, [1], seed=0)([0.5, bad])
    with pytest.raises(TypeError, match=r"got a 2-D Tensor"):
        MLP(2, [1], seed=0)(torch.zeros(2, 2))


@pytest.mark.parametrize("bad", [np.float64("nan"), np.array([1.0, np.inf]), [1.0, float("-inf")]], ids=repr)
def test_non_finite_numpy_inputs_are_value_errors(bad: object) -> None:
    with pytest.raises(ValueError):
        MLP(2, [1], seed=0)(bad if isinstance(bad, (list, np.ndarray)) else [bad, 1.0])


def test_an_int_too_large_for_a_float_is_an_overflow_error() -> None:
    with pytest.raises(OverflowError, match="MLP input 0"):
        MLP(2, [1], seed=0)([10**400, 1.0])
