from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connector.state.sqltypes import from_epoch_us, to_epoch_us

aware = st.datetimes(
    min_value=datetime(1971, 1, 1),
    max_value=datetime(2200, 1, 1),
    timezones=st.sampled_from(
        [UTC, timezone(timedelta(hours=-7)), timezone(timedelta(hours=5, minutes=30))]
    ),
)


@given(aware)
def test_epoch_microseconds_round_trip_exactly(value: datetime) -> None:
    back = from_epoch_us(to_epoch_us(value))
    assert back == value
    assert back.tzinfo is UTC


@given(aware, aware)
def test_epoch_microseconds_keep_order(a: datetime, b: datetime) -> None:
    assert (to_epoch_us(a) < to_epoch_us(b)) == (a < b)


def test_naive_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        to_epoch_us(datetime(2026, 1, 1))
