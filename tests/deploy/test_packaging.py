"""The Dockerfile, .dockerignore and .env.example (no Docker engine here: their key lines)."""

from __future__ import annotations

import re

from bot.config import Settings
from tests.deploy.conftest import REPO


def dockerfile() -> list[str]:
    text = (REPO / "Dockerfile").read_text(encoding="utf-8")
    joined = text.replace("\\\n", " ")  # continuation lines make one instruction
    return [" ".join(line.split()) for line in joined.splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


def test_the_image_installs_the_project_without_dev_extras_and_runs_serve() -> None:
    lines = dockerfile()
    assert lines[0] == "FROM python:3.12-slim"
    installs = [line for line in lines if "pip install" in line]
    assert installs and all("--no-cache-dir ." in line and "[dev]" not in line
                            for line in installs)
    assert 'ENTRYPOINT ["paidorder"]' in lines
    assert 'CMD ["serve"]' in lines
    assert "VOLUME /data" in lines
    assert "EXPOSE 3000" in lines
    assert any(re.match(r"ENV .*DATABASE_URL=sqlite:////data/paidorder\.db", line)
               for line in lines)


def test_the_image_runs_as_a_non_root_user() -> None:
    users = [line.split()[1] for line in dockerfile() if line.startswith("USER ")]
    assert users and users[-1] not in ("root", "0")


def test_the_healthcheck_asks_healthz_on_the_port_serve_listens_on() -> None:
    [check] = [line for line in dockerfile() if line.startswith("HEALTHCHECK")]
    assert "http://127.0.0.1:%s/healthz" in check and "urllib" in check
    assert "os.environ.get('PORT', '3000')" in check  # serve's own default: $PORT, else 3000
    assert "127.0.0.1:3000" not in check
    assert "curl" not in check and "wget" not in check


def test_the_image_carries_oci_labels() -> None:
    labels = " ".join(line for line in dockerfile() if line.startswith("LABEL "))
    for key in ("title", "description", "version", "licenses", "revision", "created"):
        assert f"org.opencontainers.image.{key}=" in labels


def test_the_build_context_leaves_out_secrets_and_local_state() -> None:
    ignored = (REPO / ".dockerignore").read_text(encoding="utf-8").split()
    for entry in (".env", ".git", "*.db", ".venv"):
        assert entry in ignored


def test_env_example_lists_every_setting_with_a_comment() -> None:
    lines = (REPO / ".env.example").read_text(encoding="utf-8").splitlines()
    variable = re.compile(r"^(?:# )?([A-Z][A-Z0-9_]+)=")
    variables = set()
    for number, line in enumerate(lines):
        if match := variable.match(line):
            variables.add(match.group(1))
            comment = lines[number - 1]
            assert comment.startswith("# ") and not variable.match(comment), line
    assert set(variables) == {name.upper() for name in Settings.model_fields}

