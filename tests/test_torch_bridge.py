"""``nn.to_torch`` and ``nn.from_torch``: the same network in glassgrad and in PyTorch, and back."""

from __future__ import annotations

import math
import os
import random
import re
import subprocess
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from autograd import Value
from nn import ACTIVATIONS, MLP, SGD, from_torch, half_squared_error, to_torch
from nn.torch_bridge import TORCH_MODULES

ROOT = Path(__file__).resolve().parent.parent
REL = 1e-12
SHAPES = [(3, [4, 2]), (2, [5, 3, 1]), (1, [1])]
NAMES = sorted(ACTIVATIONS)


def python(*args: str) -> subprocess.CompletedProcess[str]:
    """Run Python with ``args`` from the repository's root, with it importable; it must succeed."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, *args], capture_output=True, text=True, encoding="utf-8",
                          cwd=ROOT, check=False, env=env)
    assert done.returncode == 0, done.stderr
    return done


def random_mlp(nin: int, nouts: list[int], hidden: str, output: str, bias: bool, seed: int) -> MLP:
    """An MLP with every parameter, biases too, uniform in ±1."""
    net = MLP(nin, nouts, activation=hidden, output_activation=output, bias=bias, seed=seed)
    rng = random.Random(seed)
    for p in net.parameters():
        p.data = rng.uniform(-1.0, 1.0)
    return net


def assert_close(ours: list[float], theirs: list[float], what: str) -> None:
    scale = max([1.0, *map(abs, ours), *map(abs, theirs)])
    assert len(ours) == len(theirs), what
    for i, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        close = math.isclose(a, b, rel_tol=REL, abs_tol=REL * scale)
        assert close, f"{what} {i}: glassgrad {a!r}, torch {b!r}"


def torch_grads_in_glassgrad_order(model: Any) -> list[float]:
    """Each Linear's weight and bias gradients, neuron by neuron, as ``MLP.parameters()`` lists them."""
    grads: list[float] = []
    for linear in model[::2]:
        weight = linear.weight.grad.tolist()
        bias = linear.bias.grad.tolist() if linear.bias is not None else None
        for j, row in enumerate(weight):
            grads.extend(row)
            if bias is not None:
                grads.append(bias[j])
    return grads


def bits(net: MLP) -> list[str]:
    return [p.data.hex() for p in net.parameters()]


def test_every_activation_has_a_torch_module(torch: ModuleType) -> None:
    assert set(TORCH_MODULES) == set(ACTIVATIONS)
    for name in TORCH_MODULES.values():
        assert issubclass(getattr(torch.nn, name), torch.nn.Module)


def test_to_torch_makes_a_linear_and_an_activation_per_layer(torch: ModuleType) -> None:
    net = random_mlp(3, [4, 2], "tanh", "sigmoid", bias=True, seed=0)
    model = to_torch(net)
    assert isinstance(model, torch.nn.Sequential)
    assert [type(m) for m in model] == [torch.nn.Linear, torch.nn.Tanh, torch.nn.Linear, torch.nn.Sigmoid]
    for linear, layer in zip(model[::2], net.layers, strict=True):
        assert (linear.in_features, linear.out_features) == (layer.nin, len(layer.neurons))
        assert linear.weight.dtype == torch.float64 and linear.weight.requires_grad
        assert linear.weight.tolist() == [[w.data for w in n.w] for n in layer.neurons]
        assert linear.bias.tolist() == [n.b.data for n in layer.neurons if n.b is not None]
    # The copy shares nothing: changing one leaves the other alone.
    net.layers[0].neurons[0].w[0].data = 5.0
    assert model[0].weight[0, 0].item() != 5.0


def test_to_torch_without_bias_and_with_linear_layers(torch: ModuleType) -> None:
    model = to_torch(random_mlp(2, [3, 1], "relu", "linear", bias=False, seed=1))
    assert [type(m) for m in model] == [torch.nn.Linear, torch.nn.ReLU, torch.nn.Linear, torch.nn.Identity]
    assert model[0].bias is None and model[2].bias is None


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("output", NAMES)
@pytest.mark.parametrize("hidden", NAMES)
def test_same_outputs_and_gradients(torch: ModuleType, hidden: str, output: str, bias: bool) -> None:
    nonzero = 0  # gradients that are not 0 (a relu output can be off for every input of one shape)
    for k, (nin, nouts) in enumerate(SHAPES):
        seed = 1000 * NAMES.index(hidden) + 100 * NAMES.index(output) + 10 * bias + k
        net = random_mlp(nin, nouts, hidden, output, bias, seed)
        model = to_torch(net)
        rng = random.Random(seed)
        xs = [[rng.uniform(-2.0, 2.0) for _ in range(nin)] for _ in range(5)]
        ys = [[rng.uniform(-1.0, 1.0) for _ in range(nouts[-1])] for _ in range(5)]

        outputs = [net(x) for x in xs]
        flat = [v for out in outputs for v in (out if isinstance(out, list) else [out])]
        half_squared_error(flat, [y for row in ys for y in row]).backward()

        theirs = model(torch.tensor(xs, dtype=torch.float64))
        (0.5 * ((theirs - torch.tensor(ys, dtype=torch.float64)) ** 2).sum()).backward()

        what = f"MLP({nin}, {nouts}, {hidden}, {output}, bias={bias})"
        assert_close([v.data for v in flat], theirs.flatten().tolist(), f"{what}: output")
        ours = [p.grad for p in net.parameters()]
        assert_close(ours, torch_grads_in_glassgrad_order(model), f"{what}: gradient of parameter")
        nonzero += sum(g != 0.0 for g in ours)
    assert nonzero > 10, "too few gradients that are not 0: the comparison showed little"


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("shape", SHAPES)
def test_round_trip_is_exact(torch: ModuleType, shape: tuple[int, list[int]], bias: bool) -> None:
    nin, nouts = shape
    for hidden in NAMES:
        for output in NAMES:
            net = random_mlp(nin, nouts, hidden, output, bias, seed=len(nouts))
            back = from_torch(to_torch(net))
            assert bits(back) == bits(net)
            assert [p.label for p in back.parameters()] == [p.label for p in net.parameters()]
            assert [layer.activation for layer in back.layers] == [layer.activation for layer in net.layers]
            assert back.output_activation == output
            if len(nouts) > 1:
                assert back.activation == hidden


def test_from_torch_then_to_torch_gives_the_same_tensors(torch: ModuleType) -> None:
    torch.manual_seed(0)
    nn = torch.nn
    model = nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 2), nn.Identity()).double()
    again = to_torch(from_torch(model))
    assert [type(m) for m in again] == [type(m) for m in model]
    for (name, ours), (_, theirs) in zip(again.state_dict().items(), model.state_dict().items(), strict=True):
        assert torch.equal(ours, theirs), name


def test_from_torch_reads_a_float32_model_exactly(torch: ModuleType) -> None:
    torch.manual_seed(1)
    nn = torch.nn
    model = nn.Sequential(nn.Linear(2, 4), nn.ReLU(), nn.Linear(4, 1))  # float32; no activation at the end
    net = from_torch(model)
    assert net.output_activation == "linear" and net.activation == "relu"
    for layer, linear in zip(net.layers, model[::2], strict=True):
        assert [[w.data for w in n.w] for n in layer.neurons] == linear.weight.tolist()
        assert [n.b.data for n in layer.neurons if n.b is not None] == linear.bias.tolist()
    # glassgrad computes in float64 with the float32 numbers: as the float64 copy of the model does.
    xs = [[0.3, -1.2], [2.0, 0.5], [-0.7, -0.1]]
    theirs = model.double()(torch.tensor(xs, dtype=torch.float64)).flatten().tolist()
    assert_close([net(x).data for x in xs], theirs, "output")  # type: ignore[union-attr]


def test_a_linear_without_activation_is_linear(torch: ModuleType) -> None:
    nn = torch.nn
    model = nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 3), nn.Sigmoid()).double()
    net = from_torch(model)
    assert net.activation == "linear" and net.output_activation == "sigmoid"
    assert [type(m) for m in to_torch(net)] == [nn.Linear, nn.Identity, nn.Linear, nn.Sigmoid]
    x = [0.25, -0.5]
    assert_close([v.data for v in net(x)], model(torch.tensor(x, dtype=torch.float64)).tolist(), "output")  # type: ignore[union-attr]


def test_training_goes_on_in_torch_and_comes_back(torch: ModuleType) -> None:
    """One SGD step in PyTorch on the copy lands where the same step in glassgrad does."""
    net = random_mlp(2, [3, 1], "tanh", "linear", bias=True, seed=7)
    model = to_torch(net)
    xs, ys = [[0.5, -1.0], [1.5, 0.25]], [1.0, -1.0]
    half_squared_error([net(x) for x in xs], ys).backward()
    SGD(net.parameters(), lr=0.1).step()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    outputs = model(torch.tensor(xs, dtype=torch.float64)).flatten()
    (0.5 * ((outputs - torch.tensor(ys, dtype=torch.float64)) ** 2).sum()).backward()
    optimizer.step()
    back = from_torch(model)
    assert_close([p.data for p in back.parameters()], [p.data for p in net.parameters()], "parameter")


def test_to_torch_in_float32_rounds_each_weight(torch: ModuleType) -> None:
    net = random_mlp(2, [2, 1], "sigmoid", "tanh", bias=True, seed=3)
    model = to_torch(net, dtype=torch.float32)
    assert all(p.dtype == torch.float32 for p in model.parameters())
    ours = [[w.data for w in n.w] for n in net.layers[0].neurons]
    assert model[0].weight.tolist() == torch.tensor(ours, dtype=torch.float32).tolist()
    x = [0.4, -0.9]
    assert math.isclose(model(torch.tensor(x)).item(), net(x).data, abs_tol=1e-6)  # type: ignore[union-attr]


def test_making_the_copies_leaves_random_states_alone(torch: ModuleType) -> None:
    net = random_mlp(3, [8, 8, 1], "relu", "linear", bias=True, seed=0)
    torch_state, python_state = torch.get_rng_state(), random.getstate()
    from_torch(to_torch(net))
    assert torch.equal(torch.get_rng_state(), torch_state)
    assert random.getstate() == python_state


def linear(torch: ModuleType, nin: int, nout: int, bias: bool = True) -> Any:
    return torch.nn.Linear(nin, nout, bias=bias, dtype=torch.float64)


def shared(torch: ModuleType) -> Any:
    layer = linear(torch, 2, 2)
    return torch.nn.Sequential(layer, torch.nn.ReLU(), layer)


def poisoned(torch: ModuleType) -> Any:
    layer = linear(torch, 2, 2)
    with torch.no_grad():
        layer.weight[1, 0] = math.nan
    return torch.nn.Sequential(layer)


def no_inputs(torch: ModuleType) -> Any:
    with warnings.catch_warnings():  # torch warns that initialising an empty weight does nothing
        warnings.simplefilter("ignore", UserWarning)
        return linear(torch, 0, 3)


def seq(torch: ModuleType, *modules: Any) -> Any:
    return torch.nn.Sequential(*modules)


UNSUPPORTED: list[tuple[Callable[[ModuleType], Any], str]] = [
    (lambda t: seq(t, linear(t, 2, 3), t.nn.Dropout()), r"module 1 \(Dropout\(p=0\.5.*\) is not .* can hold"),
    (lambda t: seq(t, linear(t, 2, 3), t.nn.GELU()), r"module 1 \(GELU\(.*can hold"),
    (lambda t: seq(t, seq(t, linear(t, 2, 1))), r"module 0 \(Sequential\(\.\.\.\)\) is not"),
    (lambda t: seq(t, t.nn.Tanh(), linear(t, 2, 1)), r"module 0 \(Tanh\(\)\) does not follow a Linear"),
    (lambda t: seq(t, linear(t, 2, 1), t.nn.ReLU(), t.nn.ReLU()), r"module 2 \(ReLU\(\)\) does not follow"),
    (lambda t: seq(t), "has no Linear layer"),
    (lambda t: seq(t, linear(t, 2, 3), linear(t, 4, 1)), r"module 1 .* takes 4 inputs, but .* gives 3"),
    (lambda t: seq(t, no_inputs(t)), r"module 0 .*in_features=0.* no inputs"),
    (lambda t: seq(t, linear(t, 2, 3), linear(t, 3, 1, bias=False)), r"module 1 .*bias=False.* a bias"),
    (
        lambda t: seq(t, linear(t, 2, 3), t.nn.ReLU(), linear(t, 3, 3), t.nn.Tanh(), linear(t, 3, 1)),
        r"module 3 \(Tanh\(\)\): an MLP's hidden layers share one activation.*module 1 \(ReLU\(\)\)",
    ),
    (shared, r"module 2 .* is the same Linear as module 0"),
    (poisoned, r"module 0 .*weight holds a number that is not finite"),
    (
        lambda t: seq(t, t.nn.Linear(2, 1, dtype=t.complex128)),
        r"module 0 .*weight is torch\.complex128, not real",
    ),
]


@pytest.mark.parametrize(("make", "message"), UNSUPPORTED)
def test_what_an_mlp_cannot_hold_is_a_value_error_naming_it(
    torch: ModuleType, make: Callable[[ModuleType], Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        from_torch(make(torch))


def test_a_subclass_of_an_allowed_module_is_refused(torch: ModuleType) -> None:
    class Shifted(torch.nn.ReLU):  # type: ignore[name-defined,misc]
        def forward(self, x: Any) -> Any:
            return super().forward(x - 1.0)

    with pytest.raises(ValueError, match=r"module 1 \(Shifted\(\)\) is not something an MLP can hold"):
        from_torch(torch.nn.Sequential(linear(torch, 2, 2), Shifted()))


def test_wrong_arguments_are_type_errors(torch: ModuleType) -> None:
    net = MLP(2, [1], seed=0)
    with pytest.raises(TypeError, match=r"to_torch takes an nn\.MLP, got Layer"):
        to_torch(net.layers[0])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"floating-point torch dtype, .* got torch\.int64"):
        to_torch(net, dtype=torch.int64)
    with pytest.raises(TypeError, match=r"from_torch takes a torch\.nn\.Sequential, got Linear"):
        from_torch(linear(torch, 2, 1))


def test_a_layer_with_some_biases_missing_cannot_be_a_linear(torch: ModuleType) -> None:
    net = MLP(2, [3, 1], seed=0)
    net.layers[0].neurons[1].b = None
    with pytest.raises(ValueError, match="some neurons of L1 have a bias and some do not"):
        to_torch(net)


def test_without_torch_the_error_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)  # what `import torch` meets when torch is missing
    net = MLP(2, [1], seed=0)
    for call in (lambda: to_torch(net), lambda: from_torch(object())):
        with pytest.raises(ImportError, match=r'needs PyTorch.*pip install torch.*pip install "\.\[torch\]"'):
            call()


def test_nn_imports_without_torch() -> None:
    script = (
        "import sys; sys.modules['torch'] = None\n"
        "import nn\n"
        "try:\n    nn.to_torch(nn.MLP(2, [1]))\nexcept ImportError as e:\n    print(e)\n"
    )
    done = python("-c", script)
    assert "nn.to_torch needs PyTorch" in done.stdout


def test_the_demo_prints_the_seeds_deltas_from_both(torch: ModuleType) -> None:
    done = python(str(ROOT / "demos" / "to_pytorch.py"))
    lines = {line.split()[0]: line for line in done.stdout.splitlines() if line.startswith("  δ")}
    # Each δ appears twice on its line: once from glassgrad, once from PyTorch.
    assert lines["δᵒ"].count("0.1218322353") == 2, lines["δᵒ"]
    assert lines["δʰ"].count("0.0030455013") == 2, lines["δʰ"]
    assert "retain_grad()" in done.stdout


def readme_blocks(heading: str) -> list[tuple[str, str]]:
    """The fenced code blocks, as (language, text), of the README section titled ``heading``.

    The section runs from its heading to the next heading of the same level or above; lines
    inside fences are code, so a ``# comment`` in a block is not taken for a heading.
    """
    blocks: list[tuple[str, str]] = []
    level = 0  # the section's level once its heading is found; 0 before it
    fence: tuple[str, list[str]] | None = None  # the open block's language and lines
    for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines():
        if fence is not None:
            if line.strip() == "```":
                blocks.append((fence[0], "".join(f"{code}\n" for code in fence[1])))
                fence = None
            else:
                fence[1].append(line)
        elif line.startswith("```"):
            fence = (line[3:].strip(), [])
        elif match := re.fullmatch(r"(#{1,6})\s+(.+?)\s*", line):
            if level and len(match[1]) <= level:
                break
            if match[2] == heading:
                level = len(match[1])
        if not level:
            blocks.clear()  # only blocks after the heading count
    assert level, f"README.md has no section titled {heading!r}"
    assert fence is None, f"README.md: a code block in {heading!r} is never closed"
    return blocks


def test_no_readme_doctest_imports_torch() -> None:
    """The README is doctested without torch too: its torch example is a script the next test runs."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert not re.search(r"^(>>>|\.\.\.) .*\bimport torch\b", readme, flags=re.MULTILINE)


def test_the_readme_torch_example_prints_what_the_readme_shows(torch: ModuleType) -> None:
    blocks = readme_blocks("To PyTorch and back")
    # The example is the python block that imports torch; the text block after it is what it prints.
    examples = [i for i, (_, code) in enumerate(blocks) if "import torch" in code]
    assert len(examples) == 1, f"expected one block importing torch, found {len(examples)}"
    example = examples[0]
    assert blocks[example][0] == "python", "the torch example is not a python block"
    language, printed = blocks[example + 1] if example + 1 < len(blocks) else ("", "")
    assert language == "text", "no text block after the torch example shows what it prints"
    done = python("-W", "error", "-c", blocks[example][1])
    assert done.stdout == printed


def test_the_values_compared_are_values() -> None:
    """Guard for the helpers above: a Value's data is a float, so ``.hex()`` compares bits."""
    assert Value(0.1).data.hex() == (0.1).hex()
