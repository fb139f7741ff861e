"""Ways to see the engine at work: pictures, the chain rule as text, a stepper, a debugger.

``drawing`` (``draw_graph``, ``render``), ``explanation`` (``explain``),
``stepper`` (``render_steps``, a web page), ``debug`` (``backward_with_breakpoint``),
``expr`` (the formula parser that the ``glassgrad`` command, in ``glassgrad/``, uses), ``shown``
(one snapshot of a graph that every view reads) and ``files`` (atomic writes).

Nothing here is imported by ``import autograd``: the views load on first use
(graphviz alone is about 30 modules), and their public names are importable
from ``autograd`` itself.
"""

from typing import Any

from autograd.view.explanation import error_term
from autograd.view.files import write_atomically


def __getattr__(name: str) -> Any:
    """``to_svg`` loads the drawing view (and graphviz) on first use, as ``autograd.draw_graph`` does."""
    if name == "to_svg":
        from autograd.view.drawing import to_svg

        return to_svg
    raise AttributeError(f"module 'autograd.view' has no attribute {name!r}")


__all__ = ["error_term", "to_svg", "write_atomically"]
