"""``glassgrad worksheet``, ``check`` and ``quiz``, and the command line's small fixes for learners."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from glassgrad.cli import main
from nn import Worksheet

ROOT = Path(__file__).resolve().parent.parent


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def fill(sheet: Path, answers: dict[str, str]) -> None:
    """Write ``answers`` into the blanks of a worksheet file, as a learner would."""
    lines = sheet.read_text(encoding="utf-8").splitlines()
    for k, line in enumerate(lines):
        name, _, comment = line.partition("=")
        if name.strip() in answers:
            lines[k] = f"{name}= {answers[name.strip()]}  {comment.strip()}"
    sheet.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_worksheet_then_check(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    sheet = tmp_path / "sheet.md"
    status, out, _ = run(capsys, "worksheet", "-o", str(sheet))
    assert status == 0 and f"glassgrad check {sheet}" in out
    text = sheet.read_text(encoding="utf-8")
    assert "# worksheet: seed" in text and "data:image/svg+xml;base64," in text
    status, _, err = run(capsys, "check", str(sheet))
    assert status == 2 and "no answers filled in" in err
    fill(sheet, {"h": "-0.02", "a": "0.495", "δʰ": "0.0122"})
    status, out, _ = run(capsys, "check", str(sheet))
    assert status == 1
    assert "δʰ  = 0.0122      wrong (missing-derivative)" in out and "h   = -0.02       right" in out
    status, _, err = run(capsys, "worksheet", "-o", str(sheet))  # the answers are not overwritten
    assert (
        status == 2 and "exists (your answers may be in it)" in err and "0.0122" in sheet.read_text("utf-8")
    )


def test_check_a_file_with_a_wrong_a_right_and_a_malformed_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    answers = tmp_path / "answers.txt"
    answers.write_text("# my answers\nh = -0.02\nδᵒ = 0.5\n\nΔW is 0.03\n", encoding="utf-8")
    status, out, err = run(capsys, "check", str(answers))
    assert (status, out) == (2, "")
    assert (
        err.strip()
        == f"glassgrad check: error: {answers}, line 5: expected `name = number`, got 'ΔW is 0.03'"
    )
    answers.write_text("h = -0.02\nδᵒ = 0.5\ndW =\n", encoding="utf-8")  # a blank answer is left out
    status, out, err = run(capsys, "check", str(answers))
    assert status == 1 and err == ""
    assert "1 of 2 answers right" in out and "δᵒ  = 0.5         wrong" in out
    answers.write_text("h = -0.02\ndelta_h = zero\n", encoding="utf-8")
    status, _, err = run(capsys, "check", str(answers))
    assert status == 2 and "line 2: the answer for 'δʰ' is not a number: 'zero'" in err


def test_a_random_worksheet_is_checked_as_the_same_sheet(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    sheet = tmp_path / "random.md"
    assert run(capsys, "worksheet", "--random", "--seed", "5", "-o", str(sheet))[0] == 0
    exact = Worksheet.random(seed=5).answers()
    fill(sheet, {q: repr(v) for q, v in exact.items()})
    status, out, _ = run(capsys, "check", str(sheet))
    assert status == 0 and f"{len(exact)} of {len(exact)} answers right" in out
    status, _, err = run(capsys, "worksheet", "--seed", "5")
    assert status == 2 and "add --random" in err


def test_worksheet_without_output_prints_it(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "worksheet")
    assert status == 0 and "```answers" in out and "base64" not in out and "add -o sheet.md" in out


def read_until(fd: int, marker: str, timeout: float = 20.0) -> str:
    """What the program in the pseudo-terminal printed, up to and including ``marker``."""
    out = b""
    end = time.monotonic() + timeout
    while marker.encode() not in out:
        assert time.monotonic() < end, f"no {marker!r} in:\n{out.decode(errors='replace')}"
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the program ended
                break
            out += chunk
    return out.decode("utf-8", errors="replace")


def test_quiz_in_a_terminal() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8"}
    pid, fd = pty.fork()
    if pid == 0:  # the child: the quiz, in the pseudo-terminal
        os.chdir(ROOT)
        os.execvpe(sys.executable, [sys.executable, "-m", "glassgrad", "quiz"], env)
    try:
        assert "inputs: x₁ = 0.1, x₂ = 0.3" in read_until(fd, "h = ")
        os.write(fd, b"-0.02\n")
        assert "right" in read_until(fd, "a = ")
        for answer in (b"0.495\n", b"0.512\n", b"0.122\n"):
            os.write(fd, answer)
            read_until(fd, "= ")
        os.write(fd, b"0.0122\n")  # δʰ without f′(h)
        hint = read_until(fd, "δʰ = ")
        assert "not quite: f′(h) left out of the error term" in hint and "W·δᵒ·f′(h)" in hint
        os.write(fd, b"0.003\n")  # a second try
        assert "right" in read_until(fd, "ΔW = ")
        os.write(fd, b"\x04")  # Ctrl-D: stop
        assert "stopped: 5 of 8 numbers worked out" in read_until(fd, "worked out")
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(fd)
    assert os.waitstatus_to_exitcode(status) == 0


def test_quiz_stops_cleanly_at_the_end_of_its_input() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "glassgrad", "quiz", "--random", "--seed", "3"],
        input="?\n0.1\n",
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=False,
    )
    assert done.returncode == 0 and done.stderr == ""
    assert "h(L1.N0) = L1.N0.w0·x0" in done.stdout and "stopped: 0 of 15" in done.stdout


def test_a_formula_may_start_with_a_minus(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (
        ["graph", "-x", "--at", "x=2"],
        ["graph", "--at", "x=2", "-x*3"],
        ["steps", "-x", "--at=x=2"],
    ):
        status, _out, err = run(capsys, *argv)
        assert status == 0 and err == "", argv
    assert run(capsys, "graph", "-x", "--at", "x=2")[1].startswith("-x = -2")
    assert run(capsys, "graph", "--at", "x=2", "--", "-x")[0] == 0  # the old way still works


def test_seed_collapse_caption_gives_no_python_advice(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    dot = tmp_path / "seed.dot"
    assert run(capsys, "seed", "--collapse", "-o", str(dot))[0] == 0
    text = dot.read_text(encoding="utf-8")
    assert "each neuron folded into one box" in text and "collapse=False" not in text
