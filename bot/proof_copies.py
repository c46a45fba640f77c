"""Payment proof in the card's thread: the bot copies each file there, so approvers who can't
open the requester's own (private) upload still see it.

Each file is fetched from Slack with the bot token (the URL comes from `files.info`, never from
the submitted form), at most MAX_PROOF_BYTES and streamed, then uploaded with
`files_upload_v2` into the thread. An upload has no idempotency key: before a file is uploaded
again after an unclear failure, the channel's files are searched for the copy the earlier try
may have left (the way bot/slack_posts.py does for messages). A file that can't be fetched gets
one sentence in the thread instead; the card is not touched.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import requests
from slack_sdk.errors import SlackApiError

from bot.services import Services
from bot.slack_posts import CLOCK_MARGIN, CardNotPostedYet, Tag, posted_copies, tries
from bot.text import escape
from commands.models import ProofFile
from commands.proof import MAX_PROOF_BYTES
from commands.proof_links import remember_shared_copy
from commands.repository import StoredRequest

log = logging.getLogger(__name__)

CHUNK = 256 * 1024
DOWNLOAD_TIMEOUT = (5.0, 30.0)  # connect, and between bytes
LIST_PAGES = 5
COPY_TRIED = "proof_copy_attempted"
COPIED = "proof_copied"
NOTE_TRIED = "proof_note_attempted"
NOT_COPIED = "proof_not_copied"
FETCH_FAILED = "proof_fetch_failed"
# A download that broke off or met a server error may work the next time: this many tries per
# file (the outbox's backoff between them) before the thread is told it could not be copied.
FETCH_TRIES = 3
# Slack's answers that may go away by themselves; any other refusal stays, so trying again
# would only repeat it.
PASSING = frozenset({"ratelimited", "internal_error", "fatal_error", "service_unavailable",
                     "request_timeout"})


class NotFetched(Exception):
    """Why a proof file could not be fetched, in words for the thread."""


class NotFetchedYet(NotFetched):
    """A failure that may pass: a server error or a download that broke off."""


def copy_proof(services: Services, stored: StoredRequest) -> None:
    """Each proof file once in the card's thread, or one sentence saying it could not be."""
    proof = stored.request.proof
    if not proof:
        return
    if not (stored.card_channel and stored.card_ts):
        raise CardNotPostedYet(stored.ref)
    settled = {str((e["detail"] or {}).get("file")) for e in services.repo.audit_trail(
        ref=stored.ref) if e["action"] in (COPIED, NOT_COPIED)}
    for number, file in enumerate(proof, 1):
        if file.id in settled:
            continue
        title = copy_title(number, len(proof), file.name)
        tried = tries(services.repo, stored.ref, COPY_TRIED, file=file.id)
        earlier = tried and _earlier_copy(services, stored, title, since=tried[0])
        if earlier:
            services.repo.record_event(stored.ref, "slack", COPIED, {
                "file": file.id, "copy": str(earlier.get("id")), "adopted": True})
            remember_shared_copy(services.repo, stored.ref, file.id,
                                 str(earlier.get("permalink") or ""))
            continue
        try:
            content = fetch(services, file)
        except NotFetchedYet as why:
            if len(tries(services.repo, stored.ref, FETCH_FAILED, file=file.id)) + 1 < FETCH_TRIES:
                services.repo.record_event(stored.ref, "slack", FETCH_FAILED,
                                           {"file": file.id, "why": str(why)})
                raise  # the outbox tries the job again after its backoff
            _say_not_copied(services, stored, file, str(why))
            continue
        except NotFetched as why:
            _say_not_copied(services, stored, file, str(why))
            continue
        services.repo.record_event(stored.ref, "slack", COPY_TRIED, {"file": file.id})
        try:
            answer = services.slack.files_upload_v2(
                channel=stored.card_channel, thread_ts=stored.card_ts, content=content,
                filename=file.name, title=title)
        except SlackApiError as exc:
            if passing(exc):
                raise
            _say_not_copied(services, stored, file, _refusal(exc, "files:write"))
            continue
        copy = answer.get("file") or {}
        services.repo.record_event(stored.ref, "slack", COPIED, {
            "file": file.id, "copy": str(copy.get("id"))})
        remember_shared_copy(services.repo, stored.ref, file.id,
                             str(copy.get("permalink") or ""))


def copy_title(number: int, count: int, name: str) -> str:
    return f"Payment proof {number} of {count}: {name}"


def fetch(services: Services, file: ProofFile) -> bytes:
    """The file's bytes, read from Slack with the bot token; NotFetched says why not."""
    try:
        info = services.slack.files_info(file=file.id)["file"]
    except SlackApiError as exc:
        if passing(exc):
            raise  # the job is tried again
        raise NotFetched(_refusal(exc, "files:read")) from exc
    if int(info.get("size") or 0) > MAX_PROOF_BYTES:
        raise NotFetched("it is larger than 20 MB")
    url = str(info.get("url_private_download") or info.get("url_private") or "")
    if not url.startswith(("https://", "http://")):
        raise NotFetched("Slack gave no address to fetch it from")
    token = services.settings.slack_bot_token.get_secret_value()
    try:
        with requests.get(url, headers={"Authorization": f"Bearer {token}"}, stream=True,
                          timeout=DOWNLOAD_TIMEOUT) as answer:
            if answer.status_code >= 500:
                raise NotFetchedYet(f"Slack answered HTTP {answer.status_code}")
            if answer.status_code != 200:
                raise NotFetched(f"Slack answered HTTP {answer.status_code}")
            # Slack answers a request it doesn't accept with its sign-in page, status 200.
            if answer.headers.get("Content-Type", "").startswith("text/html"):
                raise NotFetched("Slack sent a sign-in page instead of the file")
            return _bounded(answer)
    except requests.RequestException as exc:
        log.info("could not fetch proof file %s: %s", file.id, type(exc).__name__)
        raise NotFetchedYet("the download did not finish") from exc


def passing(exc: SlackApiError) -> bool:
    return exc.response.status_code >= 500 or exc.response.get("error") in PASSING


def _refusal(exc: SlackApiError, scope: str) -> str:
    error = exc.response.get("error")
    if error in ("file_not_found", "file_deleted"):
        return "Slack no longer has it"
    if error == "missing_scope":
        return f"the app lacks the {exc.response.get('needed') or scope} scope"
    return f"Slack answered {error}"


def _bounded(answer: requests.Response) -> bytes:
    chunks, total = [], 0
    for chunk in answer.iter_content(CHUNK):
        total += len(chunk)
        if total > MAX_PROOF_BYTES:
            raise NotFetched("it is larger than 20 MB")
        chunks.append(chunk)
    return b"".join(chunks)


def _earlier_copy(services: Services, stored: StoredRequest, title: str, *,
                  since: datetime) -> dict[str, Any] | None:
    """The copy an earlier try left in the card's thread, if Slack has one."""
    oldest = f"{int((since - CLOCK_MARGIN).timestamp())}"
    for page in range(1, LIST_PAGES + 1):
        listed = services.slack.files_list(channel=stored.card_channel, ts_from=oldest,
                                           page=page)
        for found in listed.get("files") or []:
            if found.get("title") == title and _in_thread(found, stored):
                return found
        if page >= int((listed.get("paging") or {}).get("pages") or 1):
            break
    return None


def _in_thread(found: dict[str, Any], stored: StoredRequest) -> bool:
    shares = found.get("shares") or {}
    return any(str(share.get("thread_ts")) == stored.card_ts
               for kind in ("public", "private")
               for share in (shares.get(kind) or {}).get(str(stored.card_channel)) or [])


def _say_not_copied(services: Services, stored: StoredRequest, file: ProofFile,
                    why: str) -> None:
    tag = Tag("paidorder_proof", {"ref": stored.ref, "file": file.id})
    assert stored.card_channel and stored.card_ts
    tried = tries(services.repo, stored.ref, NOTE_TRIED, file=file.id)
    copies = tried and posted_copies(services.slack, stored.card_channel, tag, since=tried[0],
                                     thread_ts=stored.card_ts)
    if not copies:
        services.repo.record_event(stored.ref, "slack", NOTE_TRIED, {"file": file.id})
        services.slack.chat_postMessage(
            channel=stored.card_channel, thread_ts=stored.card_ts, metadata=tag.metadata,
            text=(f":warning: The payment proof {escape(file.name)} could not be copied into "
                  f"this thread ({why}); open it from the link on the card."))
    services.repo.record_event(stored.ref, "slack", NOT_COPIED, {"file": file.id, "why": why})
