"""A small JSON-RPC 2.0 client over HTTP (urllib only), bounded in time and size, strict on replies.

* Only `http` and `https` URLs. Redirects are refused (a node answers where it is asked).
* Every request has a deadline: the socket timeout covers connecting and each read, and the
  reply is read in chunks against an overall deadline, so a node that trickles bytes is cut off
  too (a request never takes much more than `timeout` seconds).
* A reply larger than `max_response_bytes` is refused before it is parsed (Content-Length) or as
  soon as it grows past the limit.
* Replies are parsed with `verifier.jsonstrict` (duplicate keys, floats, deep nesting refused) and
  the envelope is checked: `jsonrpc` "2.0", the request's `id`, exactly one of `result` and
  `error`; in a batch, every id answered exactly once.
* Errors are `NodeError` subclasses (a `FormatError`: the verifier exits with 2, "bad input"),
  named for what went wrong. Messages name the node by scheme, host and port only: a URL's path,
  query and user info often carry an API key, which is never printed.
"""

from __future__ import annotations

import http.client
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from typing import Any

from circuits.errors import FormatError
from verifier import jsonstrict as js

__all__ = [
    "DEFAULT_BATCH",
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_TIMEOUT",
    "JsonRpcClient",
    "NodeError",
    "NodeResponseError",
    "NodeRpcError",
    "NodeTimeoutError",
    "NodeUnreachableError",
    "WrongChainError",
    "node_label",
]

#: Seconds one request may take (connect, send, read the whole reply).
DEFAULT_TIMEOUT = 20.0
#: Largest reply accepted, in bytes.
DEFAULT_MAX_RESPONSE_BYTES = 8 * 1024 * 1024
#: Calls per JSON-RPC batch request (public providers commonly accept 100).
DEFAULT_BATCH = 100
_CHUNK = 64 * 1024
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class NodeError(FormatError):
    """A node that cannot be used for a check (the verifier exits with 2: bad input)."""


class NodeUnreachableError(NodeError):
    """The node could not be reached: refused connection, unknown host, HTTP error status."""


class NodeTimeoutError(NodeError):
    """The node did not answer within the timeout."""


class NodeResponseError(NodeError):
    """The node answered something that is not a valid JSON-RPC reply or result."""


class NodeRpcError(NodeError):
    """The node answered a JSON-RPC error object (e.g. state pruned at that block)."""


class WrongChainError(NodeError):
    """The node serves another chain than the one the statement names."""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # urllib then raises HTTPError with the 3xx status


def node_label(url: str) -> str:
    """`scheme://host[:port]` of a node URL: what messages show (paths and queries may hold keys)."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or "?"
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    return f"{parts.scheme}://{host}" + (f":{port}" if port else "")


def _clean(text: object, limit: int = 200) -> str:
    """A node-supplied string made safe to print: no control characters, bounded length."""
    s = _CONTROL.sub("?", str(text))
    return s if len(s) <= limit else s[:limit] + "..."


class JsonRpcClient:
    """JSON-RPC 2.0 over HTTP POST to one node.

    `call(method, params)` returns the `result`; `call_many([(method, params), ...])` sends
    batches of at most `batch` calls and returns the results in order."""

    def __init__(
        self,
        url: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        batch: int = DEFAULT_BATCH,
    ) -> None:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise NodeError(
                f"node URL {node_label(url)!r}: expected http:// or https:// and a host"
            )
        if not timeout > 0 or max_response_bytes < 1 or batch < 1:
            raise NodeError("node client: timeout, size limit and batch size must be positive")
        self.url = url
        self.label = node_label(url)
        self.timeout = float(timeout)
        self.max_response_bytes = max_response_bytes
        self.batch = batch
        self._next_id = 1
        self._opener = urllib.request.build_opener(_NoRedirect())

    # --- transport ---------------------------------------------------------------------------

    def _post(self, body: bytes, what: str) -> bytes:
        """POST `body`; the reply's bytes, read within the deadline and the size limit."""
        deadline = time.monotonic() + self.timeout
        req = urllib.request.Request(  # noqa: S310 - scheme checked in __init__ (http, https)
            self.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Accept": "application/json",
                "User-Agent": "zk-solvency-verifier",
            },
        )
        limit = self.max_response_bytes
        try:
            with self._opener.open(req, timeout=self.timeout) as resp:
                length = resp.headers.get("Content-Length")
                if length is not None and length.isdigit() and int(length) > limit:
                    raise NodeResponseError(
                        f"node {self.label}: {what}: reply of {int(length)} bytes, more than "
                        f"the limit of {limit}"
                    )
                chunks: list[bytes] = []
                size = 0
                while True:
                    if time.monotonic() > deadline:
                        raise TimeoutError()
                    chunk = resp.read1(_CHUNK)
                    if not chunk:
                        break
                    size += len(chunk)
                    if size > limit:
                        raise NodeResponseError(
                            f"node {self.label}: {what}: reply longer than the limit of {limit} bytes"
                        )
                    chunks.append(chunk)
                return b"".join(chunks)
        except NodeError:
            raise
        except urllib.error.HTTPError as exc:
            raise NodeUnreachableError(
                f"node {self.label}: {what}: HTTP status {exc.code} {_clean(exc.reason, 80)}"
            ) from None
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError):
                raise self._timeout(what) from None
            raise NodeUnreachableError(
                f"node {self.label}: {what}: cannot connect: {_clean(exc.reason, 120)}"
            ) from None
        except TimeoutError:
            raise self._timeout(what) from None
        except (OSError, http.client.HTTPException) as exc:
            raise NodeUnreachableError(
                f"node {self.label}: {what}: connection failed: {_clean(type(exc).__name__)}"
            ) from None

    def _timeout(self, what: str) -> NodeTimeoutError:
        return NodeTimeoutError(
            f"node {self.label}: {what}: no complete reply within {self.timeout:g} s"
        )

    def _parse(self, data: bytes, what: str) -> Any:
        try:
            return js.load_json(
                data, source=f"node {self.label}: {what}", max_bytes=self.max_response_bytes
            )
        except FormatError as exc:
            raise NodeResponseError(f"{exc} (not a JSON-RPC reply)") from None

    def _result(self, reply: Any, rid: int, method: str) -> Any:
        """The `result` of one reply object, after checking its envelope."""
        where = f"node {self.label}: {method}"
        if not isinstance(reply, dict):
            raise NodeResponseError(f"{where}: the reply is not a JSON-RPC object")
        got = reply.get("id")
        if reply.get("jsonrpc") != "2.0" or got != rid or isinstance(got, bool):
            raise NodeResponseError(f"{where}: the reply's jsonrpc version or id is wrong")
        extra = set(reply) - {"jsonrpc", "id", "result", "error"}
        if extra or ("result" in reply) == ("error" in reply):
            raise NodeResponseError(f"{where}: the reply needs exactly one of result and error")
        if "error" in reply:
            err = reply["error"]
            if not isinstance(err, dict):
                raise NodeResponseError(f"{where}: malformed error object")
            raise NodeRpcError(
                f"{where}: the node answered error {_clean(err.get('code'), 20)}: "
                f"{_clean(err.get('message'))}"
            )
        return reply["result"]

    # --- calls -------------------------------------------------------------------------------

    def _request(self, method: str, params: Sequence[Any]) -> tuple[int, dict[str, Any]]:
        rid = self._next_id
        self._next_id += 1
        return rid, {"jsonrpc": "2.0", "id": rid, "method": method, "params": list(params)}

    def call(self, method: str, params: Sequence[Any]) -> Any:
        """One call; its `result` (any JSON value, to be validated by the caller)."""
        rid, req = self._request(method, params)
        reply = self._parse(self._post(json.dumps(req).encode(), method), method)
        return self._result(reply, rid, method)

    def call_many(self, calls: Sequence[tuple[str, Sequence[Any]]]) -> list[Any]:
        """Many calls in batches of `self.batch`; the results in the order of `calls`."""
        out: list[Any] = []
        for start in range(0, len(calls), self.batch):
            chunk = calls[start : start + self.batch]
            if len(chunk) == 1:
                out.append(self.call(*chunk[0]))
                continue
            reqs = [self._request(m, p) for m, p in chunk]
            what = f"batch of {len(chunk)} calls ({chunk[0][0]}, ...)"
            replies = self._parse(self._post(json.dumps([r for _, r in reqs]).encode(), what), what)
            if not isinstance(replies, list) or len(replies) != len(reqs):
                raise NodeResponseError(
                    f"node {self.label}: {what}: expected a list of {len(reqs)} replies"
                )
            by_id: dict[int, Any] = {}
            for reply in replies:
                rid = reply.get("id") if isinstance(reply, dict) else None
                if not isinstance(rid, int) or isinstance(rid, bool) or rid in by_id:
                    raise NodeResponseError(
                        f"node {self.label}: {what}: a reply with a missing or repeated id"
                    )
                by_id[rid] = reply
            for (rid, _), (method, _params) in zip(reqs, chunk, strict=True):
                if rid not in by_id:
                    raise NodeResponseError(f"node {self.label}: {what}: call {rid} unanswered")
                out.append(self._result(by_id[rid], rid, method))
        return out
