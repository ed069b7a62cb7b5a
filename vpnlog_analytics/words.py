"""How the package says a duration and a count to people, in one place.

Every layer that writes for people (the findings, the CLI, the report, the charts) takes
its wording of a duration and a counted noun from here, so that one outage reads the same
everywhere: at most two units, the larger first, rounded to the smaller one -- never
truncated (30 d 21:58:45 is "30 d 22 h", not "30 d 21 h").
"""

from __future__ import annotations

from typing import Final

__all__ = ["duration_parts", "plural"]

#: The units a duration is said in, largest first: (seconds, name).
UNITS: Final = ((86_400, "d"), (3600, "h"), (60, "min"), (1, "s"))


def duration_parts(seconds: float) -> list[tuple[int, str]]:
    """Split a duration into its two largest units, rounded to the smaller one.

    Parameters
    ----------
    seconds : float
        The duration [s], not negative.

    Returns
    -------
    list of (int, str)
        Two (value, unit) pairs -- the largest unit that is not zero and the next one
        (``[(0, "s")]`` below half a second, one pair below a minute). A rounding that
        carries moves up a unit: 59 min 59.6 s is ``[(1, "h"), (0, "min")]``.

    Examples
    --------
    >>> duration_parts(18281)  # 5:04:41
    [(5, 'h'), (5, 'min')]
    >>> duration_parts(2671125)  # 30 d 21:58:45
    [(30, 'd'), (22, 'h')]
    """
    for (big, name), (small, small_name) in zip(UNITS[:-2], UNITS[1:-1], strict=True):
        steps = round(seconds / small)
        if steps * small >= big:
            whole, rest = divmod(steps, big // small)
            return [(whole, name), (rest, small_name)]
    minutes, secs = divmod(round(seconds), 60)
    return [(minutes, "min"), (secs, "s")] if minutes else [(secs, "s")]


def plural(n: int, word: str, many: str | None = None) -> str:
    """Return a count with its noun, singular for one: '1 DPD timeout', '2 DPD timeouts'.

    ``many`` is the plural where adding an 's' is wrong ('expiry', 'expiries').

    Examples
    --------
    >>> plural(1, "file"), plural(1204, "record"), plural(2, "stretch", "stretches")
    ('1 file', '1,204 records', '2 stretches')
    """
    return f"{n:,} {word if n == 1 else many or word + 's'}"
