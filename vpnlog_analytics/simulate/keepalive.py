"""DPD keep-alive traffic of tunnels behind NAT, and the variety of real logs.

Behind NAT (``nat_t_detected`` true) a healthy AWS tunnel logs a Dead Peer Detection
exchange about every 10 s, in the wording of real NAT-T captures::

    AWS tunnel is sending DPD request
    AWS tunnel is sending a DPD request with sequence number 1626970380
    CGW sent DPD ACK (sequence number 1626970380)

Semantics (the simulator's ground truth, :attr:`Simulation.keepalives`):

- Requests run only while the tunnel is up, strictly inside each up period (never in the
  second a state changes), so they never change the tunnel's state or the ``truth``.
- The sequence number increments by one per request from a random start; a new IKE SA
  (every recovery that re-establishes Phase 1) starts from a new random number.
- The gateway acknowledges each request with the same sequence number in the same second
  or the next one, never after it was lost: before a DPD timeout the requests from the
  moment the peer was lost (one DPD timeout, the tunnel's ``dpd_timeout_s``, before the
  DPD record) stay unanswered (the timeout is what declares the peer dead).

Everything here draws from its own random generator, so switching keep-alives or the
variety on leaves every other record (and the ``truth``) exactly as it was.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

import numpy as np

__all__ = [
    "DPD_ACK",
    "DPD_REQUEST",
    "DPD_REQUEST_SEQ",
    "KEEPS_PHASE1",
    "KeepAlives",
    "UpPeriod",
    "vary_size",
]

#: Wording of the DPD keep-alive family (observed in real NAT-T captures).
DPD_REQUEST: Final = "AWS tunnel is sending DPD request"
DPD_REQUEST_SEQ: Final = "AWS tunnel is sending a DPD request with sequence number {seq}"
DPD_ACK: Final = "CGW sent DPD ACK (sequence number {seq})"

#: Outage kinds after which Phase 1 (the IKE SA, and its DPD sequence) survives.
KEEPS_PHASE1: Final = frozenset({"ts_unacceptable", "phase2_failed"})
_SEQ_RANGE: Final = (100_000_000, 2_000_000_000)


@dataclass(frozen=True)
class UpPeriod:
    """One up period ``[start, end)`` of a tunnel [epoch s] and what ends it.

    ``ends_with`` is the outage kind that starts at ``end`` (None: the window ends);
    ``new_ike_sa`` tells whether the period began with a fresh Phase 1; ``peer_lost`` is
    when the gateway was last heard before a DPD timeout at ``end`` (None: it was not lost).
    """

    start: int
    end: int
    ends_with: str | None
    new_ike_sa: bool
    peer_lost: int | None = None


@dataclass
class KeepAlives:
    """DPD keep-alive generator of one NAT-T tunnel.

    Parameters
    ----------
    rng : numpy.random.Generator
        The tunnel's own generator for keep-alives (not the one of its other records).
    interval : float
        DPD interval [s]; each request comes ``interval`` after the previous one, one
        second later now and then (timer jitter).

    Attributes
    ----------
    lines : list of (int, str)
        (time [epoch s], details) of every line, in emission order.
    exchanges : list of (int, int, int)
        (request time, sequence number, ACK time or -1 when unanswered).
    """

    rng: np.random.Generator
    interval: float = 10.0
    lines: list[tuple[int, str]] = field(default_factory=list)
    exchanges: list[tuple[int, int, int]] = field(default_factory=list)

    def run(self, periods: Sequence[UpPeriod]) -> None:
        """Generate the exchanges of every up period, in time order.

        Parameters
        ----------
        periods : sequence of UpPeriod
            The tunnel's up periods, in time order.
        """
        step = max(1, int(round(self.interval)))
        seq = self._fresh()
        for k, period in enumerate(periods):
            if k and period.new_ike_sa:
                seq = self._fresh()
            # strictly inside the period: never in the second its state changes
            first, last = period.start + 1, period.end - 2
            silent_from = period.peer_lost
            t = first + int(self.rng.integers(0, step))
            while t <= last:
                ack = -1
                if silent_from is None or t < silent_from:
                    ack = t + int(self.rng.random() < 0.3)
                    limit = last if silent_from is None else min(last, silent_from - 1)
                    ack = t if ack > limit else ack
                self._exchange(t, seq, ack)
                seq += 1
                t += step + int(self.rng.random() < 0.05)

    def _fresh(self) -> int:
        return int(self.rng.integers(*_SEQ_RANGE))

    def _exchange(self, t: int, seq: int, ack: int) -> None:
        self.lines.append((t, DPD_REQUEST))
        self.lines.append((t, DPD_REQUEST_SEQ.format(seq=seq)))
        if ack >= 0:
            self.lines.append((ack, DPD_ACK.format(seq=seq)))
        self.exchanges.append((t, seq, ack))


def vary_size(rng: np.random.Generator, n: int) -> int:
    """Return a packet size [bytes] near ``n``, in steps of 4 as IKE packets come.

    Parameters
    ----------
    rng : numpy.random.Generator
        The generator to draw from.
    n : int
        Nominal size [bytes].

    Returns
    -------
    int
        ``n`` moved by up to ±64 bytes, at least 60.
    """
    return max(60, n + 4 * int(rng.integers(-16, 17)))
