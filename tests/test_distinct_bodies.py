"""The split of canonical records into a numeric head and a repeated body.

``io.batch.distinct_bodies`` cuts ``{"event_timestamp":<10 or 13 digits>,`` off a record
(compiled pass) and parses the body ``{"...`` once per distinct value. The rule, written
here in plain Python from its docstring: the digits must be 10 (seconds) or 13
(milliseconds), must not start with ``0`` (a JSON number has no leading zero), and the
next bytes must be ``,"``; anything else is its own body. Hypothesis builds heads at
and around those edges and compares message by message.
"""

from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from kernels import MODES, using

from vpnlog_analytics.io.batch import Batch, distinct_bodies
from vpnlog_analytics.io.decode import NAT, epoch_to_ns

HEAD = re.compile(rb'\{"event_timestamp":([1-9][0-9]{9}|[1-9][0-9]{12}),(?=")')

DIGITS = st.one_of(
    st.integers(min_value=10**9, max_value=10**10 - 1).map(str),
    st.integers(min_value=10**12, max_value=10**13 - 1).map(str),
    st.sampled_from(["0123456789", "123456789", "12345678901", "123456789012345", "-12345678"]),
    st.text(alphabet="0123456789+-. e", min_size=0, max_size=14),
)
AFTER = st.sampled_from([',"details":"x"}', ',"details":"y"}', ", ", ',"', ",", "", '}"', ',"é"'])
CANONICAL = st.tuples(DIGITS, AFTER).map(lambda t: '{"event_timestamp":' + t[0] + t[1])
OTHER = st.sampled_from(
    ['{"details":"x","event_timestamp":1700000000}', "text line 1", "", '{"event_timestamp"']
)
MESSAGES = st.lists(st.one_of(CANONICAL, CANONICAL, OTHER).map(str.encode), max_size=40)


def _batch(messages: list[bytes]) -> Batch:
    n = len(messages)
    return Batch("test", "raw", pa.array(messages, pa.binary()), np.arange(1, n + 1))


@pytest.mark.parametrize("mode", MODES)
@settings(max_examples=400, deadline=None)
@given(messages=MESSAGES)
def test_heads_are_cut_exactly_where_the_rule_allows(mode, messages):
    with using(mode):
        out = distinct_bodies(_batch(messages))
        uniques = out.uniques.to_pylist()
        # each body is parsed once per head width (seconds, milliseconds, none)
        assert sorted(set(out.uidx.tolist())) == list(range(len(uniques)))
        for i, message in enumerate(messages):
            head = HEAD.match(message)
            if head:
                want_ns = epoch_to_ns(np.array([int(head.group(1))]))[0]
                assert out.head_ns[i] == want_ns
                assert uniques[out.uidx[i]] == b"{" + message[head.end() :]
            else:
                assert out.head_ns[i] == NAT
                assert uniques[out.uidx[i]] == message


@pytest.mark.parametrize("mode", MODES)
def test_sliced_messages(mode):
    with using(mode):
        # a batch's messages may be a slice of a larger array (offsets not from zero)
        raw = [b'{"event_timestamp":1700000000,"details":"a"}'] * 3 + [b"x"]
        batch = _batch(raw)
        batch.messages = pa.array([b"pad", *raw], pa.binary()).slice(1)
        out = distinct_bodies(batch)
        assert out.uniques.to_pylist() == [b'{"details":"a"}', b"x"]
        assert list(out.uidx) == [0, 0, 0, 1]
