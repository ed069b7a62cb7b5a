r"""``python -m vpnlog_analytics.simulate``: the older spelling of ``vpnlog simulate``.

It forwards to the ``vpnlog`` command, which declares the arguments::

    python -m vpnlog_analytics.simulate samples data/samples
        = vpnlog simulate --samples data/samples
    python -m vpnlog_analytics.simulate write OUT_DIR --envelope s3_export --seed 3
        = vpnlog simulate OUT_DIR --envelope s3_export --seed 3
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

#: The old subcommands (and the help) and the ``vpnlog simulate`` arguments they stand for.
_FORMS = {"samples": ["--samples"], "write": [], "-h": ["-h"], "--help": ["-h"]}


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``vpnlog simulate`` with the arguments of the old command line.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments (default: ``sys.argv[1:]``): ``samples OUT_DIR`` or ``write OUT_DIR ...``.

    Returns
    -------
    int
        The exit code of ``vpnlog simulate``.
    """
    from ..cli import main as vpnlog  # the front end sits above the simulator

    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] not in _FORMS:
        print(
            "usage: python -m vpnlog_analytics.simulate {samples,write} OUT_DIR ...\n"
            "  (now: vpnlog simulate --samples OUT_DIR, vpnlog simulate OUT_DIR ...)",
            file=sys.stderr,
        )
        return 2
    return vpnlog(["simulate", *_FORMS[args[0]], *args[1:]])


if __name__ == "__main__":
    sys.exit(main())
