"""Vectorised interval arithmetic on int64 nanosecond arrays (no Python loops over rows).

Intervals are half-open ``[start, end)``. Group ids (tunnels, connections) are small
non-negative integers; "sorted by group" means lexicographically by (group, time).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "INF",
    "NEG_INF",
    "count_segments",
    "group_searchsorted",
    "merge_runs",
    "split_at",
    "subtract",
]

#: Sentinels for an interval without a known end or start.
INF = np.iinfo(np.int64).max
NEG_INF = np.iinfo(np.int64).min + 1  # NaT is int64 min; keep clear of it

_I64 = np.int64


def _pieces(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (parent, k) for ``counts[j]`` pieces of each parent ``j``, k = 0..counts[j]-1."""
    counts = np.maximum(counts, 0)
    parent = np.repeat(np.arange(counts.size, dtype=_I64), counts)
    offsets = np.cumsum(counts) - counts
    k = np.arange(parent.size, dtype=_I64) - offsets[parent]
    return parent, k


def subtract(
    start: np.ndarray, end: np.ndarray, ex_start: np.ndarray, ex_end: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Remove disjoint sorted windows ``[ex_start, ex_end)`` from intervals.

    Returns
    -------
    parent, start, end
        The remaining non-empty pieces and the index of the interval each came from, in
        order of parent then time.
    """
    if ex_start.size == 0:
        keep = np.nonzero(end > start)[0]
        return keep.astype(_I64), start[keep], end[keep]
    i0 = np.searchsorted(ex_end, start, side="right")
    i1 = np.searchsorted(ex_start, end, side="left")
    parent, k = _pieces(np.maximum(i1 - i0, 0) + 1)
    n = np.maximum(i1 - i0, 0)[parent]
    first = k == 0
    last = k == n
    idx_prev = np.clip(i0[parent] + k - 1, 0, ex_end.size - 1)
    idx_next = np.clip(i0[parent] + k, 0, ex_start.size - 1)
    s = np.where(first, start[parent], ex_end[idx_prev])
    e = np.where(last, end[parent], ex_start[idx_next])
    s = np.maximum(s, start[parent])
    e = np.minimum(e, end[parent])
    keep = e > s
    return parent[keep], s[keep], e[keep]


def split_at(
    start: np.ndarray, end: np.ndarray, edges: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split intervals at period edges (``edges[0] <= start``, ``end <= edges[-1]``).

    Returns
    -------
    parent, period, start, end
        One piece per (interval, period) overlap.
    """
    b0 = np.searchsorted(edges, start, side="right") - 1
    b1 = np.searchsorted(edges, end, side="left") - 1
    parent, k = _pieces(np.where(end > start, b1 - b0 + 1, 0))
    period = b0[parent] + k
    s = np.maximum(start[parent], edges[period])
    e = np.minimum(end[parent], edges[period + 1])
    return parent, period, s, e


def group_searchsorted(
    group: np.ndarray,
    time: np.ndarray,
    q_group: np.ndarray,
    q_time: np.ndarray,
    side: str = "left",
) -> np.ndarray:
    """Like :func:`numpy.searchsorted` on data sorted by (group, time).

    Returns, for each query, the number of data items lexicographically below it
    (``side="left"``) or at most it (``side="right"``).
    """
    n, m = group.size, q_group.size
    if m == 0:
        return np.empty(0, dtype=_I64)
    g = np.concatenate([group, q_group])
    t = np.concatenate([time, q_time])
    is_query = np.concatenate([np.zeros(n, dtype=np.int8), np.ones(m, dtype=np.int8)])
    # Ties: a "left" query sorts before equal data, a "right" one after it.
    tie = is_query if side == "right" else 1 - is_query
    order = np.lexsort((tie, t, g))
    data_before = np.cumsum(order < n)
    out = np.empty(m, dtype=_I64)
    qpos = np.nonzero(order >= n)[0]
    out[order[qpos] - n] = data_before[qpos]
    return out


def count_segments(
    group: np.ndarray, start: np.ndarray, end: np.ndarray, kind: np.ndarray, n_kinds: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Partition each group's timeline at every interval boundary and count overlaps.

    Parameters
    ----------
    group, start, end, kind : numpy.ndarray
        Non-empty intervals, each of a group and of a kind ``0..n_kinds-1``.
    n_kinds : int
        Number of kinds.

    Returns
    -------
    group, start, end, counts
        Consecutive segments of each group between its first and last boundary, and for
        each the number of intervals of every kind covering it (``counts[:, kind]``).
    """
    g = np.concatenate([group, group])
    t = np.concatenate([start, end])
    k = np.concatenate([kind, kind])
    delta = np.concatenate([np.ones(start.size, _I64), -np.ones(end.size, _I64)])
    order = np.lexsort((t, g))
    g, t, k, delta = g[order], t[order], k[order], delta[order]
    new = np.ones(g.size, dtype=bool)
    new[1:] = (g[1:] != g[:-1]) | (t[1:] != t[:-1])
    boundary = np.cumsum(new) - 1
    nb = int(new.sum())
    deltas = np.zeros((nb, n_kinds), dtype=_I64)
    np.add.at(deltas, (boundary, k), delta)
    # Every group's deltas sum to zero, so one global running sum is per group.
    counts = np.cumsum(deltas, axis=0)
    bg, bt = g[new], t[new]
    seg = np.nonzero(bg[:-1] == bg[1:])[0] if nb > 1 else np.empty(0, dtype=_I64)
    return bg[seg], bt[seg], bt[seg + 1], counts[seg]


def merge_runs(
    group: np.ndarray, start: np.ndarray, end: np.ndarray, mask: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Merge consecutive selected segments of a group that touch into maximal intervals.

    Returns
    -------
    group, start, end
        One interval per maximal run of selected, contiguous segments.
    """
    idx = np.nonzero(mask)[0]
    if idx.size == 0:
        empty = np.empty(0, dtype=_I64)
        return empty, empty, empty
    g, s, e = group[idx], start[idx], end[idx]
    new = np.ones(idx.size, dtype=bool)
    new[1:] = (g[1:] != g[:-1]) | (s[1:] != e[:-1])
    last = np.ones(idx.size, dtype=bool)
    last[:-1] = new[1:]
    return g[new], s[new], e[last]
