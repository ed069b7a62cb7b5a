"""Vectorised interval arithmetic on int64 nanosecond arrays (no Python loops over rows).

The one interval algebra of the package: :func:`union`, :func:`intersect` and
:func:`subtract` over sets of intervals, :func:`split_at` period edges, and the per-group
helpers (:func:`group_searchsorted`, :func:`count_segments`, :func:`merge_runs`).

Intervals are half-open ``[start, end)``. A "set" of intervals is sorted by start and
disjoint (what :func:`union` returns). Group ids (tunnels, connections) are small
non-negative integers; "sorted by group" means lexicographically by (group, time).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "INF",
    "NEG_INF",
    "count_segments",
    "group_latest",
    "group_searchsorted",
    "intersect",
    "merge_runs",
    "split_at",
    "subtract",
    "union",
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


def union(start: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Merge intervals in any order that overlap or touch into a sorted disjoint set.

    Returns
    -------
    start, end
        One interval per maximal run, sorted by start (ties keep their order).
    """
    start = np.asarray(start, dtype=_I64)
    end = np.asarray(end, dtype=_I64)
    if start.size == 0:
        return np.empty(0, dtype=_I64), np.empty(0, dtype=_I64)
    order = np.argsort(start, kind="stable")
    a, b = start[order], end[order]
    # A run goes on while the next start is at most the furthest end so far.
    new = np.ones(a.size, dtype=bool)
    new[1:] = a[1:] > np.maximum.accumulate(b)[:-1]
    first = np.nonzero(new)[0]
    return a[first], np.maximum.reduceat(b, first)


def intersect(
    start: np.ndarray, end: np.ndarray, other_start: np.ndarray, other_end: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the pieces of intervals covered by a sorted disjoint set ``[other_start, other_end)``.

    Returns
    -------
    parent, start, end
        One non-empty piece per overlap, with the index of the interval it came from, in
        order of parent then time.
    """
    i0 = np.searchsorted(other_end, start, side="right")
    i1 = np.searchsorted(other_start, end, side="left")
    parent, k = _pieces(i1 - i0)
    j = i0[parent] + k
    s = np.maximum(start[parent], other_start[j])
    e = np.minimum(end[parent], other_end[j])
    keep = e > s
    return parent[keep], s[keep], e[keep]


def subtract(
    start: np.ndarray, end: np.ndarray, ex_start: np.ndarray, ex_end: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Remove a sorted disjoint set of windows ``[ex_start, ex_end)`` from intervals.

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


def group_latest(
    group: np.ndarray, time: np.ndarray, q_group: np.ndarray, q_time: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Find each query's latest item of its own group at or before its time.

    Data sorted by (group, time), as for :func:`group_searchsorted`.

    Returns
    -------
    index, found
        The item's index (0 where there is none) and whether there is one.
    """
    j = group_searchsorted(group, time, q_group, q_time, side="right") - 1
    found = j >= 0
    found[found] = group[j[found]] == q_group[found]
    return np.maximum(j, 0), found


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
