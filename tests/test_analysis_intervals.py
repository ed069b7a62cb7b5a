"""The one interval algebra (``analysis/_intervals.py``): union, intersect, subtract.

Hand-derived cases first; then properties on random small interval sets: each result
covers exactly the points set algebra says, in non-empty pieces, and equals what the loops
it replaced (in ``sources``, ``reconcile`` and ``_sourced``) returned.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from vpnlog_analytics.analysis._intervals import intersect, subtract, union

I64 = np.int64


def _arrays(pairs: list[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    arr = np.asarray(pairs, dtype=I64).reshape(-1, 2)
    return arr[:, 0], arr[:, 1]


def _pairs(start: np.ndarray, end: np.ndarray) -> list[tuple[int, int]]:
    return list(zip(start.tolist(), end.tolist(), strict=True))


# --- hand-derived ---------------------------------------------------------------------------


def test_union_merges_overlapping_and_touching_intervals() -> None:
    # sorted: (1,3) (2,4) (4,4) (5,7) (7,8) (9,10): 1-4 overlap and touch, 5-8 touch.
    a, b = _arrays([(5, 7), (1, 3), (2, 4), (4, 4), (9, 10), (7, 8)])
    assert _pairs(*union(a, b)) == [(1, 4), (5, 8), (9, 10)]


def test_union_of_nothing_is_empty() -> None:
    a, b = union(np.empty(0, I64), np.empty(0, I64))
    assert a.size == b.size == 0 and a.dtype == b.dtype == I64


def test_intersect_gives_one_piece_per_overlap() -> None:
    a, b = _arrays([(0, 10), (12, 20), (25, 30)])
    oa, ob = _arrays([(2, 4), (8, 14), (18, 26)])
    parent, s, e = intersect(a, b, oa, ob)
    assert parent.tolist() == [0, 0, 1, 1, 2]
    assert _pairs(s, e) == [(2, 4), (8, 10), (12, 14), (18, 20), (25, 26)]


def test_intersect_leaves_out_touching_and_uncovered() -> None:
    a, b = _arrays([(0, 5), (5, 8), (30, 40)])
    oa, ob = _arrays([(5, 6), (10, 20)])
    parent, s, e = intersect(a, b, oa, ob)
    assert parent.tolist() == [1] and _pairs(s, e) == [(5, 6)]


def test_subtract_cuts_windows_out() -> None:
    a, b = _arrays([(0, 10), (12, 20)])
    wa, wb = _arrays([(2, 4), (8, 14)])
    parent, s, e = subtract(a, b, wa, wb)
    assert parent.tolist() == [0, 0, 1]
    assert _pairs(s, e) == [(0, 2), (4, 8), (14, 20)]


def test_subtract_of_touching_windows_after_union() -> None:
    a, b = _arrays([(0, 10)])
    parent, s, e = subtract(a, b, *union(*_arrays([(5, 7), (3, 5)])))
    assert parent.tolist() == [0, 0] and _pairs(s, e) == [(0, 3), (7, 10)]


def test_subtract_nothing_drops_only_empty_intervals() -> None:
    a, b = _arrays([(3, 9), (4, 4), (1, 2)])
    parent, s, e = subtract(a, b, np.empty(0, I64), np.empty(0, I64))
    assert parent.tolist() == [0, 2] and _pairs(s, e) == [(3, 9), (1, 2)]


# --- properties -----------------------------------------------------------------------------

GRID = 40
interval = st.tuples(st.integers(0, GRID), st.integers(0, GRID)).map(lambda p: (min(p), max(p)))
intervals = st.lists(interval, max_size=8)


def _points(pairs: list[tuple[int, int]]) -> set[int]:
    return {t for a, b in pairs for t in range(a, b)}


def _disjoint_set(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    return _pairs(*union(*_arrays(pairs)))


def _union_loop(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The merge loop ``_sourced`` held twice (maintenance windows, metric intervals)."""
    merged: list[list[int]] = []
    for x, y in sorted(pairs, key=lambda p: p[0]):
        if merged and x <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], y)
        else:
            merged.append([x, y])
    return [(a, b) for a, b in merged]


def _intersect_loop(xs: list[tuple[int, int]], ys: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The two-pointer sweep ``sources._intersect`` was."""
    out, i, j = [], 0, 0
    xs, ys = sorted(xs), sorted(ys)
    while i < len(xs) and j < len(ys):
        a, b = max(xs[i][0], ys[j][0]), min(xs[i][1], ys[j][1])
        if b > a:
            out.append((a, b))
        if xs[i][1] < ys[j][1]:
            i += 1
        else:
            j += 1
    return out


def _subtract_loop(
    pairs: list[tuple[int, int]], cuts: list[tuple[int, int]]
) -> list[tuple[int, int]]:
    """The cut-one-window-at-a-time loop ``reconcile._subtract`` was."""
    pieces = list(pairs)
    for c, d in cuts:
        pieces = [
            piece
            for p, q in pieces
            for piece in (((p, q),) if d <= p or c >= q else ((p, c), (d, q)))
            if piece[1] > piece[0]
        ]
    return pieces


@settings(max_examples=300, deadline=None)
@given(intervals)
def test_union_is_the_covered_points_in_sorted_disjoint_runs(pairs: list[tuple[int, int]]) -> None:
    got = _pairs(*union(*_arrays(pairs)))
    assert _points(got) == _points(pairs)
    assert all(b1 < a2 for (_, b1), (a2, _) in zip(got, got[1:], strict=False))
    assert got == _union_loop(pairs)


@settings(max_examples=300, deadline=None)
@given(intervals, intervals)
def test_intersect_is_the_common_points(
    xs: list[tuple[int, int]], ys: list[tuple[int, int]]
) -> None:
    a = _disjoint_set(xs)
    b = _disjoint_set(ys)
    parent, s, e = intersect(*_arrays(a), *_arrays(b))
    got = _pairs(s, e)
    assert _points(got) == _points(a) & _points(b)
    assert all(q > p for p, q in got)
    assert all(
        a[k][0] <= p and q <= a[k][1] for k, (p, q) in zip(parent.tolist(), got, strict=True)
    )
    assert got == _intersect_loop(a, b)


@settings(max_examples=300, deadline=None)
@given(intervals, intervals)
def test_subtract_is_the_points_left(
    xs: list[tuple[int, int]], cuts: list[tuple[int, int]]
) -> None:
    a = [(p, q) for p, q in xs if q > p]
    parent, s, e = subtract(*_arrays(a), *union(*_arrays(cuts)))
    got = _pairs(s, e)
    for k, piece in zip(parent.tolist(), got, strict=True):
        assert a[k][0] <= piece[0] < piece[1] <= a[k][1]
    for k, original in enumerate(a):
        mine = [piece for j, piece in zip(parent.tolist(), got, strict=True) if j == k]
        assert _points(mine) == _points([original]) - _points(cuts)
    # As the loop that cut one window at a time (an empty window splits in both).
    assert got == _subtract_loop(a, cuts)
