"""How long an up state survives a silence: one limit for every tunnel, or each tunnel's own.

``stale_after`` (DESIGN.md section 4) is a duration, None (up states never go stale), or
``"auto"``. An up tunnel logs at least at every phase 2 rekey, so its longest normal
silence is its phase 2 lifetime: ``"auto"`` takes each tunnel's *configured* phase 2
lifetime plus the slack of :data:`~vpnlog_analytics.options.DEFAULT_STALE_AFTER` (15 min
over AWS's longest lifetime, for ingestion delay and clock jitter) where the tunnel options
are known, and the default elsewhere. :func:`stale_limits` builds that per-tunnel rule
(:class:`StaleLimits`) from a tunnel options table; every analysis accepts it as
``stale_after``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, TypeAlias

import numpy as np
import pandas as pd

from .. import schema as s
from ..errors import OptionError
from ..options import DEFAULT_STALE_AFTER, DurationLike, shared_doc, to_ns_duration

__all__ = [
    "AUTO",
    "STALE_SLACK",
    "StaleLike",
    "StaleLimits",
    "limit_at",
    "resolve_stale",
    "same_limit",
    "stale_limits",
]

#: The ``stale_after`` value that asks for each tunnel's own limit.
AUTO: Final = "auto"
#: Added to a tunnel's configured phase 2 lifetime: the default's slack over AWS's
#: longest phase 2 lifetime (3,600 s).
STALE_SLACK: Final = DEFAULT_STALE_AFTER - pd.Timedelta(seconds=3_600)
_LIFETIME: Final = "phase2_lifetime_s"
#: Columns of :attr:`StaleLimits.table`.
STALE_COLUMNS: Final = (s.VPN_CONNECTION_ID, s.TUNNEL_IP, "stale_after", "basis")


@dataclass(frozen=True, eq=False)
class StaleLimits:
    """Each tunnel's longest silence of an up state, and the limit of every other tunnel.

    Build with :func:`stale_limits`; pass as ``stale_after`` to any analysis.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per tunnel with a limit of its own: ``vpn_connection_id``, ``tunnel_ip``,
        ``stale_after`` (Timedelta) and ``basis`` (why that value, in words).
    default : pandas.Timedelta
        The limit of the tunnels not in ``table``.
    """

    table: pd.DataFrame
    default: pd.Timedelta

    def limit_of(self, connection: str, tunnel_ip: str) -> tuple[pd.Timedelta, str]:
        """Return one tunnel's limit and its basis."""
        t = self.table
        hit = t[(t[s.VPN_CONNECTION_ID] == connection) & (t[s.TUNNEL_IP] == tunnel_ip)]
        if hit.empty:
            return self.default, _default_basis(self.default)
        return hit["stale_after"].iloc[0], str(hit["basis"].iloc[0])

    def for_tunnels(self, tunnels: pd.DataFrame) -> pd.DataFrame:
        """Return the limit and its basis of each tunnel of ``tunnels`` (its id columns)."""
        keys = tunnels[[s.VPN_CONNECTION_ID, s.TUNNEL_IP]].astype(str)
        own = self.table.astype({s.VPN_CONNECTION_ID: str, s.TUNNEL_IP: str})
        out = keys.merge(own, how="left", on=[s.VPN_CONNECTION_ID, s.TUNNEL_IP])
        missing = out["stale_after"].isna()
        out["stale_after"] = out["stale_after"].where(~missing, self.default)
        out.loc[missing, "basis"] = _default_basis(self.default)
        return out.astype({"stale_after": "timedelta64[ns]"})[list(STALE_COLUMNS)]

    def ns_of(self, connections: np.ndarray, ips: np.ndarray) -> np.ndarray:
        """Return the limit [ns] of each tunnel named by ``connections`` and ``ips``."""
        frame = pd.DataFrame({s.VPN_CONNECTION_ID: connections, s.TUNNEL_IP: ips})
        td = self.for_tunnels(frame)["stale_after"]
        return td.to_numpy(dtype="timedelta64[ns]").astype(np.int64)

    def __repr__(self) -> str:
        return (
            f"StaleLimits({len(self.table)} tunnel(s) from their phase 2 lifetime, "
            f"{_span(self.default)} elsewhere)"
        )


#: What ``stale_after`` takes: a duration, ``"auto"``, per-tunnel limits, or None.
StaleLike: TypeAlias = DurationLike | StaleLimits


def _span(td: pd.Timedelta) -> str:
    minutes = td.total_seconds() / 60
    return f"{minutes:g} min"


def _default_basis(default: pd.Timedelta) -> str:
    if default == DEFAULT_STALE_AFTER:
        return f"default ({_span(default)}: AWS's longest phase 2 lifetime + {_span(STALE_SLACK)})"
    return f"given ({_span(default)})"


def stale_limits(
    options: pd.DataFrame | None, *, default: pd.Timedelta = DEFAULT_STALE_AFTER
) -> StaleLimits:
    """Return each tunnel's staleness limit: its configured phase 2 lifetime plus the slack.

    Parameters
    ----------
    options : pandas.DataFrame or None
        A tunnel options table (:func:`~vpnlog_analytics.io.read_tunnel_options`), or None
        (every tunnel takes ``default``). A lifetime AWS left empty is AWS's documented
        default (3,600 s), and the basis says so.
    default : pandas.Timedelta, default 75 min
        The limit of the tunnels the options do not name.

    Returns
    -------
    StaleLimits
        Pass as ``stale_after`` to any analysis.

    Examples
    --------
    >>> options = read_tunnel_options("describe-vpn-connections.json")  # doctest: +SKIP
    >>> limits = stale_limits(options)  # doctest: +SKIP
    >>> outages(events, stale_after=limits)  # doctest: +SKIP
    """
    if options is None or options.empty:
        return StaleLimits(pd.DataFrame(columns=list(STALE_COLUMNS)), default)
    missing = {s.VPN_CONNECTION_ID, s.TUNNEL_IP, _LIFETIME} - set(options.columns)
    if missing:
        raise OptionError(
            f"the tunnel options table has no {', '.join(sorted(missing))}: "
            "read it with read_tunnel_options()"
        )
    lifetime = pd.to_numeric(options[_LIFETIME], errors="coerce")
    known = lifetime.notna() & (lifetime > 0)
    rows = options[known]
    seconds = lifetime[known].astype("int64")
    defaulted = (
        rows["defaulted"].fillna("").astype(str).str.split(",").map(lambda c: _LIFETIME in c)
        if "defaulted" in rows.columns
        else pd.Series(False, index=rows.index)
    )
    basis = [
        f"phase 2 lifetime {sec:,} s ({'AWS default' if dflt else 'configured'}) "
        f"+ {_span(STALE_SLACK)}"
        for sec, dflt in zip(seconds.tolist(), defaulted.tolist(), strict=True)
    ]
    table = pd.DataFrame(
        {
            s.VPN_CONNECTION_ID: rows[s.VPN_CONNECTION_ID].astype(str).to_numpy(),
            s.TUNNEL_IP: rows[s.TUNNEL_IP].astype(str).to_numpy(),
            "stale_after": pd.to_timedelta(seconds.to_numpy(), unit="s") + STALE_SLACK,
            "basis": basis,
        }
    ).drop_duplicates([s.VPN_CONNECTION_ID, s.TUNNEL_IP], keep="last")
    return StaleLimits(table.reset_index(drop=True), default)


@shared_doc()
def resolve_stale(
    stale_after: StaleLike, options: pd.DataFrame | None = None
) -> pd.Timedelta | StaleLimits | None:
    """Return ``stale_after`` checked: a positive Timedelta, per-tunnel limits, or None.

    Parameters
    ----------
    {params.stale_after}
    options : pandas.DataFrame, optional
        The tunnel options table: ``"auto"`` becomes :func:`stale_limits` of it (the
        default for every tunnel without options).

    Returns
    -------
    pandas.Timedelta, StaleLimits or None

    Examples
    --------
    >>> resolve_stale("90min")
    Timedelta('0 days 01:30:00')
    """
    if isinstance(stale_after, StaleLimits) or stale_after is None:
        return stale_after
    if isinstance(stale_after, str) and stale_after.strip().lower() == AUTO:
        return stale_limits(options)
    ns = to_ns_duration("stale_after", stale_after)
    if not ns:
        raise OptionError("stale_after must be positive, 'auto', or None to carry states on")
    return pd.Timedelta(ns, unit="ns")


def same_limit(a: int | np.ndarray | None, b: int | np.ndarray | None) -> bool:
    """Whether two kernel limits are the same rule."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and np.array_equal(a, b)
    return a == b


def limit_at(limit: int | np.ndarray, tid: np.ndarray | int) -> Any:
    """Return the limit [ns] of the tunnel(s) ``tid`` (a scalar limit is every tunnel's)."""
    return limit[tid] if isinstance(limit, np.ndarray) else limit
