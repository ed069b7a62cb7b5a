"""Values numbered by hashes of their bytes (compiled kernels) equal Arrow's numbering.

With numba installed the loader numbers repeated values (record bodies, message
skeletons: ``io.distinct``) and unifies the parts' messages in the merge
(``merge._union_hashed``) by 64-bit hashes of their bytes instead of Arrow's
``dictionary_encode`` / ``unify_dictionaries`` (``merge._union_buckets``). Both must give
the same codes and values in the same order (first appearance; in the merge bucket after
bucket); values of equal hash are compared byte for byte, and a collision of two
different values sends the loader back to Arrow. The escape check of record messages
(``_kernels.plain_ranges``) must agree with the regex it replaces. Expected values come
from the other path, from pandas or from that regex, never from the code tested.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from kernels import using

from vpnlog_analytics import read_logs
from vpnlog_analytics.io import distinct, merge, records
from vpnlog_analytics.io.decode import value_bytes

NAME = "details"


@pytest.fixture
def _kernels():
    pytest.importorskip("numba")
    from vpnlog_analytics.io import _kernels

    return _kernels


def _values() -> list[str]:
    """Messages that differ in one byte anywhere, by length alone, or only past 8 bytes."""
    base = "Phase 2 SA is established with inbound SPI: 0x"
    out = [base + f"{i:08x}: outbound SPI: 0x{i * 7919 % 2**32:08x}" for i in range(3000)]
    out += ["a" * k for k in range(40)] + ["", "\x00", "\x00\x00", "é", "e\u0301", "日本"]
    out += [f"DPD sequence {i}" for i in range(2000)]
    out += ["12345678" + c for c in "abcdefgh"] + ["1234567" + c for c in "abcdefgh"]
    return out


def _parts(rng: np.random.Generator, values: list[str], count: int) -> list[SimpleNamespace]:
    """Parts as the loader builds them: distinct local messages in buckets, codes per record."""
    parts = []
    for _ in range(count):
        local = list(dict.fromkeys(rng.choice(values, size=len(values) // 2).tolist()))
        codes = rng.integers(-1, len(local), size=3 * len(local))  # -1: no message
        ucodes, buckets = merge.bucketed(pa.array(local, pa.string()), codes)
        parts.append(SimpleNamespace(cats={NAME: buckets}, ucodes={NAME: ucodes}))
    return parts


def _copy(parts: list[SimpleNamespace]) -> list[SimpleNamespace]:
    return [
        SimpleNamespace(cats={NAME: list(p.cats[NAME])}, ucodes={NAME: p.ucodes[NAME]})
        for p in parts
    ]


@pytest.mark.parametrize("count", [1, 2, 7])
def test_hashed_union_equals_arrows(count, _kernels):
    parts = _parts(np.random.default_rng(count), _values(), count)
    with ThreadPoolExecutor(2) as pool:
        expected_cats, expected_codes = merge._union_buckets(_copy(parts), NAME, pool)()
        got = merge._union_hashed(_copy(parts), NAME, pool)
    assert got is not None
    cats, codes = got
    assert cats.to_pylist() == expected_cats.to_pylist()
    for mine, theirs in zip(codes, expected_codes, strict=True):
        np.testing.assert_array_equal(mine, theirs)
    # every record's message, read back through its codes, is the one it had
    for p, c in zip(parts, codes, strict=True):
        local = pa.concat_arrays(p.cats[NAME]).to_pylist() + [None]
        assert [local[i] for i in p.ucodes[NAME]] == [
            cats[int(i)].as_py() if i >= 0 else None for i in c
        ]


def test_the_hash_tells_apart_what_differs_and_keeps_what_is_equal(_kernels):
    values = _values()
    data, offs = value_bytes(pa.array(values, pa.string()))
    hashes = _kernels.hash_ranges(data, offs[:-1], offs[1:])
    assert len(set(hashes.tolist())) == len(set(values))
    # the same values elsewhere in another buffer (a slice, shifted by one value) hash alike
    data, offs = value_bytes(pa.array(["x", *values], pa.string()).slice(1))
    np.testing.assert_array_equal(_kernels.hash_ranges(data, offs[:-1], offs[1:]), hashes)


def test_first_seen_numbers_like_factorize(_kernels):
    rng = np.random.default_rng(5)
    hashes = rng.integers(-(2**63), 2**63 - 1, size=5000)[rng.integers(0, 5000, size=40000)]
    codes, firsts = _kernels.first_seen(hashes)
    expected, uniques = pd.factorize(hashes)
    np.testing.assert_array_equal(codes, expected)
    np.testing.assert_array_equal(hashes[firsts], uniques)
    # each first is where its value appears first
    np.testing.assert_array_equal(firsts, pd.Series(hashes).drop_duplicates().index)


def test_a_collision_falls_back_to_arrow(monkeypatch, _kernels):
    parts = _parts(np.random.default_rng(9), _values(), 3)
    collide = {"calls": 0}

    def one_hash_for_all(data: np.ndarray, starts: np.ndarray, stops: np.ndarray) -> np.ndarray:
        collide["calls"] += 1
        return np.zeros(len(starts), dtype=np.int64)

    monkeypatch.setattr(_kernels, "hash_ranges", one_hash_for_all)
    with ThreadPoolExecutor(2) as pool:
        assert merge._union_hashed(_copy(parts), NAME, pool) is None
    assert collide["calls"] == 3 * merge._BUCKETS


def test_read_logs_with_colliding_hashes_gives_the_same_table(monkeypatch, _kernels):
    # Two parts at least (files read in chunks): the collision is found, Arrow unifies.
    from pathlib import Path

    samples = Path(__file__).resolve().parents[1] / "data" / "samples"
    with using("compiled"):
        expected = read_logs(samples)
    fallbacks = {"calls": 0}
    arrow_union = merge._union_buckets

    def counted(*args):
        fallbacks["calls"] += 1
        return arrow_union(*args)

    monkeypatch.setattr(
        _kernels, "hash_ranges", lambda data, starts, stops: np.zeros(len(starts), np.int64)
    )
    monkeypatch.setattr(merge, "_union_buckets", counted)
    refused = {"calls": 0}
    number_ranges = distinct.number_ranges

    def spied(*args):
        got = number_ranges(*args)
        refused["calls"] += got is None
        return got

    # the record bodies (batch) and the skeletons (build, through encode) fall back too
    monkeypatch.setattr(distinct, "number_ranges", spied)
    monkeypatch.setattr("vpnlog_analytics.io.batch.number_ranges", spied)
    with using("compiled"):
        got = read_logs(samples)
    assert fallbacks["calls"] >= 1
    assert refused["calls"] >= 2
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    assert got.attrs == expected.attrs


def test_equal_values_share_a_bucket_whatever_lies_before_them():
    # A 1-byte value has no second-last byte: the byte before it (another value's) once
    # chose its bucket, and the Arrow path then gave the categories "a" twice.
    before = ["Phase 1 is down", "xyz", "", "DPD"]
    buckets = {int(merge._bucket_of(pa.array([b, "a"], pa.string()))[1]) for b in before}
    assert len(buckets) == 1
    parts = [
        SimpleNamespace(cats={NAME: merge.bucketed(pa.array([b, "a"]), np.arange(2))[1]})
        for b in before
    ]
    for p, b in zip(parts, before, strict=True):
        p.ucodes = {NAME: merge.bucketed(pa.array([b, "a"]), np.arange(2))[0]}
    with ThreadPoolExecutor(2) as pool:
        cats, _ = merge._union_buckets(parts, NAME, pool)()
    assert sorted(cats.to_pylist()) == sorted({*before, "a"})


@pytest.mark.parametrize("typ", [pa.string(), pa.binary(), pa.large_string()])
def test_encode_numbers_like_dictionary_encode(typ, _kernels):
    rng = np.random.default_rng(11)
    pool = _values()
    values = pa.array([pool[i] for i in rng.integers(0, len(pool), 20000)], typ)
    with using("compiled"):
        codes, uniques = distinct.encode(values.slice(3))
    expected = pc.dictionary_encode(values.slice(3))
    np.testing.assert_array_equal(codes, expected.indices.to_numpy())
    assert uniques.equals(expected.dictionary)


def test_plain_ranges_agree_with_the_escape_regex(_kernels):
    rng = np.random.default_rng(4)
    alphabet = list("ab 0x:é日") + ['"', "\\", "\x00", "\x1f", "\t", "\x7f", " "]
    values = ["".join(rng.choice(alphabet, size=rng.integers(0, 30))) for _ in range(5000)]
    arr = pa.array(values, pa.string())
    expected = ~np.asarray(pc.match_substring_regex(arr, records._SPECIAL))
    data, offs = value_bytes(arr)
    np.testing.assert_array_equal(_kernels.plain_ranges(data, offs[:-1], offs[1:]), expected)
    assert 0 < expected.sum() < len(values)
