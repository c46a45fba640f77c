"""Run one bot as its own process, configured from the environment, until it is killed.

The crash tests start this with `python -m tests.reliability.bot_process`, read the bot's URL
from the first line it prints, and SIGKILL it at the moment they want to test.
PAIDORDER_TEST_LEASE_SECONDS sets the outbox lease (default 2); PAIDORDER_TEST_SLACK_TIMEOUT the
Slack client's timeout (default the bot's own).
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from datetime import timedelta

from bot.config import load_settings
from bot.runtime import Bot
from bot.services import SLACK_TIMEOUT


def main() -> None:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    lease = timedelta(seconds=float(os.environ.get("PAIDORDER_TEST_LEASE_SECONDS", "2")))
    slack_timeout = float(os.environ.get("PAIDORDER_TEST_SLACK_TIMEOUT", SLACK_TIMEOUT))
    bot = Bot(load_settings(_env_file=None), host="127.0.0.1", port=0, lease=lease,
              slack_timeout=slack_timeout).start()
    print(bot.url, flush=True)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    stopped.wait()
    bot.stop()


if __name__ == "__main__":
    main()
