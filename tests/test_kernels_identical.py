"""The loader's two kernels give one table: numpy and Arrow passes, or numba's compiled ones.

``read_logs`` runs compiled kernels where numba (the ``fast`` extra) is installed and
numpy/Arrow passes elsewhere (``VPNLOG_KERNELS`` chooses). Both are read here from the
same files: the bundled samples (an S3 export, a Logs Insights CSV, BGP records) and a
simulated week of rekey traffic whose parameters sit mid-message (request ids, SPIs,
packet sizes), written as raw ``.jsonl.gz`` with a few records made awkward by hand (a
leading-zero head, a head with a sign, an escaped quote, a millisecond head). Every
column (categories in the same order) and every ``attrs`` entry must be equal.
"""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

import pandas as pd
import pytest
from kernels import using

from vpnlog_analytics import read_logs
from vpnlog_analytics.errors import OptionError
from vpnlog_analytics.io import skeleton
from vpnlog_analytics.io.skeleton import KERNELS_ENV, compiled
from vpnlog_analytics.simulate import simulate_logs

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"


@pytest.fixture(scope="module")
def rekey_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    start = pd.Timestamp("2026-10-01", tz="UTC")
    sim = simulate_logs(
        start,
        start + pd.Timedelta(days=7),
        connections=2,
        seed=3,
        incidents="random",
        chatter=(1200, 2400),
        varied=True,
    )
    out = tmp_path_factory.mktemp("rekey")
    sim.write(out, "raw", gzip=True)
    # awkward records appended to one stream (each a valid or invalid variant of a head)
    target = sorted(out.glob("*.gz"))[0]
    with gzip.open(target, "rt") as fh:
        first = fh.readline()
    body = first[first.index(',"details"') :]
    extra = [
        '{"event_timestamp":0179000000' + body,  # leading zero (10 digits): not JSON
        '{"event_timestamp":+179000000' + body,  # a sign (10 characters): not JSON
        '{"event_timestamp":1790000000123' + body,  # milliseconds
        '{"event_timestamp":1790000001,"details":"x \\"quoted\\" y","dpd_enabled":true,'
        '"nat_t_detected":false,"ike_phase1_state":"up","ike_phase2_state":"up"}\n',
    ]
    with gzip.open(target, "at") as fh:
        fh.writelines(extra)
    return out


def _read(mode: str, source: Path) -> pd.DataFrame:
    with using(mode):
        return read_logs(source, errors="skip")


@pytest.mark.parametrize("source", ["samples", "rekey"])
def test_both_kernels_give_one_table(source, rekey_files):
    pytest.importorskip("numba")
    path = SAMPLES if source == "samples" else rekey_files
    numpy_table, compiled_table = _read("numpy", path), _read("compiled", path)
    pd.testing.assert_frame_equal(numpy_table, compiled_table, check_exact=True)
    assert numpy_table.attrs == compiled_table.attrs
    assert len(numpy_table) > 1000
    if source == "rekey":
        # the two heads that are no JSON are skipped and counted, the others read
        assert sum(numpy_table.attrs["skipped"].values()) == 2
        assert (numpy_table["details"] == 'x "quoted" y').sum() == 1


def test_the_environment_chooses(monkeypatch):
    monkeypatch.setenv(KERNELS_ENV, "numpy")
    assert not compiled()
    monkeypatch.setenv(KERNELS_ENV, "fastest")
    with pytest.raises(OptionError, match="use 'numpy' or 'compiled'"):
        compiled()
    monkeypatch.setenv(KERNELS_ENV, "compiled")
    try:
        import numba  # noqa: F401
    except ImportError:
        with pytest.raises(OptionError, match=r"vpnlog-analytics\[fast\]"):
            compiled()
    else:
        assert compiled()


def test_kernels_that_cannot_load_leave_the_numpy_passes(monkeypatch):
    # numba refuses to define cached functions where it can write no cache (a read-only
    # installation and home): made to fail here by hiding the module
    pytest.importorskip("numba")
    import vpnlog_analytics.io as io_package

    monkeypatch.setitem(sys.modules, "vpnlog_analytics.io._kernels", None)
    monkeypatch.delattr(io_package, "_kernels", raising=False)
    skeleton._kernels_failure.cache_clear()
    try:
        monkeypatch.delenv(KERNELS_ENV, raising=False)
        assert not compiled()
        table = read_logs(SAMPLES)
        assert len(table) == table.attrs["kept"]
        monkeypatch.setenv(KERNELS_ENV, "compiled")
        with pytest.raises(OptionError, match="the kernels do not load"):
            compiled()
    finally:
        monkeypatch.undo()
        skeleton._kernels_failure.cache_clear()
    assert compiled()
