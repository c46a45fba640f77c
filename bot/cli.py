"""The `paidorder` command: demo, serve, sandbox, check, audit."""

from __future__ import annotations

import argparse
import csv
import json
import logging
import os
import signal
import sys
import threading
from datetime import UTC, date, datetime
from typing import IO, NoReturn

from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.config import ConfigError, env_file_problem, load_settings
from commands.database import DatabaseProblem

log = logging.getLogger("paidorder")

DEFAULT_PORT = 3000


class _Parser(argparse.ArgumentParser):
    """Usage mistakes are one line on stderr, like every other start-up problem."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"paidorder: {message.rstrip('.')}; see {self.prog} --help.\n")


def port_number(text: str) -> int:
    """A TCP port: 1-65535, or 0 for any free port (the one chosen is logged)."""
    try:
        port = int(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port number (1 to 65535, or 0 for "
                                         "any free port)")
    return port


def main(argv: list[str] | None = None) -> int:
    parser = _Parser(prog="paidorder", description=(
        "Record orders paid outside BigCommerce as paid BigCommerce orders, approved in Slack."))
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("demo", help="play the whole story offline and print the conversation")
    serve = commands.add_parser("serve", help="run the bot")
    serve.add_argument("--http", action="store_true", help="force HTTP mode")
    serve.add_argument("--port", type=port_number,
                       help=f"the HTTP port (default: $PORT, else {DEFAULT_PORT})")
    sandbox = commands.add_parser("sandbox", help="run the built-in BigCommerce sandbox store")
    sandbox.add_argument("--port", type=port_number, default=8900)
    commands.add_parser("check", help="check the configuration, Slack, BigCommerce and the "
                                      "database; exit 0 when all is well")
    audit = commands.add_parser("audit", help="print the audit log as CSV")
    audit.add_argument("--since", type=date.fromisoformat, metavar="YYYY-MM-DD",
                       help="only entries from this day on (UTC)")
    webhooks = commands.add_parser("webhooks", help="BigCommerce webhooks")
    webhooks_commands = webhooks.add_subparsers(dest="webhooks_command", required=True)
    register = webhooks_commands.add_parser(
        "register", help="create the hooks (order status, shipment created) pointing at URL")
    register.add_argument("--url", required=True,
                          help="the bot's public https:// address (BigCommerce calls port 443)")
    args = parser.parse_args(argv)
    try:
        return _run(args)
    except (ConfigError, DatabaseProblem) as exc:
        print(f"paidorder: {exc}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace) -> int:
    if args.command == "demo":
        from bot import demo
        return demo.run()
    if args.command == "sandbox":
        from bot.server import cannot_listen
        from sandbox.bigcommerce import serve_forever
        try:
            serve_forever(args.port)
        except OSError as exc:
            raise ConfigError(cannot_listen(args.port, exc)) from None
        return 0
    if args.command == "check":
        return _check()
    if args.command == "audit":
        return audit_csv(since=args.since)
    if args.command == "webhooks":
        return _register_webhooks(args.url)
    return _serve(args.port, force_http=args.http)


def _env_port() -> int:
    text = os.environ.get("PORT", "").strip()
    if not text:
        return DEFAULT_PORT
    try:
        return port_number(text)
    except argparse.ArgumentTypeError as exc:
        raise ConfigError(f"PORT is {text!r}, which is not a port number (1 to 65535, or 0 for "
                          "any free port).") from exc




def _log_format() -> str:
    # Logging must work before the settings are known, so that a bad setting can be reported.
    chosen = os.environ.get("PAIDORDER_LOG_FORMAT", "text").strip().lower()
    return chosen if chosen in ("text", "json") else "text"


def _check() -> int:
    from bot import check, logs
    # Keep library chatter off the check's own sentences.
    logs.configure(_log_format(), level=logging.WARNING)
    return check.run()


def _register_webhooks(url: str) -> int:
    from bot.services import bigcommerce_client
    from commands.bigcommerce import BigCommerceError
    from commands.webhooks import register_webhooks

    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"paidorder: {exc}", file=sys.stderr)
        return 2
    secret = settings.paidorder_webhook_secret
    if secret is None:
        print("paidorder: PAIDORDER_WEBHOOK_SECRET is not set; the bot refuses webhooks "
              "without it, so set it first.", file=sys.stderr)
        return 2
    if not url.startswith("https://") and not settings.bigcommerce_sandbox:
        print("paidorder: BigCommerce only calls https:// addresses on port 443.",
              file=sys.stderr)
        return 2
    stoppers: list = []
    try:
        created = register_webhooks(bigcommerce_client(settings, stoppers), url,
                                    secret.get_secret_value())
    except BigCommerceError as exc:
        print(f"paidorder: BigCommerce refused: {exc}", file=sys.stderr)
        return 1
    finally:
        for stop in stoppers:
            stop()
    for hook in created:
        print(f"created hook {hook.id}: {hook.scope} → {hook.destination}")
    if not created:
        print("the hooks already exist; nothing to do")
    return 0


def _serve(port: int | None, *, force_http: bool) -> int:
    from bot import logs
    logs.configure(_log_format())
    # Installed first: a SIGTERM that arrives while the bot is still starting (a container
    # stopped during a slow Socket Mode connect) must stop it cleanly, not kill it half-way.
    stopped = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopped.set())
    port = _env_port() if port is None else port
    settings = load_settings()
    logs.configure(settings.paidorder_log_format, secrets=logs.secrets_of(settings))
    socket_mode = settings.socket_mode and not force_http
    if not socket_mode and settings.slack_signing_secret is None:
        raise ConfigError("SLACK_SIGNING_SECRET is not set; it is required in HTTP mode.")
    from bot.runtime import Bot
    from bot.server import ensure_port_free
    # Before the database is migrated and Slack is asked, so that a taken port is the only line.
    ensure_port_free("0.0.0.0", port)
    bot = Bot(settings, port=port, http=not socket_mode).start()
    handler = None
    if socket_mode:
        from bot.socket_mode import connect
        assert settings.slack_app_token is not None
        try:
            handler = connect(bot, settings.slack_app_token.get_secret_value())
        except Exception as exc:
            log.error("could not open the Socket Mode connection: %s", exc)
            bot.stop()
            return 1
    stopped.wait()
    log.info("stopping: no new requests; finishing the work in flight")
    if handler is not None:
        handler.close()  # no more Slack requests over the socket
    bot.stop()  # stops the HTTP server, lets the worker finish its jobs, closes the services
    log.info("stopped")
    return 0


class _DatabaseOnly(BaseSettings):
    """`paidorder audit` needs only the database, not the Slack or BigCommerce settings."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore",
                                      case_sensitive=False)
    database_url: str = "sqlite:///paidorder.db"


AUDIT_COLUMNS = ("at", "ref", "actor", "action", "detail")


def audit_csv(*, since: date | None = None, out: IO[str] | None = None,
              database_url: str | None = None) -> int:
    """Print the audit log as CSV: at, ref, actor, action, detail (JSON)."""
    from sqlalchemy.exc import SQLAlchemyError

    from commands.database import unusable
    from commands.repository import Repository, connect

    out = out or sys.stdout
    try:
        url = database_url or _DatabaseOnly().database_url
    except (UnicodeDecodeError, OSError) as exc:
        raise ConfigError(env_file_problem(exc)) from None
    start = datetime.combine(since, datetime.min.time(), tzinfo=UTC) if since else None
    engine = connect(url)
    try:
        rows = Repository(engine).audit_trail(since=start)
    except SQLAlchemyError as exc:
        print(f"paidorder: the audit log could not be read: {unusable(engine.url, exc)}",
              file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(AUDIT_COLUMNS)
    for row in rows:
        at = row["at"]
        writer.writerow([at.isoformat() if isinstance(at, datetime) else at, row["ref"],
                         row["actor"], row["action"],
                         json.dumps(row["detail"], ensure_ascii=False, sort_keys=True,
                                    default=str)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
