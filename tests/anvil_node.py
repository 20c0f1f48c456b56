"""A real anvil node for tests: found on this machine, started on a free loopback port, stopped;
plus the chain set-up the tests need (fund wallets, deploy the ERC-20 of tests/fixtures/erc20,
transfer tokens, mine blocks), and local nodes that lie or misbehave.

anvil comes from the npm package @foundry-rs/anvil, whose binary ships in the platform package
@foundry-rs/anvil-<os>-<arch>; `.ci/run` installs it under .tools/npm. Looked up in order:
$ZKSOLVENCY_ANVIL, .tools/npm, then `anvil` on PATH. Without it the tests are skipped with the
reason, except under CI (CI=true), where a missing anvil fails them.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from verifier.chain.ethereum import EthNode, hex_address, hex_quantity
from verifier.chain.rpc import JsonRpcClient, NodeError, NodeRpcError

ROOT = Path(__file__).resolve().parent.parent
ERC20_DIR = ROOT / "tests" / "fixtures" / "erc20"
ANVIL_CHAIN_ID = 31337
#: anvil's first dev account (mnemonic "test test ... junk"), unlocked in anvil.
DEV_ACCOUNT = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
DEV_KEY = bytes.fromhex("ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80")
TRANSFER = bytes.fromhex("a9059cbb")  # transfer(address,uint256)


def find_anvil() -> str | None:
    env = os.environ.get("ZKSOLVENCY_ANVIL")
    if env:
        return env if os.access(env, os.X_OK) else None
    found = sorted(glob.glob(str(ROOT / ".tools/npm/node_modules/@foundry-rs/anvil-*/bin/anvil")))
    if found:
        return found[0]
    return shutil.which("anvil")


def require_anvil() -> str:
    path = find_anvil()
    if path is None:
        reason = (
            "anvil not found: npm install --prefix .tools/npm @foundry-rs/anvil "
            "(or set ZKSOLVENCY_ANVIL); .ci/run installs it"
        )
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return path


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Anvil:
    """One anvil process on 127.0.0.1 and helpers to shape its chain."""

    def __init__(self, binary: str, chain_id: int = ANVIL_CHAIN_ID) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [
                binary,
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--chain-id",
                str(chain_id),
                "--silent",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.client = JsonRpcClient(self.url, timeout=10)
        self.node = EthNode(self.client)
        deadline = time.monotonic() + 20
        while True:
            try:
                self.node.chain_id()
                break
            except NodeError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("anvil did not start") from None
                time.sleep(0.05)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)

    # --- chain shaping -----------------------------------------------------------------------

    def call(self, method: str, params: list[Any]) -> Any:
        return self.client.call(method, params)

    def send(
        self, to: str | None, data: bytes = b"", value: int = 0, sender: str = DEV_ACCOUNT
    ) -> dict[str, Any]:
        """eth_sendTransaction from an unlocked account (mined at once); the receipt."""
        tx: dict[str, Any] = {"from": sender, "value": hex(value), "data": "0x" + data.hex()}
        if to is not None:
            tx["to"] = to
        return self.receipt(self.call("eth_sendTransaction", [tx]))

    def receipt(self, tx_hash: str) -> dict[str, Any]:
        """The receipt of a sent transaction (anvil mines it at once, answering a moment later)."""
        deadline = time.monotonic() + 10
        while (receipt := self.call("eth_getTransactionReceipt", [tx_hash])) is None:
            assert time.monotonic() < deadline, "transaction not mined"
            time.sleep(0.01)
        assert receipt["status"] == "0x1", receipt
        return dict(receipt)

    def fund(self, address: str, wei: int) -> None:
        self.send(address, value=wei)

    def deploy_token(self, name: str, symbol: str, decimals: int, supply: int) -> str:
        """Deploy tests/fixtures/erc20/TestToken.bin; the contract's EIP-55 address."""
        from eth_abi import encode

        from verifier.ownership.ethereum import checksum_address

        code = bytes.fromhex((ERC20_DIR / "TestToken.bin").read_text().strip())
        args = encode(["string", "string", "uint8", "uint256"], [name, symbol, decimals, supply])
        receipt = self.send(None, code + args)
        return checksum_address(hex_address(receipt["contractAddress"], "contractAddress"))

    def transfer_token(self, token: str, to: str, amount: int) -> None:
        data = TRANSFER + bytes(12) + bytes.fromhex(to[2:]) + amount.to_bytes(32, "big")
        self.send(token, data)

    def mine(self, blocks: int = 1) -> None:
        self.call("anvil_mine", [hex(blocks)])

    def head(self) -> tuple[int, str]:
        """(height, 0x-hash) of the latest block."""
        n = hex_quantity(self.call("eth_blockNumber", []), "eth_blockNumber")
        block = self.node.block(n)
        assert block is not None
        return n, "0x" + block.hash.hex()


@contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """Serve `handler` on a free loopback port in a thread; yields the URL, then stops."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def lying_node(upstream: str, rewrite: Callable[[str, Any], Any]) -> Iterator[str]:
    """A local JSON-RPC proxy in front of `upstream` that passes every call on and answers
    `rewrite(method, result)` instead of the result (a node that lies); yields its URL."""
    client = JsonRpcClient(upstream, timeout=10)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            req = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
            calls = req if isinstance(req, list) else [req]
            replies = []
            for c in calls:
                try:
                    result = rewrite(c["method"], client.call(c["method"], c["params"]))
                    replies.append({"jsonrpc": "2.0", "id": c["id"], "result": result})
                except NodeRpcError as exc:
                    error = {"code": -32000, "message": str(exc)}
                    replies.append({"jsonrpc": "2.0", "id": c["id"], "error": error})
            body = json.dumps(replies if isinstance(req, list) else replies[0]).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    with serving(Handler) as url:
        yield url


@contextmanager
def misbehaving_node(body: bytes, slow: bool) -> Iterator[str]:
    """A local HTTP server that answers every POST with `body` (garbage for a node), after 1.5 s
    when `slow`; yields its URL. For the named-error tests of unusable nodes."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if slow:
                time.sleep(1.5)
            try:
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def log_message(self, *args: object) -> None:
            pass

    with serving(Handler) as url:
        yield url
