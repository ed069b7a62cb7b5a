"""The top layer of analysis: the diagnosis, rules over the analyses that produce findings.

:func:`diagnose` runs the tunnel rules (:mod:`._tunnel_rules`) and, for tunnels with BGP
logs, the BGP rules (:mod:`._bgp_rules`); each rule reads the public analyses' arrays
(flaps, DPD timeouts, rekeys, outages, BGP sessions and routes) and the kernels, and
yields :class:`._record.Finding` records. Nothing below this package imports it.
"""

from __future__ import annotations

from .diagnose import diagnose

__all__ = ["diagnose"]
