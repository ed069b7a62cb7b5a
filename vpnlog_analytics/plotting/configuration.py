"""Observed rekey intervals per tunnel against the window the configured options give."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

import numpy as np
import pandas as pd

from .. import schema as s
from ..errors import OptionError
from ._style import OTHER_COLOR, PALETTE, new_axes

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["plot_rekey_intervals"]

#: Who started the rekey: colour and marker (Okabe-Ito; shapes differ too).
_INITIATORS: Final = {
    "aws": ("AWS started", PALETTE[0], "o"),
    "cgw": ("customer gateway started", PALETTE[1], "s"),
    "both": ("both at once (collision)", PALETTE[2], "x"),
}
_NEEDED: Final = (s.VPN_CONNECTION_ID, s.TUNNEL_IP, "initiator", "interval_s")


def plot_rekey_intervals(
    rekeys: pd.DataFrame,
    options: pd.DataFrame | None = None,
    *,
    ax: Axes | None = None,
    seed: int = 0,
) -> Axes:
    """Draw every rekey's interval per tunnel, by who started it, over AWS's rekey window.

    Parameters
    ----------
    rekeys : pandas.DataFrame
        A result of :func:`~vpnlog_analytics.analysis.rekey_intervals`.
    options : pandas.DataFrame, optional
        The tunnel options (:func:`~vpnlog_analytics.read_tunnel_options`): each tunnel's
        row gets a band from ``lifetime - margin * (1 + fuzz)`` to ``lifetime - margin``
        (when AWS would rekey) and a tick at the lifetime.
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new figure.
    seed : int, default 0
        Seed of the vertical jitter that keeps points of one tunnel apart.

    Returns
    -------
    matplotlib.axes.Axes
        One row per tunnel (labelled connection / outside IP), intervals in minutes on x;
        the scatter collections have ``gid`` ``aws``, ``cgw`` or ``both``, the bands
        ``aws-window``.

    Raises
    ------
    OptionError
        ``rekeys`` lacks a column of :func:`rekey_intervals`.
    """
    missing = [c for c in _NEEDED if c not in rekeys.columns]
    if missing:
        raise OptionError(f"plot_rekey_intervals needs the columns {', '.join(missing)}")
    data = rekeys[rekeys["interval_s"].notna()]
    keys = sorted(
        {
            (str(c), str(t))
            for c, t in zip(data[s.VPN_CONNECTION_ID], data[s.TUNNEL_IP], strict=True)
        }
        | (
            set()
            if options is None
            else {
                (str(c), str(t))
                for c, t in zip(options[s.VPN_CONNECTION_ID], options[s.TUNNEL_IP], strict=True)
            }
        )
    )
    ax = new_axes(ax, (10.0, max(2.2, 0.55 * len(keys) + 1.2)))
    row_of = {k: i for i, k in enumerate(keys)}
    if options is not None:
        _windows(ax, options, row_of)
    rng = np.random.default_rng(seed)
    for side, (label, color, marker) in _INITIATORS.items():
        mine = data[data["initiator"].astype(str) == side]
        if mine.empty:
            continue
        y = np.array(
            [
                row_of[(str(c), str(t))]
                for c, t in zip(mine[s.VPN_CONNECTION_ID], mine[s.TUNNEL_IP], strict=True)
            ],
            dtype=float,
        )
        y += rng.uniform(-0.22, 0.22, y.size)
        x = mine["interval_s"].to_numpy(dtype=float) / 60
        dots = ax.scatter(x, y, s=12, color=color, marker=marker, alpha=0.7, label=label, zorder=3)
        dots.set_gid(side)
    ax.set_yticks(range(len(keys)), [f"{c}\n{t}" for c, t in keys], fontsize=8)
    ax.set_ylim(-0.6, len(keys) - 0.4)
    ax.invert_yaxis()
    ax.set_xlabel("minutes from one child SA to its rekey")
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    if keys:
        ax.legend(loc="lower left", fontsize=8, frameon=False, ncol=4, bbox_to_anchor=(0, 1.01))
    return ax


def _windows(ax: Any, options: pd.DataFrame, row_of: dict[tuple[str, str], int]) -> None:
    """Shade each tunnel's configured AWS rekey window and mark its lifetime."""
    first = True
    for row in options.itertuples(index=False):
        key = (str(getattr(row, s.VPN_CONNECTION_ID)), str(getattr(row, s.TUNNEL_IP)))
        lifetime = float(row.phase2_lifetime_s)
        margin = float(row.rekey_margin_s)
        earliest = lifetime - margin * (1 + float(row.rekey_fuzz_pct) / 100)
        y = row_of[key]
        band = ax.fill_betweenx(
            [y - 0.38, y + 0.38],
            earliest / 60,
            (lifetime - margin) / 60,
            color=OTHER_COLOR,
            alpha=0.25,
            linewidth=0,
            label="AWS's rekey window (options)" if first else None,
            zorder=1,
        )
        band.set_gid("aws-window")
        ax.plot(
            [lifetime / 60] * 2,
            [y - 0.4, y + 0.4],
            color="#555555",
            linewidth=1.2,
            zorder=2,
            label="phase 2 lifetime (options)" if first else None,
        )
        first = False
