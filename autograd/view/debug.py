"""Stop the backward pass at a node you choose, and look around in pdb.

``autograd.backward_with_breakpoint(loss, "h")`` does what ``loss.backward()`` does,
but when the walk reaches the node labelled ``h`` it opens the debugger
(``breakpoint()``, so ``PYTHONBREAKPOINT`` picks which one) in the small loop
below, where three names tell the whole step:

* ``node``: the Value whose gradient is now final;
* ``upstream``: that gradient, d loss / d node;
* ``contributions``: one ``(parent, local, contribution)`` per parent, where
  ``local`` is d node / d parent and ``contribution = upstream × local`` is
  this node's share of the parent's gradient.

Then pdb's own commands work: ``p upstream``, ``p contributions``, ``n`` to
walk on to the next node, ``c`` to finish the backward pass. From there,
``break autograd.ops.mul_backward`` stops in the derivative rule itself.

The stop is in this file, not in your code, so your own names (``net``,
``loss``) are one or two frames up. A two-line banner says so at the stop::

    backward paused at 'n', upstream = ∂o/∂n = 0.501 (its gradient, now final)
    p node / upstream / contributions to look; n next node; c continue; up to reach your own code

A contribution is summed into the parent's gradient, which lands in
``parent.grad`` when the walk reaches the parent (its own step).
"""

# The loop below is one line on purpose (see there), and pdb reads its names:
# ruff: noqa: E701, B007

from __future__ import annotations

import bdb
import inspect
import os
import pdb
import sys
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

import autograd.ops  # binds `autograd` here, so `break autograd.ops.mul_backward` works in pdb
from autograd.backward import backward_steps
from autograd.graph import topological_order
from autograd.text import name, number, wrt
from autograd.value import Value
from autograd.view.explanation import root_symbol

__all__ = ["autograd", "backward_with_breakpoint"]


def backward_with_breakpoint(root: Value, label: str, gradient: float = 1.0) -> None:
    """``root.backward(gradient)``, opening the debugger at each node labelled ``label``.

    The gradients it leaves are exactly those of ``backward()``. An unknown
    label is a ``ValueError`` that lists the labels the graph has, raised
    before any gradient changes.
    """
    order = topological_order(root)
    if not any(node.label == label for node in order):
        known = sorted({node.label for node in order if node.label})
        raise ValueError(
            f"backward_with_breakpoint(..., {label!r}): no node of this graph has that label; "
            f"its labels are {', '.join(map(repr, known)) or '(none: set .label on a node)'}"
        )
    steps = _walk(root, label, gradient, _ups_to_caller())
    # One line per node, on purpose: pdb's `n` then moves on by exactly one node.
    for node, upstream, contributions, stop_here in steps: _pause(sys._getframe()) if stop_here else None


def _pause(frame: FrameType) -> None:
    """``breakpoint()`` for the loop above: pdb stops in ``frame`` at its next line, the loop's next turn.

    Python 3.13's ``breakpoint()`` stops on its own line instead, where ``n`` would first
    finish the turn it is in, so pdb is started here the way it was before 3.13, on every
    Python. A debugger of your own (``PYTHONBREAKPOINT``) gets ``breakpoint()`` itself.
    """
    if os.environ.get("PYTHONBREAKPOINT") or sys.breakpointhook is not sys.__breakpointhook__:
        return breakpoint()  # "0": no stop at all
    _Pdb().set_trace(frame)


class _Pdb(pdb.Pdb):
    """pdb, whose ``set_trace`` stops at the next line (before 3.13) rather than the next instruction."""

    def set_stepinstr(self) -> None:
        self.set_step()


Contributions = tuple[tuple[Value, float, float], ...]


def _walk(
    root: Value, label: str, gradient: float, ups: int
) -> Iterator[tuple[Value, float, Contributions, bool]]:
    """``backward_steps`` as plain names, and whether to stop at each node (after the banner).

    After a stop, while pdb steps on (``n``), each node it reaches is named by the banner's first line.
    """
    for step in backward_steps(root, gradient):
        stop_here = step.node.label == label
        if stop_here and os.environ.get("PYTHONBREAKPOINT") != "0":  # "0": breakpoint() does nothing
            print(banner(root, step.node, step.upstream, ups))
        elif isinstance(getattr(sys.gettrace(), "__self__", None), bdb.Bdb):  # pdb is stepping
            print(banner(root, step.node, step.upstream, ups).splitlines()[0])
        yield step.node, step.upstream, step.contributions, stop_here


def banner(root: Value, node: Value, upstream: float, ups: int = 1) -> str:
    """The two lines printed at a stop: where the walk is, and what to type.

    >>> from autograd import Value
    >>> x = Value(3.0, label="x")
    >>> y = x * x
    >>> y.label = "y"
    >>> print(banner(y, x, 6.0))
    backward paused at 'x', upstream = ∂y/∂x = 6 (its gradient, now final)
    p node / upstream / contributions to look; n next node; c continue; up to reach your own code
    """
    up = "up" if ups == 1 else f"up {ups}"
    return (
        f"backward paused at {name(node)!r}, upstream = ∂{root_symbol(root)}/∂{wrt(name(node))} = "
        f"{number(upstream)} (its gradient, now final)\n"
        f"p node / upstream / contributions to look; n next node; c continue; {up} to reach your own code"
    )


def _ups_to_caller() -> int:
    """How many pdb ``up`` commands lead from the stop to the first frame outside ``autograd/``.

    1 when your code called ``backward_with_breakpoint`` itself.
    """
    package = Path(__file__).resolve().parent.parent  # autograd/, the views' folder included
    frame = inspect.currentframe()
    frame = frame.f_back.f_back if frame and frame.f_back else None  # skip this and backward_with_breakpoint
    ups = 1
    while frame is not None and Path(frame.f_code.co_filename).resolve().is_relative_to(package):
        ups += 1
        frame = frame.f_back
    return ups
