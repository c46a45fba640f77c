"""File uploads (v2) and direct-message channels: `files.getUploadURLExternal`, the upload URL on
the stand-in's own HTTP server, `files.completeUploadExternal`, and `conversations.open`.

As slack-platform.md §16a and slack_sdk's `files_upload_v2` describe it: step 1 reserves a file
id and an upload URL for `filename` and `length`; step 2 POSTs the raw bytes to that URL; step 3
shares the uploaded files to `channel_id` (optionally in `thread_ts`) with an `initial_comment`.
A file is only shared once its bytes arrived, and a DM is a `D…` id from `conversations.open`,
never a user id. Tests read what was shared back from `files` / `uploaded_to`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from sandbox.slack.channels import _Channels
from sandbox.slack.records import Call
from sandbox.slack.replies import _Fault, _Reply, _SlackError

# Slack's documented cap for one file (slack_sdk's MAX_V2_FILE_SIZE).
MAX_FILE_BYTES = 1024 * 1024 * 1024
ALT_TXT_LIMIT = 1000  # files.getUploadURLExternal's alt_txt_too_large


@dataclass
class UploadedFile:
    """One file of the v2 upload sequence, as tests read it."""

    id: str
    filename: str
    length: int  # what step 1 declared
    alt_txt: str | None
    upload_url: str
    content: bytes | None = None  # the bytes step 2 delivered
    title: str | None = None
    shared: list[dict[str, Any]] = field(default_factory=list)  # step 3: channel, ts, comment
    user: str | None = None  # who uploaded it; None: the bot
    mimetype: str | None = None  # as Slack detected it; None: from the file name

    @property
    def channel(self) -> str | None:
        return self.shared[-1]["channel"] if self.shared else None

    @property
    def initial_comment(self) -> str | None:
        return self.shared[-1]["initial_comment"] if self.shared else None


class _Files(_Channels):
    """The upload and DM methods; `_init_files` adds their state and registers them."""

    _uploads: dict[str, UploadedFile]
    _dms: dict[str, str]  # D… channel id → user id
    base_url: str  # SlackStandIn's
    _take_fault: Callable[[str], _Fault | None]  # _Dispatch's

    def _init_files(self) -> None:
        self._uploads = {}
        self._dms = {}
        self._methods.update({
            "files.getUploadURLExternal": self._files_get_upload_url_external,
            "files.completeUploadExternal": self._files_complete_upload_external,
            "conversations.open": self._conversations_open,
        })

    # ----------------------------------------------------------------- inspection

    @property
    def files(self) -> list[UploadedFile]:
        """Every file that was shared to a channel, in upload order."""
        with self._cond:
            return [f for f in self._uploads.values() if f.shared]

    def file_info(self, file_id: str) -> dict:
        """The file as `files.info` describes it (its permalink, shares, …), for tests."""
        with self._cond:
            upload = next(f for f in self._uploads.values() if f.id == file_id)
            return self._file_json(upload)

    def uploaded_to(self, channel: str) -> list[UploadedFile]:
        return [f for f in self.files if any(s["channel"] == channel for s in f.shared)]

    def dm_channel(self, user: str) -> str | None:
        with self._cond:
            return next((d for d, u in self._dms.items() if u == user), None)

    # ----------------------------------------------------------------- Web API methods

    def _conversations_open(self, args: dict) -> dict:
        users = [u for u in str(args.get("users") or "").split(",") if u]
        if not users:
            raise _SlackError("users_list_not_supplied")
        if len(users) > 1:
            raise _SlackError("not_enough_users")  # a group DM; the bot only opens 1:1 DMs
        user = users[0]
        if self.users and user not in self.users:
            raise _SlackError("user_not_found")
        dm = self.dm_id(user)
        self._dms[dm] = user
        return {"ok": True, "channel": {"id": dm}}

    @staticmethod
    def dm_id(user: str) -> str:
        return "D" + user.removeprefix("U").removeprefix("W")

    def _files_get_upload_url_external(self, args: dict) -> dict:
        filename = str(args.get("filename") or "")
        length = str(args.get("length") or "")
        if not filename or not length.isdigit():
            raise _SlackError("invalid_arguments")
        if int(length) == 0:
            raise _SlackError("missing_argument")  # Slack's answer to an empty file
        if int(length) > MAX_FILE_BYTES:
            raise _SlackError("file_too_large")
        if len(str(args.get("alt_txt") or "")) > ALT_TXT_LIMIT:
            raise _SlackError("alt_txt_too_large")
        file_id = f"F{next(self._ids):08d}"
        url = f"{self.base_url}/upload/{file_id}"
        self._uploads[file_id] = UploadedFile(file_id, filename, int(length),
                                              args.get("alt_txt") or None, url)
        return {"ok": True, "upload_url": url, "file_id": file_id}

    def _files_complete_upload_external(self, args: dict) -> dict:
        try:
            wanted = json.loads(str(args.get("files") or ""))
        except ValueError:
            raise _SlackError("invalid_arguments") from None
        if not isinstance(wanted, list) or not wanted:
            raise _SlackError("invalid_arguments")
        channel = self._upload_channel(args.get("channel_id") or args.get("channels"))
        found = []
        for item in wanted:
            upload = self._uploads.get(str(item.get("id") if isinstance(item, dict) else ""))
            if upload is None or upload.content is None:
                raise _SlackError("file_not_found")  # never reserved, or its bytes never came
            found.append((upload, item))
        comment = args.get("initial_comment") or None
        thread_ts = args.get("thread_ts") or None
        if thread_ts and channel and (channel, str(thread_ts)) not in self._messages:
            raise _SlackError("invalid_thread_ts")
        ts = self._next_ts()
        for upload, item in found:
            upload.title = item.get("title") or upload.filename
            if channel:
                upload.shared.append({"channel": channel, "ts": ts, "thread_ts": thread_ts,
                                      "initial_comment": comment})
                self._log.append(("file", upload))
        return {"ok": True, "files": [self._file_json(u) for u, _ in found]}

    def _upload_channel(self, channel: Any) -> str | None:
        """Where step 3 shares to; None keeps the file private (allowed by Slack)."""
        if not channel:
            return None
        cid = self._resolve_channel(str(channel).split(",")[0])
        if cid.startswith("D"):
            if cid not in self._dms:
                raise _SlackError("channel_not_found")
            return cid
        if cid.startswith(("U", "W")) or (self.channels is not None and cid not in self.channels):
            raise _SlackError("channel_not_found")
        if cid in self.outside_channels:
            raise _SlackError("not_in_channel")
        return cid

    def _file_json(self, upload: UploadedFile) -> dict:
        user = upload.user or self.bot_user_id
        # Slack's file URLs carry the name URL-encoded, whatever characters it has.
        name = quote(upload.filename, safe="")
        shares: dict[str, dict[str, list[dict[str, Any]]]] = {}
        for share in upload.shared:
            kind = "public" if share["channel"].startswith("C") else "private"
            shares.setdefault(kind, {}).setdefault(share["channel"], []).append(
                {"ts": share["ts"], "thread_ts": share["thread_ts"]})
        return {
            "id": upload.id, "name": upload.filename, "title": upload.title or upload.filename,
            "size": len(upload.content or b""), "alt_txt": upload.alt_txt,
            "mimetype": upload.mimetype or _mimetype(upload.filename),
            "filetype": _filetype(upload.filename, upload.mimetype), "created": int(time.time()),
            "user": user,
            "url_private": f"{self.base_url}/files/{upload.id}/{name}",
            "url_private_download": f"{self.base_url}/files/{upload.id}/download/{name}",
            "permalink": f"https://paidorder-demo.slack.com/files/{user}/{upload.id}/{name}",
            "channels": [s["channel"] for s in upload.shared if s["channel"].startswith("C")],
            "ims": [s["channel"] for s in upload.shared if s["channel"].startswith("D")],
            "shares": shares,
        }

    # ----------------------------------------------------------------- step 2, the upload URL

    def _serve_upload(self, file_id: str, body: bytes) -> _Reply:
        """Step 2: the bytes, POSTed raw to the URL step 1 returned (files.slack.com's role)."""
        received = time.monotonic()
        with self._cond:
            fault = self._take_fault("upload")
            upload = self._uploads.get(file_id)
            if fault is None and upload is not None:
                upload.content = bytes(body)
            self._calls.append(Call("upload", {"file_id": file_id, "bytes": len(body)}, None,
                                    received, status=200 if fault is None else 500))
            self._cond.notify_all()
        if fault is not None:
            return _Reply(str(fault.error or "upload failed"),
                          fault.status if fault.status >= 400 else 500)
        if upload is None:
            return _Reply("not found", 404)
        return _Reply(f"OK - {len(body)}")

    # ----------------------------------------------------------------- transcript

    def _file_lines(self, upload: UploadedFile) -> list[str]:
        shared = upload.shared[-1]
        comment = f" — {shared['initial_comment']}" if shared["initial_comment"] else ""
        alt = f" [{upload.alt_txt}]" if upload.alt_txt else ""
        where = shared["channel"]
        thread = f" (in the thread of {shared['thread_ts']})" if shared.get("thread_ts") else ""
        if where in self._dms:
            user = self._dms[where]
            where = f"DM with {self.users[user]} ({user})" if user in self.users else user
        else:
            where = f"#{self._channel_name(where)}"
        return [f"{where}{thread} · {self.bot_name} shared a file: {upload.title} "
                f"({upload.filename}, {len(upload.content or b'')} bytes){alt}{comment}"]


_MIMETYPES = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg",
              "gif": "image/gif", "pdf": "application/pdf", "csv": "text/csv",
              "exe": "application/x-msdownload"}


def _filetype(filename: str, mimetype: str | None = None) -> str:
    """Slack's `filetype`: the extension it recognises, else what the content is, else
    "binary"."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension in _MIMETYPES:
        return extension
    return next((kind for kind, mime in _MIMETYPES.items() if mime == mimetype), "binary")


def _mimetype(filename: str) -> str:
    return _MIMETYPES.get(_filetype(filename), "application/octet-stream")
