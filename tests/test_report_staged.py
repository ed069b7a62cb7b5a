"""The report is staged: a folder holds one whole report, the previous one, or nothing.

In-process tests drive the staging helpers on small made-up reports (every state a killed
run can leave); the crash test runs ``vpnlog report`` on the samples in child processes,
kills them with SIGKILL and SIGINT at seeded random moments of the write, runs the user's
next command and compares with a clean run.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from vpnlog_analytics.errors import VpnLogError
from vpnlog_analytics.report import _staging as st

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"


def verify(folder: Path) -> dict[str, str]:
    """Check a report folder against its manifest; return each file's SHA-256 by path.

    Written apart from the package's own check: every output the manifest lists exists
    with its size and SHA-256, and the folder holds nothing else.
    """
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["generator"] == "vpnlog-analytics"
    hashes = {}
    for out in manifest["outputs"]:
        raw = (folder / out["path"]).read_bytes()
        assert len(raw) == out["size"], out["path"]
        assert hashlib.sha256(raw).hexdigest() == out["sha256"], out["path"]
        hashes[out["path"]] = out["sha256"]
    on_disk = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert on_disk == set(hashes) | {"manifest.json"}
    return hashes


def leftovers(target: Path) -> list[str]:
    return sorted(p.name for p in target.parent.iterdir() if p.name.startswith(f".{target.name}."))


def fake_report(folder: Path, text: str = "a") -> None:
    """Write a tiny report of ours into ``folder`` (a page, a chart and the manifest)."""
    (folder / "charts").mkdir(parents=True, exist_ok=True)
    (folder / "index.html").write_text(f"<p>{text}</p>")
    (folder / "charts" / "c.png").write_bytes(text.encode() * 10)
    outputs = [
        {"path": p, "size": (folder / p).stat().st_size, "sha256": st.sha256_of(folder / p)}
        for p in ("index.html", "charts/c.png")
    ]
    manifest = {"generator": "vpnlog-analytics", "outputs": outputs}
    (folder / "manifest.json").write_text(json.dumps(manifest))


def write_staged(target: Path, text: str) -> None:
    with st.staged(st.prepare_target(target)) as out:
        fake_report(out, text)


# --- the target: absent, empty, a previous report, or refused ---------------------------------


def test_absent_and_empty_targets_get_the_report(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    for target in (tmp_path / "new" / "deeper", empty):
        write_staged(target, "x")
        verify(target)
        assert leftovers(target) == []


def test_previous_report_is_replaced_whole(tmp_path: Path) -> None:
    target = tmp_path / "r"
    write_staged(target, "old")
    (target / "charts" / "old_only.png").write_bytes(b"old")  # listed in no manifest yet
    manifest = json.loads((target / "manifest.json").read_text())
    manifest["outputs"].append(
        {"path": "charts/old_only.png", "size": 3, "sha256": hashlib.sha256(b"old").hexdigest()}
    )
    (target / "manifest.json").write_text(json.dumps(manifest))
    write_staged(target, "new")
    assert set(verify(target)) == {"index.html", "charts/c.png"}  # nothing of the old one
    assert (target / "index.html").read_text() == "<p>new</p>"
    assert leftovers(target) == []


@pytest.mark.parametrize(
    ("files", "said"),
    [
        ({"notes.txt": "mine"}, "not a report folder written by vpnlog-analytics"),
        ({"index.html": "<p>hand-made</p>"}, "(it holds index.html)"),
        ({"manifest.json": "{not json"}, "not a report folder"),
    ],
    ids=["other files", "a page of ours by name only", "broken manifest"],
)
def test_a_folder_of_other_files_is_refused_and_untouched(
    tmp_path: Path, files: dict[str, str], said: str
) -> None:
    target = tmp_path / "mine"
    target.mkdir()
    for name, text in files.items():
        (target / name).write_text(text)
    with pytest.raises(VpnLogError, match="mine") as err:
        write_staged(target, "x")
    assert said in str(err.value)
    assert {p.name: p.read_text() for p in target.iterdir()} == files
    assert leftovers(target) == []


def test_a_report_folder_with_a_users_file_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "r"
    write_staged(target, "old")
    (target / "my-notes.md").write_text("keep me")
    with pytest.raises(VpnLogError, match=r"files the report did not write \(my-notes.md\)"):
        write_staged(target, "new")
    assert (target / "my-notes.md").read_text() == "keep me"
    assert (target / "index.html").read_text() == "<p>old</p>"


def test_a_file_browsers_litter_does_not_make_a_report_foreign(tmp_path: Path) -> None:
    target = tmp_path / "r"
    write_staged(target, "old")
    (target / "charts" / ".DS_Store").write_bytes(b"\0")
    write_staged(target, "new")
    verify(target)


def test_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "r").write_text("x")
    with pytest.raises(VpnLogError, match="is a file, not a report folder"):
        st.prepare_target(tmp_path / "r")


# --- a failed or interrupted write leaves the previous report ---------------------------------


@pytest.mark.parametrize("error", [RuntimeError("boom"), KeyboardInterrupt()])
def test_a_failed_write_leaves_the_previous_report(tmp_path: Path, error: BaseException) -> None:
    target = tmp_path / "r"
    write_staged(target, "old")
    before = verify(target)
    with pytest.raises(type(error)), st.staged(st.prepare_target(target)) as out:
        (out / "index.html").write_text("half")
        raise error
    assert verify(target) == before
    assert leftovers(target) == []


def test_the_target_turning_foreign_meanwhile_is_refused_at_the_swap(tmp_path: Path) -> None:
    target = tmp_path / "r"
    with pytest.raises(VpnLogError, match="not a report folder"):
        with st.staged(st.prepare_target(target)) as out:
            fake_report(out)
            target.mkdir()
            (target / "theirs.txt").write_text("x")
    assert [p.name for p in target.iterdir()] == ["theirs.txt"]
    assert leftovers(target) == []


def test_ctrl_c_during_the_swap_waits_for_its_end(tmp_path: Path) -> None:
    got = []
    with pytest.raises(KeyboardInterrupt), st._deferred_sigint():
        os.kill(os.getpid(), signal.SIGINT)
        got.append("ran to the end")
    assert got == ["ran to the end"]


# --- what a killed run leaves, put right by the next run --------------------------------------


def test_only_the_aside_copy_left_is_restored(tmp_path: Path) -> None:
    """Killed between the two renames: previous report aside, the new one staged, no target."""
    target = tmp_path / "r"
    write_staged(target, "old")
    before = verify(target)
    target.rename(tmp_path / ".r.previous-0123abcd")
    staging = tmp_path / ".r.staging-89abcdef"
    fake_report(staging, "new")  # complete, its marker already removed
    st.prepare_target(target)
    assert verify(target) == before
    assert leftovers(target) == []


def test_an_aside_copy_is_restored_as_it_was_even_if_it_did_not_verify(tmp_path: Path) -> None:
    """A report an older version left half-rewritten is still the user's previous report."""
    target = tmp_path / "r"
    aside = tmp_path / ".r.previous-0123abcd"
    fake_report(aside, "old")
    (aside / "index.html").write_text("<p>rewritten</p>")
    st.prepare_target(target)
    assert (target / "index.html").read_text() == "<p>rewritten</p>"
    assert leftovers(target) == []


def test_aside_copy_beside_a_target_is_removed(tmp_path: Path) -> None:
    target = tmp_path / "r"
    write_staged(target, "new")
    aside = tmp_path / ".r.previous-0123abcd"
    fake_report(aside, "old")
    (aside / "index.html").unlink()  # its removal was cut short: manifest goes last
    st.prepare_target(target)
    assert leftovers(target) == []
    assert (target / "index.html").read_text() == "<p>new</p>"


def test_killed_staging_folders_are_removed_live_and_foreign_ones_kept(tmp_path: Path) -> None:
    target = tmp_path / "r"
    dead = tmp_path / ".r.staging-00000001"
    dead.mkdir()
    (dead / st.MARKER).write_text("{}")
    (dead / "tables.csv").write_text("a\n1\n")
    empty = tmp_path / ".r.staging-00000002"  # killed between mkdir and its marker
    empty.mkdir()
    foreign = tmp_path / ".r.staging-00000003"  # our name, not our content
    foreign.mkdir()
    (foreign / "theirs.txt").write_text("x")
    other_target = tmp_path / ".s.staging-00000004"  # another report's
    other_target.mkdir()
    (other_target / st.MARKER).write_text("{}")
    live = tmp_path / ".r.staging-00000005"
    live.mkdir()
    with (live / st.MARKER).open("wb") as held:
        import fcntl

        fcntl.flock(held.fileno(), fcntl.LOCK_EX)  # another run still writing
        st.prepare_target(target)
    assert leftovers(target) == [foreign.name, live.name]
    assert other_target.is_dir()


# --- the crash test: vpnlog report killed at random moments, then run again -------------------

WINDOW = ["--from", "2026-10-20", "--to", "2026-10-23"]
ENV = {**os.environ, "MPLBACKEND": "Agg"}


def start(out: Path) -> subprocess.Popen[str]:
    """Start ``vpnlog report`` on three days of the samples, as a user types it."""
    argv = ["report", str(SAMPLES), *WINDOW, "-o", str(out)]
    return subprocess.Popen(
        [sys.executable, "-m", "vpnlog_analytics.cli", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=ENV,
    )


def run_to_end(out: Path) -> tuple[float, float]:
    """Run a report to its end; return when its staging folder appeared and when it ended [s]."""
    t0 = time.monotonic()
    child = start(out)
    staging_at = None
    while child.poll() is None:
        if staging_at is None and leftovers(out):
            staging_at = time.monotonic() - t0
        time.sleep(0.02)
    _, err = child.communicate()
    assert child.returncode == 0, err
    return staging_at or 0.0, time.monotonic() - t0


def killed_run(out: Path, sig: signal.Signals, delay: float) -> tuple[int, str]:
    """Start a report, send ``sig`` ``delay`` after its staging folder appears [s]."""
    before = set(leftovers(out))
    child = start(out)
    while child.poll() is None and not set(leftovers(out)) - before:
        time.sleep(0.02)
    time.sleep(delay)
    child.send_signal(sig)
    _, err = child.communicate(timeout=300)
    return child.returncode, err


def test_reports_killed_at_random_moments_then_run_again(tmp_path: Path) -> None:
    """SIGKILL and SIGINT across the write: the folder is the previous report or the new one,
    whole, or absent if there was none; Ctrl-C cleans up and says one line; the next run
    leaves what a clean run leaves."""
    clean = tmp_path / "clean"
    staging_at, took = run_to_end(clean)
    expected = verify(clean)
    rng = random.Random(23)
    writing = took - staging_at  # from the staging folder's first instant to the end [s]
    target = tmp_path / "report"
    previous: dict[str, str] | None = None  # the hashes of the report the folder held
    plan = [signal.SIGKILL, signal.SIGINT] * 3
    outcomes = []
    for i, sig in enumerate(plan):
        if i == 2:  # after two kills into no folder, kills into a previous report
            if not target.exists():
                shutil.copytree(clean, target)
            previous = verify(target)
        before = set(leftovers(target))
        code, err = killed_run(target, sig, rng.uniform(0, 0.75 * writing))
        if sig == signal.SIGINT:
            assert code in (0, 130), err
            if code == 130:
                assert err == "vpnlog: interrupted\n"
                assert set(leftovers(target)) <= before, "Ctrl-C left its staging folder"
        else:
            assert code in (0, -signal.SIGKILL), err
        if not target.exists():
            assert previous is None, "the previous report was lost"
            outcomes.append((sig.name, code, "none, as before"))
            continue
        got = verify(target)
        assert set(got) == set(expected)
        outcomes.append((sig.name, code, "previous kept" if got == previous else "new, whole"))
        previous = got
    # the kills fell inside the runs (a busy machine may let one finish first)
    assert {o[0] for o in outcomes if o[1] != 0} == {"SIGKILL", "SIGINT"}, outcomes

    run_to_end(target)  # the user's next command
    got = verify(target)
    assert set(got) == set(expected)
    assert leftovers(target) == []
    # the tables are the clean run's, byte for byte (pages and manifest carry the time)
    tables = {p: h for p, h in got.items() if p.endswith(".csv")}
    assert tables == {p: h for p, h in expected.items() if p.endswith(".csv")}
