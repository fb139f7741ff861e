"""For every test, doctests included: the op table is as it was once the test ends.

``define_op`` adds to ``autograd.OPS``, the one table every part reads; a
doctest that defines ``cube`` or ``sin`` would otherwise leave it there, and
tests that draw random graphs from the table (or count its ops) would pass or
fail with the order the tests happen to run in.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.checks import ops_restored


@pytest.fixture(autouse=True)
def _op_table_as_it_was() -> Iterator[None]:
    with ops_restored():
        yield
