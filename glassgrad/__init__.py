"""The ``glassgrad`` command: an app on top of the engine (``autograd``), its views and ``nn``.

``glassgrad/cli.py`` is all of it; ``python -m glassgrad`` runs it as the
``glassgrad`` command does.
"""
