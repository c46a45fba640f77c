"""Every way `paidorder` can fail to start says so in one plain sentence, exits non-zero and never
shows a traceback; `--help` works whatever the environment holds. Each case runs the installed
`paidorder` command, as an operator would."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.bigcommerce import SandboxServer
from sandbox.slack import SlackStandIn
from tests.conftest import APPROVALS, APPROVER, BOT_TOKEN, SIGNING_SECRET, WEBHOOK_SECRET

SUPPORTED = "sqlite:///path/to/file.db or postgresql+psycopg://user:password@host/name"
SUBCOMMANDS = [["serve"], ["check"], ["audit"], ["webhooks", "register"], ["demo"], ["sandbox"]]


def _command() -> list[str]:
    installed = Path(sys.executable).with_name("paidorder")
    return [str(installed)] if installed.exists() else [sys.executable, "-m", "bot.cli"]


@pytest.fixture
def environment(store: SandboxServer, slack: SlackStandIn, tmp_path: Path) -> dict[str, str]:
    """A deployment that starts: the stand-ins, a fresh SQLite file, nothing else inherited."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("SLACK_", "BIGCOMMERCE_", "PAIDORDER_", "DATABASE_", "PORT"))}
    return env | {
        "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack.api_url, "BIGCOMMERCE_STORE_HASH": store.store_hash,
        "BIGCOMMERCE_ACCESS_TOKEN": store.access_token, "BIGCOMMERCE_API_URL": store.url,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
        "PAIDORDER_APPROVAL_CHANNEL": APPROVALS, "PAIDORDER_APPROVERS": APPROVER,
        "PAIDORDER_WEBHOOK_SECRET": WEBHOOK_SECRET,
    }


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket() as listener:
        listener.bind(("0.0.0.0", 0))
        listener.listen()
        yield int(listener.getsockname()[1])


def paidorder(environment: dict[str, str], cwd: Path, *args: str, **changes: str
              ) -> subprocess.CompletedProcess[str]:
    # The timeout only keeps a regression from hanging the suite; a start-up error is quick.
    return subprocess.run([*_command(), *args], env=environment | changes, cwd=cwd,
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)


def one_sentence(result: subprocess.CompletedProcess[str], *words: str) -> str:
    """The process failed with exactly one plain sentence on stderr; returns it."""
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    assert result.returncode != 0, result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    sentence = lines[0]
    assert sentence.startswith("paidorder: ") and sentence.endswith("."), sentence
    for word in words:
        assert word in sentence
    return sentence


def failed_check(result: subprocess.CompletedProcess[str], *words: str) -> str:
    """`check` reports on stdout, one ✓/✗ line per check; the ✗ line names the problem."""
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    assert result.returncode == 1
    [line] = [line for line in result.stdout.splitlines() if line.startswith("✗")]
    for word in words:
        assert word in line
    return line


def _not_a_database(tmp_path: Path) -> str:
    path = tmp_path / "notes.db"
    path.write_text("these are my notes, not a database\n" * 200)
    return f"sqlite:///{path}"


DATABASES = {
    "garbage": (lambda tmp: "not a url at all", ["DATABASE_URL is not a database URL", SUPPORTED]),
    "mysql": (lambda tmp: "mysql://shop:secret@localhost/shop",
              ["DATABASE_URL uses mysql", "does not support", SUPPORTED]),
    "missing directory": (lambda tmp: f"sqlite:///{tmp}/no/such/dir/bot.db",
                          ["the directory {tmp}/no/such/dir does not exist"]),
    "not a database": (_not_a_database, ["cannot be used (file is not a database)"]),
    "unreachable": (lambda tmp: "postgresql+psycopg://bot:secret@127.0.0.1:1/paidorder",
                    ["The database at postgresql+psycopg://bot:***@127.0.0.1:1/paidorder cannot "
                     "be used", "Connection refused"]),
}


@pytest.mark.parametrize("case", DATABASES)
@pytest.mark.parametrize("command", ["serve", "audit", "check"])
def test_a_database_that_cannot_be_used(environment: dict[str, str], tmp_path: Path,
                                        case: str, command: str) -> None:
    url, words = DATABASES[case]
    words = [word.replace("{tmp}", str(tmp_path)) for word in words]
    result = paidorder(environment, tmp_path, command, DATABASE_URL=url(tmp_path))
    if command == "check":
        failed_check(result, *words)
    else:
        sentence = one_sentence(result, *words)
        assert "secret" not in sentence


def test_help_works_whatever_port_says(environment: dict[str, str], tmp_path: Path) -> None:
    for args in [[], *SUBCOMMANDS]:
        result = paidorder(environment, tmp_path, *args, "--help", PORT="abc")
        assert result.returncode == 0, result.stderr
        assert "usage: paidorder" in result.stdout and result.stderr == ""


def test_a_port_that_is_not_a_number(environment: dict[str, str], tmp_path: Path) -> None:
    one_sentence(paidorder(environment, tmp_path, "serve", PORT="abc"),
                 "PORT is 'abc', which is not a port number (1 to 65535")
    # Only `serve` listens on $PORT; the other commands don't care.
    assert paidorder(environment, tmp_path, "check", PORT="abc").returncode == 0


@pytest.mark.parametrize("command", ["serve", "sandbox"])
@pytest.mark.parametrize("port", ["99999", "-1", "http"])
def test_a_port_out_of_range_is_refused(environment: dict[str, str], tmp_path: Path,
                                        command: str, port: str) -> None:
    one_sentence(paidorder(environment, tmp_path, command, "--port", port),
                 "--port", "is not a port number")
    if command == "serve":
        one_sentence(paidorder(environment, tmp_path, command, PORT=port), "PORT is")


@pytest.mark.parametrize("command", ["serve", "sandbox"])
def test_a_port_in_use(environment: dict[str, str], tmp_path: Path, taken_port: int,
                       command: str) -> None:
    result = paidorder(environment, tmp_path, command, "--port", str(taken_port))
    one_sentence(result, f"Port {taken_port} is already in use")
    assert not (tmp_path / "bot.db").exists()  # found out before touching the database


SETTINGS = {
    "a Slack URL that is not one": ({"SLACK_API_URL": "not a url"},
                                    "SLACK_API_URL must be an http:// or https:// address"),
    "a huge poll interval": ({"PAIDORDER_POLL_SECONDS": "99999999999"},
                             "PAIDORDER_POLL_SECONDS must be from 10 to 86400 seconds (one day)"),
    "a cron that never fires": ({"PAIDORDER_SUMMARY_CRON": "0 9 31 2 *"},
                                "PAIDORDER_SUMMARY_CRON matches no date in any year"),
    "a cron that is not one": ({"PAIDORDER_SUMMARY_CRON": "at nine"},
                               "PAIDORDER_SUMMARY_CRON is not a five-field cron expression"),
}


@pytest.mark.parametrize("case", SETTINGS)
@pytest.mark.parametrize("command", [["serve"], ["check"], ["webhooks", "register", "--url",
                                                            "https://bot.example.com"]])
def test_a_bad_setting(environment: dict[str, str], tmp_path: Path, case: str,
                       command: list[str]) -> None:
    changes, words = SETTINGS[case]
    result = paidorder(environment, tmp_path, *command, **changes)
    if command == ["check"]:
        failed_check(result, words)
    else:
        one_sentence(result, words)


def test_a_bad_setting_stops_the_demo_too(environment: dict[str, str], tmp_path: Path) -> None:
    one_sentence(paidorder(environment, tmp_path, "demo", PAIDORDER_SUMMARY_CRON="0 9 31 2 *"),
                 "PAIDORDER_SUMMARY_CRON")


@pytest.mark.parametrize("command", [["serve"], ["check"], ["audit"],
                                     ["webhooks", "register", "--url", "https://bot.example.com"]])
def test_an_env_file_that_is_not_utf8(environment: dict[str, str], tmp_path: Path,
                                      command: list[str]) -> None:
    (tmp_path / ".env").write_bytes("PAIDORDER_EXTERNAL_SOURCE=Caf\u00e9\n".encode("latin-1"))
    result = paidorder(environment, tmp_path, *command)
    words = "The .env file is not UTF-8 text; save it as UTF-8."
    if command == ["check"]:
        failed_check(result, words)
    else:
        one_sentence(result, words)


def test_serve_that_cannot_reach_slack_exits_instead_of_running(
    environment: dict[str, str], tmp_path: Path
) -> None:
    nowhere = "http://127.0.0.1:1/api/"
    process = subprocess.Popen([*_command(), "serve"], cwd=tmp_path, stdin=subprocess.DEVNULL,
                               env=environment | {"SLACK_API_URL": nowhere, "PORT": "0"},
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 2
    assert "Traceback" not in out + err
    # Slack's client logs its retries first; the last line says why the bot stopped.
    assert err.strip().splitlines()[-1].startswith(
        f"paidorder: Slack could not be reached at {nowhere}")


def test_a_bad_second_approval_threshold_stops_serve(environment: dict[str, str],
                                                     tmp_path: Path) -> None:
    one_sentence(paidorder(environment, tmp_path, "serve",
                           PAIDORDER_SECOND_APPROVAL_OVER="250.005"),
                 "PAIDORDER_SECOND_APPROVAL_OVER must be an amount greater than 0")
