"""Give memory that a finished step freed back to the operating system.

Reading many files leaves holes: the arrays of a parsed chunk are freed while the compact
parts before and after it stay. glibc's allocator keeps such pages mapped (per thread
arena) and Arrow's pool keeps its own, so the resident size stays at its high-water mark
although the memory is free, and later steps add to it instead of reusing it. Returning
the free pages between steps keeps the peak close to what is actually alive. Dask's
workers trim the same way.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from collections.abc import Callable
from functools import cache

import pyarrow as pa

__all__ = ["release_free_memory"]


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    """Return glibc's ``malloc_trim``, or ``None`` where the C library has none (macOS, musl)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


def release_free_memory() -> None:
    """Return freed heap pages to the OS (glibc ``malloc_trim``, Arrow's pool).

    Only memory that is already free is given back; nothing alive moves. Where the
    C library offers no trim, only Arrow's pool is asked.
    """
    pa.default_memory_pool().release_unused()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
