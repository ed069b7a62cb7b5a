"""The samples' tunnel options, configured on both sides, beside the rekeys they produced.

The README of ``data/samples`` tells each tunnel's options (AWS's and the gateway's, see
:mod:`.options`) and what the truth shows of them: who initiated each child-SA rekey, how
long after the SA was established, and how often both sides collided. These are the
answers a configured-versus-observed comparison must reach from the logs and
``describe-vpn-connections.json``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .options import rekey_range

if TYPE_CHECKING:
    from .scenario import Simulation

__all__ = ["observed_rekeys", "options_story"]

_KEYS = ["vpn_connection_id", "tunnel_ip"]


def observed_rekeys(sim: Simulation) -> pd.DataFrame:
    """Return every child-SA rekey of the truth with its initiator and the SA's age.

    Parameters
    ----------
    sim : Simulation
        Any simulation.

    Returns
    -------
    pandas.DataFrame
        ``vpn_connection_id``, ``tunnel_ip``, ``time``, ``initiator`` (``aws``, ``cgw`` or
        ``both`` for a collision), ``age`` [s] since the SA it replaces was established (by
        the previous rekey or by the recovery from an outage; NaN for the first rekey of
        an SA established before the window, and where a logging gap hides the rekeys
        between, since ``rekeys`` holds only the negotiations the logs show).
    """
    r = sim.rekeys[sim.rekeys["purpose"] == "rekey"]
    per = (
        r.groupby([*_KEYS, "time"], observed=True, sort=True)["initiator"]
        .agg(lambda s: "both" if s.nunique() > 1 else s.iloc[0])
        .reset_index()
    )
    ups = sim.truth[(sim.truth["state"] == "up") & (sim.truth["start"] > sim.start)]
    gaps = sim.incidents[sim.incidents["kind"] == "logging_gap"]
    ages = []
    for (vpn, ip), g in per.groupby(_KEYS, sort=False):
        times = g["time"].to_numpy()
        mine = ups[(ups["vpn_connection_id"] == vpn) & (ups["tunnel_ip"] == ip)]
        starts = np.sort(mine["start"].to_numpy())
        for i, t in enumerate(times):
            candidates = [times[i - 1]] if i else []
            k = np.searchsorted(starts, t, side="right")
            if k:
                candidates.append(starts[k - 1])
            est = max(candidates) if candidates else None
            hidden = gaps[
                gaps["tunnel_ip"].str.split(",").map(lambda ips, ip=ip: ip in ips)
                & (gaps["start"] < t)
                & (gaps["end"] > (t if est is None else est))
            ]
            if est is None or len(hidden):
                ages.append(np.nan)
            else:
                ages.append((t - est) / np.timedelta64(1, "s"))
    per["age"] = pd.Series(ages, index=per.index, dtype="float64") if len(per) else []
    return per


def _span(low: float, high: float) -> str:
    return f"{low:,.0f}–{high:,.0f} s"


def _side(lifetime: int, margin: int, fuzz: int) -> str:
    return f"{lifetime:,} s / {margin} s / {fuzz} %"


def _observed(g: pd.DataFrame) -> tuple[str, str]:
    counts = g["initiator"].value_counts()
    who = ", ".join(
        f"{name} {int(counts.get(key, 0)):,}"
        for key, name in (("aws", "AWS"), ("cgw", "gateway"), ("both", "both (collision)"))
        if counts.get(key, 0)
    )
    ranges = []
    for key, name in (("aws", "AWS"), ("cgw", "gateway"), ("both", "both")):
        ages = g.loc[g["initiator"] == key, "age"].dropna()
        if len(ages):
            ranges.append(f"{name} {_span(ages.min(), ages.max())}")
    return who or "none", "; ".join(ranges) or "—"


def options_story(sim: Simulation, label: dict[tuple[str, str], str]) -> dict[str, str]:
    """Return the README's options table and the figures its story quotes.

    Parameters
    ----------
    sim : Simulation
        The samples' simulation.
    label : dict
        ``(vpn_connection_id, tunnel_ip)`` -> ``"c1/t1"``.

    Returns
    -------
    dict
        ``options_table`` (Markdown) and, per tunnel label ``cN_tM``, ``<label>_rekeys``
        (who initiated how often), ``<label>_collisions`` (collision rate of its rekeys),
        ``<label>_aws_due`` and ``<label>_cgw_due`` (when each side's rekey falls due).
    """
    rekeys = observed_rekeys(sim)
    rows, figures = [], {}
    for t in sim.tunnels.itertuples(index=False):
        name = label[(t.vpn_connection_id, t.tunnel_ip)]
        g = rekeys[
            (rekeys["vpn_connection_id"] == t.vpn_connection_id)
            & (rekeys["tunnel_ip"] == t.tunnel_ip)
        ]
        who, ages = _observed(g)
        aws = rekey_range(t.phase2_lifetime_s, t.rekey_margin_s, t.rekey_fuzz_pct)
        cgw = rekey_range(t.cgw_phase2_lifetime_s, t.cgw_rekey_margin_s, t.cgw_rekey_fuzz_pct)
        set_ = ", ".join(t.explicit_options.split(",")) if t.explicit_options else "none"
        rows.append(
            f"| {name} | {t.ike_version} | "
            f"{_side(t.phase2_lifetime_s, t.rekey_margin_s, t.rekey_fuzz_pct)} | "
            f"{_span(*aws)} | {set_} | "
            f"{_side(t.cgw_phase2_lifetime_s, t.cgw_rekey_margin_s, t.cgw_rekey_fuzz_pct)} | "
            f"{_span(*cgw)} | {len(g):,}: {who} | {ages} |"
        )
        key = name.replace("/", "_")
        collided = int((g["initiator"] == "both").sum())
        figures[f"{key}_rekeys"] = who
        figures[f"{key}_aws_due"] = _span(*aws)
        figures[f"{key}_cgw_due"] = _span(*cgw)
        figures[f"{key}_collisions"] = (
            f"{collided} of {len(g)} rekeys ({100 * collided / max(len(g), 1):.0f} %)"
        )
    header = (
        "| tunnel | IKE | AWS phase 2 lifetime / margin / fuzz | AWS rekey due after | AWS "
        "options set | gateway lifetime / margin / fuzz | gateway rekey due after | rekeys: "
        "initiated by | observed SA age at rekey, by initiator |\n"
        "|---|---|---|---|---|---|---|---|---|"
    )
    figures["options_table"] = header + "\n" + "\n".join(rows)
    return figures
