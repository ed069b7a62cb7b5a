"""Honest silence and unknown messages where people see them: CLI, report, timeline, Dask.

The tables are built from hand-written records whose figures are derived in comments: a
tunnel up at 00:00 and 00:30 that logs again at 03:00 is up to 01:45 (its last record +
the default ``stale_after`` of 75 min) and unobserved from 01:45 to 03:00.
"""

from __future__ import annotations

import io
import json
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from vpnlog_analytics import build_report, message_catalog, parse_records
from vpnlog_analytics.cli import main
from vpnlog_analytics.plotting import plot_timeline

VPN = "vpn-0d17975e9b801ddcd"
IP1, IP2 = "18.143.226.251", "52.74.111.174"
D = "2024-08-20 "


def record(t: str, details: str, up: bool = True) -> str:
    state = "established" if up else "down"
    epoch = int(pd.Timestamp(D + t, tz="UTC").timestamp())
    return json.dumps(
        {
            "event_timestamp": epoch,
            "details": details,
            "dpd_enabled": True,
            "nat_t_detected": True,
            "ike_phase1_state": state,
            "ike_phase2_state": state,
        },
        separators=(",", ":"),
    )


PACKET = (
    "sending packet: from 18.143.226.251 [UDP 4500] to cgw-0ce820f9dd04721d8 [UDP 4500] (92 bytes)"
)
ODD = "AWS tunnel frobnicated {n} widgets for cgw-0ce820f9dd04721d8"


def write_logs(folder: Path) -> Path:
    """IP1: up 00:00, 00:30, silent, up 03:00 (plus two unknown lines at 03:00); IP2: up
    every 30 min 00:00-03:00, so the connection stays up (and observed) throughout."""
    folder.mkdir(parents=True, exist_ok=True)
    one = [record(t, PACKET) for t in ("00:00", "00:30", "03:00")]
    one += [record("03:00", ODD.format(n=n)) for n in (3, 17)]
    two = [record(f"0{h}:{m}", PACKET) for h in range(3) for m in ("00", "30")]
    two.append(record("03:00", PACKET))
    (folder / f"{VPN}-{IP1}-IKE.log").write_text("\n".join(one) + "\n")
    (folder / f"{VPN}-{IP2}-IKE.log").write_text("\n".join(two) + "\n")
    return folder


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def test_cli_summary_counts_the_silence_as_unknown(tmp_path: Path) -> None:
    logs = str(write_logs(tmp_path / "logs"))
    code, out, err = run("summary", logs, "--format", "json")
    assert code == 0, err
    rows = {r["tunnel_ip"]: r for r in json.loads(out)}
    # IP1: window 00:00 to 03:00:01; up 00:00-01:45 and 03:00-03:00:01; unknown 1 h 15 min.
    assert pd.Timedelta(rows[IP1]["unknown_time"]) == pd.Timedelta("75min")
    code, out, _ = run("summary", logs, "--format", "json", "--stale-after", "none")
    carried = {r["tunnel_ip"]: r["unknown_time"] for r in json.loads(out)}
    assert pd.Timedelta(carried[IP1]) == pd.Timedelta(0)


def test_cli_rejects_a_bad_stale_after(tmp_path: Path) -> None:
    logs = str(write_logs(tmp_path / "logs"))
    with pytest.raises(SystemExit) as exc, redirect_stderr(io.StringIO()) as err:
        main(["outages", logs, "--stale-after", "soon"])
    assert exc.value.code == 2 and "--stale-after" in err.getvalue()


def test_cli_unknown_lists_templates(tmp_path: Path) -> None:
    logs = str(write_logs(tmp_path / "logs"))
    code, out, err = run("unknown", logs, "--format", "json")
    assert code == 0, err
    rows = json.loads(out)
    # 2 of 12 records: one template, one tunnel, the first line as the example.
    assert [(r["template"], r["count"], r["tunnels"]) for r in rows] == [
        ("AWS tunnel frobnicated <n> widgets for <cgw>", 2, 1)
    ]
    assert rows[0]["share"] == pytest.approx(2 / 12)
    assert rows[0]["example"] == ODD.format(n=3)
    code, out, _ = run("unknown", logs)
    assert out.splitlines()[0].startswith("2 record(s) (16.67%) in 1 template(s)")


def test_cli_catalog_shows_provenance() -> None:
    code, out, _ = run("catalog")
    assert code == 0
    head = out.splitlines()
    counts = message_catalog()["provenance"].value_counts()
    told = ", ".join(f"{counts[p]} {p}" for p in ("documented", "observed", "inferred"))
    assert head[0].startswith(f"{sum(counts)} rules ({told})")
    columns = next(line for line in head if line.startswith("event"))  # after the wrapped line
    assert "provenance" in columns and "source" in columns
    code, out, _ = run("catalog", "--format", "json")
    rows = json.loads(out)
    inferred = sorted({r["event"] for r in rows if r["provenance"] == "inferred"})
    assert inferred == [
        "child_sa_request_sent",
        "child_sa_response_received",
        "ike_sa_closing",
        "phase1_sa_established",
    ]


def test_timeline_draws_the_silence_as_unknown(tmp_path: Path) -> None:
    events = parse_records(
        [record(t, PACKET) for t in ("00:00", "00:30", "03:00")],
        log_stream=f"{VPN}-{IP1}-IKE.log",
    )
    ax = plot_timeline(events)
    unknown = next(c for c in ax.collections if c.get_gid() == f"state:unknown:{IP1}")
    verts = unknown.get_paths()[0].vertices
    width = verts[:, 0].max() - verts[:, 0].min()
    assert width * 24 == pytest.approx(1.25, abs=1e-6)  # 01:45 to 03:00
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "unknown: not observed" in legend
    carried = plot_timeline(events, stale_after=None)
    assert f"state:unknown:{IP1}" not in {c.get_gid() for c in carried.collections}
    plt.close("all")


def test_report_lists_unknown_templates_and_states_the_rule(tmp_path: Path) -> None:
    from vpnlog_analytics import read_logs

    events = read_logs(write_logs(tmp_path / "logs"))
    report = build_report(events, tmp_path / "report", start=D + "00:00", end=D + "04:00")
    unknown = report.tables["unknown_messages"]
    assert unknown["count"].tolist() == [2]
    page = report.markdown.read_text()
    assert "Messages the catalogue does not know" in page
    assert "AWS tunnel frobnicated <n> widgets for <cgw>" in page
    assert "An up state holds at most 75 min" in page
    assert "A down state holds until the next record" in page
    assert report.manifest["parameters"]["stale_after_s"] == 4500.0
    # IP2 logs every 30 min until 03:00, so it is up to 04:00 (the window's end): the
    # connection is observed throughout although IP1 is unknown 01:45-03:00.
    avail = report.tables["availability"]
    assert avail["unobserved"].tolist() == [pd.Timedelta(0)]
    carried = build_report(
        events, tmp_path / "r2", start=D + "00:00", end=D + "04:00", stale_after=None
    )
    assert "States were carried through every silence" in carried.markdown.read_text()
    assert carried.manifest["parameters"]["stale_after_s"] is None
    plt.close("all")
