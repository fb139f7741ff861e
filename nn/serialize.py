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
saying what is wrong, and the model is left exactly as it was.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Protocol

from autograd import Value
from autograd.view import write_atomically

FORMAT = "glassgrad.parameters"
VERSION = 1


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

    Raises ``FileNotFoundError`` if there is no such file and ``ValueError``
    if it does not fit ``model``; either way the model is unchanged.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FileNotFoundError(f"no parameter file at {str(path)!r}") from None
    except UnicodeDecodeError as e:
        raise ValueError(f"{path}: not a glassgrad parameter file (not UTF-8 text: {e})") from None
    values = _check(model.parameters(), _parse(text, path), path)
    for p, x in zip(model.parameters(), values, strict=True):
        p.data = x


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
        raise ValueError(f"{path}: format version {version!r}, but this glassgrad reads version {VERSION}")
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
            raise ValueError(f"{path}: parameter {i} must be a [label, number] pair, got {entry!r}")
        label, x = entry
        if label != p.label:
            raise ValueError(
                f"{path}: parameter {i} is {label!r} in the file but {p.label!r} in the model: "
                "it was saved from a model of another shape"
            )
        if isinstance(x, bool) or not isinstance(x, (int, float)):
            raise ValueError(f"{path}: parameter {label!r} must be a number, got {type(x).__name__} {x!r}")
        try:
            x = float(x)
        except OverflowError:  # an int too large for a float
            x = float("inf")
        if x - x != 0.0:
            raise ValueError(f"{path}: parameter {label!r} is {x!r}, not a finite number")
        values.append(x)
    return values
