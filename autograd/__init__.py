"""glassgrad's engine: scalar reverse-mode automatic differentiation you can see through.

    >>> from autograd import Value
    >>> x = Value(2.0, label="x")
    >>> y = (x * x).tanh()
    >>> y.backward()
    >>> round(x.grad, 6)
    0.005364
"""

from typing import TYPE_CHECKING, Any

from autograd.backward import Step, backward_steps, grad
from autograd.check import gradcheck
from autograd.compiler import compile_graph
from autograd.define import define_op
from autograd.forward import Dual, forward_steps, hessian, jacobian, jvp
from autograd.graph import topological_order
from autograd.inputs import to_float
from autograd.ops import OPS, Op
from autograd.value import Constant, Value, apply, linear, logsumexp, no_grad

compile = compile_graph  # use it as autograd.compile; not in __all__, where it would hide the built-in

if TYPE_CHECKING:
    from autograd.view.debug import backward_with_breakpoint
    from autograd.view.drawing import draw_graph, render
    from autograd.view.explanation import explain
    from autograd.view.stepper import render_steps

# The views load on first use: the engine needs none of them, and pictures need
# the graphviz package (about 30 modules), so `import autograd` stays quick.
_VIEWS = {
    "backward_with_breakpoint": "debug",
    "draw_graph": "drawing",
    "render": "drawing",
    "explain": "explanation",
    "render_steps": "stepper",
}


def __getattr__(name: str) -> Any:
    if name in _VIEWS:
        import importlib

        return getattr(importlib.import_module(f"autograd.view.{_VIEWS[name]}"), name)
    raise AttributeError(f"module 'autograd' has no attribute {name!r}")

__all__ = [
    "OPS",
    "Constant",
    "Dual",
    "Op",
    "Step",
    "Value",
    "apply",
    "backward_steps",
    "backward_with_breakpoint",
    "define_op",
    "draw_graph",
    "explain",
    "forward_steps",
    "grad",
    "gradcheck",
    "hessian",
    "jacobian",
    "jvp",
    "linear",
    "logsumexp",
    "no_grad",
    "render",
    "render_steps",
    "to_float",
    "topological_order",
]
