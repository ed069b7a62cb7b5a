"""Run a loader test under each of its kernels: numpy passes, and numba's compiled ones.

The loader gives the same results either way (``io.skeleton.compiled``); tests that check
its byte-level passes take ``mode`` from :data:`MODES` and run inside ``using(mode)``.
Without numba installed the compiled mode is skipped.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

import pytest

from vpnlog_analytics.io.skeleton import KERNELS_ENV

MODES = [
    "numpy",
    pytest.param(
        "compiled",
        marks=pytest.mark.skipif(
            importlib.util.find_spec("numba") is None, reason="numba (the fast extra) missing"
        ),
    ),
]


@contextmanager
def using(mode: str) -> Iterator[None]:
    """Let the loader run its ``mode`` kernels inside the block."""
    with mock.patch.dict(os.environ, {KERNELS_ENV: mode}):
        yield
