r"""Command line: regenerate the bundled samples or write simulated logs.

Usage::

    python -m vpnlog_analytics.simulate samples data/samples
    python -m vpnlog_analytics.simulate write OUT_DIR --envelope s3_export \\
        --start 2026-10-01 --end 2026-10-08 --connections 2 --seed 3 --incidents random
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from . import ENVELOPES, write_samples, write_simulation

logger = logging.getLogger("vpnlog_analytics.simulate")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m vpnlog_analytics.simulate",
        description="Simulated AWS Site-to-Site VPN tunnel logs with exact ground truth.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    samples = sub.add_parser("samples", help="regenerate the bundled samples")
    samples.add_argument("out_dir", help="usually data/samples")
    w = sub.add_parser("write", help="simulate and write logs in one envelope")
    w.add_argument("out_dir")
    w.add_argument("--envelope", choices=ENVELOPES, default="raw")
    w.add_argument("--start", default="2026-10-01")
    w.add_argument("--end", default="2026-10-02")
    w.add_argument("--connections", type=int, default=3)
    w.add_argument("--seed", type=int, default=0)
    w.add_argument("--incidents", choices=("none", "random", "samples"), default="random")
    w.add_argument("--bgp", action="store_true", help="also write -BGP.log streams")
    w.add_argument("--truth", help="also write the ground truth to this CSV file")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        Exit status.
    """
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.command == "samples":
        written = write_samples(args.out_dir)
    else:
        written = write_simulation(
            args.out_dir,
            envelope=args.envelope,
            start=args.start,
            end=args.end,
            connections=args.connections,
            seed=args.seed,
            incidents=args.incidents,
            bgp=args.bgp,
            truth=args.truth,
        )
    logger.info("%d file(s) written", len(written))
    return 0


if __name__ == "__main__":
    sys.exit(main())
