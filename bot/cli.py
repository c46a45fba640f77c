"""The `paidorder` command: demo, serve, sandbox."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading

from bot.config import ConfigError, load_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="paidorder", description=(
        "Record orders paid outside BigCommerce as paid BigCommerce orders, approved in Slack."))
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("demo", help="play the whole story offline and print the conversation")
    serve = commands.add_parser("serve", help="run the bot")
    serve.add_argument("--http", action="store_true", help="force HTTP mode")
    serve.add_argument("--port", type=int, default=int(os.environ.get("PORT") or 3000))
    sandbox = commands.add_parser("sandbox", help="run the built-in BigCommerce sandbox store")
    sandbox.add_argument("--port", type=int, default=8900)
    args = parser.parse_args(argv)

    if args.command == "demo":
        from bot import demo
        return demo.run()
    if args.command == "sandbox":
        from sandbox.bigcommerce import serve_forever
        serve_forever(args.port)
        return 0
    return _serve(args.port, force_http=args.http)


def _serve(port: int, *, force_http: bool) -> int:
    try:
        settings = load_settings()
        logging.basicConfig(level=logging.INFO,
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        if settings.socket_mode and not force_http:
            print("Socket Mode is not available yet; unset SLACK_APP_TOKEN or pass --http.",
                  file=sys.stderr)
            return 2
        if settings.slack_signing_secret is None:
            raise ConfigError("SLACK_SIGNING_SECRET is not set; it is required in HTTP mode.")
        from bot.runtime import Bot
        bot = Bot(settings, port=port).start()
    except ConfigError as exc:
        print(f"paidorder: {exc}", file=sys.stderr)
        return 2
    stopped = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopped.set())
    stopped.wait()
    bot.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
