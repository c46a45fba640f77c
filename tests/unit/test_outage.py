"""What the card says while BigCommerce keeps failing: one plain sentence per kind of trouble."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from commands.bigcommerce import (
    AuthenticationFailed,
    BigCommerceError,
    RateLimited,
    ServerError,
    Unavailable,
)
from commands.handlers import outage

AT = datetime(2026, 7, 1, 15, 42, 30, tzinfo=UTC).astimezone(ZoneInfo("America/Chicago"))


@pytest.mark.parametrize(("error", "words"), [
    (Unavailable(["no answer within 20 s"], method="POST", path="/v2/orders"),
     "BigCommerce is not answering — retrying; last try 10:42"),
    (ServerError(["oops"], status=503), "BigCommerce is having server errors — retrying"),
    (RateLimited(["slow down"], status=429), "BigCommerce is rate-limiting the bot — retrying"),
    (AuthenticationFailed(status=401, method="GET", path="/v2/orders"),
     "BigCommerce refused the bot's credentials: BigCommerce did not accept the access token"),
], ids=["unavailable", "server-error", "rate-limited", "credentials"])
def test_each_kind_of_trouble_says_what_is_happening(error: BigCommerceError, words: str
                                                     ) -> None:
    text = outage(error, AT)
    assert words in text and text.endswith("— retrying; last try 10:42")


def test_retries_in_the_same_minute_say_the_same() -> None:
    error = Unavailable(["no answer"], method="GET", path="/v2/orders")
    assert outage(error, AT) == outage(error, AT.replace(second=59))
