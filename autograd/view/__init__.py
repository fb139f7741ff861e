"""Ways to see the engine at work: pictures, the chain rule as text, a stepper, a debugger, a CLI.

``drawing`` (``draw_graph``, ``render``), ``explanation`` (``explain``),
``stepper`` (``render_steps``, a web page), ``debug`` (``backward(breakpoint_at=...)``),
``expr`` (the formula parser that the ``glassgrad`` command, in ``glassgrad/``, uses), ``shown``
(one snapshot of a graph that every view reads) and ``files`` (atomic writes).

Nothing here is imported by ``import autograd``: the views load on first use
(graphviz alone is about 30 modules), and their public names are importable
from ``autograd`` itself.
"""

from autograd.view.explanation import error_term
from autograd.view.files import write_atomically

__all__ = ["error_term", "write_atomically"]
