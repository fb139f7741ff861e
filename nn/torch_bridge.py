"""A bridge to PyTorch: ``to_torch`` turns an ``MLP`` into a ``torch.nn.Sequential``, ``from_torch`` back.

Train a network here, where every value and error term can be looked at, then
hand it to PyTorch to run on batches, on a GPU, or to keep training; or bring a
PyTorch model here to see its error terms. Layer ``l`` of an MLP becomes a
``torch.nn.Linear`` whose ``weight[j][i]`` is ``layers[l].neurons[j].w[i]`` and
whose ``bias[j]`` is ``layers[l].neurons[j].b`` (``bias=None`` for an MLP made
with ``bias=False``), followed by its activation module::

    MLP(2, [16, 1], activation="tanh")  ⇄  Sequential(Linear(2, 16), Tanh(), Linear(16, 1), Identity())

In float64 (the default) the two compute the same outputs and gradients, and
``from_torch(to_torch(net))`` has ``net``'s weights bit for bit.

``from_torch`` reads exactly the Sequentials an MLP can hold, and refuses
anything else with a ``ValueError`` naming the module at fault:

- only ``Linear`` layers, each followed by at most one of ``Sigmoid``,
  ``Tanh``, ``ReLU``, ``Identity`` (a Linear with nothing after it is linear,
  as ``Identity`` is), of these exact classes: a subclass may compute
  something else;
- each Linear takes as many inputs as the one before gives, and none is used
  twice (an MLP's layers do not share weights);
- every Linear has a bias, or none has (an MLP has one ``bias`` flag);
- every hidden layer has the same activation (an MLP has one ``activation``
  for its hidden layers, and ``output_activation`` for the last);
- weights are finite real numbers. Any floating-point dtype is read exactly
  (every float32, float16 or bfloat16 number is a Python float), on any device.

PyTorch is optional (``pip install "glassgrad[torch]"``): it is imported when one of
these functions is called, never when ``nn`` is.
"""

from __future__ import annotations

import importlib
import math
from typing import Any, NamedTuple

from nn.layers import MLP, Layer

TORCH_MODULES = {"sigmoid": "Sigmoid", "tanh": "Tanh", "relu": "ReLU", "linear": "Identity"}
"""The ``torch.nn`` module class for each activation name, one for every entry of ``nn.ACTIVATIONS``."""


def _import_torch(caller: str) -> Any:
    """The ``torch`` module, or an ImportError that says how to install it.

    Imported with ``importlib`` rather than an ``import`` statement so that mypy
    neither needs torch installed nor spends its time reading all of torch.
    """
    try:
        return importlib.import_module("torch")
    except ImportError as error:
        raise ImportError(
            f"nn.{caller} needs PyTorch, which could not be imported ({error}). Install it with "
            'pip install torch, or install glassgrad with its torch extra: pip install "glassgrad[torch]" '
            '(in a checkout of glassgrad: pip install ".[torch]")'
        ) from error


def to_torch(model: MLP, dtype: Any = None) -> Any:
    """``model`` as a new ``torch.nn.Sequential``: a ``Linear`` and an activation module per layer.

    Args:
        model: the ``MLP`` to copy; it is left as it is, and shares nothing
            with the result.
        dtype: the parameters' floating-point dtype; None (the default) is
            ``torch.float64``, in which the copy computes the same outputs and
            gradients as ``model``. In ``torch.float32`` each weight is rounded
            to the nearest float32, so ``from_torch`` of it gives those
            rounded weights back.

    Returns:
        A ``torch.nn.Sequential`` (in training mode, every parameter with
        ``requires_grad=True``). Making it draws no random numbers: torch's
        random state is left as it was.
    """
    torch = _import_torch("to_torch")
    if not isinstance(model, MLP):
        raise TypeError(f"to_torch takes an nn.MLP, got {type(model).__name__}")
    if dtype is None:
        dtype = torch.float64
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise TypeError(
            f"to_torch: dtype must be a floating-point torch dtype, e.g. torch.float64, got {dtype!r}"
        )
    modules = []
    for layer in model.layers:
        modules.append(_linear(torch, layer, dtype))
        modules.append(getattr(torch.nn, TORCH_MODULES[layer.activation])())
    return torch.nn.Sequential(*modules)


def _linear(torch: Any, layer: Layer, dtype: Any) -> Any:
    """A ``torch.nn.Linear`` holding ``layer``'s weights and biases."""
    biases = [n.b for n in layer.neurons]
    has_bias = biases[0] is not None
    if any((b is not None) != has_bias for b in biases):
        raise ValueError(
            f"to_torch: some neurons of {layer.label or 'a layer'} have a bias and some do not; "
            "a torch.nn.Linear has a bias for every output or for none"
        )
    # skip_init: no random initialisation (it would move torch's random state), the weights come next.
    linear = torch.nn.utils.skip_init(
        torch.nn.Linear, layer.nin, len(layer.neurons), bias=has_bias, dtype=dtype
    )
    with torch.no_grad():
        linear.weight.copy_(torch.tensor([[w.data for w in n.w] for n in layer.neurons], dtype=dtype))
        if has_bias:
            linear.bias.copy_(torch.tensor([b.data for b in biases if b is not None], dtype=dtype))
    return linear


class _TorchLayer(NamedTuple):
    """One ``Linear`` of a Sequential, with the activation that follows it."""

    linear: Any
    where: str
    """How error messages name the Linear: ``"module 2 (Linear(...))"``."""
    activation: str
    activation_where: str
    """How error messages name the activation: its module, or the Linear when none follows."""


def from_torch(sequential: Any) -> MLP:
    """The ``MLP`` that computes what ``sequential`` computes; its inverse is ``to_torch``.

    ``sequential`` must be a ``torch.nn.Sequential`` of ``Linear`` layers, each
    followed by at most one ``Sigmoid``, ``Tanh``, ``ReLU`` or ``Identity``
    (see the module's docstring for every rule); anything else is a
    ``ValueError`` naming the module. The MLP's weights are the Sequential's
    numbers exactly, whatever their dtype or device; ``sequential`` is left
    as it is, and shares nothing with the result.
    """
    torch = _import_torch("from_torch")
    if not isinstance(sequential, torch.nn.Sequential):
        raise TypeError(f"from_torch takes a torch.nn.Sequential, got {type(sequential).__name__}")
    layers = _read_layers(torch, sequential)
    _check_sizes(layers)
    has_bias = layers[0].linear.bias is not None
    for layer in layers:
        if (layer.linear.bias is not None) != has_bias:
            first = "has a bias" if has_bias else "has none"
            raise ValueError(
                f"from_torch: {layer.where}: every Linear of an MLP has a bias or none does, "
                f"but the first one {first}"
            )
    hidden = layers[0].activation if len(layers) > 1 else "relu"  # with one layer there is no hidden one
    for layer in layers[1:-1]:
        if layer.activation != hidden:
            raise ValueError(
                f"from_torch: {layer.activation_where}: an MLP's hidden layers share one activation, "
                f"but the first hidden layer's is {layers[0].activation_where}"
            )
    # seed=0: the weights made here are replaced below; a private generator leaves `random` alone.
    model = MLP(
        layers[0].linear.in_features,
        [layer.linear.out_features for layer in layers],
        activation=hidden,
        output_activation=layers[-1].activation,
        bias=has_bias,
        seed=0,
    )
    for ours, theirs in zip(model.layers, layers):
        weights = _numbers(theirs.linear.weight, theirs.where, "weight")
        biases = _numbers(theirs.linear.bias, theirs.where, "bias") if has_bias else None
        for j, neuron in enumerate(ours.neurons):
            for w, x in zip(neuron.w, weights[j]):
                w.data = x
            if neuron.b is not None and biases is not None:
                neuron.b.data = biases[j]
    return model


def _read_layers(torch: Any, sequential: Any) -> list[_TorchLayer]:
    """Each Linear of ``sequential`` with its activation, or a ValueError naming what does not fit."""
    activations = {getattr(torch.nn, cls): name for name, cls in TORCH_MODULES.items()}
    allowed = "only Linear layers, each followed by at most one of Sigmoid, Tanh, ReLU or Identity"
    layers: list[_TorchLayer] = []
    seen: dict[int, str] = {}  # id of each Linear met so far -> how it was named
    after_linear = False
    for i, module in enumerate(sequential):
        where = f"module {i} ({_short_repr(module)})"
        kind = type(module)
        if kind is torch.nn.Linear:
            if id(module) in seen:
                raise ValueError(
                    f"from_torch: {where} is the same Linear as {seen[id(module)]}: "
                    "an MLP's layers cannot share weights"
                )
            seen[id(module)] = f"module {i}"
            layers.append(_TorchLayer(module, where, "linear", where))
            after_linear = True
        elif kind in activations and after_linear:
            layers[-1] = layers[-1]._replace(activation=activations[kind], activation_where=where)
            after_linear = False
        elif kind in activations:
            raise ValueError(f"from_torch: {where} does not follow a Linear; an MLP holds {allowed}")
        else:
            raise ValueError(f"from_torch: {where} is not something an MLP can hold: it holds {allowed}")
    if not layers:
        raise ValueError(f"from_torch: the Sequential has no Linear layer; an MLP holds {allowed}")
    return layers


def _short_repr(module: Any) -> str:
    """``repr(module)`` when it fits on a line, like ``Linear(in_features=2, ...)``; else ``Name(...)``."""
    text = repr(module)
    return text if len(text) <= 80 and "\n" not in text else f"{type(module).__name__}(...)"


def _check_sizes(layers: list[_TorchLayer]) -> None:
    """Every Linear has inputs and outputs, and takes as many inputs as the one before it gives."""
    for k, layer in enumerate(layers):
        nin, nout = layer.linear.in_features, layer.linear.out_features
        if nin < 1 or nout < 1:
            raise ValueError(
                f"from_torch: {layer.where} has no inputs or no outputs; an MLP layer needs both"
            )
        if k > 0 and nin != layers[k - 1].linear.out_features:
            raise ValueError(
                f"from_torch: {layer.where} takes {nin} inputs, "
                f"but the Linear before it gives {layers[k - 1].linear.out_features}"
            )


def _numbers(tensor: Any, where: str, name: str) -> list[Any]:
    """A parameter's numbers as (nested lists of) Python floats, exactly, or a ValueError."""
    if not tensor.is_floating_point():
        raise ValueError(f"from_torch: {where}: its {name} is {tensor.dtype}, not real floating-point")
    numbers: list[Any] = (
        tensor.detach().cpu().tolist()
    )  # exact: every float16/32/64 and bfloat16 number is a float
    flat = [x for row in numbers for x in row] if name == "weight" else numbers
    if not all(math.isfinite(x) for x in flat):
        raise ValueError(f"from_torch: {where}: its {name} holds a number that is not finite (nan or inf)")
    return numbers
