"""Save a model's parameters to JSON and load them back, safely.

The file lists every parameter by label, in ``parameters()`` order::

    {"format": "glassgrad.parameters", "version": 1,
     "parameters": [["L1.N0.w0", 0.4], ["L1.N0.w1", -0.2], ...]}

Floats are written with ``repr``, so they load back bit for bit.

``save`` writes a temporary file next to the target, flushes it to disk and
then renames it over the target: a crash at any moment leaves either the old
file or the new one, never half of one. ``load`` reads and checks the whole
file before it touches the model: a file that does not fit (another model's
shape, a wrong type, a non-finite number, corrupt JSON) raises ``ValueError``
saying what is wrong, and the model is left exactly as it was. A message
quotes at most 80 characters of what it found, however long the text in the
file. Only a regular file is read, and at most ``MAX_BYTES`` of it: a path to a
device (``/dev/zero``, a symlink to it), a FIFO or a folder is a ``ValueError``
naming the path, found before anything is read (a FIFO is never waited on).
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any, Protocol

from autograd import Value
from autograd.view import write_atomically

FORMAT = "glassgrad.parameters"
VERSION = 1

MAX_BYTES = 64 * 2**20
"""The largest parameter file ``load`` reads, 64 MiB: about 1.5 million parameters,
far more than a scalar engine trains (the seed's network has 3, an MLP(2, [16, 16, 1]) 337)."""

_KINDS = {stat.S_IFDIR: "a folder", stat.S_IFCHR: "a character device", stat.S_IFBLK: "a block device",
          stat.S_IFIFO: "a FIFO (named pipe)", stat.S_IFSOCK: "a socket"}


class HasParameters(Protocol):
    def parameters(self) -> list[Value]: ...


def save(model: HasParameters, path: str | os.PathLike[str]) -> Path:
    """Write ``model``'s parameters to ``path`` as JSON, atomically; returns the path."""
    path = Path(path)
    document = {
        "format": FORMAT,
        "version": VERSION,
        "parameters": [[p.label, p.data] for p in model.parameters()],
    }
    text = json.dumps(document, indent=1) + "\n"
    return write_atomically(path, text.encode("utf-8"))


def load(model: HasParameters, path: str | os.PathLike[str]) -> None:
    """Set ``model``'s parameters from a file written by ``save``.

    Raises ``FileNotFoundError`` if there is no such file, and ``ValueError``
    if it does not fit ``model`` or is not a regular file of at most
    ``MAX_BYTES`` (a folder, a device, a FIFO); either way the model is unchanged.
    """
    path = Path(path)
    try:
        text = _read(path).decode("utf-8")
    except UnicodeDecodeError as e:
        raise ValueError(f"{path}: not a glassgrad parameter file (not UTF-8 text: {e})") from None
    values = _check(model.parameters(), _parse(text, path), path)
    for p, x in zip(model.parameters(), values, strict=True):
        p.data = x


def _read(path: Path) -> bytes:
    """The bytes of the regular file at ``path``, at most ``MAX_BYTES`` of them, or a ValueError.

    The kind of file is checked before it is opened, and again on the open
    file (it could have been swapped in between); O_NONBLOCK makes even that
    open return at once for a FIFO, which would otherwise wait for a writer.
    """
    try:
        _check_regular(os.stat(path), path)
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise FileNotFoundError(f"no parameter file at {str(path)!r}") from None
    with os.fdopen(fd, "rb") as file:
        _check_regular(os.fstat(file.fileno()), path)
        data = file.read(MAX_BYTES + 1)  # a file may grow after the check
    _check_size(len(data), path)
    return data


def _check_regular(status: os.stat_result, path: Path) -> None:
    kind = stat.S_IFMT(status.st_mode)
    if kind != stat.S_IFREG:
        what = _KINDS.get(kind, "not a regular file")
        raise ValueError(f"{path}: cannot load parameters from {what}; give a file written by save()")
    _check_size(status.st_size, path)


def _check_size(size: int, path: Path) -> None:
    if size > MAX_BYTES:
        raise ValueError(f"{path}: not a glassgrad parameter file (larger than {MAX_BYTES // 2**20} MiB)")


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not a finite number")


def _parse(text: str, path: Path) -> Any:
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as e:
        raise ValueError(f"{path}: not valid JSON ({e})") from None
    except RecursionError:
        raise ValueError(f"{path}: not a glassgrad parameter file (nested too deeply to read)") from None
    except ValueError as e:
        raise ValueError(f"{path}: {e}") from None


def _check(params: list[Value], document: Any, path: Path) -> list[float]:
    """The file's numbers, in order, once every one of them is known to fit ``params``."""
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValueError(f'{path}: not a glassgrad parameter file (no "format": {FORMAT!r})')
    version = document.get("version")
    if type(version) is not int:  # not isinstance: to Python true is an int, but it is no version
        found = f"{json.dumps(version):.80}" if "version" in document else "none"
        raise ValueError(f'{path}: "version" must be a whole number such as {VERSION}, got {found}')
    if version != VERSION:
        raise ValueError(f"{path}: format version {version!r:.80}, but this glassgrad reads {VERSION}")
    entries = document.get("parameters")
    if not isinstance(entries, list):
        raise ValueError(f'{path}: "parameters" must be a list, got {type(entries).__name__}')
    if len(entries) != len(params):
        raise ValueError(
            f"{path}: the file has {len(entries)} parameters but the model has {len(params)}: "
            "it was saved from a model of another shape"
        )
    values = []
    for i, (entry, p) in enumerate(zip(entries, params, strict=True)):
        if not (isinstance(entry, list) and len(entry) == 2 and isinstance(entry[0], str)):
            raise ValueError(f"{path}: parameter {i} must be a [label, number] pair, got {entry!r:.80}")
        label, x = entry
        if label != p.label:
            raise ValueError(
                f"{path}: parameter {i} is {label!r:.80} in the file but {p.label!r:.80} in the model: "
                "it was saved from a model of another shape"
            )
        if isinstance(x, bool) or not isinstance(x, (int, float)):
            kind = type(x).__name__
            raise ValueError(f"{path}: parameter {label!r:.80} must be a number, got {kind} {x!r:.80}")
        try:
            x = float(x)
        except OverflowError:  # an int too large for a float
            x = float("inf")
        if x - x != 0.0:
            raise ValueError(f"{path}: parameter {label!r:.80} is {x!r}, not a finite number")
        values.append(x)
    return values
