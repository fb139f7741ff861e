"""Check your own backprop: a worksheet that grades hand-worked numbers and names the mistake.

The seed works one example by hand: h, a, ŷ, the error terms δᵒ and δʰ, and
the weight steps ΔW, Δw₁, Δw₂. A ``Worksheet`` asks for the same numbers, on
the seed's network or on any network small enough to work by hand, knows
each of them exactly (from the engine's own backward pass: ``Neuron.delta``
and each weight's ``.grad``), and grades the learner's numbers at the
precision they were written:

    >>> ws = Worksheet.seed()
    >>> ws.questions
    ['h', 'a', 'ŷ', 'δᵒ', 'δʰ', 'ΔW', 'Δw1', 'Δw2']
    >>> report = ws.check({"h": -0.02, "a": 0.495, "ŷ": 0.512, "δᵒ": 0.122, "δʰ": 0.0122})
    >>> report.ok, report.first_wrong, report["δʰ"].mistake
    (False, 'δʰ', 'missing-derivative')

A wrong number is worked out again with each common mistake made on purpose
(``MISTAKES``); the mistakes that give the learner's number, at the learner's
precision, are named. An answer that follows, by the right formula, from the
learner's own earlier numbers is right when those were right (the seed rounds
as it goes: its Δw₂ = 0.5 × 0.003 × 0.3 = 0.00045 from δʰ = 0.003, where the
exact step is 0.000457), and ``carried`` when one of them was wrong.
"""

from __future__ import annotations

import base64
import math
import numbers
import random
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from autograd import Value
from nn.activations import activation as find_activation
from nn.layers import MLP
from nn.losses import binary_cross_entropy_with_logits, half_squared_error

MAX_QUESTIONS = 20
"""A worksheet is for a network worked by hand: past this many numbers to find, it refuses."""

LOSSES = ("half_squared_error", "binary_cross_entropy_with_logits")
ACTIVATIONS = ("sigmoid", "tanh", "relu", "linear")

MISTAKES: dict[str, str] = {
    "missing-derivative": "f′(h) left out of the error term",
    "activation-for-derivative": "f(h) used where f′(h) belongs",
    "sign": "the sign flipped: (ŷ − y) for (y − ŷ), or a step with the wrong sign",
    "missing-weight": "the weight W between the units left out of δʰ",
    "missing-sum": "δʰ from one output unit only: it sums W·δ over all the units it feeds",
    "input-for-activation": "the network's input x used where this layer's input, the activation a, belongs",
    "missing-rate": "the learning rate η left out of the step",
    "carried": "right from your own earlier number, which is wrong: fix that one first",
}
"""Each mistake the grader recognises, by id, in words."""

_ZERO = 1e-12  # a zero answer is right only for a value that is zero up to float noise

Lookup = Callable[[str], float]


# --- numbers as written -------------------------------------------------------


@dataclass(frozen=True)
class Written:
    """A learner's number and the place of its last written digit."""

    value: float
    text: str
    place: int
    """The exponent of the last digit: ``0.122`` → −3, ``1.5e-4`` → −5, ``120`` → 0."""

    def matches(self, x: float) -> bool:
        """Whether ``x`` rounds to this number at the digits written (ties either way).

        A zero has no significant digit, so ``0`` matches only a value that is zero.
        """
        if self.value == 0.0:
            return abs(x) <= _ZERO
        return abs(x - self.value) <= 0.5 * 10.0**self.place + 1e-9 * abs(x)

    def rounded(self, x: float) -> str:
        """``x`` written at this number's precision.

        >>> written("δʰ", "0.0122").rounded(0.0030455)
        '0.0030'
        """
        d = Decimal(repr(x)).quantize(Decimal(1).scaleb(self.place))
        return f"{abs(d) if d.is_zero() else d:f}"


def written(name: str, raw: object) -> Written:
    """``raw`` (a number, or a number as text such as ``"0.120"``) as a ``Written``.

    Text keeps the digits typed; a float is read at the digits of its ``repr``.
    A bool, a non-number, NaN or infinity is an error that names ``name``.

    >>> w = written("δᵒ", "0.120")
    >>> w.value, w.place
    (0.12, -3)
    """
    if isinstance(raw, bool) or not isinstance(raw, (str, Decimal, numbers.Real)):
        raise TypeError(f"the answer for {name!r} must be a number, got {type(raw).__name__}: {raw!r:.60}")
    if isinstance(raw, str):
        text = raw.strip().replace("−", "-")  # the minus sign of typeset formulas
        try:
            d = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"the answer for {name!r} is not a number: {raw!r:.60}") from None
    elif isinstance(raw, Decimal):
        d, text = raw, str(raw)
    else:
        value = float(raw)
        text = repr(value)
        if not math.isfinite(value):
            raise ValueError(f"the answer for {name!r} must be a finite number, got {text}")
        d = Decimal(text)
    if not d.is_finite():
        raise ValueError(f"the answer for {name!r} must be a finite number, got {text}")
    value = float(d)
    if not math.isfinite(value):
        raise ValueError(f"the answer for {name!r} is too large for a float: {text:.60}")
    exponent = d.as_tuple().exponent
    assert isinstance(exponent, int)  # a finite Decimal's exponent is an int
    return Written(value, text, exponent)


# --- the report ---------------------------------------------------------------


@dataclass(frozen=True)
class Graded:
    """One answer, graded."""

    name: str
    given: float
    text: str
    """The answer as written (its digits are its precision)."""
    expected: float
    """The exact value."""
    correct: bool
    mistake: str | None
    """The likely mistake (a ``MISTAKES`` id), or None: right, or no common mistake gives this number."""
    mistakes: tuple[str, ...] = ()
    """Every mistake that gives this number (``mistake`` is the first); two or more when they agree."""
    source: str | None = None
    """The learner's earlier answers this one follows from (``carried``, or right when rounded)."""
    should_be: str = ""
    """The exact value at the precision of the answer."""


class Report:
    """What ``Worksheet.check`` found: ``ok``, ``first_wrong``, and ``report[name]`` for each answer."""

    def __init__(self, sheet: Worksheet, graded: list[Graded]) -> None:
        self._sheet = sheet
        self._graded = {g.name: g for g in graded}
        wrong = [g.name for g in graded if not g.correct]
        self.first_wrong: str | None = wrong[0] if wrong else None
        """The first wrong answer in the order of the questions, or None."""
        self.ok: bool = not wrong
        """True when every answer given is right (questions left out are not counted)."""

    def __getitem__(self, name: str) -> Graded:
        question = self._sheet.question(name)
        if question not in self._graded:
            raise KeyError(f"{question!r} was not answered")
        return self._graded[question]

    def __contains__(self, name: object) -> bool:
        try:
            return isinstance(name, str) and self._sheet.question(name) in self._graded
        except ValueError:
            return False

    def __iter__(self) -> Iterator[Graded]:
        return iter(self._graded.values())

    def __len__(self) -> int:
        return len(self._graded)

    def __str__(self) -> str:
        questions = self._sheet.questions
        right = sum(g.correct for g in self._graded.values())
        width = max(len(q) for q in questions)
        lines = [f"{right} of {len(self._graded)} answers right ({len(questions)} questions)"]
        for q in questions:
            g = self._graded.get(q)
            if g is None:
                lines.append(f"  {q:<{width}} = {'':<10}  (not answered)")
                continue
            if g.correct:
                verdict = "right" + (f" (from your {g.source}; exactly {g.should_be})" if g.source else "")
            elif g.mistake == "carried":
                verdict = f"wrong, but it follows from your {g.source}: fix that first"
            else:
                verdict = "wrong" + (f" ({' or '.join(g.mistakes)})" if g.mistakes else "")
            lines.append(f"  {q:<{width}} = {g.text:<10}  {verdict}")
            if q == self.first_wrong:
                lines.extend(f"  {'':<{width}}   {line}" for line in self._explain(g))
        return "\n".join(lines)

    def _explain(self, g: Graded) -> list[str]:
        out = [f"should be {g.should_be} (exactly {g.expected:.6g})"]
        if g.mistake == "carried":
            out.append(f"your number is right from your own {g.source}, which is wrong: fix that one first")
        elif g.mistakes:
            words = [f"{MISTAKES[m]} ({m})" for m in g.mistakes]
            out.append("likely mistake: " + words[0])
            out.extend(f"            or: {w}" for w in words[1:])
            if len(words) > 1:
                out.append("(these mistakes give the same number)")
        else:
            out.append("no common mistake gives this number; the formula with the right numbers:")
        out.append(self._sheet.formula(g.name))
        return out


# --- the worksheet ------------------------------------------------------------


@dataclass(frozen=True)
class _Unit:
    layer: int  # 1 for the first layer, as the labels count
    index: int
    label: str  # "L1.N0"
    activation: str
    weights: tuple[float, ...]
    bias: float | None
    output: bool


class Worksheet:
    """An exercise in backpropagation by hand, for one network, one example and one step.

    ``Worksheet(net, x, y, lr=0.5, loss="half_squared_error")``: ``net`` is an
    ``MLP`` of ``sigmoid``, ``tanh``, ``relu`` or ``linear`` units, ``x`` its
    inputs and ``y`` the target (a number, or one per output unit). With
    ``loss="binary_cross_entropy_with_logits"`` the output unit is linear and
    its output is the logit z: the question is ŷ = sigmoid(z), and the error
    term is δᵒ = y − ŷ. The network's numbers are copied: ``net`` is left as it was.

    The questions, in the order the seed computes them, are each unit's h and
    a (ŷ for an output unit), each δ from the output back, then each step,
    named by the units' labels: ``h(L1.N0)``, ``a(L1.N0)``, ``ŷ(L2.N0)``,
    ``δ(L1.N0)``, ``Δ(L1.N0.w0)``, ``Δ(L1.N0.b)``. ``Worksheet.seed()`` names
    them as the seed does (``h a ŷ δᵒ δʰ ΔW Δw1 Δw2``).
    """

    def __init__(
        self,
        net: MLP,
        x: Sequence[float],
        y: float | Sequence[float],
        lr: float = 0.5,
        loss: str = "half_squared_error",
    ) -> None:
        if not isinstance(net, MLP):
            raise TypeError(f"a Worksheet takes an nn.MLP, got {type(net).__name__}")
        if loss not in LOSSES:
            raise ValueError(f"unknown loss {loss!r}; a worksheet covers {' and '.join(LOSSES)}")
        self.loss = loss
        self.lr = _finite("lr", lr)
        if self.lr <= 0.0:
            raise ValueError(f"lr must be positive, got {lr!r}")
        self.x = tuple(_finite(f"x[{i}]", v) for i, v in enumerate(_sequence("x", x)))
        if len(self.x) != net.nin:
            raise ValueError(f"the network takes {net.nin} inputs, but x has {len(self.x)}")
        self.units = _units(net)
        outputs = [u for u in self.units if u.output]
        ys = _sequence("y", y) if isinstance(y, (list, tuple)) else [y]
        self.y = tuple(_finite(f"y[{i}]", v) for i, v in enumerate(ys))
        if len(self.y) != len(outputs):
            raise ValueError(f"the network has {len(outputs)} output units, but y has {len(self.y)} targets")
        if loss == "binary_cross_entropy_with_logits":
            if len(outputs) != 1 or outputs[0].activation != "linear":
                raise ValueError(
                    "binary_cross_entropy_with_logits takes the logit of one linear output unit; "
                    f"this network has {len(outputs)} output unit(s) with {outputs[0].activation!r}"
                )
            if not 0.0 <= self.y[0] <= 1.0:
                raise ValueError(f"binary_cross_entropy_with_logits: the target must be in [0, 1], got {y!r}")
        self._symbols: dict[str, str] = {}
        self._names: dict[str, str] = {}
        self._asked = self._all_keys()
        self._aliases = self._spellings()
        self.origin: str | None = None
        """How ``glassgrad check`` finds this worksheet again (``"seed"``, ``"random --seed 7"``), or None."""
        self._limit()
        self._exact = self._engine_values()

    # -- the three ways to make one --

    @classmethod
    def seed(cls) -> Worksheet:
        """The seed's network and numbers: x = (0.1, 0.3), w = (0.4, −0.2), W = 0.1, y = 1, η = 0.5."""
        from nn.seed import ETA, TARGET, X, seed_example

        sheet = cls(seed_example().net, X, TARGET, lr=ETA)
        names = {
            "h(L1.N0)": "h", "a(L1.N0)": "a", "ŷ(L2.N0)": "ŷ", "δ(L2.N0)": "δᵒ", "δ(L1.N0)": "δʰ",
            "Δ(L2.N0.w0)": "ΔW", "Δ(L1.N0.w0)": "Δw1", "Δ(L1.N0.w1)": "Δw2",
        }
        sheet._asked = list(names)  # the seed goes straight to ŷ = f(W·a): W·a is not asked
        sheet._names = names
        sheet._aliases = sheet._spellings()
        sheet._symbols = {
            **names, "h(L2.N0)": "W·a", "x0": "x₁", "x1": "x₂",
            "L1.N0.w0": "w₁", "L1.N0.w1": "w₂", "L2.N0.w0": "W", "Δw1": "Δw₁", "Δw2": "Δw₂",
        }
        sheet.origin = "seed"
        return sheet

    @classmethod
    def random(cls, sizes: Sequence[int] = (2, 2, 1), seed: int | None = None) -> Worksheet:
        """A fresh exercise with round numbers, sigmoid units and no biases; the same for the same seed.

        ``sizes`` are the inputs, then each layer's units (the seed's is (2, 1, 1)).
        Inputs and weights have one decimal, the target is 0 or 1, η is 0.1, 0.2 or 0.5.
        """
        if seed is None:
            seed = random.randrange(1, 10_000)
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise TypeError(f"seed must be an int, got {type(seed).__name__}")
        sizes = list(sizes)
        if len(sizes) < 2:
            raise ValueError(f"sizes are the inputs, then each layer's units, e.g. (2, 2, 1); got {sizes}")
        rng = random.Random(seed)

        def tenths(low: int, high: int) -> float:
            return rng.choice([k for k in range(low, high + 1) if k != 0]) / 10

        net = MLP(sizes[0], sizes[1:], activation="sigmoid", output_activation="sigmoid", bias=False, seed=0)
        for p in net.parameters():
            p.data = tenths(-9, 9)
        x = [tenths(-9, 9) for _ in range(sizes[0])]
        y = [float(rng.randint(0, 1)) for _ in range(sizes[-1])]
        sheet = cls(net, x, y, lr=rng.choice([0.1, 0.2, 0.5]))
        shape = "" if sizes == [2, 2, 1] else f" --sizes {','.join(map(str, sizes))}"
        sheet.origin = f"random --seed {seed}{shape}"
        return sheet

    # -- the questions and their exact values --

    @property
    def questions(self) -> list[str]:
        """What to compute, in the seed's order: forward (h, a, ŷ), error terms δ (output first), steps Δ."""
        return [self._names.get(k, k) for k in self._asked]

    def answers(self) -> dict[str, float]:
        """The exact value of each question, by the names of ``questions``."""
        return {self._names.get(k, k): self._exact[k] for k in self._asked}

    def question(self, name: str) -> str:
        """The question ``name`` stands for (an ASCII spelling such as ``delta_h`` or ``dw1`` is accepted)."""
        if not isinstance(name, str):
            raise TypeError(f"a question's name is a str, got {type(name).__name__}: {name!r:.60}")
        key = self._key(name)
        return self._names.get(key, key)

    def _key(self, name: str) -> str:
        key = self._aliases.get(_ascii(name.strip()))
        if key is None:
            raise ValueError(
                f"no question {name!r:.60} on this worksheet; the questions are {', '.join(self.questions)}"
            )
        return key

    def _spellings(self) -> dict[str, str]:
        """Every accepted name of each question (its own, the general label, ASCII), spelled in ASCII."""
        aliases = {}
        for key in self._asked:
            names = [key, self._names.get(key, key)]
            if key.startswith("ŷ(") and self.loss == "half_squared_error":
                names.append("a(" + key[2:])  # an output unit's a is ŷ
            aliases.update({_ascii(n): key for n in names})
        return aliases

    # -- grading --

    def check(self, answers: Mapping[str, object]) -> Report:
        """Grade ``answers`` (name → number, any subset of ``questions``) at the precision written.

        Numbers may be given as text (``"0.120"`` keeps its three decimals); a
        float is read at the digits of its ``repr``. An unknown name, a
        non-number, NaN or infinity is an error naming it.
        """
        if not isinstance(answers, Mapping):
            raise TypeError(f"check() takes a dict of name → number, got {type(answers).__name__}")
        given: dict[str, Written] = {}
        for name, raw in answers.items():
            key = self._key(name)
            if key in given:
                raise ValueError(f"{self._names.get(key, key)!r} is answered twice (as {name!r} too)")
            given[key] = written(name, raw)
        graded: dict[str, Graded] = {}
        for key in self._asked:
            if key in given:
                graded[key] = self._grade(key, given[key], given, graded)
        return Report(self, list(graded.values()))

    def _grade(
        self, key: str, w: Written, given: Mapping[str, Written], graded: Mapping[str, Graded]
    ) -> Graded:
        exact = self._exact[key]

        def graded_as(correct: bool, mistakes: tuple[str, ...] = (), source: str | None = None) -> Graded:
            mistake = mistakes[0] if mistakes else None
            name = self._names.get(key, key)
            return Graded(name, w.value, w.text, exact, correct, mistake, mistakes, source, w.rounded(exact))

        if w.matches(exact):
            return graded_as(True)
        used: list[str] = []
        own = self._lookup(given, used)
        if w.matches(self._values(key, own, None)[0]):  # the right formula on the learner's own numbers
            wrong = [k for k in used if not graded[k].correct]
            source = ", ".join(f"{self._names.get(k, k)} = {given[k].text}" for k in (wrong or used))
            return graded_as(False, ("carried",), source) if wrong else graded_as(True, source=source)
        exact_lookup = self._lookup({}, [])
        return graded_as(False, tuple(
            m for m in MISTAKES
            if any(w.matches(v) for look in (own, exact_lookup) for v in self._values(key, look, m))
        ))

    def mistaken(self, name: str, mistake: str) -> list[float]:
        """``name`` worked out from the exact numbers with ``mistake`` made on purpose.

        One number per way to make it (``input-for-activation`` may use any xᵢ);
        ``[]`` where the mistake cannot be made.
        """
        if mistake not in MISTAKES or mistake == "carried":
            valid = ", ".join(m for m in MISTAKES if m != "carried")
            raise ValueError(f"unknown mistake {mistake!r}; the mistakes are {valid}")
        return self._values(self._key(name), self._lookup({}, []), mistake)

    def _lookup(self, given: Mapping[str, Written], used: list[str]) -> Lookup:
        """Each quantity by key: the learner's number where given, else exact (a key not asked: computed).

        Every learner's number looked up is added to ``used``.
        """

        def value(key: str) -> float:
            if key in given:
                if key not in used:
                    used.append(key)
                return given[key].value
            if key in self._asked:
                return self._exact[key]
            return self._values(key, value, None)[0]

        return value

    # -- the seed's formulas: each quantity from the ones before it, right or with one mistake --

    def _inputs(self, unit: _Unit, v: Lookup) -> list[float]:
        if unit.layer == 1:
            return list(self.x)
        return [v(f"a({u.label})" if not u.output else f"ŷ({u.label})") for u in self._layer(unit.layer - 1)]

    def _layer(self, layer: int) -> list[_Unit]:
        return [u for u in self.units if u.layer == layer]

    def _values(self, key: str, v: Lookup, mistake: str | None) -> list[float]:
        kind, unit, i = self._parse(key)
        lr = self.lr
        if kind == "h":
            if mistake is None:
                return [_dot(unit.weights, self._inputs(unit, v)) + (unit.bias or 0.0)]
            if mistake == "input-for-activation" and unit.layer > 1 and len(self.x) == len(unit.weights):
                return [_dot(unit.weights, self.x) + (unit.bias or 0.0)]
            return []
        if kind == "a":
            h = v(f"h({unit.label})")
            if mistake is not None:
                return []
            if unit.output and self.loss != "half_squared_error":
                return [Value(h).sigmoid().data]
            return [_apply(unit.activation, h)]
        if kind == "d":
            a = v(self._a_key(unit))
            # sigmoid′ and tanh′ are read off a (as the seed does), relu′ off h: look up only what is used
            h = v(f"h({unit.label})") if unit.activation == "relu" else 0.0
            slope = find_activation(unit.activation).derivative(h, a)
            if unit.output:
                error = self.y[self._layer(unit.layer).index(unit)] - a
                if self.loss != "half_squared_error":
                    return {None: [error], "sign": [-error]}.get(mistake, [])
                options = {None: error * slope, "missing-derivative": error,
                           "activation-for-derivative": error * a, "sign": -error * slope}
                return [options[mistake]] if mistake in options else []
            above = self._layer(unit.layer + 1)
            terms = [u.weights[unit.index] * v(f"δ({u.label})") for u in above]
            total = sum(terms)
            options = {
                None: slope * total,
                "missing-derivative": total,
                "activation-for-derivative": a * total,
                "sign": -slope * total,
                "missing-weight": slope * sum(v(f"δ({u.label})") for u in above),
            }
            if mistake == "missing-sum":
                return [slope * t for t in terms] if len(terms) > 1 else []
            return [options[mistake]] if mistake in options else []
        delta = v(f"δ({unit.label})")
        x = 1.0 if i is None else self._inputs(unit, v)[i]
        steps = {None: [lr * delta * x], "sign": [-lr * delta * x], "missing-rate": [delta * x]}
        if mistake == "input-for-activation" and i is not None and unit.layer > 1:
            return [lr * delta * xm for xm in self.x]
        return steps.get(mistake, [])

    def _a_key(self, unit: _Unit) -> str:
        return f"ŷ({unit.label})" if unit.output else f"a({unit.label})"

    def _parse(self, key: str) -> tuple[str, _Unit, int | None]:
        m = re.fullmatch(r"(h|a|ŷ|δ|Δ)\((L\d+\.N\d+)(?:\.(w\d+|b))?\)", key)
        assert m is not None, key
        unit = next(u for u in self.units if u.label == m[2])
        kind = {"ŷ": "a", "δ": "d", "Δ": "w"}.get(m[1], m[1])
        index = None if m[3] in (None, "b") else int(m[3][1:])
        return kind, unit, index

    def _all_keys(self) -> list[str]:
        forward = [k for u in self.units for k in (f"h({u.label})", self._a_key(u))]
        deltas = [f"δ({u.label})" for u in sorted(self.units, key=lambda u: -u.layer)]
        steps = [
            f"Δ({u.label}.{p})"
            for u in sorted(self.units, key=lambda u: -u.layer)
            for p in [*(f"w{i}" for i in range(len(u.weights))), *(["b"] if u.bias is not None else [])]
        ]
        return forward + deltas + steps

    def _network(self) -> tuple[MLP, list[Value], Value]:
        """The network afresh, run forward on labelled inputs: its outputs and the error E (labelled)."""
        sizes = [len(self._layer(k)) for k in range(1, self.units[-1].layer + 1)]
        first, last = self.units[0], self.units[-1]
        net = MLP(len(self.x), sizes, first.activation, last.activation, bias=first.bias is not None, seed=0)
        for p, value in zip(net.parameters(), self._parameters(), strict=True):
            p.data = value
        out = net([Value(x, label=f"x{k}") for k, x in enumerate(self.x)])
        outputs = [out] if isinstance(out, Value) else out
        targets = [Value(y, label="y" if len(self.y) == 1 else f"y{k}") for k, y in enumerate(self.y)]
        if self.loss == "half_squared_error":
            loss = half_squared_error(outputs, targets)
        else:
            loss = binary_cross_entropy_with_logits(outputs, targets)
        loss.label = "E"
        return net, outputs, loss

    def _engine_values(self) -> dict[str, float]:
        """Every quantity, exact, from the engine's forward and backward pass (``Neuron.delta``, grads)."""
        net, outputs, loss = self._network()
        loss.backward()
        exact: dict[str, float] = {}
        for unit in self.units:
            neuron = net.layers[unit.layer - 1].neurons[unit.index]
            exact[f"h({unit.label})"] = neuron.h.data
            if not unit.output:  # the hidden unit's a, as the next layer took it in
                exact[f"a({unit.label})"] = net.layers[unit.layer].neurons[0].inputs[unit.index]
            elif self.loss == "half_squared_error":
                exact[f"ŷ({unit.label})"] = outputs[unit.index].data
            else:  # the output is the logit z; ŷ = sigmoid(z)
                exact[f"ŷ({unit.label})"] = outputs[unit.index].sigmoid().data
            exact[f"δ({unit.label})"] = neuron.delta
            for i, w in enumerate(neuron.w):
                exact[f"Δ({unit.label}.w{i})"] = -self.lr * w.grad  # SGD's step, Δw = −η·∂E/∂w
            if neuron.b is not None:
                exact[f"Δ({unit.label}.b)"] = -self.lr * neuron.b.grad
        return exact

    def _limit(self) -> None:
        if len(self._asked) > MAX_QUESTIONS:
            sizes = [len(self.x), *(len(self._layer(k)) for k in range(1, self.units[-1].layer + 1))]
            raise ValueError(
                f"a network of sizes {tuple(sizes)} has {len(self._asked)} numbers to work out; a worksheet "
                f"is for a network small enough to work by hand (at most {MAX_QUESTIONS})"
            )

    # -- in words --

    def _sym(self, name: str) -> str:
        return self._symbols.get(name, name)

    def formula(self, name: str, numbers: bool = True) -> str:
        """The seed's formula for ``name`` in symbols, then (``numbers``) with the right numbers and result.

        >>> Worksheet.seed().formula("delta_h")
        'δʰ = W·δᵒ·f′(h) = 0.1 × 0.1218 × 0.495 × (1 - 0.495) = 0.003046'
        """
        key = self._key(name)
        kind, unit, i = self._parse(key)
        v, s = self._exact.__getitem__, self._sym
        if kind == "h":
            names = self._input_names(unit)
            sym = " + ".join(f"{s(f'{unit.label}.w{k}')}·{n}" for k, n in enumerate(names))
            pairs = zip(unit.weights, self._inputs(unit, v))
            num = " + ".join(f"{_factor(w)} × {_factor(x)}" for w, x in pairs)
            if unit.bias is not None:
                sym, num = f"{sym} + {s(unit.label + '.b')}", f"{num} + {_factor(unit.bias)}"
        elif kind == "a":
            h = s(f"h({unit.label})")
            f = "sigmoid" if unit.output and self.loss != "half_squared_error" else unit.activation
            h_value = _num(v(f"h({unit.label})"))
            sym, num = (f"{f}({h})", f"{f}({h_value})") if f != "linear" else (h, h_value)
        elif kind == "d":
            a_sym, a = s(self._a_key(unit)), v(self._a_key(unit))
            slope_sym, slope = f"f′({s(f'h({unit.label})')})", self._slope_text(unit)
            if unit.output:
                y = self.y[self._layer(unit.layer).index(unit)]
                sym, num = f"(y − {a_sym})", f"({_num(y)} - {_num(a)})"
                if self.loss == "half_squared_error":
                    sym, num = f"{sym}·{slope_sym}", f"{num} × {slope}"
            else:
                above = self._layer(unit.layer + 1)
                sym = " + ".join(f"{s(f'{u.label}.w{unit.index}')}·{s(f'δ({u.label})')}" for u in above)
                num = " + ".join(
                    f"{_factor(u.weights[unit.index])} × {_factor(v(f'δ({u.label})'))}" for u in above
                )
                if len(above) > 1:
                    sym, num = f"({sym})", f"({num})"
                sym, num = f"{sym}·{slope_sym}", f"{num} × {slope}"
        else:
            d_sym, d = s(f"δ({unit.label})"), v(f"δ({unit.label})")
            if i is None:
                sym, num = f"η·{d_sym}", f"{_num(self.lr)} × {_factor(d)}"
            else:
                sym = f"η·{d_sym}·{self._input_names(unit)[i]}"
                num = f"{_num(self.lr)} × {_factor(d)} × {_factor(self._inputs(unit, v)[i])}"
        head = f"{self._sym(self._names.get(key, key))} = {sym}"
        return f"{head} = {num} = {_num(self._exact[key])}" if numbers else head

    def _input_names(self, unit: _Unit) -> list[str]:
        if unit.layer == 1:
            return [self._sym(f"x{k}") for k in range(len(self.x))]
        return [self._sym(self._a_key(u)) for u in self._layer(unit.layer - 1)]

    def _slope_text(self, unit: _Unit) -> str:
        a = self._exact[self._a_key(unit)]
        return {
            "sigmoid": f"{_num(a)} × (1 - {_num(a)})",
            "tanh": f"(1 - {_factor(a)}²)",
            "relu": "1" if self._exact[f"h({unit.label})"] > 0.0 else "0",
            "linear": "1",
        }[unit.activation]

    def to_markdown(self, picture: bool = True) -> str:
        """The exercise as a worksheet: the network drawn, the given numbers, the seed's formulas, and
        one blank ``name =`` line per question in a fenced ``answers`` block, which ``glassgrad check`` reads.

        ``picture=False`` leaves out the drawing (an SVG written inline; it needs Graphviz, which
        glassgrad installs as graphviz-pure).
        """
        title = "a network of your own"
        if self.origin == "seed":
            title = "the seed's network"
        elif self.origin:
            title = f"a random network (`glassgrad worksheet --{self.origin}`)"
        lines = [f"# Backprop worksheet: {title}", ""]
        if picture:
            svg = self._picture()
            data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
            lines += [f'<img alt="the network" src="data:image/svg+xml;base64,{data}"/>', ""]
        lines += ["## Given", ""]
        inputs = [f"{self._sym(f'x{k}')} = {_num(x)}" for k, x in enumerate(self.x)]
        lines.append("- inputs: " + ", ".join(inputs))
        for unit in self.units:
            weights = [f"{self._sym(f'{unit.label}.w{k}')} = {_num(w)}" for k, w in enumerate(unit.weights)]
            if unit.bias is not None:
                weights.append(f"{self._sym(unit.label + '.b')} = {_num(unit.bias)}")
            where = "output unit" if unit.output else "hidden unit"
            lines.append(f"- {where} {unit.label} ({unit.activation}): " + ", ".join(weights))
        targets = ", ".join(_num(y) for y in self.y)
        loss = "E = ½ Σ (y − ŷ)²"
        if self.loss != "half_squared_error":
            loss = "the binary cross-entropy of ŷ = sigmoid(z)"
        lines += [f"- target y = {targets}; error {loss}; learning rate η = {_num(self.lr)}", ""]
        lines += ["## The seed's formulas", ""]
        lines += [f"- {line}" for line in _FORMULAS]
        if self.loss != "half_squared_error":
            lines.append("- cross-entropy on the logit z of a linear output: δᵒ = y − ŷ, with ŷ = sigmoid(z)")
        lines += ["", "## Your answers", "",
                  "Fill in each line, with as many digits as you like: each answer is graded at the digits",
                  "you give.",
                  "Then run `glassgrad check` on this file.", "", "```answers"]
        if self.origin:
            lines.append(f"# worksheet: {self.origin}")
        width = max(len(q) for q in self.questions)
        for q in self.questions:
            lines.append(f"{q:<{width}} =              # {self.formula(q, numbers=False).split(' = ', 1)[1]}")
        lines += ["```", ""]
        return "\n".join(lines)

    def _picture(self) -> str:
        """The network and its error as SVG: inputs and weights with their numbers, results as ``?``."""
        from autograd.view import to_svg

        svg: str = to_svg(self._network()[2], show_grad=False, show_results=False)
        return svg

    def _parameters(self) -> list[float]:
        """The weights and biases, in the order of ``MLP.parameters()``."""
        return [p for u in self.units for p in (*u.weights, *([] if u.bias is None else [u.bias]))]

    def read_answers(self, text: str) -> dict[str, str]:
        """The answers in a filled-in worksheet: the ``name = number`` lines of its ``answers`` block
        (or of the whole text, if it has none). A blank answer is left out; ``#`` starts a comment.

        A line that is not ``name = number``, names no question, or gives a question twice is a
        ``ValueError`` that gives its line number.
        """
        answers: dict[str, str] = {}
        seen: dict[str, int] = {}
        for number, line in answer_lines(text):
            body = line.split("#", 1)[0].strip()
            if not body:
                continue
            name, sep, value = (part.strip() for part in body.partition("="))
            if not sep or not name:
                raise ValueError(f"line {number}: expected `name = number`, got {line.strip()!r:.60}")
            try:
                question = self.question(name)
                if value:
                    written(question, value)
            except (ValueError, TypeError) as e:
                raise ValueError(f"line {number}: {e}") from None
            if question in seen:
                first = seen[question]
                raise ValueError(f"line {number}: {question!r} is answered twice (first on line {first})")
            seen[question] = number
            if value:
                answers[question] = value
        return answers


_FORMULAS = (
    "forward: h = Σᵢ wᵢ·xᵢ (+ b), a = f(h); a unit's inputs are the activations of the layer below it",
    "sigmoid: f(h) = 1 / (1 + e⁻ʰ), f′(h) = f(h)·(1 − f(h)); tanh: f′(h) = 1 − f(h)²;"
    " relu: f′(h) = 1 if h > 0, else 0",
    "output error term: δᵒ = (y − ŷ)·f′(h)",
    "hidden error term: δʰⱼ = Σₖ Wⱼₖ·δₖ·f′(hⱼ), over the units k that unit j feeds",
    "weight step: Δw = η·δ·(the weight's input: xᵢ in the first layer, an activation a after it);"
    " bias: Δb = η·δ",
)


def answer_lines(text: str) -> list[tuple[int, str]]:
    """``(line number, line)`` of each line in the fenced ``answers`` block (all of ``text`` if none)."""
    lines = list(enumerate(text.splitlines(), start=1))
    starts = [k for k, (_, line) in enumerate(lines) if line.strip() == "```answers"]
    if not starts:
        return lines
    block = []
    for number, line in lines[starts[0] + 1 :]:
        if line.strip().startswith("```"):
            break
        block.append((number, line))
    return block


def origin_of(text: str) -> str | None:
    """The ``# worksheet: ...`` line of a filled-in worksheet (``"seed"``, ``"random --seed 7"``), or None."""
    for _, line in answer_lines(text):
        m = re.fullmatch(r"\s*#\s*worksheet:\s*(.*?)\s*", line)
        if m:
            return m[1]
    return None


def _units(net: MLP) -> list[_Unit]:
    units = []
    last = len(net.layers)
    for n, layer in enumerate(net.layers, start=1):
        for j, neuron in enumerate(layer.neurons):
            if neuron.activation not in ACTIVATIONS:
                raise ValueError(
                    f"{neuron.label}: activation {neuron.activation!r} is not one the seed's formulas cover "
                    f"({', '.join(ACTIVATIONS)})"
                )
            b = None if neuron.b is None else neuron.b.data
            weights = tuple(w.data for w in neuron.w)
            units.append(_Unit(n, j, f"L{n}.N{j}", neuron.activation, weights, b, n == last))
    if len({u.bias is None for u in units}) > 1:
        raise ValueError("a worksheet takes a network whose units all have a bias, or none do")
    return units


def _sequence(what: str, xs: object) -> list[object]:
    if isinstance(xs, (str, bytes)) or not isinstance(xs, Iterable):
        raise TypeError(f"{what} must be a list of numbers, got {type(xs).__name__}")
    return list(xs)


def _finite(what: str, x: object) -> float:
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{what} must be a number, got {type(x).__name__}: {x!r:.60}")
    value = float(x)
    if not math.isfinite(value):
        raise ValueError(f"{what} must be a finite number, got {value}")
    return value


def _dot(ws: Sequence[float], xs: Sequence[float]) -> float:
    return sum(w * x for w, x in zip(ws, xs, strict=True))


def _apply(name: str, h: float) -> float:
    f = find_activation(name).apply
    return h if f is None else f(Value(h)).data


def _ascii(name: str) -> str:
    """An ASCII spelling of a question's name: ŷ → y_hat, δᵒ → delta_o, ΔW → dW, Δ(...) → d(...)."""
    for fancy, plain in (("ŷ", "y_hat"), ("δᵒ", "delta_o"), ("δʰ", "delta_h"), ("δ", "delta"), ("Δ", "d"),
                         ("₁", "1"), ("₂", "2")):
        name = name.replace(fancy, plain)
    return name


def _num(x: float) -> str:
    return f"{x:.4g}"


def _factor(x: float) -> str:
    return f"({_num(x)})" if x < 0 else _num(x)
