"""Stop the backward pass at a node you choose, and look around in pdb.

``backward_with_breakpoint(loss, "h")`` does what ``loss.backward()`` does,
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

A contribution is summed into the parent's gradient, which lands in
``parent.grad`` when the walk reaches the parent (its own step).
"""

# The loop below is one line on purpose (see there), and pdb reads its names:
# ruff: noqa: E701, B007

from __future__ import annotations

from collections.abc import Iterator

import autograd.ops  # binds `autograd` here, so `break autograd.ops.mul_backward` works in pdb
from autograd.backward import backward_steps
from autograd.graph import topological_order
from autograd.value import Value

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
            f"breakpoint_at={label!r}: no node of this graph has that label; "
            f"its labels are {', '.join(map(repr, known)) or '(none: set .label on a node)'}"
        )
    steps = _walk(root, label, gradient)
    # One line per node, on purpose: pdb's `n` then moves on by exactly one node.
    for node, upstream, contributions, stop_here in steps: breakpoint() if stop_here else None


Contributions = tuple[tuple[Value, float, float], ...]


def _walk(root: Value, label: str, gradient: float) -> Iterator[tuple[Value, float, Contributions, bool]]:
    """``backward_steps`` as plain names, and whether to stop at each node."""
    for step in backward_steps(root, gradient):
        yield step.node, step.upstream, step.contributions, step.node.label == label
