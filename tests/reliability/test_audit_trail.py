"""After a full approval the audit log tells the whole story, in order, with who and when."""

from __future__ import annotations

from datetime import UTC

from bot import ids
from bot.runtime import Bot
from sandbox.bigcommerce import SandboxServer
from sandbox.slack import SlackStandIn
from sandbox.slack_requests import SlackRequests
from tests.conftest import APPROVALS, APPROVER, REQUESTER, submit_request
from tests.reliability.conftest import orders_in, settle, wait_until

STORY = [
    ("submitted", REQUESTER),
    ("card_posted", "slack"),
    ("approved", APPROVER),
    ("order_create_attempted", "bot"),
    ("order_created", "bigcommerce"),
    ("card_updated", "slack"),
]


def test_a_full_approval_leaves_the_whole_story_in_the_audit_log(
    bot: Bot, player: SlackRequests, slack: SlackStandIn, store: SandboxServer
) -> None:
    card = submit_request(player, slack)
    # The card is in Slack once chat.postMessage answers; the bot records it a moment later.
    # The story below has the approval after that record, so click once it is there.
    wait_until(lambda: any(line["action"] == "card_posted"
                           for line in bot.services.repo.audit_trail(ref=card["ref"])),
               "the card recorded")
    player.click(APPROVER, APPROVALS, card, ids.APPROVE, card["ref"])
    # The approval is written after the ack: an empty outbox right now proves nothing.
    wait_until(lambda: orders_in(store), "the order", timeout=30)
    settle(bot.services.repo)

    trail = bot.services.repo.audit_trail(ref=card["ref"])
    # The story in order; the card is also updated right after the approval, so look for each
    # step after the one before it.
    position = -1
    for action, actor in STORY:
        later = [i for i, line in enumerate(trail) if i > position and line["action"] == action]
        assert later, f"no {action!r} after {trail[position]['action']!r}: {_show(trail)}"
        position = later[0]
        assert trail[position]["actor"] == actor, _show(trail)
    for line in trail:
        assert line["at"].tzinfo is not None and line["at"].utcoffset() == UTC.utcoffset(None)
    times = [line["at"] for line in trail]
    assert times == sorted(times)

    order = orders_in(store)[0]
    created = next(line for line in trail if line["action"] == "order_created")
    assert created["detail"]["order_id"] == order["id"]
    assert trail[-1]["action"] == "card_updated" and trail[-1]["detail"]["state"] == "ordered"


def _show(trail: list[dict]) -> str:
    return "\n" + "\n".join(f"  {t['at']:%H:%M:%S.%f} {t['actor']:<12} {t['action']}"
                            for t in trail)
