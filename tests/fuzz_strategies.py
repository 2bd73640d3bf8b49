"""Shared by the fuzz tests: hostile text, out-of-range numbers and dates, and the checks that
nothing stored holds a CPR number and no page shows raw HTML."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from tests.privacy_helpers import all_text

CPR = "010203-1234"
SCRIPT = "<script>alert(1)</script>"
FRAGMENTS = st.sampled_from([
    "'; DROP TABLE people; --", "\" OR 1=1 --", SCRIPT, "<b>fed</b>", "<img src=x onerror=1>",
    "{{ 7*7 }}", "%(name)s", "{0}", CPR, "0102031234", "min cpr er 010203 1234", "slet mine data",
    "ja", "nej", "STOP", "START", "/start", "/start mentor", "/data", "/stop", "/sprog", "1", "٣",
    "²", "\x00", "\x1b[31m", "\r\n", "\u202e", "\ufeff", "😀", "👨‍👩‍👧", "a" * 1700,
    "ø" * 700, "9" * 40,
])  # fmt: skip
MIXED = st.lists(st.one_of(st.text(max_size=40), FRAGMENTS), max_size=4).map("".join)
TEXTS = st.one_of(st.text(max_size=300), FRAGMENTS, MIXED)
# JSON bodies may also carry a lone surrogate ("\udcff"), which no form or URL can encode.
JSON_TEXTS = st.one_of(TEXTS, st.builds("{}\udcff{}".format, TEXTS, TEXTS))
NUMBERS = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.sampled_from([0, -1, 2**31, 2**63, 2**64, 10**30, -(10**30), 10**300]),
)
NUMBER_TEXTS = st.one_of(NUMBERS.map(str), TEXTS, st.sampled_from(["0001-01-01", "9999-12-31"]))
# Bounded so a file stays under a minute on a loaded 2-core machine (FUZZ_EXAMPLES=300 for a
# deeper run by hand); no deadline, as a single example may wait on a busy database.
FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "30")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


async def assert_no_cpr_stored(sessions: async_sessionmaker[AsyncSession]) -> None:
    """No table holds the CPR number the fuzzers type, in either spelling."""
    async with sessions() as session:
        stored = await all_text(session)
    for spelling in (CPR, CPR.replace("-", ""), CPR.replace("-", " ")):
        assert spelling not in stored
