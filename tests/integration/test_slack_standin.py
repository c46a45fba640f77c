"""The Slack stand-in, driven over real HTTP by slack_sdk's own clients."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from sandbox.slack import SlackStandIn, render_blocks

TOKEN = "xoxb-test"
APPROVALS, SALES = "C0APPROVALS", "C0SALES"


def approval_card(order: str = "PO-1") -> list[dict]:
    """Blocks shaped like the bot's approval card."""
    return [
        {"type": "header", "text": {"type": "plain_text", "text": f"Paid order {order}"}},
        {
            "type": "section",
            "text": {"type": "mrkdwn", "text": "<@U0REQ> recorded a paid order."},
            "fields": [
                {"type": "mrkdwn", "text": "*Customer:*\nAcme Ltd"},
                {"type": "mrkdwn", "text": "*Amount:*\n$12.50"},
            ],
        },
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "Paid by bank transfer"}]},
        {"type": "divider"},
        {
            "type": "actions",
            "block_id": "approval",
            "elements": [
                {
                    "type": "button",
                    "action_id": "approve",
                    "style": "primary",
                    "text": {"type": "plain_text", "text": "Approve"},
                    "value": order,
                },
                {
                    "type": "button",
                    "action_id": "reject",
                    "style": "danger",
                    "text": {"type": "plain_text", "text": "Reject"},
                    "value": order,
                },
            ],
        },
    ]


def modal(title: str = "Record a paid order") -> dict:
    return {
        "type": "modal",
        "callback_id": "paidorder",
        "title": {"type": "plain_text", "text": title},
        "submit": {"type": "plain_text", "text": "Submit"},
        "blocks": [
            {
                "type": "input",
                "block_id": "amount",
                "label": {"type": "plain_text", "text": "Amount"},
                "element": {"type": "number_input", "is_decimal_allowed": True},
            }
        ],
    }


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    standin = SlackStandIn(
        bot_token=TOKEN,
        usergroups={"S0APPROVERS": ["U0BOSS", "U0CFO"]},
        users={"U0REQ": "Rita Requester", "U0BOSS": "Bob Boss"},
        channels={APPROVALS: "approvals", SALES: "sales"},
    ).start()
    yield standin
    standin.stop()


@pytest.fixture
def client(slack: SlackStandIn) -> WebClient:
    return WebClient(token=TOKEN, base_url=slack.api_url)


def error_of(exc: pytest.ExceptionInfo[SlackApiError]) -> str:
    return exc.value.response["error"]


# ------------------------------------------------------------------------ auth and tokens


def test_auth_test_returns_bot_identity_and_scopes(slack: SlackStandIn, client: WebClient) -> None:
    resp = client.auth_test()
    assert resp["user_id"] == "UPAIDBOT" and resp["team_id"] == "T0DEMO" and resp["bot_id"]
    assert "usergroups:read" in resp.headers["X-OAuth-Scopes"].split(",")
    assert slack.calls_to("auth.test")[0].token == TOKEN


def test_api_url_has_trailing_slash(slack: SlackStandIn) -> None:
    assert slack.api_url.startswith("http://127.0.0.1:") and slack.api_url.endswith("/api/")


@pytest.mark.parametrize(("token", "error"), [(None, "not_authed"), ("xoxb-wrong", "invalid_auth")])
def test_every_method_checks_the_token(slack: SlackStandIn, token: str | None, error: str) -> None:
    bad = WebClient(token=token, base_url=slack.api_url)
    for call in (bad.auth_test, lambda: bad.chat_postMessage(channel=APPROVALS, text="x")):
        with pytest.raises(SlackApiError) as exc:
            call()
        assert error_of(exc) == error
    assert slack.messages(APPROVALS) == []
    assert len(slack.calls) == 2  # failed calls are recorded too


def test_unknown_method(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as exc:
        client.api_call("chat.meMessage", json={"channel": APPROVALS, "text": "hi"})
    assert error_of(exc) == "unknown_method"


# ------------------------------------------------------------------------ argument encodings


def test_decodes_json_form_and_multipart_args(slack: SlackStandIn, client: WebClient) -> None:
    # slack_sdk 3.48 sends chat.* / views.* as JSON and the GET-style methods as a form.
    client.chat_postMessage(channel=APPROVALS, text="json", blocks=approval_card())
    client.usergroups_users_list(usergroup="S0APPROVERS")
    # A form post with JSON-encoded blocks, as older clients and curl send it.
    form = {"channel": APPROVALS, "text": "form", "blocks": json.dumps(approval_card())}
    client.api_call("chat.postMessage", params=form)
    client.api_call("chat.postMessage", data={"channel": APPROVALS, "text": "[multipart]"})

    posts = slack.calls_to("chat.postMessage")
    assert posts[0].args["blocks"] == approval_card() == posts[1].args["blocks"]
    assert posts[2].args == {"channel": APPROVALS, "text": "[multipart]"}  # text stays text
    assert slack.calls_to("usergroups.users.list")[0].args == {"usergroup": "S0APPROVERS"}
    assert all(c.token == TOKEN and "token" not in c.args for c in slack.calls)


# ------------------------------------------------------------------------ messages


def test_post_update_and_thread(slack: SlackStandIn, client: WebClient) -> None:
    card = client.chat_postMessage(
        channel=APPROVALS, text="PO-1 needs approval", blocks=approval_card()
    )
    assert card["channel"] == APPROVALS and card["message"]["blocks"] == approval_card()
    reply = client.chat_postMessage(channel=APPROVALS, thread_ts=card["ts"], text="Shipped via UPS")
    other = client.chat_postMessage(channel="#approvals", text="by name")  # names resolve to ids
    assert card["ts"] < reply["ts"] < other["ts"]
    assert other["channel"] == APPROVALS

    done = [{"type": "section", "text": {"type": "mrkdwn", "text": "Approved by <@U0BOSS>"}}]
    client.chat_update(channel=APPROVALS, ts=card["ts"], text="Approved", blocks=done)

    top = slack.messages(APPROVALS)
    assert [m.ts for m in top] == [card["ts"], other["ts"]]  # replies are not top level
    assert top[0].text == "Approved" and top[0].blocks == done and top[0].edited
    assert [m.text for m in slack.thread(APPROVALS, card["ts"])] == ["Shipped via UPS"]
    assert len(slack.messages(APPROVALS, include_replies=True)) == 3
    assert slack.message(APPROVALS, card["ts"]).user == "UPAIDBOT"


def test_update_keeps_blocks_when_omitted(slack: SlackStandIn, client: WebClient) -> None:
    ts = client.chat_postMessage(channel=APPROVALS, text="a", blocks=approval_card())["ts"]
    client.chat_update(channel=APPROVALS, ts=ts, text="b")
    assert slack.message(APPROVALS, ts).blocks == approval_card()


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"channel": "C0NOPE", "text": "x"}, "channel_not_found"),
        ({"channel": APPROVALS}, "no_text"),
    ],
)
def test_post_message_errors(client: WebClient, kwargs: dict, error: str) -> None:
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(**kwargs)
    assert error_of(exc) == error


def test_update_unknown_message(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as exc:
        client.chat_update(channel=APPROVALS, ts="1.000100", text="x")
    assert error_of(exc) == "message_not_found"


def test_dm_to_a_user_is_stored_under_the_user_id(slack: SlackStandIn, client: WebClient) -> None:
    client.chat_postMessage(channel="U0REQ", text="Your order PO-1 was approved")
    assert [m.text for m in slack.messages("U0REQ")] == ["Your order PO-1 was approved"]


def test_post_ephemeral(slack: SlackStandIn, client: WebClient) -> None:
    resp = client.chat_postEphemeral(channel=SALES, user="U0REQ", text="Only approvers can approve")
    assert resp["message_ts"]
    (eph,) = slack.ephemerals
    assert (eph.channel, eph.user, eph.via) == (SALES, "U0REQ", "chat.postEphemeral")
    assert eph.text == "Only approvers can approve"
    assert slack.messages(SALES) == []


# ------------------------------------------------------------------------ views


def test_views_open_trigger_is_single_use(slack: SlackStandIn, client: WebClient) -> None:
    trigger = slack.new_trigger_id("U0REQ")
    view = client.views_open(trigger_id=trigger, view=modal())["view"]
    assert view["id"].startswith("V") and view["hash"] and view["callback_id"] == "paidorder"
    with pytest.raises(SlackApiError) as exc:
        client.views_open(trigger_id=trigger, view=modal())
    assert error_of(exc) == "exchanged_trigger_id"
    assert slack.views[0]["user"] == "U0REQ" and slack.views[0]["id"] == view["id"]


@pytest.mark.parametrize("stale", ["registered", "prefix"])
def test_views_open_trigger_expires_after_3s(
    slack: SlackStandIn, client: WebClient, stale: str
) -> None:
    if stale == "registered":
        trigger = slack.new_trigger_id("U0REQ", age=3.5)
    else:
        trigger = f"{int(time.time()) - 10}.42.abc"
    with pytest.raises(SlackApiError) as exc:
        client.views_open(trigger_id=trigger, view=modal())
    assert error_of(exc) == "expired_trigger_id"


def test_trigger_ids_without_a_time_never_expire(client: WebClient) -> None:
    # The format of Slack's own examples; 111 is not a plausible unix time.
    assert client.views_open(trigger_id="111.222.abc", view=modal())["ok"]
    assert client.views_open(trigger_id=f"{int(time.time())}.1.fresh", view=modal())["ok"]


def test_views_update_and_push(slack: SlackStandIn, client: WebClient) -> None:
    opened = client.views_open(trigger_id=slack.new_trigger_id("U0REQ"), view=modal("Loading…"))
    first = opened["view"]
    updated = client.views_update(view_id=first["id"], hash=first["hash"], view=modal())["view"]
    assert updated["id"] == first["id"] and updated["title"]["text"] == "Record a paid order"
    with pytest.raises(SlackApiError) as exc:  # the hash of a view that changed since
        client.views_update(view_id=first["id"], hash=first["hash"], view=modal())
    assert error_of(exc) == "hash_conflict"
    with pytest.raises(SlackApiError) as exc:
        client.views_update(view_id="V404", view=modal())
    assert error_of(exc) == "not_found"
    client.views_push(trigger_id=slack.new_trigger_id("U0REQ"), view=modal("Confirm"))
    assert [v["method"] for v in slack.views] == ["views.open", "views.update", "views.push"]


def test_views_update_by_external_id(client: WebClient) -> None:
    view = {**modal(), "external_id": "po-1"}
    client.views_open(trigger_id="1.2.x", view=view)
    assert (
        client.views_update(external_id="po-1", view=modal("Done"))["view"]["external_id"] == "po-1"
    )


# ------------------------------------------------------------------------ directory


def test_usergroups_users_and_conversations(client: WebClient) -> None:
    assert client.usergroups_users_list(usergroup="S0APPROVERS")["users"] == ["U0BOSS", "U0CFO"]
    user = client.users_info(user="U0BOSS")["user"]
    assert user["profile"]["display_name"] == "Bob Boss" and user["is_admin"] is False
    assert not user["deleted"]
    channel = client.conversations_info(channel=APPROVALS)["channel"]
    assert channel == {**channel, "id": APPROVALS, "name": "approvals", "is_member": True}
    for call, error in [
        (lambda: client.usergroups_users_list(usergroup="S0NOPE"), "no_such_subteam"),
        (lambda: client.users_info(user="U0NOPE"), "user_not_found"),
        (lambda: client.conversations_info(channel="C0NOPE"), "channel_not_found"),
    ]:
        with pytest.raises(SlackApiError) as exc:
            call()
        assert error_of(exc) == error


# ------------------------------------------------------------------------ faults and latency


def test_fail_next_with_an_error(slack: SlackStandIn, client: WebClient) -> None:
    slack.fail_next("chat.postMessage", error="msg_blocks_too_long", times=2)
    for _ in range(2):
        with pytest.raises(SlackApiError) as exc:
            client.chat_postMessage(channel=APPROVALS, text="x")
        assert exc.value.response.status_code == 200 and error_of(exc) == "msg_blocks_too_long"
    assert client.chat_postMessage(channel=APPROVALS, text="x")["ok"]
    assert len(slack.messages(APPROVALS)) == 1


def test_fail_next_rate_limited(slack: SlackStandIn, client: WebClient) -> None:
    slack.fail_next("chat.postMessage", error="ratelimited", status=429, retry_after=7)
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel=APPROVALS, text="x")
    assert exc.value.response.status_code == 429
    assert exc.value.response.headers["Retry-After"] == "7"
    assert error_of(exc) == "ratelimited"


def test_rate_limit_retry_handler_recovers(
    slack: SlackStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("slack_sdk.http_retry.builtin_handlers.random.random", lambda: 0.0)
    retrying = WebClient(
        token=TOKEN, base_url=slack.api_url, retry_handlers=[RateLimitErrorRetryHandler()]
    )
    slack.fail_next("chat.postMessage", error="ratelimited", status=429, retry_after=0)
    assert retrying.chat_postMessage(channel=APPROVALS, text="x")["ok"]
    assert [c.status for c in slack.calls_to("chat.postMessage")] == [429, 200]


def test_fail_next_server_error(slack: SlackStandIn, client: WebClient) -> None:
    slack.fail_next("views.open", status=500)
    with pytest.raises(SlackApiError) as exc:
        client.views_open(trigger_id="1.2.x", view=modal())
    assert exc.value.response.status_code == 500


def test_latency_is_applied_and_adjustable(slack: SlackStandIn, client: WebClient) -> None:
    slack.latency = 0.3
    started = time.monotonic()
    client.auth_test()
    assert time.monotonic() - started >= 0.3
    slack.latency = 0.0
    started = time.monotonic()
    client.auth_test()
    assert time.monotonic() - started < 0.3


def test_burst_of_concurrent_calls(slack: SlackStandIn, client: WebClient) -> None:
    slack.latency = 0.05
    with ThreadPoolExecutor(max_workers=50) as pool:
        results = list(
            pool.map(lambda i: client.chat_postMessage(channel=SALES, text=f"{i}"), range(50))
        )
    assert all(r["ok"] for r in results)
    assert len({r["ts"] for r in results}) == 50 == len(slack.messages(SALES))


# ------------------------------------------------------------------------ wait_for


def test_wait_for_sees_calls_made_later(slack: SlackStandIn, client: WebClient) -> None:
    timer = threading.Timer(0.1, lambda: client.chat_postMessage(channel=APPROVALS, text="late"))
    timer.start()
    (call,) = slack.wait_for(
        "chat.postMessage", timeout=2, where=lambda c: c.args["text"] == "late"
    )
    assert call.args["channel"] == APPROVALS
    assert slack.messages(APPROVALS)[0].text == "late"  # state is visible once the call is
    timer.join()


def test_wait_for_timeout_lists_the_calls_seen(slack: SlackStandIn, client: WebClient) -> None:
    client.auth_test()
    client.chat_postEphemeral(channel=SALES, user="U0REQ", text="hi")
    with pytest.raises(AssertionError) as exc:
        slack.wait_for("chat.postMessage", count=1, timeout=0.2)
    message = str(exc.value)
    assert "chat.postMessage" in message and "got 0" in message
    assert "auth.test -> ok" in message and "chat.postEphemeral -> ok" in message


# ------------------------------------------------------------------------ response_url


def test_response_url_ephemeral_and_in_channel(slack: SlackStandIn) -> None:
    url = slack.response_url("cmd1", channel=SALES, user="U0REQ")
    WebhookClient(url).send(text="Your request PO-1 is in #approvals", response_type="ephemeral")
    WebhookClient(url).send(text="PO-1 recorded", response_type="in_channel")
    (eph,) = slack.ephemerals
    assert (eph.via, eph.key, eph.channel, eph.user) == ("response_url", "cmd1", SALES, "U0REQ")
    assert [m.text for m in slack.messages(SALES)] == ["PO-1 recorded"]
    assert len(slack.wait_for("response_url", count=2)) == 2

    WebhookClient(slack.response_url("loose")).send(text="to nowhere", response_type="in_channel")
    assert [m.text for m in slack.messages("response:loose")] == ["to nowhere"]


def test_response_url_replaces_and_deletes_the_original(
    slack: SlackStandIn, client: WebClient
) -> None:
    ts = client.chat_postMessage(channel=APPROVALS, text="card", blocks=approval_card())["ts"]
    url = slack.response_url("click1", channel=APPROVALS, ts=ts, user="U0BOSS")
    resp = WebhookClient(url).send(text="Approved by Bob", replace_original=True)
    assert resp.status_code == 200 and resp.body == "ok"
    assert slack.message(APPROVALS, ts).text == "Approved by Bob"
    assert slack.message(APPROVALS, ts).edited
    WebhookClient(url).send(delete_original=True)
    assert slack.messages(APPROVALS) == []


# ------------------------------------------------------------------------ rendering


def test_render_blocks_of_an_approval_card() -> None:
    assert render_blocks(approval_card()).splitlines() == [
        "Paid order PO-1",
        "<@U0REQ> recorded a paid order.",
        "*Customer:* Acme Ltd",
        "*Amount:* $12.50",
        "Paid by bank transfer",
        "─" * 24,
        "[Approve] [Reject]",
    ]


def test_render_blocks_other_kinds() -> None:
    blocks = [
        {"type": "image", "image_url": "https://x/y.png", "alt_text": "receipt"},
        *modal()["blocks"],
        {
            "type": "rich_text",
            "elements": [
                {
                    "type": "rich_text_section",
                    "elements": [
                        {"type": "text", "text": "Hi "},
                        {"type": "user", "user_id": "U0REQ"},
                    ],
                },
                {
                    "type": "rich_text_list",
                    "style": "bullet",
                    "elements": [
                        {
                            "type": "rich_text_section",
                            "elements": [{"type": "text", "text": "SKU-1 x 2"}],
                        },
                    ],
                },
            ],
        },
        {"type": "mystery"},
    ]
    assert render_blocks(blocks).splitlines() == [
        "[image: receipt]",
        "Amount: […]",
        "Hi @U0REQ",
        "• SKU-1 x 2",
        "[mystery]",
    ]


def test_transcript_tells_the_story(slack: SlackStandIn, client: WebClient) -> None:
    client.views_open(trigger_id=slack.new_trigger_id("U0REQ"), view=modal())
    client.chat_postEphemeral(
        channel=SALES, user="U0REQ", text="Your request PO-1 is in #approvals"
    )
    card = client.chat_postMessage(channel=APPROVALS, text="PO-1", blocks=approval_card())
    client.chat_postMessage(channel=APPROVALS, thread_ts=card["ts"], text="Shipped via UPS")
    client.chat_update(channel=APPROVALS, ts=card["ts"], text="Approved by Bob")

    lines = slack.transcript().splitlines()
    assert lines[0].startswith("modal opened for Rita Requester (U0REQ): Record a paid order")
    assert (
        lines[1]
        == "ephemeral to Rita Requester (U0REQ) in #sales: Your request PO-1 is in #approvals"
    )
    assert lines[2] == "#approvals · paid-orders (edited)"
    assert "  [Approve] [Reject]" in lines  # blocks kept: the update sent only text
    assert lines[-1] == "  ↳ thread reply: Shipped via UPS"
