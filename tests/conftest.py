"""Shared test set-up: Hypothesis settings, the ``torch`` fixture and the ``define`` fixture.

PyTorch is a test-only dependency used to cross-check glassgrad. Outside CI a
missing torch skips those tests with a reason (``pytest -ra`` lists it); in CI
(``CI=true``) it fails them, so a broken install can never pass as green. A run
that leaves torch out on purpose sets ``GLASSGRAD_WITHOUT_TORCH`` to the reason
(CI's runs on the oldest and newest Python, which have no torch wheel here):
then they are skipped with that reason.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from types import ModuleType

import pytest
from hypothesis import HealthCheck, settings

from tests.checks import Define, ops_restored

# No deadline: a slow example on a busy 2-core runner is not a failure (no timed tests).
settings.register_profile(
    "glassgrad",
    max_examples=100,
    deadline=None,
    print_blob=True,  # a failure prints the @reproduce_failure line that replays it
    suppress_health_check=[HealthCheck.too_slow],
)
# `HYPOTHESIS_PROFILE=thorough pytest` for a longer hunt before a release.
settings.register_profile("thorough", settings.get_profile("glassgrad"), max_examples=2000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "glassgrad"))


def in_ci() -> bool:
    """True when the environment says this is a CI run (``CI=true``, as CI services set it)."""
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


@pytest.fixture(scope="session")
def torch() -> ModuleType:
    """The ``torch`` module (tests pass ``dtype=torch.float64`` themselves: no global changes)."""
    try:
        import torch
    except ImportError as error:
        message = (
            f"PyTorch is needed for the cross-checks against PyTorch ({error}); pip install torch==2.13.0"
        )
        without = os.environ.get("GLASSGRAD_WITHOUT_TORCH", "")
        if without:  # a run that leaves torch out on purpose, and says why (.ci/run's other Pythons)
            pytest.skip(f"this run has no PyTorch on purpose: {without}")
        if in_ci():
            pytest.fail(f"CI=true but {message}", pytrace=False)
        pytest.skip(message)
    return torch



@pytest.fixture
def define() -> Iterator[Define]:
    """``autograd.define_op`` for one test: the table is as it was once the test ends (``ops_restored``)."""
    with ops_restored() as defining:
        yield defining
