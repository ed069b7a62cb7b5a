"""What AWS logs after a DPD timeout, by the tunnel's initiation options.

Facts and their strength are in ``reference/tunnel-behaviour.md``; this module turns them
into rules the simulator follows. Per tunnel, two options (EC2 ``TunnelOption``):

- ``startup_action``: ``add`` (default: AWS never initiates, the customer gateway must) or
  ``start`` (IKEv2 only: AWS keeps trying "until one is made").
- ``dpd_timeout_action``: ``clear`` (default: tear down and wait), ``restart`` (AWS
  re-initiates at once) or ``none`` (no action).

What the AWS side logs once the peer is gone (the DPD record comes one DPD timeout after
its last sign of life, after unanswered DPD probes):

- ``add`` + ``clear`` (the defaults): the DPD record, then **nothing** until the customer
  gateway tries again. A dead site is silent for the whole outage.
- ``restart``, or ``start``: the DPD record, then an IKE_SA_INIT "sending packet" line
  with negotiating states at every attempt, at backoff gaps from :func:`retry_times`
  (the one real capture shows 75, 141, 268, 300, 300 s; weak evidence, the interval is
  undocumented); on IKEv2 every :data:`ATTEMPTS_PER_P1_TIMEOUT` unanswered attempts the
  documented "Timeout: deleting un-established Phase 1 IKE_SA" line.
- ``none`` (an inference, no capture exists): AWS takes no action, so its IKE SA stays:
  the DPD record says phase 1 ``established`` and phase 2 ``down`` (the peer is dead, no
  traffic passes; a log-only analysis reads the tunnel as down from it, as it was). Nothing
  more is logged until AWS's own rekey of the SA is due (its phase 2 lifetime, margin and
  fuzz, :mod:`.options`; at least 5 s after the DPD record): AWS sends the rekey request,
  retransmits it unanswered (:data:`EXPIRY_RETRANSMITS`) and closes the SA
  :data:`EXPIRY_GIVE_UP` s after the request, or at the SA's hard lifetime if that comes
  first (phase states ``down``). Then, with ``add``, silence until the gateway tries
  again; with ``start``, the attempts of ``restart`` follow. Without rekeys
  (``rekey_interval=None``) the SA never expires and only the DPD record is logged.

In every case the outage ends with the renegotiation lines when the gateway (or AWS's
attempt) succeeds. Gateways retrying with a wrong key or proposal log at their own retry
interval whatever the options: those lines come from the gateway's attempts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import numpy as np

from ..errors import OptionError
from ..options import check_choice

__all__ = [
    "ATTEMPTS_PER_P1_TIMEOUT",
    "DPD_TIMEOUT_ACTIONS",
    "EXPIRY_GIVE_UP",
    "EXPIRY_RETRANSMITS",
    "RETRY_FIRST_GAP",
    "RETRY_GROWTH",
    "RETRY_JITTER",
    "RETRY_MAX_GAP",
    "STARTUP_ACTIONS",
    "aws_reinitiates",
    "check_initiation",
    "retry_times",
]

#: ``StartupAction`` values; ``start`` is IKEv2 only.
STARTUP_ACTIONS: Final = ("add", "start")
#: ``DPDTimeoutAction`` values.
DPD_TIMEOUT_ACTIONS: Final = ("clear", "restart", "none")

#: First gap between AWS's unanswered IKE_SA_INIT attempts [s] (the real capture's).
RETRY_FIRST_GAP: Final = 75
#: Each gap is about this much longer than the previous one (75 -> 142 -> 270 s).
RETRY_GROWTH: Final = 1.9
#: Longest gap [s] (the capture's last gaps).
RETRY_MAX_GAP: Final = 300
#: Each gap is up to this much shorter than its nominal value [s], drawn from the seed.
RETRY_JITTER: Final = 3
#: Unanswered attempts per "deleting un-established Phase 1 IKE_SA" line (IKEv2).
ATTEMPTS_PER_P1_TIMEOUT: Final = 3
#: ``none``: retransmits of the failed rekey request [s after it].
EXPIRY_RETRANSMITS: Final = (5, 15, 35)
#: ``none``: the expired SA is closed this long after the rekey request [s].
EXPIRY_GIVE_UP: Final = 65


def aws_reinitiates(startup_action: str, dpd_timeout_action: str) -> bool:
    """Tell whether AWS keeps initiating IKE after a DPD timeout (and logs each attempt).

    Parameters
    ----------
    startup_action : {"add", "start"}
        The tunnel's startup action.
    dpd_timeout_action : {"clear", "restart", "none"}
        The tunnel's DPD timeout action.

    Returns
    -------
    bool
        True with ``restart`` or ``start`` (under ``none`` once the SA expired).

    Examples
    --------
    >>> aws_reinitiates("add", "clear"), aws_reinitiates("start", "clear")
    (False, True)
    """
    return dpd_timeout_action == "restart" or startup_action == "start"


def retry_times(rng: np.random.Generator, first: int, until: int) -> list[int]:
    """Return the times of AWS's IKE initiation attempts from ``first``, before ``until``.

    The gaps grow from :data:`RETRY_FIRST_GAP` by :data:`RETRY_GROWTH` up to
    :data:`RETRY_MAX_GAP`, each up to :data:`RETRY_JITTER` s shorter (drawn from ``rng``).

    Parameters
    ----------
    rng : numpy.random.Generator
        The tunnel's generator (the jitter is deterministic from the seed).
    first : int
        Time of the first attempt [epoch s].
    until : int
        Attempts are strictly before this time [epoch s].

    Returns
    -------
    list of int
        Attempt times [epoch s], increasing.

    Examples
    --------
    >>> import numpy as np
    >>> t = retry_times(np.random.default_rng(0), 0, 1500)
    >>> [b - a for a, b in zip(t, t[1:])]  # the capture: 75, 141, 268, 300, 300
    [72, 140, 268, 299, 299, 300]
    """
    times: list[int] = []
    t, nominal = first, float(RETRY_FIRST_GAP)
    while t < until:
        times.append(t)
        t += int(nominal) - int(rng.integers(0, RETRY_JITTER + 1))
        nominal = min(float(RETRY_MAX_GAP), nominal * RETRY_GROWTH)
    return times


def check_initiation(
    startup_action: Sequence[str], dpd_timeout_action: Sequence[str], versions: Sequence[str]
) -> None:
    """Validate per-tunnel initiation options against the tunnels' IKE versions.

    Parameters
    ----------
    startup_action, dpd_timeout_action : sequence of str
        One value per tunnel.
    versions : sequence of str
        The IKE version (``v1``/``v2``) per tunnel.

    Raises
    ------
    OptionError
        An unknown value, or ``start`` on an IKEv1 tunnel.
    """
    for k, (startup, action, version) in enumerate(
        zip(startup_action, dpd_timeout_action, versions, strict=True)
    ):
        check_choice("startup_action", startup, STARTUP_ACTIONS)
        check_choice("dpd_timeout_action", action, DPD_TIMEOUT_ACTIONS)
        if startup == "start" and version != "v2":
            raise OptionError(
                f"startup_action='start' needs IKEv2 (AWS initiates IKEv2 only), but tunnel "
                f"{k} (connection {k // 2}, tunnel {k % 2}) is IKEv1: use 'add' for it"
            )
