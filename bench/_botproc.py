"""The bot alone in its own process, for memory measurements: `python bench/_botproc.py JSON`.

JSON holds the settings values; prints `READY <url>` once serving and stops when stdin closes.
"""

from __future__ import annotations

import json
import sys

from _common import clean_env, quiet_logs


def main() -> int:
    clean_env()
    quiet_logs()
    from bot.config import load_settings
    from bot.runtime import Bot

    bot = Bot(load_settings(**json.loads(sys.argv[1])), host="127.0.0.1", port=0).start()
    print(f"READY {bot.url}", flush=True)
    sys.stdin.read()
    bot.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
