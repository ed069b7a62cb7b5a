"""The loader's shortcuts over message text give exactly what the regex passes give.

Distinct messages are grouped by skeleton and parameters are taken per group
(DESIGN.md section 3: classify templates once). Two shortcuts avoid a regex pass per
message: messages ending in a number take their skeleton from the rest of the message,
and a parameter that is the one token of its skeleton is sliced. Hypothesis builds
messages from the pieces that decide both (numbers, ``)``, ``-``, ``cgw-``, ``0x``,
``Phase``, words, non-ASCII) and compares with the plain regex result per message.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from kernels import MODES, using

from vpnlog_analytics import catalog
from vpnlog_analytics.io import build

PIECES = st.sampled_from(
    [
        "CGW sent DPD ACK (sequence number ",
        "AWS tunnel is sending a DPD request with sequence number ",
        "AWS tunnel processed request (id=",
        ") for Quick Mode",
        "Phase ",
        "Phase 2 SA",
        "cgw-",
        "vpn-",
        "0x",
        "SPI: ",
        "after ",
        " retransmits",
        "abc",
        "_",
        "-",
        ")",
        "(",
        " ",
        ".",
        ":",
        "é",
        "#",
    ]
)
NUMBERS = st.integers(min_value=0, max_value=10**12).map(str)
FREE = st.lists(st.one_of(PIECES, NUMBERS, st.just("deadbeef")), min_size=1, max_size=7).map(
    "".join
)
# Most real messages end in a number: a prefix, digits, maybe a closing parenthesis.
ENDING_IN_A_NUMBER = st.tuples(
    st.lists(st.one_of(PIECES, NUMBERS), min_size=0, max_size=4).map("".join),
    NUMBERS,
    st.sampled_from(["", ")", "))", ")x", "0"]),
).map("".join)
# Tokens of other kinds where a number usually is: same skeleton, different token.
TOKENS = st.one_of(
    NUMBERS,
    st.sampled_from(["0x1f", "0xdeadbeef", "cgw-0ce820f9", "vpn-0d17", "007", "٣"]),
)
SAME_PLACE = st.tuples(
    st.sampled_from(["CGW sent DPD ACK (sequence number ", "request (id=", "after ", "SPI: "]),
    TOKENS,
    st.sampled_from(["", ")", ") for Quick Mode", " retransmits"]),
).map("".join)
MESSAGES = st.one_of(FREE, ENDING_IN_A_NUMBER, SAME_PLACE)


@pytest.mark.parametrize("mode", MODES)
@settings(max_examples=300, deadline=None)
@given(messages=st.lists(MESSAGES, min_size=1, max_size=40))
def test_skeleton_groups_equal_the_regex_skeleton_of_each_message(mode, messages):
    with using(mode):
        details = pa.array(messages, pa.string())
        grouping = build._skeleton_groups(details)
        codes, skeletons = grouping.codes, grouping.skeletons
        got = skeletons.take(pa.array(codes)).to_pylist()
        assert got == build._skeleton(details).to_pylist()
        assert sorted(set(codes.tolist())) == list(range(len(skeletons)))


@pytest.mark.parametrize("mode", MODES)
@settings(max_examples=300, deadline=None)
@given(messages=st.lists(MESSAGES, min_size=1, max_size=40))
def test_sliced_parameters_equal_the_regex_match_of_each_message(mode, messages):
    with using(mode):
        details = pa.array(messages, pa.string())
        grouping = build._skeleton_groups(details)
        group, skeletons = grouping.codes, grouping.skeletons
        _, first = np.unique(group, return_index=True)
        slots = build._Slots.of(group, first, skeletons, grouping.tokens)
        everywhere = np.zeros(len(messages), dtype=np.int64)  # one "template" that carries all
        templates = pa.array(["<cgw> SPI: (id= retransmits sequence number cgw:"])
        for column, patterns in catalog.EXTRACT_PATTERNS.items():
            fast = build._extract(details, everywhere, templates, patterns, slots).to_pylist()
            plain = build._extract(details, everywhere, templates, patterns).to_pylist()
            assert fast == plain, column


@pytest.mark.parametrize("mode", MODES)
def test_messages_ending_in_a_number_take_both_shortcuts(mode):
    """Hand-built: the keep-alive lines of one tunnel (three sequence numbers, one with a
    different digit count) are one skeleton group per wording and all three values are
    sliced; the pattern matches neither the Phase line nor the gateway id line, so
    their groups are known to hold no value without a search per message."""
    with using(mode):
        messages = [
            "CGW sent DPD ACK (sequence number 1626970380)",
            "CGW sent DPD ACK (sequence number 1626970381)",
            "CGW sent DPD ACK (sequence number 77)",
            "AWS tunnel selected proposals for Phase 2",
            "to cgw-0ce820f9dd04721d8",
        ]
        details = pa.array(messages, pa.string())
        grouping = build._skeleton_groups(details)
        group, skeletons = grouping.codes, grouping.skeletons
        assert group[0] == group[1] == group[2]
        assert skeletons[int(group[0])].as_py() == "CGW sent DPD ACK (sequence number #)"
        assert skeletons[int(group[3])].as_py() == "AWS tunnel selected proposals for Phase_2"
        assert skeletons[int(group[4])].as_py() == "to #"
        _, first = np.unique(group, return_index=True)
        slots = build._Slots.of(group, first, skeletons, grouping.tokens)
        rows, values = build._slot_values(
            details, np.arange(5), catalog.EXTRACT_PATTERNS["dpd_sequence"][0], slots
        )
        assert rows.tolist() == [0, 1, 2, 3, 4]
        assert values.to_pylist() == ["1626970380", "1626970381", "77", None, None]
