"""Fail early, in one line, when the ``autograd`` that Python imports is not glassgrad's engine.

glassgrad's engine is the package ``autograd``. So is the older HIPS autograd
on PyPI, and pip installs both into the same ``site-packages/autograd``
folder, where the one installed last owns ``__init__.py`` (and uninstalling
either takes that file away). Then ``from autograd import Value`` fails with a
bare ImportError. ``nn`` imports this module before anything else, so it says
what happened and what to do instead.
"""

import autograd

if "Value" not in vars(autograd):  # not hasattr: mypy knows glassgrad's autograd has it
    _where = getattr(autograd, "__file__", None) or ", ".join(getattr(autograd, "__path__", [])) or "?"
    raise ImportError(
        f"the `autograd` package Python found ({_where}) is not glassgrad's engine (it has no Value; "
        "HIPS autograd also installs as `autograd`, into the same folder): install glassgrad in a "
        "separate virtual environment (python3 -m venv .venv && . .venv/bin/activate && "
        "pip install glassgrad, or pip install . in a checkout of glassgrad)"
    )
