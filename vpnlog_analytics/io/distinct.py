"""Number values by their bytes in order of first appearance: hashes, or Arrow's encoding.

The loader finds repeats (record bodies, message skeletons) by dictionary encoding. Where
the compiled kernels run (:func:`.skeleton.compiled`), the values are hashed where they
lie (64 bits, eight bytes a step), numbered through an open-addressing table, and every
repeat is compared byte for byte with the first value of its number: no hash table of
copied strings is built. Two different values of one hash (the comparison finds them)
send the values to Arrow's ``dictionary_encode``. Either way the codes count up in order
of first appearance, and the distinct values are the first of each code, so both give
the same numbers.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .decode import value_bytes
from .skeleton import compiled

__all__ = ["encode", "number_ranges"]


def number_ranges(
    data: np.ndarray, starts: np.ndarray, stops: np.ndarray
) -> tuple[np.ndarray, np.ndarray] | None:
    """Give the byte ranges ``data[starts[i]:stops[i]]`` codes by content (compiled kernels).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray) or None
        Per range its code (int64, counting up in order of first appearance) and per
        code the index of its first range; None where two different ranges share a hash.
    """
    from ._kernels import first_seen, hash_ranges, same_ranges

    codes, firsts = first_seen(hash_ranges(data, starts, stops))
    if not same_ranges(data, starts, stops, codes, firsts):
        return None
    return codes, firsts


def encode(values: pa.Array) -> tuple[np.ndarray, pa.Array]:
    """Dictionary-encode an array without nulls: codes (int64) and the distinct values.

    The codes count up in order of first appearance, as ``pyarrow.compute.
    dictionary_encode`` numbers them, and the distinct values come in that order.
    """
    typ = values.type
    flat = pa.types.is_binary(typ) or pa.types.is_string(typ)
    large = pa.types.is_large_binary(typ) or pa.types.is_large_string(typ)
    if (flat or large) and values.null_count == 0 and compiled():
        data, offs = value_bytes(values)
        numbered = number_ranges(data, offs[:-1], offs[1:])
        if numbered is not None:
            codes, firsts = numbered
            return codes, values.take(pa.array(firsts))
    enc = pc.dictionary_encode(values)
    return np.asarray(enc.indices.to_numpy(zero_copy_only=False), np.int64), enc.dictionary
