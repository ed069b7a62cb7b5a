r"""Skeletons and token spans of distinct messages in one pass over their bytes.

The catalogue groups messages by skeleton (:data:`..catalog.SKELETON_PATTERN`: gateway
and connection ids, hex values and numbers made ``#``, ``Phase 1``/``Phase 2`` shielded
as ``Phase_1``/``Phase_2``) and computes a template once per group (DESIGN.md section
2: cost by template). A regex pass costs per match, and rekey traffic carries its
parameters anywhere in the message; this module finds the same tokens in one pass over
the messages' data buffer, whatever their place: compiled (:mod:`._kernels`) where numba
is installed (the ``fast`` extra), else in numpy passes (:mod:`._tokens_numpy`).

Every alternative of the skeleton pattern starts at a word boundary and ends at one
(RE2's ``\b`` and ``\d`` are ASCII), so a token is made of whole runs of ASCII word
characters (``[0-9A-Za-z_]``, a "word"):

- a word of digits (``D``) -- except a single digit after the word ``Phase`` and one
  space, which the shield keeps (its space becomes ``_`` in the skeleton);
- a word ``0x`` + one or more hex digits (``X``);
- the word ``cgw`` or ``vpn``, ``-``, and a word of hex digits (``C``, ``V``): one
  token across the three.

``tests/test_skeleton_tokens.py`` checks the skeletons against the regex pass over
fuzzed messages.
"""

from __future__ import annotations

import importlib.util
import logging
import os
from dataclasses import dataclass
from functools import cache

import numpy as np
import pyarrow as pa

from ..errors import OptionError
from .decode import value_bytes

log = logging.getLogger(__name__)

__all__ = ["KIND_CGW", "KIND_DIGITS", "KIND_HEX", "KIND_VPN", "Tokens", "compiled", "tokenise"]

#: Environment variable that chooses the loader's kernels: ``numpy`` (never compile),
#: ``compiled`` (numba; an error without it) or unset (numba where installed).
KERNELS_ENV = "VPNLOG_KERNELS"


@cache
def _numba_installed() -> bool:
    return importlib.util.find_spec("numba") is not None


@cache
def _kernels_failure() -> str | None:
    """Why the compiled kernels cannot be loaded (None: they can).

    numba refuses to define a cached function where it can write no cache: an
    installation that is read-only, for a user whose home is read-only too (a container,
    a Lambda function) and no ``NUMBA_CACHE_DIR``. The loader then takes its numpy passes.
    """
    try:
        from . import _kernels  # noqa: F401
    except Exception as exc:  # numba's RuntimeError, or a broken numba/llvmlite install
        return f"{type(exc).__name__}: {exc}"
    return None


def compiled() -> bool:
    """Whether the loader runs its compiled kernels (numba, the ``fast`` extra).

    Without numba the same table comes from numpy and Arrow passes, 1.2-1.5x slower on
    logs whose parameters sit mid-message; numba costs a process that loads it about 120
    MB and 0.5 s, so it is an extra for large estates. ``VPNLOG_KERNELS`` set to
    ``numpy`` or ``compiled`` chooses; where the kernels cannot load (numba can write its
    cache nowhere), the numpy passes run unless ``compiled`` was asked for.
    """
    choice = os.environ.get(KERNELS_ENV, "").strip().lower()
    if choice not in ("", "numpy", "compiled"):
        raise OptionError(f"{KERNELS_ENV}={choice!r}: use 'numpy' or 'compiled', or unset it")
    if choice == "numpy":
        return False
    if not _numba_installed():
        if choice == "compiled":
            raise OptionError(
                f"{KERNELS_ENV}=compiled needs numba: pip install 'vpnlog-analytics[fast]'"
            )
        return False
    failure = _kernels_failure()
    if failure is not None:
        if choice == "compiled":
            raise OptionError(f"{KERNELS_ENV}=compiled: the kernels do not load ({failure})")
        log.info("the loader's compiled kernels do not load, numpy passes instead: %s", failure)
        return False
    return True


#: Token kinds (see the module docstring).
KIND_DIGITS, KIND_HEX, KIND_CGW, KIND_VPN = 1, 2, 3, 4


@dataclass
class Tokens:
    """Skeletons of messages and where their tokens are.

    Attributes
    ----------
    skeletons : pyarrow.StringArray
        Per message, its skeleton (what the regex pass gives).
    offsets : numpy.ndarray
        ``len(messages) + 1`` positions into the token arrays: message ``i`` holds tokens
        ``offsets[i]:offsets[i + 1]``, in order.
    start, stop : numpy.ndarray
        Per token, its byte positions within its message.
    kind : numpy.ndarray
        Per token, its kind (``KIND_*``).
    """

    skeletons: pa.Array
    offsets: np.ndarray
    start: np.ndarray
    stop: np.ndarray
    kind: np.ndarray


def tokenise(messages: pa.Array) -> Tokens:
    """Skeletons and token spans of messages (no nulls), without a regex.

    Parameters
    ----------
    messages : pyarrow.StringArray
        Distinct messages, no nulls.

    Returns
    -------
    Tokens
        The skeleton of each message (equal to the regex pass of ``catalog``), and each
        token's span and kind.
    """
    if not compiled():
        from . import _tokens_numpy

        return _tokens_numpy.tokenise(messages)
    from ._kernels import scan

    data, offs = value_bytes(messages)
    out, skel_offs, t_offs, start, stop, kind = scan(data, offs)
    skeletons = pa.Array.from_buffers(
        pa.string(),
        len(messages),
        [None, pa.py_buffer(skel_offs.astype(np.int32)), pa.py_buffer(out)],
    )
    return Tokens(skeletons=skeletons, offsets=t_offs, start=start, stop=stop, kind=kind)
