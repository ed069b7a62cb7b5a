"""The timeline's outage notes cover no other down band of their lane and stay in the axes.

Rendered from the bundled samples over the month (where notes compete for room: the site
outage's tunnels, the PSK outage beside the DPD outage on one tunnel) and for the
21 October outage hour; each note's drawn box is compared with the drawn down bands of
its own lane (the band it names excepted) and with the axes, all in display pixels.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import vpnlog_analytics as vl
from vpnlog_analytics.plotting import plot_timeline

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"


@pytest.fixture(scope="module")
def events():
    return vl.read_logs(SAMPLES)


def _spans(coll, renderer) -> list[tuple[float, float]]:
    """The x ranges [px] of a band collection's bars."""
    out = []
    for path in coll.get_paths():
        box = path.get_extents(coll.get_transform())
        out.append((box.x0, box.x1))
    return out


@pytest.mark.parametrize(
    "window", [(None, None), ("2026-10-21 09:30", "2026-10-21 10:30")], ids=["month", "hour"]
)
def test_notes_cover_no_other_down_band(events, window) -> None:
    ax = plot_timeline(events, start=window[0], end=window[1])
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(ax.figure)
    canvas.draw()
    renderer = canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    notes = [t for t in ax.texts if str(t.get_gid() or "").startswith("outage:")]
    assert notes, "the timeline annotates its outages"
    bands = {str(c.get_gid()): c for c in ax.collections if str(c.get_gid()).startswith("state:")}
    for note in notes:
        lane = str(note.get_gid()).split(":", 1)[1]
        box = note.get_window_extent(renderer)
        assert frame.x0 - 1 <= box.x0 and box.x1 <= frame.x1 + 1, note.get_text()
        down = bands.get(f"state:down:{lane}")
        if down is None:
            continue
        anchor = ax.transData.transform(note.xy)[0]
        for a, b in _spans(down, renderer):
            if a - 1 <= anchor <= b + 1:
                continue  # the band the note names
            assert b <= box.x0 or box.x1 <= a, (note.get_text(), (a, b), (box.x0, box.x1))
