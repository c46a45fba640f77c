"""The Home tab in Socket Mode: `app_home_opened` and clicks on Home arrive over the WebSocket
and are handled as in HTTP mode."""

from __future__ import annotations

from bot import ids
from bot.runtime import Bot
from bot.socket_mode import connect
from sandbox.slack import SlackStandIn
from sandbox.slack_requests import SlackRequests
from tests.conftest import APPROVER, SALES, SIGNING_SECRET, submit_request
from tests.deploy import test_socket_mode as socket_tests
from tests.e2e.test_app_home import wait_home, waiting_refs

websocket = socket_tests.websocket
socket_bot = socket_tests.socket_bot


def test_home_opens_and_decides_over_the_socket(
        bot: Bot, socket_bot: Bot, slack: SlackStandIn,
        websocket: socket_tests.WebSocketStandIn) -> None:
    # A replica in HTTP mode on the same database takes the request; the Home goes over the
    # socket of the replica in Socket Mode.
    http = SlackRequests(bot.url, SIGNING_SECRET, team_id=slack.team_id,
                         response_url=slack.response_url("sock-home", channel=SALES))
    card = submit_request(http, slack)
    handler = connect(socket_bot, socket_tests.APP_TOKEN)
    try:
        websocket.wait_connected()
        ack, _ = websocket.envelope("events_api", http.home_opened(APPROVER))
        assert "payload" not in ack
        view = wait_home(slack, APPROVER, card["ref"])
        assert waiting_refs(view) == [card["ref"]]

        click = http.home_click(APPROVER, view, ids.REJECT, card["ref"])
        click["trigger_id"] = slack.new_trigger_id(APPROVER)
        websocket.envelope("interactive", click)
        [modal] = slack.wait_for("views.open", where=lambda c: c.args["view"].get(
            "callback_id") == ids.REJECT_MODAL)
        assert '"ref"' in modal.args["view"]["private_metadata"]
    finally:
        handler.close()
