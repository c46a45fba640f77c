"""Work done after the acknowledgement (status, ship, summary, export) that meets a database it
can't use tells the user so in one sentence, not "Something went wrong"."""

from __future__ import annotations

from pathlib import Path

from bot.runtime import Bot
from sandbox.slack import SlackStandIn
from sandbox.slack_requests import SlackRequests
from tests.conftest import APPROVER
from tests.tracking.story import ask


def test_an_unusable_database_is_told_plainly(bot: Bot, player: SlackRequests,
                                              slack: SlackStandIn) -> None:
    database = Path(bot.services.repo.engine.url.database or "")
    bot.services.repo.engine.dispose()
    for path in database.parent.glob(database.name + "*"):
        path.write_bytes(b"this is not a database file " * 200)

    for command in ("status 100", "export"):
        answer = ask(player, slack, APPROVER, command)
        assert answer == ("The bot's database is busy or unavailable right now; nothing was "
                          "changed. Try again in a minute."), command
