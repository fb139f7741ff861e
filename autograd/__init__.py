"""glassgrad's engine: scalar reverse-mode automatic differentiation you can see through.

    >>> from autograd import Value
    >>> x = Value(2.0, label="x")
    >>> y = (x * x).tanh()
    >>> y.backward()
    >>> round(x.grad, 6)
    0.005364
"""

from autograd.backward import Step, backward_steps, grad
from autograd.check import gradcheck
from autograd.drawing import draw_graph, render
from autograd.explanation import explain
from autograd.graph import topological_order
from autograd.ops import OPS, Op
from autograd.stepper import render_steps
from autograd.value import Value, apply, linear, no_grad

__all__ = [
    "OPS",
    "Op",
    "Step",
    "Value",
    "apply",
    "backward_steps",
    "draw_graph",
    "explain",
    "grad",
    "gradcheck",
    "linear",
    "no_grad",
    "render",
    "render_steps",
    "topological_order",
]
