"""DPD keep-alives: requests, their ACKs, matched by sequence number, and unanswered runs.

Behind NAT a healthy tunnel logs a DPD exchange about every 10 s: "AWS tunnel is sending
(a) DPD request (with sequence number N)", then "CGW sent DPD ACK (sequence number N)".
Everything here works on whole arrays of the sorted tunnel rows (see ``_timeline``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import schema as s
from ._columns import DPD_ACK_RECEIVED, DPD_REQUEST_SENT
from ._timeline import Rows

__all__ = ["KeepAlives", "keepalive_arrays", "streaks", "unanswered_before"]

_I64 = np.int64


@dataclass(frozen=True)
class KeepAlives:
    """The DPD requests of every tunnel, in row order, and what became of each.

    ``pos`` is the row position of each request, ``answered`` whether an ACK answered it,
    ``latency`` the time to the ACK with its sequence number (ns; -1 when not matched by
    sequence number), ``streak`` the number of consecutive unanswered requests of its
    tunnel ending with it (0 if answered). ``ack_pos`` lists the row positions of ACKs.
    """

    pos: np.ndarray
    tid: np.ndarray
    time: np.ndarray
    answered: np.ndarray
    latency: np.ndarray
    streak: np.ndarray
    ack_pos: np.ndarray


def _sequence(rows: Rows) -> np.ndarray:
    """Return the ``dpd_sequence`` of every row (-1 where NA)."""
    values = rows.events[s.DPD_SEQUENCE].to_numpy(dtype=_I64, na_value=-1)
    return np.asarray(values[rows.index], dtype=_I64)


def keepalive_arrays(rows: Rows) -> KeepAlives:
    """Find every DPD request and tell which an ACK answered, and how fast.

    A request logged in two lines ("AWS tunnel is sending DPD request" and, in the same
    second, "... a DPD request with sequence number N") is one request with number N.
    A request with a sequence number is answered by the tunnel's first ACK that echoes
    it, at or after the request and before the next request with the same number; the
    latency is the time between the two records. A request logged only without a number
    is answered when the tunnel's next keep-alive record is an ACK; having no number to
    match, it has no latency.
    """
    kind = rows.lookup(s.EVENT, (DPD_REQUEST_SENT, DPD_ACK_RECEIVED))
    ka = np.nonzero(kind >= 0)[0]
    is_req = kind[ka] == 0
    seq = _sequence(rows)[ka] if s.DPD_SEQUENCE in rows.events.columns else np.full(ka.size, -1)
    tid, t = rows.tid[ka], rows.time[ka]
    # One request logged twice -- "is sending DPD request", then in the same second "is
    # sending a DPD request with sequence number N" -- counts once, with its number.
    generic, numbered = is_req & (seq < 0), is_req & (seq >= 0)
    same = (tid[1:] == tid[:-1]) & (t[1:] == t[:-1])
    twice = np.zeros(ka.size, dtype=bool)
    twice[:-1] |= generic[:-1] & numbered[1:] & same
    twice[1:] |= generic[1:] & numbered[:-1] & same
    keep = ~twice
    ka, is_req, seq, tid, t = ka[keep], is_req[keep], seq[keep], tid[keep], t[keep]

    # By sequence number: order (tunnel, number, row); a request answered by the next item.
    order = np.lexsort((ka, seq, tid))
    o_req, o_seq, o_tid = is_req[order], seq[order], tid[order]
    nxt = np.zeros(order.size, dtype=bool)
    nxt[:-1] = (o_req[:-1] & ~o_req[1:] & (o_seq[:-1] >= 0) & (o_seq[1:] == o_seq[:-1])) & (
        o_tid[1:] == o_tid[:-1]
    )
    matched = np.zeros(ka.size, dtype=bool)
    matched[order[nxt]] = True
    latency = np.full(ka.size, -1, dtype=_I64)
    latency[order[nxt]] = t[order[np.nonzero(nxt)[0] + 1]] - t[order[nxt]]

    # Without a number: answered when the tunnel's next keep-alive record is an ACK.
    follows = np.zeros(ka.size, dtype=bool)
    follows[:-1] = ~is_req[1:] & (tid[1:] == tid[:-1])
    answered = np.where(seq >= 0, matched, follows)

    req = np.nonzero(is_req)[0]
    return KeepAlives(
        pos=ka[req],
        tid=tid[req],
        time=t[req],
        answered=answered[req],
        latency=latency[req],
        streak=streaks(tid[req], ~answered[req]),
        ack_pos=ka[~is_req],
    )


def streaks(group: np.ndarray, flag: np.ndarray) -> np.ndarray:
    """Length of the run of consecutive True ``flag`` of a group ending at each item."""
    n = flag.size
    idx = np.arange(n, dtype=_I64)
    reset = ~flag.copy()
    reset[0:1] |= True
    if n:
        reset[1:] |= group[1:] != group[:-1]
    last_reset = np.maximum.accumulate(np.where(reset, idx, 0))
    base = np.where(flag[last_reset], last_reset - 1, last_reset)
    return np.where(flag, idx - base, 0).astype(_I64)


def unanswered_before(ka: KeepAlives, tid: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """Consecutive unanswered requests of the tunnel right before each row position.

    -1 where the tunnel logged no request before that row.
    """
    if ka.pos.size == 0 or pos.size == 0:
        return np.full(pos.size, -1, dtype=_I64)
    # Requests are in row order, so positions are sorted; the last one before ``pos``.
    i = np.searchsorted(ka.pos, pos, side="left") - 1
    ok = i >= 0
    ii = np.maximum(i, 0)
    ok &= ka.tid[ii] == tid
    return np.where(ok, ka.streak[ii], -1).astype(_I64)
