"""The JSON-RPC client against a tiny local HTTP server that misbehaves on purpose: garbage,
slow, oversized, wrong envelopes, HTTP errors; and the strict validators of Ethereum results."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from verifier.chain.ethereum import EthNode, hex_address, hex_data, hex_quantity
from verifier.chain.rpc import (
    JsonRpcClient,
    NodeError,
    NodeResponseError,
    NodeRpcError,
    NodeTimeoutError,
    NodeUnreachableError,
    WrongChainError,
    node_label,
)

Reply = Callable[[BaseHTTPRequestHandler, object], None]


def _send(h: BaseHTTPRequestHandler, body: bytes, status: int = 200) -> None:
    h.send_response(status)
    h.send_header("Content-Type", "application/json")
    h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    h.wfile.write(body)


def _echo_result(result: object) -> Reply:
    def reply(h: BaseHTTPRequestHandler, req: object) -> None:
        assert isinstance(req, dict)
        _send(h, json.dumps({"jsonrpc": "2.0", "id": req["id"], "result": result}).encode())

    return reply


class FakeNode:
    """A loopback HTTP server whose reply to each POST is `self.reply(handler, request)`."""

    def __init__(self) -> None:
        self.reply: Reply = _echo_result("0x1")
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                n = int(self.headers.get("Content-Length", "0"))
                req = json.loads(self.rfile.read(n))
                try:
                    outer.reply(self, req)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def fake_server() -> Iterator[FakeNode]:
    node = FakeNode()
    try:
        yield node
    finally:
        node.close()


@pytest.fixture
def fake(fake_server: FakeNode) -> FakeNode:
    fake_server.reply = _echo_result("0x1")
    return fake_server


def client(fake: FakeNode, **kw: object) -> JsonRpcClient:
    return JsonRpcClient(fake.url, **kw)  # type: ignore[arg-type]


def test_a_good_reply(fake: FakeNode) -> None:
    fake.reply = _echo_result("0x7a69")
    assert EthNode(client(fake)).chain_id() == 31337


def test_batch_replies_out_of_order_are_matched_by_id(fake: FakeNode) -> None:
    def reply(h: BaseHTTPRequestHandler, req: object) -> None:
        if isinstance(req, dict):  # the last chunk has one call: sent alone
            return _echo_result(hex(req["id"]))(h, req)
        assert isinstance(req, list)
        out = [{"jsonrpc": "2.0", "id": r["id"], "result": hex(r["id"])} for r in reversed(req)]
        _send(h, json.dumps(out).encode())

    fake.reply = reply
    c = client(fake, batch=3)
    results = c.call_many([("eth_blockNumber", [])] * 7)
    assert results == [hex(i) for i in range(1, 8)]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<html>502 Bad Gateway</html>", "invalid JSON"),
        (b"", "invalid JSON"),
        (b"\xff\xfe", "not UTF-8"),
        (b'{"jsonrpc": "2.0", "id": 1, "result": 1.5}', "not an integer"),
        (b'{"jsonrpc": "2.0", "id": 1, "result": "0x1", "result": "0x2"}', "duplicate key"),
        (b'{"jsonrpc": "2.0", "id": 99, "result": "0x1"}', "version or id is wrong"),
        (b'{"jsonrpc": "1.0", "id": 1, "result": "0x1"}', "version or id is wrong"),
        (b'{"jsonrpc": "2.0", "id": 1}', "exactly one of result and error"),
        (b'{"jsonrpc": "2.0", "id": 1, "result": "0x1", "error": {}}', "exactly one of"),
        (b'["0x1"]', "not a JSON-RPC object"),
        (b"[" * 100 + b"]" * 100, "nested deeper"),
    ],
)
def test_garbage_is_a_named_response_error(fake: FakeNode, body: bytes, message: str) -> None:
    fake.reply = lambda h, req: _send(h, body)
    with pytest.raises(NodeResponseError, match=message):
        client(fake).call("eth_chainId", [])


def test_an_error_object_is_reported_with_its_message(fake: FakeNode) -> None:
    def reply(h: BaseHTTPRequestHandler, req: object) -> None:
        body = {
            "jsonrpc": "2.0",
            "id": 1,
            "error": {"code": -32000, "message": "missing trie\nnode"},
        }
        _send(h, json.dumps(body).encode())

    fake.reply = reply
    with pytest.raises(NodeRpcError, match=r"error -32000: missing trie\?node"):
        client(fake).call("eth_getBalance", [])


@pytest.mark.parametrize(
    ("replies", "message"),
    [
        (lambda req: [], "expected a list of 2 replies"),
        (lambda req: {"jsonrpc": "2.0", "id": None, "error": {}}, "expected a list of 2 replies"),
        (
            lambda req: [{"jsonrpc": "2.0", "id": req[0]["id"], "result": "0x1"}] * 2,
            "missing or repeated id",
        ),
        (
            lambda req: [
                {"jsonrpc": "2.0", "id": req[0]["id"], "result": "0x1"},
                {"jsonrpc": "2.0", "id": 12345, "result": "0x1"},
            ],
            "unanswered",
        ),
    ],
)
def test_a_bad_batch_is_refused(
    fake: FakeNode, replies: Callable[[list[dict[str, object]]], object], message: str
) -> None:
    fake.reply = lambda h, req: _send(h, json.dumps(replies(req)).encode())  # type: ignore[arg-type]
    with pytest.raises(NodeResponseError, match=message):
        client(fake).call_many([("eth_blockNumber", []), ("eth_blockNumber", [])])


def test_a_slow_node_times_out(fake: FakeNode) -> None:
    def reply(h: BaseHTTPRequestHandler, req: object) -> None:
        time.sleep(2)
        _echo_result("0x1")(h, req)

    fake.reply = reply
    t = time.monotonic()
    with pytest.raises(NodeTimeoutError, match=r"no complete reply within 0.3 s"):
        client(fake, timeout=0.3).call("eth_chainId", [])
    assert time.monotonic() - t < 1.5


def test_a_node_that_trickles_bytes_is_cut_off_at_the_deadline(fake: FakeNode) -> None:
    def reply(h: BaseHTTPRequestHandler, req: object) -> None:
        h.send_response(200)
        h.send_header("Content-Length", "1000")
        h.end_headers()
        for _ in range(40):
            h.wfile.write(b" ")
            h.wfile.flush()
            time.sleep(0.05)

    fake.reply = reply
    with pytest.raises(NodeTimeoutError):
        client(fake, timeout=0.5).call("eth_chainId", [])


def test_an_oversized_reply_is_refused(fake: FakeNode) -> None:
    big = json.dumps({"jsonrpc": "2.0", "id": 1, "result": "0x" + "00" * 5000}).encode()
    fake.reply = lambda h, req: _send(h, big)
    with pytest.raises(NodeResponseError, match="more than the limit of 1000"):
        client(fake, max_response_bytes=1000).call("eth_chainId", [])

    def chunked(h: BaseHTTPRequestHandler, req: object) -> None:  # no Content-Length
        h.send_response(200)
        h.end_headers()
        h.wfile.write(big)

    fake.reply = chunked
    with pytest.raises(NodeResponseError, match="longer than the limit of 1000"):
        client(fake, max_response_bytes=1000).call("eth_chainId", [])


def test_http_errors_and_redirects(fake: FakeNode) -> None:
    fake.reply = lambda h, req: _send(h, b"{}", status=503)
    with pytest.raises(NodeUnreachableError, match="HTTP status 503"):
        client(fake).call("eth_chainId", [])

    def redirect(h: BaseHTTPRequestHandler, req: object) -> None:
        h.send_response(302)
        h.send_header("Location", "http://127.0.0.1:1/")
        h.send_header("Content-Length", "0")
        h.end_headers()

    fake.reply = redirect
    with pytest.raises(NodeUnreachableError, match="HTTP status 302"):
        client(fake).call("eth_chainId", [])


def test_an_unreachable_node() -> None:
    with socket.socket() as s:  # a port that was free a moment ago: nothing listens there
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(
        NodeUnreachableError, match=f"node http://127.0.0.1:{port}: .*cannot connect"
    ):
        JsonRpcClient(f"http://127.0.0.1:{port}/", timeout=2).call("eth_chainId", [])


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://example.org/", "127.0.0.1:8545", "http://", ""]
)
def test_only_http_urls(url: str) -> None:
    with pytest.raises(NodeError, match="expected http:// or https://"):
        JsonRpcClient(url)


def test_messages_never_show_the_path_or_user_info_of_a_url() -> None:
    assert node_label("https://user:pw@rpc.example.org:8443/v3/SECRETKEY?k=1") == (
        "https://rpc.example.org:8443"
    )
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(NodeUnreachableError) as info:
        JsonRpcClient(f"http://u:pw@127.0.0.1:{port}/v3/SECRETKEY", timeout=2).call("x", [])
    assert "SECRETKEY" not in str(info.value) and "pw" not in str(info.value)


def test_wrong_chain(fake: FakeNode) -> None:
    fake.reply = _echo_result("0x1")
    with pytest.raises(
        WrongChainError, match=r"on chain id 31337, but the node .* serves chain id 1"
    ):
        EthNode(client(fake)).require_chain(31337, "asset ETH")


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("0x0", 0),
        ("0x1", 1),
        ("0xff", 255),
        ("0x" + "f" * 64, 2**256 - 1),
        ("0x00", None),
        ("0x01", None),
        ("0x", None),
        ("0xFF", None),
        ("ff", None),
        ("0x" + "1" * 65, None),
        (1, None),
        (None, None),
        ("0x1 ", None),
    ],
)
def test_hex_quantity(value: object, ok: int | None) -> None:
    if ok is None:
        with pytest.raises(NodeResponseError, match="expected a hex quantity"):
            hex_quantity(value, "x")
    else:
        assert hex_quantity(value, "x") == ok


@pytest.mark.parametrize(
    ("value", "nbytes", "ok"),
    [
        ("0x", None, b""),
        ("0x00ff", 2, b"\x00\xff"),
        ("0x0", None, None),
        ("0x00FF", None, None),
        ("00ff", None, None),
        ("0x00ff", 32, None),
        (["0x00"], None, None),
    ],
)
def test_hex_data(value: object, nbytes: int | None, ok: bytes | None) -> None:
    if ok is None:
        with pytest.raises(NodeResponseError, match="expected"):
            hex_data(value, "x", nbytes)
    else:
        assert hex_data(value, "x", nbytes) == ok


def test_a_block_of_another_height_or_with_a_short_hash_is_refused(fake: FakeNode) -> None:
    fake.reply = _echo_result({"number": "0x5", "hash": "0x" + "11" * 32, "timestamp": "0x1"})
    with pytest.raises(NodeResponseError, match="returned block 5"):
        EthNode(client(fake)).block(4)
    fake.reply = _echo_result({"number": "0x4", "hash": "0x" + "11" * 31, "timestamp": "0x1"})
    with pytest.raises(NodeResponseError, match=r"\.hash: expected 32 bytes"):
        EthNode(client(fake)).block(4)
    fake.reply = _echo_result(None)
    assert EthNode(client(fake)).block(4) is None


def test_hex_address_either_case() -> None:
    raw = bytes.fromhex("f39fd6e51aad88f6f4ce6ab8827279cfffb92266")
    assert hex_address("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", "x") == raw
    assert hex_address("0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266", "x") == raw
    for bad in (
        "0xf39fd6e51aad88f6f4ce6ab8827279cfffb922",
        "f39fd6e51aad88f6f4ce6ab8827279cfffb92266",
        None,
    ):
        with pytest.raises(NodeResponseError, match="expected a 20-byte address"):
            hex_address(bad, "x")


def test_a_real_anvil_node() -> None:
    from tests.anvil_node import ANVIL_CHAIN_ID, DEV_ACCOUNT, Anvil, require_anvil

    anvil = Anvil(require_anvil())
    try:
        node = anvil.node
        assert node.chain_id() == ANVIL_CHAIN_ID
        genesis = node.block(0)
        assert genesis is not None and genesis.number == 0 and len(genesis.hash) == 32
        assert node.block(10**6) is None
        dev = bytes.fromhex(DEV_ACCOUNT[2:])
        by_hash = {"blockHash": "0x" + genesis.hash.hex()}
        assert node.balances([dev, bytes(20)], by_hash) == [10_000 * 10**18, 0]
        assert node.transaction(bytes(32)) is None and node.receipt(bytes(32)) is None
    finally:
        anvil.stop()


# --- exact messages and edges (mutation campaign, docs/MUTATION.md) ----------------------------


def _batch(fake: FakeNode, replies: Callable[[list[dict[str, Any]]], object]) -> None:
    fake.reply = lambda h, req: _send(h, json.dumps(replies(req)).encode())  # type: ignore[arg-type]


def _ok(r: dict[str, Any]) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": r["id"], "result": r["method"]}


def test_batch_messages_name_the_batch_and_its_first_call(fake: FakeNode) -> None:
    calls = [("eth_chainId", ["p"]), ("eth_getBalance", ["q"])]
    c = client(fake)
    label = c.label
    what = f"node {label}: batch of 2 calls (eth_chainId, ...)"
    for replies, message in (
        (lambda req: [], f"{what}: expected a list of 2 replies"),
        (lambda req: [1, _ok(req[1])], f"{what}: a reply with a missing or repeated id"),
        (lambda req: [_ok(req[0]) | {"id": str(req[0]["id"])}, _ok(req[1])],
         f"{what}: a reply with a missing or repeated id"),
        (lambda req: [_ok(req[0]) | {"id": True}, _ok(req[1])],
         f"{what}: a reply with a missing or repeated id"),
        (lambda req: [_ok(req[0]), {"jsonrpc": "2.0", "id": req[1]["id"],
                                    "error": {"code": 3, "message": "no"}}],
         f"node {label}: eth_getBalance: the node answered error 3: no"),
    ):  # fmt: skip
        _batch(fake, replies)
        with pytest.raises(NodeError) as e:
            c.call_many(calls)
        assert str(e.value) == message
        assert isinstance(
            e.value, NodeRpcError if "answered error" in message else NodeResponseError
        )
    fake.reply = lambda h, req: _send(h, b"[")
    with pytest.raises(NodeResponseError) as e:
        c.call_many(calls)
    assert str(e.value) == (
        f"{what}: line 1 column 2: invalid JSON: Expecting value (not a JSON-RPC reply)"
    )
    fake.reply = lambda h, req: _send(h, b"{}", status=500)
    with pytest.raises(NodeUnreachableError) as e2:
        c.call_many(calls)
    assert str(e2.value) == f"{what}: HTTP status 500 Internal Server Error"


def test_the_requests_of_a_batch_and_batches_of_one(fake: FakeNode) -> None:
    seen: list[object] = []

    def reply(h: BaseHTTPRequestHandler, req: Any) -> None:
        seen.append(req)
        out = [_ok(r) for r in req] if isinstance(req, list) else _ok(req)
        _send(h, json.dumps(out).encode())

    fake.reply = reply
    c = client(fake, batch=1)
    assert c.call_many([("eth_chainId", []), ("eth_blockNumber", [1])]) == [
        "eth_chainId",
        "eth_blockNumber",
    ]
    assert seen == [
        {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []},
        {"jsonrpc": "2.0", "id": 2, "method": "eth_blockNumber", "params": [1]},
    ]
    seen.clear()
    c = client(fake, batch=2)
    assert c.call_many([("a", [1]), ("b", [2]), ("c", [])]) == ["a", "b", "c"]
    assert seen == [
        [{"jsonrpc": "2.0", "id": 1, "method": "a", "params": [1]},
         {"jsonrpc": "2.0", "id": 2, "method": "b", "params": [2]}],
        {"jsonrpc": "2.0", "id": 3, "method": "c", "params": []},
    ]  # fmt: skip


def test_reply_envelopes_exactly(fake: FakeNode) -> None:
    c = client(fake)
    where = f"node {c.label}: eth_chainId"
    one_of = f"{where}: the reply needs exactly one of result and error"
    for body, message in (
        ({"result": "0x1", "more": 1}, one_of),
        ({"result": "0x1", "error": {}}, one_of),
        ({}, one_of),
        ({"id": 99, "result": "0x1"}, f"{where}: the reply's jsonrpc version or id is wrong"),
        ({"id": True, "result": "0x1"}, f"{where}: the reply's jsonrpc version or id is wrong"),
        ({"jsonrpc": "2", "result": "0x1"}, f"{where}: the reply's jsonrpc version or id is wrong"),
        ({"error": 5}, f"{where}: malformed error object"),
        ({"error": {"code": 1, "message": "m" * 200}},
         f"{where}: the node answered error 1: " + "m" * 200),
        ({"error": {"code": 1, "message": "m" * 201}},
         f"{where}: the node answered error 1: " + "m" * 200 + "..."),
    ):  # fmt: skip

        def reply(h: BaseHTTPRequestHandler, req: Any, body: dict[str, Any] = body) -> None:
            _send(h, json.dumps({"jsonrpc": "2.0", "id": req["id"]} | body).encode())

        fake.reply = reply
        with pytest.raises(NodeError) as e:
            c.call("eth_chainId", [])
        assert str(e.value) == message
        assert isinstance(
            e.value, NodeRpcError if "answered error" in message else NodeResponseError
        )
    fake.reply = lambda h, req: _send(h, b"[1]")
    with pytest.raises(NodeResponseError) as e:
        c.call("eth_chainId", [])
    assert str(e.value) == f"{where}: the reply is not a JSON-RPC object"


def test_the_timeout_message(fake: FakeNode) -> None:
    def reply(h: BaseHTTPRequestHandler, req: object) -> None:
        time.sleep(1)
        _echo_result("0x1")(h, req)

    fake.reply = reply
    c = client(fake, timeout=0.25)
    with pytest.raises(NodeTimeoutError) as e:
        c.call("eth_chainId", [])
    assert str(e.value) == f"node {c.label}: eth_chainId: no complete reply within 0.25 s"


def test_node_labels_and_client_arguments() -> None:
    assert node_label("http://") == "http://?"
    assert node_label("http://[::1]:8545/key") == "http://[::1]:8545"
    assert node_label("https://rpc.example.org/v3/key") == "https://rpc.example.org"
    assert node_label("http://h:99999/") == "http://h"  # a port out of range is not shown
    assert JsonRpcClient("https://rpc.example.org/k").label == "https://rpc.example.org"
    with pytest.raises(NodeError) as e:
        JsonRpcClient("ftp://h/key")
    assert str(e.value) == "node URL 'ftp://h': expected http:// or https:// and a host"
    positive = "node client: timeout, size limit and batch size must be positive"
    for kw in ({"timeout": 0}, {"max_response_bytes": 0}, {"batch": 0}):
        with pytest.raises(NodeError) as e:
            JsonRpcClient("http://h", **kw)  # type: ignore[arg-type]
        assert str(e.value) == positive
    c = JsonRpcClient("http://h", timeout=0.001, max_response_bytes=1, batch=1)
    assert (c.timeout, c.max_response_bytes, c.batch) == (0.001, 1, 1)


def test_what_the_client_sends(fake: FakeNode) -> None:
    seen: list[tuple[str, dict[str, str]]] = []

    def reply(h: BaseHTTPRequestHandler, req: Any) -> None:
        seen.append(
            (h.command, {k: h.headers[k] for k in ("Content-Type", "Accept", "User-Agent")})
        )
        _echo_result("0x1")(h, req)

    fake.reply = reply
    client(fake).call("eth_chainId", [])
    assert seen == [("POST", {"Content-Type": "application/json", "Accept": "application/json",
                              "User-Agent": "zk-solvency-verifier"})]  # fmt: skip


def _pieces(*parts: bytes, length: bool = False) -> Reply:
    """A reply written in separate pieces (so the client reads it in several chunks)."""

    def reply(h: BaseHTTPRequestHandler, req: object) -> None:
        h.send_response(200)
        if length:
            h.send_header("Content-Length", str(sum(map(len, parts))))
        h.end_headers()
        for p in parts:
            h.wfile.write(p)
            h.wfile.flush()
            time.sleep(0.05)

    return reply


def test_reply_size_limits_are_inclusive(fake: FakeNode) -> None:
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "result": "0x" + "00" * 300}).encode()
    half = len(body) // 2
    c = client(fake, max_response_bytes=len(body))
    fake.reply = _pieces(body[:half], body[half:], length=True)
    assert c.call("eth_chainId", []) == "0x" + "00" * 300  # exactly the limit, announced
    c = client(fake, max_response_bytes=len(body))
    fake.reply = _pieces(body[:half], body[half:])
    assert c.call("eth_chainId", []) == "0x" + "00" * 300  # exactly the limit, in two chunks
    c = client(fake, max_response_bytes=len(body) - 1)
    fake.reply = _pieces(body[:half], body[half:])
    with pytest.raises(NodeResponseError) as e:
        c.call("eth_chainId", [])
    assert str(e.value) == (
        f"node {c.label}: eth_chainId: reply longer than the limit of {len(body) - 1} bytes"
    )


def test_transport_failures_named_exactly(fake: FakeNode, monkeypatch: pytest.MonkeyPatch) -> None:
    import http.client
    import urllib.error

    c = client(fake)
    fake.reply = lambda h, req: h.send_response(503, "r" * 81) or h.end_headers()  # type: ignore[func-returns-value]
    with pytest.raises(NodeUnreachableError) as e:
        c.call("eth_chainId", [])
    assert str(e.value) == f"node {c.label}: eth_chainId: HTTP status 503 " + "r" * 80 + "..."
    fake.reply = lambda h, req: _send(h, b"[")
    with pytest.raises(NodeResponseError) as e2:
        c.call("eth_chainId", [])
    assert str(e2.value) == (
        f"node {c.label}: eth_chainId: line 1 column 2: invalid JSON: Expecting value "
        "(not a JSON-RPC reply)"
    )
    for exc, message in (
        (urllib.error.URLError(TimeoutError()), "no complete reply within 20 s"),
        (urllib.error.URLError("x" * 121), "cannot connect: " + "x" * 120 + "..."),
        (urllib.error.URLError("x" * 120), "cannot connect: " + "x" * 120),
        (http.client.RemoteDisconnected("gone"), "connection failed: RemoteDisconnected"),
        (ConnectionResetError(), "connection failed: ConnectionResetError"),
    ):

        def fail(*args: object, exc: BaseException = exc, **kw: object) -> None:
            raise exc

        monkeypatch.setattr(c._opener, "open", fail)
        with pytest.raises(NodeError) as e3:
            c.call("eth_chainId", [])
        assert str(e3.value) == f"node {c.label}: eth_chainId: {message}"
        assert isinstance(
            e3.value, NodeTimeoutError if "within" in message else NodeUnreachableError
        )


def test_error_codes_are_cut_at_20_characters(fake: FakeNode) -> None:
    c = client(fake)
    for code, shown in (("c" * 20, "c" * 20), ("c" * 21, "c" * 20 + "...")):

        def reply(h: BaseHTTPRequestHandler, req: Any, code: str = code) -> None:
            body = {"jsonrpc": "2.0", "id": req["id"], "error": {"code": code, "message": "m"}}
            _send(h, json.dumps(body).encode())

        fake.reply = reply
        with pytest.raises(NodeRpcError) as e:
            c.call("eth_chainId", [])
        assert str(e.value) == f"node {c.label}: eth_chainId: the node answered error {shown}: m"


def test_a_reply_id_true_is_not_id_1(fake: FakeNode) -> None:
    """JSON true equals Python 1: the first request (id 1) answered with id true is refused."""
    fake.reply = lambda h, req: _send(h, b'{"jsonrpc": "2.0", "id": true, "result": "0x1"}')
    c = client(fake)
    with pytest.raises(NodeResponseError) as e:
        c.call("eth_chainId", [])
    assert (
        str(e.value) == f"node {c.label}: eth_chainId: the reply's jsonrpc version or id is wrong"
    )
