"""A local stand-in for the Slack Web API, served over real HTTP.

The bot's own ``slack_sdk.WebClient(base_url=standin.api_url)`` talks to it exactly as it would
talk to https://slack.com/api/, so the demo and the end-to-end tests exercise the real HTTP
client, retry handlers and error handling. It follows Slack's documented answers for the few
methods the bot uses (see /work/shared/reference/slack-platform.md §5-§9, §16), records every
call, keeps the channel state (messages, threads, edits, ephemerals, modals) and renders it as a
readable transcript.

Modelled on slackapi/bolt-python's ``tests/mock_web_api_server/``, but bound to port 0 so that
parallel test runs never collide, and threaded with a large backlog so that bursts don't drop
connections.

Layout: `standin` (`SlackStandIn`, made of `dispatch`, `methods`, `history` and `transcript` over
the state in `channels`) → `server` (HTTP), `decode` (request args), `replies`, `blocks`
(`render_blocks`), `records` (what tests read).
"""

from sandbox.slack.blocks import render_blocks
from sandbox.slack.files import UploadedFile
from sandbox.slack.records import Call, Ephemeral, Message
from sandbox.slack.standin import SlackStandIn
from sandbox.slack.user_files import SAMPLE_PDF, SAMPLE_PNG

__all__ = ["SAMPLE_PDF", "SAMPLE_PNG", "Call", "Ephemeral", "Message", "SlackStandIn",
           "UploadedFile", "render_blocks"]
