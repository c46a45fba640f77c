"""Files people upload (a modal's `file_input`), and reading files back: `files.info`,
`files.list` and each file's `url_private` on the stand-in's own HTTP server.

As Slack documents them: a file a user picks in a `file_input` is uploaded but shared nowhere;
the submitted view state carries its file object (id, name, mimetype, filetype, size,
url_private, permalink …). `files.info` and `files.list` need `files:read`. `url_private` is
served only with the bot token as `Authorization: Bearer`; without it Slack answers 200 with
its sign-in page (HTML), not the file — a client must check what it got.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import unquote

from sandbox.slack.files import UploadedFile, _Files
from sandbox.slack.records import Call
from sandbox.slack.replies import _Fault, _Reply, _SlackError

# Files a demo or test can upload as a person would: a one-page PDF and a 1×1 PNG.
SAMPLE_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
              b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
              b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 100]>>endobj\n"
              b"trailer<</Root 1 0 R>>\n%%EOF\n")
SAMPLE_PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02"
              b"\x00\x00\x00\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02"
              b"\xfe\r\xefF\xb8\x00\x00\x00\x00IEND\xaeB`\x82")
SIGN_IN_PAGE = b"<!DOCTYPE html><html><body>Sign in to Slack</body></html>"
LIST_COUNT = 100  # files.list's default page size


class _UserFiles(_Files):
    """User uploads and the read side; `_init_user_files` registers the methods."""

    _ids: itertools.count
    bot_token: str
    _take_fault: Callable[[str], _Fault | None]

    def _init_user_files(self) -> None:
        self._methods.update({
            "files.info": self._files_info,
            "files.list": self._files_list,
        })

    def upload_as(self, user: str, filename: str, content: bytes, *,
                  mimetype: str | None = None) -> dict[str, Any]:
        """`user` picks a file in a modal's file_input: it is kept, shared nowhere, and its file
        object (what the submitted state carries) is returned."""
        with self._cond:
            file_id = f"F{next(self._ids):08d}"
            upload = UploadedFile(file_id, filename, len(content), None,
                                  f"{self.base_url}/upload/{file_id}", content=bytes(content),
                                  user=user, mimetype=mimetype)
            self._uploads[file_id] = upload
            return self._file_json(upload)

    def downloads(self) -> list[Call]:
        """Every fetch of a file's url_private, in order."""
        with self._cond:
            return [c for c in self._calls if c.method == "download"]

    # ----------------------------------------------------------------- Web API methods

    def _files_info(self, args: dict) -> dict:
        upload = self._uploads.get(str(args.get("file") or ""))
        if upload is None or upload.content is None:
            raise _SlackError("file_not_found")
        return {"ok": True, "file": self._file_json(upload)}

    def _files_list(self, args: dict) -> dict:
        """Files shared to `channel` (or anywhere), newest first, from `ts_from` on."""
        channel = str(args.get("channel") or "")
        since = _seconds(args.get("ts_from"))
        found = [u for u in self._uploads.values() if u.shared
                 and (not channel or any(s["channel"] == channel for s in u.shared))
                 and any(Decimal(s["ts"]) >= since for s in u.shared)]
        found.reverse()
        count = max(1, min(int(str(args.get("count") or LIST_COUNT)), 1000))
        page = max(1, int(str(args.get("page") or 1)))
        shown = found[(page - 1) * count: page * count]
        pages = max(1, -(-len(found) // count))
        return {"ok": True, "files": [self._file_json(u) for u in shown],
                "paging": {"count": count, "total": len(found), "page": page, "pages": pages}}

    # ----------------------------------------------------------------- url_private

    def _serve_file(self, path: str, headers: Any) -> _Reply:
        """GET url_private: the bytes for the bot token; Slack's sign-in page for anyone else."""
        received = time.monotonic()
        file_id = path.split("/", 1)[0]
        token = str(headers.get("Authorization") or "").removeprefix("Bearer ").strip()
        with self._cond:
            fault = self._take_fault("download")
            upload = self._uploads.get(file_id)
            status = fault.status if fault and fault.status >= 400 else 200
            if fault is None and upload is None:
                status = 404
            self._calls.append(Call("download", {"file": file_id, "path": unquote(path)},
                                    token or None, received, status=status))
            self._cond.notify_all()
        if fault is not None:
            return _Reply(str(fault.error or "download failed"), status)
        if upload is None or upload.content is None:
            return _Reply("not found", 404)
        if token != self.bot_token:
            return _Reply(SIGN_IN_PAGE, 200, {"Content-Type": "text/html; charset=utf-8"})
        mimetype = upload.mimetype or self._file_json(upload)["mimetype"]
        return _Reply(upload.content, 200, {"Content-Type": mimetype})


def _seconds(value: Any) -> Decimal:
    try:
        return Decimal(str(value)) if value not in (None, "") else Decimal(0)
    except InvalidOperation:
        raise _SlackError("invalid_ts_from") from None
