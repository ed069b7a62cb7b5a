"""The explorer's date range: the steps its slider snaps to, and snapping a time to them."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..errors import OptionError
from ..options import TimeLike, default_window, to_utc

__all__ = ["default_steps", "snap", "snap_window", "step_label", "window_steps"]


def window_steps(lo: pd.Timestamp, hi: pd.Timestamp) -> list[pd.Timestamp]:
    """Return the steps of the date-range control: 15 min up to 3 days, hours, then days.

    The steps cover ``[lo, hi)`` widened outward to whole steps (the default window of
    :mod:`vpnlog_analytics.options`, aligned to the slider).
    """
    span = hi - lo
    step = "15min" if span <= pd.Timedelta("3D") else "1h" if span <= pd.Timedelta("93D") else "1D"
    start = lo.floor(step)
    stop = hi.ceil(step)
    if stop <= start:
        stop = start + pd.Timedelta(step)
    return list(pd.date_range(start, stop, freq=step))


def default_steps(times: pd.Series) -> list[pd.Timestamp]:
    """Return the slider steps of a table's default window (its span, see ``options``)."""
    window = default_window(times)
    if window is None:
        raise OptionError("the table has no times: nothing to explore")
    return window_steps(*window)


def step_label(t: pd.Timestamp, steps: Sequence[pd.Timestamp]) -> str:
    """Return the text of a step: the date for daily steps, else date and time."""
    daily = len(steps) > 1 and steps[1] - steps[0] >= pd.Timedelta("1D")
    return f"{t:%Y-%m-%d}" if daily else f"{t:%Y-%m-%d %H:%M}"


def snap(steps: Sequence[pd.Timestamp], value: TimeLike, default: pd.Timestamp) -> pd.Timestamp:
    """Return the step nearest to ``value`` (``default`` for None); text is UTC."""
    if value is None:
        return default
    t = to_utc(value)
    idx = int(np.argmin([abs((x - t).value) for x in steps]))
    return steps[idx]


def snap_window(steps: Sequence[pd.Timestamp], start: TimeLike, end: TimeLike) -> tuple[int, int]:
    """Return the slider indices of ``[start, end)`` snapped to the steps (None: the ends).

    Raises
    ------
    OptionError
        The snapped end is not after the snapped start.
    """
    lo = snap(steps, start, steps[0])
    hi = snap(steps, end, steps[-1])
    if not hi > lo:
        raise OptionError(f"end ({hi}) must be after start ({lo})")
    return list(steps).index(lo), list(steps).index(hi)
