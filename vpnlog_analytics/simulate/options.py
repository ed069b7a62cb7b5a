"""What each side of a simulated tunnel is configured with: :class:`TunnelConfig`.

A tunnel has two ends with settings of their own. The AWS end runs the tunnel options of
EC2 ``VpnTunnelOptionsSpecification`` (AWS's documented defaults where an option was
never set; the same values :data:`vpnlog_analytics.io.tunnel_options.TUNNEL_OPTION_SPECS`
fills in when it reads ``describe-vpn-connections``, a test checks they agree). The
customer gateway runs its own: by default a strongSwan gateway configured from AWS's
sample configuration (``lifetime=1h``, ``dpddelay=10s``, ``dpdtimeout=30s``,
``dpdaction=restart``, and strongSwan's defaults ``margintime=9m``, ``rekeyfuzz=100%``).

**Who rekeys, and when** (:func:`rekey_due`, strongSwan's rule, which the reference
assumes AWS follows too): after a child SA is established at ``t0``, each side schedules
its rekey at ``t0 + L - m * (1 + f * U)``, ``L`` its phase 2 lifetime, ``m`` its rekey
margin, ``f`` its fuzz (a fraction), ``U`` uniform in ``[0, 1]`` drawn afresh per side
and SA. The side due first initiates the rekey; when both are due within
:data:`COLLISION_WINDOW_S` of each other on IKEv2, both initiate: a rekey collision.
Each side uses its own lifetime (IKEv2 negotiates none; for IKEv1, where a Quick Mode
proposal carries one, the simulator does the same, a simplification). If a rekey fails,
the SA lives until its hard lifetime ``t0 + L`` at the latest.

**What AWS reports**: :meth:`TunnelConfig.aws_options` gives the AWS options as the
columns of the tunnel options table; ``explicit`` names those that were set, the only ones
``describe-vpn-connections`` returns (AWS leaves an unset option out).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Final

from ..errors import OptionError
from ..options import check_choice

__all__ = [
    "AWS_DEFAULTS",
    "AWS_OPTION_KEYS",
    "CGW_DEFAULTS",
    "CGW_DPD_ACTIONS",
    "COLLISION_WINDOW_S",
    "TunnelConfig",
    "rekey_due",
    "rekey_range",
]

#: AWS's documented defaults of the tunnel options the simulator follows (EC2 API reference
#: ``VpnTunnelOptionsSpecification``; Site-to-Site VPN User Guide, "Tunnel options": the
#: current guide's rekey margin 270 s and DPD timeout 40 s). Keyed like the columns of
#: the tunnel options table; ``tests/test_simulate_tunnel_options.py`` checks they equal
#: what :mod:`vpnlog_analytics.io.tunnel_options` fills in for an unset option.
AWS_DEFAULTS: Final[dict[str, Any]] = {
    "phase1_lifetime_s": 28_800,
    "phase2_lifetime_s": 3_600,
    "rekey_margin_s": 270,
    "rekey_fuzz_pct": 100,
    "replay_window": 1_024,
    "dpd_timeout_s": 40,
    "dpd_timeout_action": "clear",
    "startup_action": "add",
    "ike_versions": ("ikev1", "ikev2"),
}
#: The ``TunnelOption`` key of each AWS option (EC2 ``DescribeVpnConnections``).
AWS_OPTION_KEYS: Final[dict[str, str]] = {
    "phase1_lifetime_s": "Phase1LifetimeSeconds",
    "phase2_lifetime_s": "Phase2LifetimeSeconds",
    "rekey_margin_s": "RekeyMarginTimeSeconds",
    "rekey_fuzz_pct": "RekeyFuzzPercentage",
    "replay_window": "ReplayWindowSize",
    "dpd_timeout_s": "DpdTimeoutSeconds",
    "dpd_timeout_action": "DpdTimeoutAction",
    "startup_action": "StartupAction",
    "ike_versions": "IkeVersions",
}
#: The customer gateway's defaults: strongSwan configured from AWS's sample configuration
#: (``lifetime=1h``, ``dpddelay=10s``, ``dpdtimeout=30s``, ``dpdaction=restart``) with
#: strongSwan's ``margintime=9m`` and ``rekeyfuzz=100%``.
CGW_DEFAULTS: Final[dict[str, Any]] = {
    "cgw_phase2_lifetime_s": 3_600,
    "cgw_rekey_margin_s": 540,
    "cgw_rekey_fuzz_pct": 100,
    "cgw_dpd_delay_s": 10,
    "cgw_dpd_timeout_s": 30,
    "cgw_dpd_action": "restart",
}
#: strongSwan's ``dpdaction`` values.
CGW_DPD_ACTIONS: Final = ("none", "clear", "hold", "restart")
#: Two rekeys due within this many seconds of each other both start [s]: on IKEv2 a
#: collision (each side sends its CREATE_CHILD_SA before it sees the other's).
COLLISION_WINDOW_S: Final = 2.0

_BOUNDS: Final = {
    "phase1_lifetime_s": (900, 28_800),
    "phase2_lifetime_s": (900, 3_600),
    "rekey_margin_s": (60, 1_800),
    "rekey_fuzz_pct": (0, 100),
    "replay_window": (64, 2_048),
    "dpd_timeout_s": (30, 2**31 - 1),
    # the gateway is not bound by AWS's ranges; only sense is asked of it
    "cgw_phase2_lifetime_s": (60, 86_400),
    "cgw_rekey_margin_s": (0, 86_400),
    "cgw_rekey_fuzz_pct": (0, 100),
    "cgw_dpd_delay_s": (1, 3_600),
    "cgw_dpd_timeout_s": (1, 86_400),
}
_CHOICES: Final = {
    "dpd_timeout_action": ("clear", "none", "restart"),
    "startup_action": ("add", "start"),
    "cgw_dpd_action": CGW_DPD_ACTIONS,
}


@dataclass(frozen=True)
class TunnelConfig:
    """The options of one simulated tunnel: AWS's side, which of them were set, the gateway's.

    Parameters
    ----------
    phase1_lifetime_s, phase2_lifetime_s : int
        AWS's IKE SA and child SA lifetimes [s] (defaults 28,800 and 3,600).
    rekey_margin_s : int
        AWS's rekey margin [s] (default 270).
    rekey_fuzz_pct : int
        AWS's rekey fuzz [%] (default 100).
    replay_window : int
        Replay window [packets] (default 1,024).
    dpd_timeout_s : int
        AWS's DPD timeout [s] (default 40): the DPD-dead record comes this long after the
        gateway's last sign of life.
    dpd_timeout_action : {"clear", "restart", "none"}
        What AWS does after a DPD timeout (see :mod:`.initiation`).
    startup_action : {"add", "start"}
        Whether AWS initiates (``start``, IKEv2 only).
    ike_versions : tuple of str
        The IKE versions the tunnel allows (``ikev1``, ``ikev2``); the simulated version
        must be one of them.
    explicit : frozenset of str
        The AWS options above that were set (the others run AWS's default and are left
        out of ``describe-vpn-connections``). :meth:`set_aws` keeps it for you.
    cgw_phase2_lifetime_s, cgw_rekey_margin_s, cgw_rekey_fuzz_pct : int
        The gateway's child SA lifetime [s], rekey margin [s] and fuzz [%] (3,600, 540,
        100: strongSwan from AWS's sample configuration).
    cgw_dpd_delay_s, cgw_dpd_timeout_s : int
        The gateway's DPD delay and timeout [s] (10, 30).
    cgw_dpd_action : {"none", "clear", "hold", "restart"}
        The gateway's ``dpdaction`` (``restart``).

    Notes
    -----
    The gateway's DPD settings are recorded for the truth; the simulated incidents cut
    the path or the site, so they show in AWS's log only as the gateway's renegotiation
    when it is back. AWS's phase 1 lifetime is recorded and written, but IKE SA rekeys
    are not simulated.

    Examples
    --------
    >>> TunnelConfig().set_aws(phase2_lifetime_s=1800).explicit
    frozenset({'phase2_lifetime_s'})
    >>> TunnelConfig(cgw_phase2_lifetime_s=28_800).cgw_phase2_lifetime_s
    28800
    """

    phase1_lifetime_s: int = AWS_DEFAULTS["phase1_lifetime_s"]
    phase2_lifetime_s: int = AWS_DEFAULTS["phase2_lifetime_s"]
    rekey_margin_s: int = AWS_DEFAULTS["rekey_margin_s"]
    rekey_fuzz_pct: int = AWS_DEFAULTS["rekey_fuzz_pct"]
    replay_window: int = AWS_DEFAULTS["replay_window"]
    dpd_timeout_s: int = AWS_DEFAULTS["dpd_timeout_s"]
    dpd_timeout_action: str = AWS_DEFAULTS["dpd_timeout_action"]
    startup_action: str = AWS_DEFAULTS["startup_action"]
    ike_versions: tuple[str, ...] = AWS_DEFAULTS["ike_versions"]
    explicit: frozenset[str] = field(default_factory=frozenset)
    cgw_phase2_lifetime_s: int = CGW_DEFAULTS["cgw_phase2_lifetime_s"]
    cgw_rekey_margin_s: int = CGW_DEFAULTS["cgw_rekey_margin_s"]
    cgw_rekey_fuzz_pct: int = CGW_DEFAULTS["cgw_rekey_fuzz_pct"]
    cgw_dpd_delay_s: int = CGW_DEFAULTS["cgw_dpd_delay_s"]
    cgw_dpd_timeout_s: int = CGW_DEFAULTS["cgw_dpd_timeout_s"]
    cgw_dpd_action: str = CGW_DEFAULTS["cgw_dpd_action"]

    def __post_init__(self) -> None:
        object.__setattr__(self, "ike_versions", tuple(self.ike_versions))
        object.__setattr__(self, "explicit", frozenset(self.explicit))
        for name, (low, high) in _BOUNDS.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise OptionError(f"TunnelConfig.{name}={value!r} is not a whole number")
            if not low <= value <= high:
                raise OptionError(f"TunnelConfig.{name}={value} is outside {low}..{high}")
        for name, allowed in _CHOICES.items():
            check_choice(f"TunnelConfig.{name}", getattr(self, name), allowed)
        if not self.ike_versions or not set(self.ike_versions) <= {"ikev1", "ikev2"}:
            raise OptionError(
                f"TunnelConfig.ike_versions={self.ike_versions!r}: give 'ikev1', 'ikev2' or both"
            )
        unknown = sorted(self.explicit - set(AWS_DEFAULTS))
        if unknown:
            raise OptionError(
                f"TunnelConfig.explicit names no AWS option: {', '.join(unknown)}; "
                f"allowed: {', '.join(AWS_DEFAULTS)}"
            )
        if 2 * self.rekey_margin_s > self.phase2_lifetime_s:
            raise OptionError(
                f"TunnelConfig.rekey_margin_s={self.rekey_margin_s} is more than half the "
                f"phase 2 lifetime ({self.phase2_lifetime_s} s), which AWS refuses"
            )
        if self.phase2_lifetime_s > self.phase1_lifetime_s:
            raise OptionError(
                f"TunnelConfig.phase2_lifetime_s={self.phase2_lifetime_s} exceeds the phase 1 "
                f"lifetime ({self.phase1_lifetime_s} s)"
            )
        if self.cgw_rekey_margin_s * (100 + self.cgw_rekey_fuzz_pct) >= (
            100 * self.cgw_phase2_lifetime_s
        ):
            raise OptionError(
                "the gateway's rekey margin with its fuzz "
                f"({self.cgw_rekey_margin_s} s + {self.cgw_rekey_fuzz_pct} %) must stay below "
                f"its phase 2 lifetime ({self.cgw_phase2_lifetime_s} s)"
            )

    def set_aws(self, **options: Any) -> TunnelConfig:
        """Return a copy with these AWS options set (and marked set, as AWS reports them).

        Parameters
        ----------
        **options
            AWS options by column name (``phase2_lifetime_s=1800``, ``startup_action=
            "start"``, ...); a value equal to the default counts as set too.

        Returns
        -------
        TunnelConfig
        """
        unknown = sorted(set(options) - set(AWS_DEFAULTS))
        if unknown:
            raise OptionError(
                f"not AWS tunnel options: {', '.join(unknown)}; allowed: {', '.join(AWS_DEFAULTS)}"
            )
        return replace(self, **options, explicit=self.explicit | set(options))

    def aws_options(self) -> dict[str, Any]:
        """Return AWS's options as the tunnel options table holds them (lists comma-joined).

        Returns
        -------
        dict
            Column -> value for every key of :data:`AWS_DEFAULTS`.
        """
        out = {name: getattr(self, name) for name in AWS_DEFAULTS}
        out["ike_versions"] = ",".join(self.ike_versions)
        return out

    def columns(self) -> dict[str, Any]:
        """Return both sides' settings as the columns of ``Simulation.tunnels``.

        Returns
        -------
        dict
            :meth:`aws_options`, ``explicit_options`` (comma-joined, sorted) and the
            ``cgw_*`` settings.
        """
        out = self.aws_options()
        out["explicit_options"] = ",".join(sorted(self.explicit))
        out.update({name: getattr(self, name) for name in CGW_DEFAULTS})
        return out

    def tunnel_option(self) -> dict[str, Any]:
        """Return the explicitly set options as ``TunnelOption`` keys and values.

        Returns
        -------
        dict
            E.g. ``{"Phase2LifetimeSeconds": 1800}``; ``IkeVersions`` as a list of
            ``{"Value": ...}`` objects, as EC2 returns it.
        """
        out: dict[str, Any] = {}
        for name in AWS_DEFAULTS:
            if name not in self.explicit:
                continue
            value = getattr(self, name)
            if name == "ike_versions":
                value = [{"Value": v} for v in value]
            out[AWS_OPTION_KEYS[name]] = value
        return out


def rekey_due(t0: float, lifetime: float, margin: float, fuzz_pct: float, u: float) -> float:
    """Return when one side rekeys a child SA established at ``t0`` (strongSwan's rule).

    Parameters
    ----------
    t0 : float
        When the SA was established [s].
    lifetime, margin : float
        The side's phase 2 lifetime and rekey margin [s].
    fuzz_pct : float
        The side's rekey fuzz [%]: the margin grows by up to this share of itself.
    u : float
        A uniform draw in ``[0, 1]``.

    Returns
    -------
    float
        ``t0 + lifetime - margin * (1 + fuzz_pct / 100 * u)`` [s].

    Examples
    --------
    >>> rekey_due(0, 3600, 270, 100, 0.5)
    3195.0
    """
    return t0 + lifetime - margin * (1 + fuzz_pct / 100 * u)


def rekey_range(lifetime: float, margin: float, fuzz_pct: float) -> tuple[float, float]:
    """Return the earliest and latest rekey after an SA's establishment [s].

    Examples
    --------
    >>> rekey_range(3600, 270, 100), rekey_range(3600, 540, 100)
    ((3060.0, 3330.0), (2520.0, 3060.0))
    """
    return rekey_due(0, lifetime, margin, fuzz_pct, 1.0), rekey_due(0, lifetime, margin, 0, 0.0)
