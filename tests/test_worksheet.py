"""nn.Worksheet: a learner's hand-worked backprop, graded at the digits written, mistakes named."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest

from nn import MLP, Worksheet
from nn.worksheet import MISTAKES

SEED_PRINTED = {
    "h": "-0.02",
    "a": "0.495",
    "ŷ": "0.512",
    "δᵒ": "0.122",
    "δʰ": "0.003",
    "ΔW": "0.0302",
    "Δw1": "0.00015",
    "Δw2": "0.00045",
}
"""The seed's own hand-rounded numbers, as it prints them."""


def sig(x: float, digits: int) -> str:
    """``x`` at ``digits`` significant digits, as a learner would write it."""
    return f"{Decimal(repr(x)):.{digits}g}" if x else "0"


def test_the_seeds_printed_numbers_grade_right() -> None:
    for given in (SEED_PRINTED, {k: float(v) for k, v in SEED_PRINTED.items()}):
        report = Worksheet.seed().check(given)
        assert report.ok and report.first_wrong is None, str(report)
        assert len(report) == 8
    # Δw2 is 0.000457 exactly: 0.00045 is right because it follows from the learner's δʰ = 0.003
    report = Worksheet.seed().check({"Δw2": "0.00045"})
    assert not report.ok and report["Δw2"].expected == pytest.approx(0.000456825)


def test_exact_values_are_right_at_any_precision() -> None:
    for sheet in (Worksheet.seed(), Worksheet.random(seed=1), Worksheet.random((2, 2, 2), seed=2)):
        exact = sheet.answers()
        assert list(exact) == sheet.questions
        assert sheet.check(exact).ok
        for digits in range(1, 13):
            report = sheet.check({q: sig(v, digits) for q, v in exact.items()})
            assert report.ok, f"{digits} digits:\n{report}"


def test_the_exact_values_are_the_engines_and_the_formulas_agree() -> None:
    exact = Worksheet.seed().answers()
    assert exact["δᵒ"] == pytest.approx(0.1218322354, abs=1e-10)
    assert exact["δʰ"] == pytest.approx(0.0030455013, abs=1e-10)
    assert exact["ΔW"] == pytest.approx(0.0301534884, abs=1e-10)
    # each formula, worked from the exact numbers before it, gives the engine's number
    for sheet in (Worksheet.seed(), *(Worksheet.random((2, 2, 2), seed=s) for s in range(5))):
        for q, v in sheet.answers().items():
            assert sheet._values(sheet._key(q), sheet._lookup({}, []), None)[0] == pytest.approx(v, rel=1e-12)


@pytest.mark.parametrize("digits", [1, 2, 3, 4, 5, 6])
def test_answers_are_graded_at_the_digits_given(digits: int) -> None:
    sheet = Worksheet.seed()
    exact = sheet.answers()["δᵒ"]  # 0.12183223...
    place = Decimal(1).scaleb(-digits)  # 0.1218... has its first significant digit at 10⁻¹
    right = Decimal(repr(exact)).quantize(place)
    assert sheet.check({"δᵒ": str(right)}).ok
    assert len(str(right).split(".")[1]) == digits  # the test writes the digits it means
    for off in (-1, 1):
        wrong = right + off * place
        assert not sheet.check({"δᵒ": str(wrong)}).ok, wrong
    assert sheet.check({"δᵒ": "0.122"}).ok and sheet.check({"δᵒ": "0.12"}).ok
    assert not sheet.check({"δᵒ": "0.123"}).ok
    assert not sheet.check({"δᵒ": "0.1220"}).ok  # 4 decimals: 0.1218


def test_a_string_keeps_its_digits_and_a_float_is_read_at_its_repr() -> None:
    sheet = Worksheet.seed()
    assert sheet.check({"ŷ": "0.5120"}).ok is False  # 0.5124 at four decimals
    assert sheet.check({"ŷ": 0.512}).ok is True
    assert sheet.check({"ŷ": "−0.512".replace("−", "")}).ok
    assert sheet.check({"h": "−0.02"}).ok  # a typeset minus sign
    assert not sheet.check({"h": "0"}).ok  # a zero has no significant digit


SEED_MISTAKES = {
    # name: {mistake: the seed's numbers worked with that mistake, by hand}
    "δᵒ": {
        "missing-derivative": 1 - 0.512372478,
        "activation-for-derivative": (1 - 0.512372478) * 0.512372478,
        "sign": -(1 - 0.512372478) * 0.512372478 * (1 - 0.512372478),
    },
    "δʰ": {
        "missing-derivative": 0.1 * 0.121832235,
        "activation-for-derivative": 0.1 * 0.121832235 * 0.495000167,
        "sign": -0.1 * 0.121832235 * 0.495000167 * (1 - 0.495000167),
        "missing-weight": 0.121832235 * 0.495000167 * (1 - 0.495000167),
    },
    "ΔW": {
        "sign": -0.5 * 0.121832235 * 0.495000167,
        "missing-rate": 0.121832235 * 0.495000167,
        "input-for-activation": 0.5 * 0.121832235 * 0.3,
    },
    "Δw1": {"sign": -0.5 * 0.00304550132 * 0.1, "missing-rate": 0.00304550132 * 0.1},
    "Δw2": {"sign": -0.5 * 0.00304550132 * 0.3, "missing-rate": 0.00304550132 * 0.3},
}


@pytest.mark.parametrize("name", list(SEED_MISTAKES))
def test_each_mistake_on_the_seed_is_named(name: str) -> None:
    sheet = Worksheet.seed()
    for mistake, value in SEED_MISTAKES[name].items():
        assert any(v == pytest.approx(value, rel=1e-6) for v in sheet.mistaken(name, mistake))
        for digits in (2, 3, 4):
            answers = {**SEED_PRINTED, name: sig(value, digits)}
            report = sheet.check(answers)
            assert report.first_wrong == sheet.question(name), f"{mistake}:\n{report}"
            assert report[name].mistake == mistake, f"{mistake}, {digits} digits:\n{report}"
            assert MISTAKES[mistake] in str(report)


def test_a_mistake_carried_from_an_earlier_answer() -> None:
    sheet = Worksheet.seed()
    report = sheet.check({"δᵒ": "-0.122", "δʰ": "-0.003", "Δw1": "-0.00015", "ΔW": "-0.0302"})
    assert report["δᵒ"].mistake == "sign" and report.first_wrong == "δᵒ"
    assert report["δʰ"].mistake == "carried" and report["δʰ"].source == "δᵒ = -0.122"
    assert report["Δw1"].mistake == "carried" and report["ΔW"].mistake == "carried"
    text = str(report)
    assert "fix that first" in text and "should be 0.122" in text


def test_the_report_reads_as_the_seed_writes() -> None:
    report = Worksheet.seed().check({**SEED_PRINTED, "δʰ": "0.0122"})
    text = str(report)
    assert text.splitlines()[0] == "6 of 8 answers right (8 questions)"
    assert "δʰ  = 0.0122      wrong (missing-derivative)" in text
    assert "should be 0.0030" in text
    assert "δʰ = W·δᵒ·f′(h) = 0.1 × 0.1218 × 0.495 × (1 - 0.495) = 0.003046" in text
    assert "Δw2 = 0.00045     wrong" in text  # it follows from the wrong δʰ: carried
    g = report["delta_h"]
    assert (g.given, g.correct, g.mistake) == (0.0122, False, "missing-derivative")
    assert g.expected == pytest.approx(0.0030455, rel=1e-4)


def check_mistakes_on(sheet: Worksheet) -> set[str]:
    """Make each mistake on each question of ``sheet`` and check it is named; the mistakes seen."""
    exact = sheet.answers()
    seen = set()
    for q in sheet.questions:
        for mistake in MISTAKES:
            if mistake == "carried":
                continue
            for value in sheet.mistaken(q, mistake):
                given = sig(value, 4)
                report = sheet.check({**{k: repr(v) for k, v in exact.items()}, q: given})
                if report.ok:
                    continue  # this mistake gives the right number here (e.g. relu′ = 0): nothing to find
                graded = report[q]
                assert report.first_wrong == q and not graded.correct
                assert mistake in graded.mistakes, f"{q}: {mistake} gave {given}:\n{report}"
                if len(graded.mistakes) > 1:
                    assert "give the same number" in str(report)
                seen.add(mistake)
    return seen


def test_each_mistake_on_50_random_worksheets_is_named() -> None:
    seen: set[str] = set()
    for seed in range(50):
        seen |= check_mistakes_on(Worksheet.random(seed=seed))
    for seed in range(5):  # two output units: δʰ sums over both, so missing-sum can be made
        seen |= check_mistakes_on(Worksheet.random((2, 2, 2), seed=seed))
    assert seen == set(MISTAKES) - {"carried"}


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu", "linear"])
def test_a_network_of_your_own(activation: str) -> None:
    net = MLP(2, [2, 1], activation=activation, output_activation="sigmoid", seed=3)
    sheet = Worksheet(net, [0.5, -0.4], 1.0, lr=0.1)
    before = [p.data for p in net.parameters()]
    assert "Δ(L1.N0.b)" in sheet.questions and "a(L1.N1)" in sheet.questions
    assert sheet.check(sheet.answers()).ok
    check_mistakes_on(sheet)
    assert [p.data for p in net.parameters()] == before and all(p.grad == 0 for p in net.parameters())


def test_cross_entropy_on_the_logit() -> None:
    net = MLP(2, [1, 1], activation="sigmoid", output_activation="linear", bias=False, seed=0)
    for p, v in zip(net.parameters(), (0.4, -0.2, 0.1), strict=True):
        p.data = v
    sheet = Worksheet(net, [0.1, 0.3], 1.0, loss="binary_cross_entropy_with_logits")
    exact = sheet.answers()
    assert exact["δ(L2.N0)"] == pytest.approx(1.0 - exact["ŷ(L2.N0)"])  # δᵒ = y − ŷ: the lesson
    assert exact["ŷ(L2.N0)"] == pytest.approx(1 / (1 + math.exp(-exact["h(L2.N0)"])))
    assert sheet.check({"ŷ(L2.N0)": sig(exact["ŷ(L2.N0)"], 3)}).ok
    assert sheet.check({"δ(L2.N0)": sig(-exact["δ(L2.N0)"], 3)})["δ(L2.N0)"].mistake == "sign"


def test_names_in_ascii_and_general_labels() -> None:
    sheet = Worksheet.seed()
    for ascii_name, name in [
        ("y_hat", "ŷ"),
        ("delta_o", "δᵒ"),
        ("delta_h", "δʰ"),
        ("dW", "ΔW"),
        ("dw1", "Δw1"),
        ("dw2", "Δw2"),
        ("δ(L1.N0)", "δʰ"),
        ("Δw₁", "Δw1"),
    ]:
        assert sheet.question(ascii_name) == name
    other = Worksheet.random(seed=4)
    assert other.question("delta(L1.N0)") == "δ(L1.N0)" and other.question("d(L1.N0.w1)") == "Δ(L1.N0.w1)"
    assert other.question("a(L2.N0)") == "ŷ(L2.N0)" == other.question("y_hat(L2.N0)")


def test_bad_input_is_a_clear_error_naming_it() -> None:
    sheet = Worksheet.seed()
    with pytest.raises(ValueError, match=r"no question 'dw3'.*Δw1"):
        sheet.check({"dw3": 0.1})
    with pytest.raises(TypeError, match="'h' must be a number, got list"):
        sheet.check({"h": [0.1]})
    with pytest.raises(TypeError, match="'h' must be a number, got bool"):
        sheet.check({"h": True})
    with pytest.raises(ValueError, match="'a' is not a number: 'abc'"):
        sheet.check({"a": "abc"})
    for bad in (math.nan, math.inf, "nan", "-inf", "Infinity"):
        with pytest.raises(ValueError, match="'a' must be a finite number"):
            sheet.check({"a": bad})
    with pytest.raises(ValueError, match="answered twice"):
        sheet.check({"dW": 0.03, "ΔW": 0.03})
    with pytest.raises(ValueError, match=r"sizes \(3, 3, 3\) has 36 numbers.*at most 20"):
        Worksheet.random((3, 3, 3), seed=0)
    net = MLP(2, [1], output_activation="sigmoid")
    net.layers[0].neurons[0].activation = "softsign"  # not one of nn's: as a learner's own class might say
    with pytest.raises(ValueError, match="activation 'softsign' is not one the seed's formulas cover"):
        Worksheet(net, [0.1, 0.2], 1.0)
    with pytest.raises(ValueError, match="unknown loss 'mse'"):
        Worksheet(MLP(2, [1]), [0.1, 0.2], 1.0, loss="mse")
    with pytest.raises(ValueError, match="takes 2 inputs, but x has 3"):
        Worksheet(MLP(2, [1]), [0.1, 0.2, 0.3], 1.0)
    with pytest.raises(ValueError, match="logit of one linear output unit"):
        Worksheet(
            MLP(2, [1], output_activation="sigmoid"), [0.1, 0.2], 1.0, loss="binary_cross_entropy_with_logits"
        )
    with pytest.raises(TypeError, match=r"takes an nn\.MLP"):
        Worksheet("net", [0.1], 1.0)  # type: ignore[arg-type]


def test_random_worksheets_are_round_and_repeatable() -> None:
    a, b = Worksheet.random(seed=7), Worksheet.random(seed=7)
    assert a.answers() == b.answers() and a.origin == "random --seed 7"
    assert Worksheet.random(seed=8).answers() != a.answers()
    for unit in a.units:
        assert all(round(w, 1) == w and w != 0 for w in unit.weights)
    assert all(round(x, 1) == x for x in a.x) and a.y[0] in (0.0, 1.0)
    assert len(a.questions) == 15


def test_the_markdown_worksheet_and_its_answers() -> None:
    sheet = Worksheet.seed()
    text = sheet.to_markdown()
    assert text.startswith("# Backprop worksheet: the seed's network")
    assert "data:image/svg+xml;base64," in text and "w₁ = 0.4, w₂ = -0.2" in text
    assert sheet.read_answers(text) == {}  # all blank
    filled = text.replace("δʰ  =   ", "δʰ  = 0.003").replace("h   =   ", "h   = -0.02")
    assert sheet.read_answers(filled) == {"h": "-0.02", "δʰ": "0.003"}
    assert "data ?" in sheet._picture() and "data 0.4000" in sheet._picture()  # no answers drawn
    for bad, line in [
        ("h = 1\nwhat\n", 2),
        ("h = 1\n\nnope = 2\n", 3),
        ("a = x\n", 1),
        ("a = 1\nh = 2\na = 3", 3),
    ]:
        with pytest.raises(ValueError, match=f"^line {line}: "):
            sheet.read_answers(bad)
