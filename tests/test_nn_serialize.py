"""Saving and loading parameters: the round trip, every bad file, and crashes mid-write."""

from __future__ import annotations

import json
import os
import re
import stat
import threading
from pathlib import Path
from typing import Any

import pytest

from nn import MLP, load, save, serialize


def model(seed: int = 0) -> MLP:
    return MLP(2, [3, 1], activation="tanh", seed=seed)


def snapshot(net: MLP) -> list[float]:
    return [p.data for p in net.parameters()]


def test_round_trip_is_exact(tmp_path: Path) -> None:
    a, b = model(0), model(1)
    a.parameters()[0].data = 0.1 + 0.2  # not representable in few digits
    path = a.save(tmp_path / "m.json")
    assert path == tmp_path / "m.json"
    assert snapshot(b) != snapshot(a)
    b.load(path)
    assert snapshot(b) == snapshot(a)
    assert b([0.3, -0.7]).data == a([0.3, -0.7]).data  # type: ignore[union-attr]


def test_file_is_readable_json_with_labels(tmp_path: Path) -> None:
    save(model(), tmp_path / "m.json")
    document = json.loads((tmp_path / "m.json").read_text())
    assert document["format"] == "glassgrad.parameters"
    assert document["version"] == 1
    assert document["parameters"][0][0] == "L1.N0.w0"
    assert len(document["parameters"]) == len(model().parameters())


def test_save_overwrites_and_leaves_no_temporary_files(tmp_path: Path) -> None:
    save(model(0), tmp_path / "m.json")
    save(model(1), tmp_path / "m.json")
    assert [p.name for p in tmp_path.iterdir()] == ["m.json"]
    net = model(2)
    load(net, tmp_path / "m.json")
    assert snapshot(net) == snapshot(model(1))


def document_with(**changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "format": "glassgrad.parameters",
        "version": 1,
        "parameters": [[p.label, p.data] for p in model(5).parameters()],
    }
    document.update(changes)
    return document


def entries_with(index: int, entry: Any) -> list[Any]:
    entries: list[Any] = document_with()["parameters"]
    entries[index] = entry
    return entries


def bias_set_to(value: Any) -> str:
    """A good file, except that parameter 2 (the bias L1.N0.b) holds ``value``."""
    return json.dumps(document_with(parameters=entries_with(2, ["L1.N0.b", value])))


BAD_FILES = {
    "corrupt JSON": ('{"format": "glassgrad.parameters", "parameters": [', "not valid JSON"),
    "empty file": ("", "not valid JSON"),
    "not an object": ("[1, 2, 3]", "not a glassgrad parameter file"),
    "another format": (json.dumps(document_with(format="other")), "not a glassgrad parameter file"),
    "another version": (json.dumps(document_with(version=2)), "version 2"),
    "version true": (
        json.dumps(document_with(version=True)),
        '"version" must be a whole number such as 1, got true',
    ),
    "version 1.0": (
        json.dumps(document_with(version=1.0)),
        '"version" must be a whole number such as 1, got 1.0',
    ),
    "version a string": (json.dumps(document_with(version="1")), 'must be a whole number such as 1, got "1"'),
    "version null": (json.dumps(document_with(version=None)), "must be a whole number such as 1, got null"),
    "no version": (
        json.dumps({k: v for k, v in document_with().items() if k != "version"}),
        "must be a whole number such as 1, got none",
    ),
    "parameters not a list": (json.dumps(document_with(parameters={"a": 1})), "must be a list"),
    "too few": (
        json.dumps(document_with(parameters=document_with()["parameters"][:-1])),
        "has 12 parameters but the model has 13",
    ),
    "too many": (
        json.dumps(document_with(parameters=[*document_with()["parameters"], ["x", 1.0]])),
        "has 14 parameters but the model has 13",
    ),
    "another shape, same count": (
        json.dumps(document_with(parameters=[[f"p{i}", 0.5] for i in range(13)])),
        "'p0' in the file but 'L1.N0.w0' in the model",
    ),
    "entry not a pair": (json.dumps(document_with(parameters=entries_with(3, 0.5))), "parameter 3 must be a"),
    "string value": (bias_set_to("0.5"), "must be a number"),
    "null value": (bias_set_to(None), "must be a number"),
    "bool value": (bias_set_to(True), "must be a number"),
    "NaN": (bias_set_to(float("nan")), "not a finite"),
    "Infinity": (bias_set_to(float("inf")), "not a finite"),
    "overflowing number": (
        bias_set_to(7.25).replace("7.25", "1e999"),
        "not a finite",
    ),
    "huge int": (
        bias_set_to(10**400),
        "not a finite",
    ),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_a_file_that_does_not_fit_raises_and_changes_nothing(tmp_path: Path, name: str) -> None:
    text, message = BAD_FILES[name]
    path = tmp_path / "bad.json"
    path.write_text(text)
    net = model(0)
    before = snapshot(net)
    with pytest.raises(ValueError, match=re.escape(message)):
        load(net, path)
    assert snapshot(net) == before


def test_the_last_entry_is_checked_before_anything_changes(tmp_path: Path) -> None:
    # Only the very last value is bad: a loader that assigned as it went would have changed 12.
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document_with(parameters=entries_with(-1, ["L2.N0.b", "oops"]))))
    net = model(0)
    before = snapshot(net)
    with pytest.raises(ValueError, match=re.escape("'L2.N0.b' must be a number")):
        load(net, path)
    assert snapshot(net) == before


def test_binary_garbage_is_a_value_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(b"\xff\xfe\x00garbage")
    net = model(0)
    before = snapshot(net)
    with pytest.raises(ValueError, match="not a glassgrad parameter file"):
        load(net, path)
    assert snapshot(net) == before


def test_missing_file_names_the_path(tmp_path: Path) -> None:
    net = model(0)
    before = snapshot(net)
    with pytest.raises(FileNotFoundError, match=re.escape("nowhere.json")):
        load(net, tmp_path / "nowhere.json")
    assert snapshot(net) == before


LONG = "x" * 1_000_000  # a hostile file's text: a message repeats at most 80 characters of it

LONG_TEXTS = {
    "label of another model": json.dumps(document_with(parameters=entries_with(0, [LONG, 0.5]))),
    "string value": bias_set_to(LONG),
    "entry not a pair": json.dumps(document_with(parameters=entries_with(3, [LONG]))),
    "version a string": json.dumps(document_with(version=LONG)),
    "format": json.dumps(document_with(format=LONG)),
}


@pytest.mark.parametrize("name", sorted(LONG_TEXTS))
def test_a_message_quotes_at_most_80_characters_of_the_file(tmp_path: Path, name: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(LONG_TEXTS[name])
    with pytest.raises(ValueError) as raised:
        load(model(0), path)
    message = str(raised.value)
    assert "x" * 81 not in message
    assert len(message) < len(str(path)) + 200, message


def test_a_file_larger_than_the_limit_is_refused_before_it_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(serialize, "MAX_BYTES", 1000)
    path = tmp_path / "big.json"
    path.write_text(json.dumps(document_with()) + " " * 1000)
    with pytest.raises(ValueError, match="larger than"):
        load(model(0), path)
    path.write_text(json.dumps(document_with()))
    load(model(0), path)  # a file within the limit loads


def refused(path: Path, kind: str) -> None:
    """``load`` of ``path`` raises a ValueError naming the path and the kind of file, changing nothing."""
    net = model(0)
    before = snapshot(net)
    with pytest.raises(ValueError, match=re.escape(f"{path}: cannot load parameters from {kind}")):
        load(net, path)
    assert snapshot(net) == before


def test_a_folder_is_refused(tmp_path: Path) -> None:
    refused(tmp_path, "a folder")


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero on this system")
def test_a_symlink_to_dev_zero_is_refused_before_it_is_read(tmp_path: Path) -> None:
    link = tmp_path / "model.json"
    link.symlink_to("/dev/zero")
    refused(link, "a character device")  # not a MemoryError from reading an endless file


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "model.json"
    os.mkfifo(fifo)
    outcome: list[BaseException | None] = []

    def attempt() -> None:
        try:
            refused(fifo, "a FIFO")
            outcome.append(None)
        except BaseException as e:  # handed to the test's thread, which raises it
            outcome.append(e)

    worker = threading.Thread(target=attempt, daemon=True)
    worker.start()
    worker.join(timeout=10)
    if worker.is_alive():  # load() is waiting for a writer: be one, so that the thread ends
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        pytest.fail("load() blocked on a FIFO")
    if outcome[0] is not None:
        raise outcome[0]


def test_a_file_swapped_for_a_fifo_after_the_check_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Between the check of the path and the open, a FIFO takes the file's place.
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this system")
    path = tmp_path / "model.json"
    save(model(0), path)
    real_open = os.open

    def swapping_open(target: Any, flags: int, *args: Any) -> int:
        if Path(target) == path:
            path.unlink()
            os.mkfifo(path)
        return real_open(target, flags, *args)

    monkeypatch.setattr(os, "open", swapping_open)
    refused(path, "a FIFO")


@pytest.mark.parametrize("failing", ["json.dumps", "os.fsync", "os.replace"])
def test_a_crash_mid_write_leaves_the_old_file_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    path = tmp_path / "m.json"
    save(model(0), path)
    old = path.read_bytes()

    def crash(*args: Any, **kwargs: Any) -> None:  # fsync: the new data is written, not yet renamed
        raise OSError("simulated crash")

    module, name = failing.split(".")
    monkeypatch.setattr({"json": json, "os": os}[module], name, crash)
    with pytest.raises(OSError, match="simulated crash"):
        save(model(1), path)
    monkeypatch.undo()

    assert path.read_bytes() == old
    assert [p.name for p in tmp_path.iterdir()] == ["m.json"]  # the temporary file is cleaned up
    net = model(2)
    load(net, path)
    assert snapshot(net) == snapshot(model(0))


def test_fsync_happens_before_the_rename(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        calls.append("fsync")
        real_fsync(fd)

    def replace(a: Any, b: Any) -> None:
        calls.append("replace")
        real_replace(a, b)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    save(model(), tmp_path / "m.json")
    assert calls[:2] == ["fsync", "replace"]


def test_a_saved_file_has_the_usual_permissions(tmp_path: Path) -> None:
    path = save(model(0), tmp_path / "m.json")
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask


def test_a_file_nested_too_deeply_is_a_value_error(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    net = model(0)
    before = snapshot(net)
    with pytest.raises(ValueError, match="nested too deeply"):
        load(net, path)
    assert snapshot(net) == before


# --- save() writes as an in-place write would: permissions and symbolic links --


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.skipif(os.name != "posix", reason="permission bits are POSIX")
@pytest.mark.parametrize("mode", [0o600, 0o640, 0o604, 0o444, 0o755])
def test_save_keeps_an_existing_files_permissions(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "m.json"
    save(model(0), path)
    path.chmod(mode)
    save(model(1), path)
    assert mode_of(path) == mode
    net = model(2)
    load(net, path)
    assert snapshot(net) == snapshot(model(1))
    assert [p.name for p in tmp_path.iterdir()] == ["m.json"]


@pytest.mark.skipif(os.name != "posix", reason="symbolic links need privileges on Windows")
@pytest.mark.parametrize("relative", [False, True], ids=["absolute link", "relative link"])
def test_save_through_a_symlink_updates_its_target_and_keeps_the_link(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, relative: bool
) -> None:
    (tmp_path / "models").mkdir()
    (tmp_path / "links").mkdir()
    target = tmp_path / "models" / "m.json"
    link = tmp_path / "links" / "current.json"
    save(model(0), target)
    target.chmod(0o640)
    link.symlink_to(Path("../models/m.json") if relative else target)
    before = os.readlink(link)

    renames: list[tuple[Path, Path]] = []
    real_replace = os.replace

    def replace(source: Any, destination: Any) -> None:
        renames.append((Path(source), Path(destination)))
        real_replace(source, destination)

    monkeypatch.setattr(os, "replace", replace)
    assert save(model(1), link) == link
    monkeypatch.undo()

    assert link.is_symlink() and os.readlink(link) == before  # the link is still the same link
    net = model(2)
    load(net, target)
    assert snapshot(net) == snapshot(model(1))  # the target has the new parameters
    assert mode_of(target) == 0o640
    ((source, destination),) = renames
    assert source.parent == target.parent and destination == target  # atomic: renamed within one folder
    assert sorted(p.name for p in (tmp_path / "models").iterdir()) == ["m.json"]
    assert sorted(p.name for p in (tmp_path / "links").iterdir()) == ["current.json"]


@pytest.mark.skipif(os.name != "posix", reason="symbolic links need privileges on Windows")
def test_save_through_a_dangling_symlink_creates_its_target(tmp_path: Path) -> None:
    link = tmp_path / "link.json"
    link.symlink_to(tmp_path / "new.json")
    save(model(0), link)
    assert link.is_symlink()
    net = model(1)
    load(net, tmp_path / "new.json")
    assert snapshot(net) == snapshot(model(0))


@pytest.mark.skipif(os.name != "posix", reason="symbolic links need privileges on Windows")
def test_save_through_a_loop_of_symlinks_is_an_error_and_changes_nothing(tmp_path: Path) -> None:
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.symlink_to(b)
    b.symlink_to(a)
    with pytest.raises(OSError, match="loop of symbolic links"):
        save(model(0), a)
    assert a.is_symlink() and b.is_symlink()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json", "b.json"]
