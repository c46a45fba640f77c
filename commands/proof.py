"""Payment proof: which files the form takes, what a request keeps of each, and the lines the
order's staff notes carry.

The form's `file_input` already limits what Slack lets people pick, but the submission is
checked again here: the payload is not the place to trust a file's count or type.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Any

from commands.models import ProofFile

MAX_PROOF_FILES = 5
# The largest file the bot copies into the card's thread (it holds one file in memory).
MAX_PROOF_BYTES = 20 * 1024 * 1024
# Slack's file types the input offers (`filetypes`), and the MIME types they arrive as.
PROOF_FILETYPES: tuple[str, ...] = ("pdf", "png", "jpg", "jpeg", "gif", "webp", "heic")
PROOF_MIMETYPES = frozenset({"application/pdf", "image/png", "image/jpeg", "image/gif",
                             "image/webp", "image/heic"})
MAX_NAME = 255
MAX_PERMALINK = 2000  # with a 100-character name, a card element stays under 3,000
_FILE_ID = re.compile(r"F[A-Z0-9]{1,40}", re.ASCII)
_UNREADABLE = "A payment proof file could not be read; remove it and attach it again."


def check_proof(files: Sequence[Any], *, required: bool
                ) -> tuple[tuple[ProofFile, ...], str | None]:
    """The files to keep, or the one sentence saying what is wrong with them."""
    if not files:
        if required:
            return (), "Attach the payment proof: a photo, a screenshot or a PDF of the payment."
        return (), None
    if len(files) > MAX_PROOF_FILES:
        return (), (f"Attach at most {MAX_PROOF_FILES} payment proof files; "
                    f"{len(files)} are attached.")
    kept: list[ProofFile] = []
    for raw in files:
        if not isinstance(raw, dict):
            return (), _UNREADABLE
        file_id = str(raw.get("id") or "")
        name = safe_name(str(raw.get("name") or raw.get("title") or ""))
        mimetype = str(raw.get("mimetype") or "").lower()
        filetype = str(raw.get("filetype") or "").lower()
        if not _FILE_ID.fullmatch(file_id):
            return (), _UNREADABLE
        shown = name if len(name) <= 60 else name[:59] + "…"
        if mimetype not in PROOF_MIMETYPES or (filetype and filetype not in PROOF_FILETYPES):
            return (), f"Payment proof takes images and PDF files only, and {shown} is neither."
        if _size(raw.get("size")) > MAX_PROOF_BYTES:
            return (), f"{shown} is larger than 20 MB; attach a smaller copy."
        kept.append(ProofFile(id=file_id, name=name, mimetype=mimetype,
                              permalink=fit_link(raw.get("permalink"))))
    return tuple(kept), None


def _size(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def safe_name(name: str) -> str:
    """A file name fit to show and store: one line, no control or direction-changing
    characters, at most MAX_NAME characters."""
    shown = "".join(" " if unicodedata.category(ch) in ("Cc", "Zl", "Zp")
                    else "" if unicodedata.category(ch) in ("Cf", "Cs", "Co", "Cn") else ch
                    for ch in name)
    shown = " ".join(shown.split())
    if len(shown) > MAX_NAME:
        shown = shown[:MAX_NAME - 1] + "…"
    return shown or "file"


def fit_link(value: Any) -> str:
    """Slack's permalink when it is a plain https URL that can sit inside a link; else ""."""
    link = str(value or "")
    if (link.startswith("https://") and len(link) <= MAX_PERMALINK and link.isascii()
            and link.isprintable() and not any(ch in link for ch in " <>|\"'`")):
        return link
    return ""


def proof_notes(proof: Sequence[ProofFile]) -> list[str]:
    """One staff-notes line per file: its name and, when known, its link."""
    return [f"Payment proof: {f.name} <{f.link}>" if f.link
            else f"Payment proof: {f.name}" for f in proof]
