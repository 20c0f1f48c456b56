"""The statement anchored on a real anvil chain: the signed `anchor` section, `solvency-prove
anchor` (unsigned transaction, or signed and sent), and `solvency-verify statement --eth-rpc
--anchor-tx` with a wrong digest, a wrong sender, a missing transaction, another chain, nodes
that lie about the sender, the data or the chain id (the transaction is rebuilt and hashed, its
sender recovered), legacy and EIP-2930 anchors, and nodes that are unreachable, slow or answer
garbage (exit codes and named errors)."""

from __future__ import annotations

import dataclasses
import json
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from circuits.errors import FormatError, VerificationError
from tests.anvil_node import (
    ANVIL_CHAIN_ID,
    DEV_ACCOUNT,
    DEV_KEY,
    Anvil,
    lying_node,
    misbehaving_node,
    require_anvil,
)
from tests.solvency_rounds import (
    EXCHANGE_PK,
    EXCHANGE_SK,
    OTHER_ROUND,
    Round,
    build_round,
    prove,
    verify,
    write_secret,
)
from verifier.chain.anchor import (
    ANCHOR_TAG,
    RECORD_NAME,
    AnchorRecord,
    check_anchor_record,
    parse_anchor_record,
)
from verifier.formats import parse_statement, statement_digest

SECOND_ACCOUNT = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"  # anvil's dev account 1


@dataclass
class Setup:
    anvil: Anvil
    base: Path
    round: Round
    other: Round
    anchor_key: Path


def anchor_args(base: Path, chain_id: int = ANVIL_CHAIN_ID) -> list[str]:
    key = base / "exchange.key"
    if not key.exists():
        write_secret(key, EXCHANGE_SK)
    return [
        "--exchange",
        "Test Exchange",
        "--signing-key",
        str(key),
        "--anchor-address",
        DEV_ACCOUNT,
        "--anchor-chain-id",
        str(chain_id),
    ]


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    anvil = Anvil(require_anvil())
    try:
        base = tmp_path_factory.mktemp("anchor")
        rnd = build_round(base, extra=anchor_args(base))
        other = build_round(base, round_id=OTHER_ROUND, extra=anchor_args(base), name="other")
        yield Setup(anvil, base, rnd, other, write_secret(base / "anchor.key", DEV_KEY))
    finally:
        anvil.stop()


def send_anchor(s: Setup, rnd: Round) -> str:
    res = prove(
        "anchor", "--round-dir", str(rnd.dir), "--from", DEV_ACCOUNT,
        "--eth-rpc", s.anvil.url, "--key", str(s.anchor_key),
    )  # fmt: skip
    assert res.rc == 0, res.text
    tx = res.stdout.strip()
    assert tx.startswith("0x") and len(tx) == 66
    return tx


def verify_anchor(s: Setup, rnd: Round, tx: str, *more: str) -> Any:
    """solvency-verify statement --anchor-tx, through anvil (or the node of --eth-rpc in `more`)."""
    node = [] if "--eth-rpc" in more else ["--eth-rpc", s.anvil.url]
    return verify(
        "statement", str(rnd.statement), "--exchange-key", EXCHANGE_PK,
        *node, "--anchor-tx", tx, *more,
    )  # fmt: skip


def test_the_anchor_section_is_signed_with_the_statement(setup: Setup) -> None:
    doc = setup.round.statement_json()
    assert doc["anchor"] == {
        "chain": "ethereum",
        "chain_id": ANVIL_CHAIN_ID,
        "address": DEV_ACCOUNT,
    }
    doc["anchor"]["address"] = SECOND_ACCOUNT
    forged = setup.base / "forged.json"
    forged.write_text(json.dumps(doc))
    res = verify("statement", str(forged), "--exchange-key", EXCHANGE_PK)
    assert res.rc == 1 and "check 'signature' failed" in res.stdout


def test_unsigned_transaction_carries_tag_and_digest(setup: Setup) -> None:
    res = prove("anchor", "--round-dir", str(setup.round.dir), "--from", DEV_ACCOUNT)
    assert res.rc == 0, res.text
    tx = json.loads(res.stdout)
    st = parse_statement(setup.round.statement.read_bytes())
    assert tx == {
        "chainId": hex(ANVIL_CHAIN_ID),
        "from": DEV_ACCOUNT,
        "to": DEV_ACCOUNT,
        "value": "0x0",
        "data": "0x" + (b"zk-solvency/anchor/v1" + statement_digest(st)).hex(),
    }
    assert ANCHOR_TAG == b"zk-solvency/anchor/v1"


def test_anchor_sent_and_verified(setup: Setup) -> None:
    tx = send_anchor(setup, setup.round)
    res = verify_anchor(setup, setup.round, tx, "--json")
    assert res.rc == 0, res.text
    out = json.loads(res.stdout)
    st = parse_statement(setup.round.statement.read_bytes())
    assert out["anchor"]["tx"] == tx
    assert out["anchor"]["address"] == DEV_ACCOUNT
    assert out["anchor"]["digest"] == statement_digest(st).hex()
    text = verify_anchor(setup, setup.round, tx).stdout
    assert f"[ok] anchor: transaction {tx} from {DEV_ACCOUNT} on chain {ANVIL_CHAIN_ID}" in text


def test_another_statements_anchor_is_refused(setup: Setup) -> None:
    tx = send_anchor(setup, setup.other)
    res = verify_anchor(setup, setup.round, tx)
    assert res.rc == 1
    other = parse_statement(setup.other.statement.read_bytes())
    assert "check 'anchor-data' failed" in res.stdout
    assert f"anchors the statement digest {statement_digest(other).hex()}" in res.stdout


def test_an_anchor_from_another_address_is_refused(setup: Setup) -> None:
    st = parse_statement(setup.round.statement.read_bytes())
    data = ANCHOR_TAG + statement_digest(st)
    receipt = setup.anvil.send(SECOND_ACCOUNT, data, sender=SECOND_ACCOUNT)
    res = verify_anchor(setup, setup.round, receipt["transactionHash"])
    assert res.rc == 1
    assert "check 'anchor-sender' failed" in res.stdout
    assert f"signed by {SECOND_ACCOUNT}, not by the anchor address {DEV_ACCOUNT}" in res.stdout


def test_an_anchor_to_another_address_or_with_other_data_is_refused(setup: Setup) -> None:
    st = parse_statement(setup.round.statement.read_bytes())
    receipt = setup.anvil.send(SECOND_ACCOUNT, ANCHOR_TAG + statement_digest(st))
    res = verify_anchor(setup, setup.round, receipt["transactionHash"])
    assert res.rc == 1 and "not to the anchor address itself" in res.stdout
    receipt = setup.anvil.send(DEV_ACCOUNT, statement_digest(st))  # no tag
    res = verify_anchor(setup, setup.round, receipt["transactionHash"])
    assert res.rc == 1 and "check 'anchor-data' failed" in res.stdout


def test_a_missing_transaction(setup: Setup) -> None:
    tx = "0x" + "42" * 32
    res = verify_anchor(setup, setup.round, tx)
    assert res.rc == 1
    assert f"check 'anchor-tx' failed: no transaction {tx} on chain {ANVIL_CHAIN_ID}" in res.stdout


def test_a_node_of_another_chain_exit_2(setup: Setup, tmp_path: Path) -> None:
    rnd = build_round(tmp_path, extra=anchor_args(tmp_path, chain_id=1))
    res = verify(
        "statement",
        str(rnd.statement),
        "--eth-rpc",
        setup.anvil.url,
        "--anchor-tx",
        "0x" + "42" * 32,
    )
    assert res.rc == 2
    assert "the statement's anchor is on chain id 1, but the node" in res.stderr
    assert "Traceback" not in res.text


def test_bad_anchor_arguments_exit_2(setup: Setup) -> None:
    st = str(setup.round.statement)
    res = verify("statement", st, "--anchor-tx", "0x" + "42" * 32)
    assert res.rc == 2 and "--anchor-tx needs --eth-rpc" in res.stderr
    res = verify("statement", st, "--eth-rpc", setup.anvil.url, "--anchor-tx", "0x42")
    assert res.rc == 2 and "expected 0x followed by 64 hex digits" in res.stderr
    res = prove("anchor", "--round-dir", str(setup.round.dir), "--from", SECOND_ACCOUNT)
    assert res.rc == 2 and f"declares the anchor address {DEV_ACCOUNT}" in res.stderr
    res = prove("anchor", "--round-dir", str(setup.round.dir), "--from", DEV_ACCOUNT.lower())
    assert res.rc == 2
    res = prove(
        "anchor",
        "--round-dir",
        str(setup.round.dir),
        "--from",
        DEV_ACCOUNT,
        "--eth-rpc",
        setup.anvil.url,
    )
    assert res.rc == 2 and "needs both --eth-rpc URL and --key FILE" in res.stderr


def test_a_statement_without_anchor_exit_2(setup: Setup, tmp_path: Path) -> None:
    rnd = build_round(tmp_path)
    res = verify(
        "statement",
        str(rnd.statement),
        "--eth-rpc",
        setup.anvil.url,
        "--anchor-tx",
        "0x" + "42" * 32,
    )
    assert res.rc == 2 and "declares no anchor" in res.stderr
    res = prove("anchor", "--round-dir", str(rnd.dir), "--from", DEV_ACCOUNT)
    assert res.rc == 2 and "declares no anchor" in res.stderr
    res = verify("reserves", "--statement", str(rnd.statement), "--eth-rpc", setup.anvil.url)
    assert res.rc == 2 and "the statement has no reserves" in res.stderr


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--anchor-address", DEV_ACCOUNT], "go together"),
        (["--anchor-address", DEV_ACCOUNT, "--anchor-chain-id", "1"], "needs --signing-key"),
        (["--anchor-address", DEV_ACCOUNT.lower(), "--anchor-chain-id", "1"], "EIP-55"),
        (["--anchor-address", "0x1234", "--anchor-chain-id", "1"], "not an ethereum address"),
        (["--anchor-address", DEV_ACCOUNT, "--anchor-chain-id", "0"], "chain_id"),
    ],
)
def test_bad_anchor_build_options_exit_2(tmp_path: Path, flags: list[str], message: str) -> None:
    if "needs --signing-key" not in message:
        flags = [*flags, "--signing-key", str(write_secret(tmp_path / "x.key", EXCHANGE_SK))]
    with pytest.raises(RuntimeError, match=rf"exit 2\): error: .*{message}"):
        build_round(tmp_path, extra=flags)


# --- nodes that cannot be used: exit 2, a named error, no traceback ---------------------------


@pytest.fixture(params=["garbage", "slow"])
def bad_node(request: pytest.FixtureRequest) -> Iterator[tuple[str, str]]:
    with misbehaving_node(b"<html>hello</html>", request.param == "slow") as url:
        yield request.param, url


def test_a_garbage_or_slow_node_exit_2(setup: Setup, bad_node: tuple[str, str]) -> None:
    mode, url = bad_node
    res = verify(
        "statement", str(setup.round.statement), "--anchor-tx", "0x" + "42" * 32,
        "--eth-rpc", url, "--rpc-timeout", "0.3",
    )  # fmt: skip
    assert res.rc == 2, res.text
    expected = "no complete reply within 0.3 s" if mode == "slow" else "not a JSON-RPC reply"
    assert expected in res.stderr and "Traceback" not in res.text


def test_an_unreachable_node_exit_2(setup: Setup) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    res = verify(
        "statement", str(setup.round.statement), "--eth-rpc", f"http://127.0.0.1:{port}",
        "--anchor-tx", "0x" + "42" * 32,
    )  # fmt: skip
    assert res.rc == 2
    assert f"error: node http://127.0.0.1:{port}: eth_chainId: cannot connect" in res.stderr


# --- the sender is recovered, the transaction rebuilt: nodes that lie -------------------------


def tx_rewrite(**fields: Any) -> Callable[[str, Any], Any]:
    """A `lying_node` rewrite that changes these fields of eth_getTransactionByHash's answer."""

    def rewrite(method: str, result: Any) -> Any:
        if method == "eth_getTransactionByHash" and isinstance(result, dict):
            return result | fields
        return result

    return rewrite


def this_anchor_data(rnd: Round) -> bytes:
    return ANCHOR_TAG + statement_digest(parse_statement(rnd.statement.read_bytes()))


def test_a_node_that_lies_about_the_sender(setup: Setup) -> None:
    # SECOND_ACCOUNT anchors this statement's digest to the anchor address; the node says it
    # came from the anchor address: the signature says otherwise (exit 1)
    receipt = setup.anvil.send(DEV_ACCOUNT, this_anchor_data(setup.round), sender=SECOND_ACCOUNT)
    tx = receipt["transactionHash"]
    with lying_node(setup.anvil.url, tx_rewrite(**{"from": DEV_ACCOUNT.lower()})) as url:
        res = verify_anchor(setup, setup.round, tx, "--eth-rpc", url)
    assert res.rc == 1, res.text
    assert "check 'anchor-sender' failed" in res.stdout
    assert f"signed by {SECOND_ACCOUNT}, not by the anchor address {DEV_ACCOUNT}" in res.stdout


def test_a_node_that_misreports_a_true_anchors_sender_exit_2(setup: Setup) -> None:
    tx = send_anchor(setup, setup.round)
    with lying_node(setup.anvil.url, tx_rewrite(**{"from": SECOND_ACCOUNT})) as url:
        res = verify_anchor(setup, setup.round, tx, "--eth-rpc", url)
    assert res.rc == 2, res.text
    assert (
        "the node says the transaction is from 0x70997970c51812dc3a010c7d01b50e0d17dc79c8"
        in res.stderr
    )
    assert "Traceback" not in res.text


@pytest.mark.parametrize("field", ["input", "chainId", "s"])
def test_a_node_that_changes_the_transaction_exit_2(setup: Setup, field: str) -> None:
    if field == "input":  # another statement's anchor, shown as this one's
        tx = send_anchor(setup, setup.other)
        lie: dict[str, Any] = {"input": "0x" + this_anchor_data(setup.round).hex()}
    else:
        tx = send_anchor(setup, setup.round)
        lie = {"chainId": "0x1"} if field == "chainId" else {"s": "0x1"}
    with lying_node(setup.anvil.url, tx_rewrite(**lie)) as url:
        res = verify_anchor(setup, setup.round, tx, "--eth-rpc", url)
    assert res.rc == 2, res.text
    assert (
        f"eth_getTransactionByHash({tx}): the transaction the node describes hashes to"
        in res.stderr
    )
    assert "not to the hash asked for" in res.stderr and "Traceback" not in res.text


def test_a_node_that_answers_another_transaction_exit_2(setup: Setup) -> None:
    tx = send_anchor(setup, setup.round)
    with lying_node(setup.anvil.url, tx_rewrite(hash="0x" + "42" * 32)) as url:
        res = verify(
            "statement", str(setup.round.statement), "--eth-rpc", url, "--anchor-tx", tx,
        )  # fmt: skip
    assert res.rc == 2 and "the node answered another transaction" in res.stderr


def sign_next(s: Setup, tx: dict[str, Any]) -> str:
    """`tx` signed with the anchor key (eth-account) at the next nonce: 0x + raw bytes."""
    from eth_account import Account

    nonce = int(s.anvil.call("eth_getTransactionCount", [DEV_ACCOUNT, "pending"]), 16)
    signed = Account.sign_transaction({"nonce": nonce, "gas": 100_000, **tx}, DEV_KEY)
    return "0x" + bytes(signed.raw_transaction).hex()


def send_signed(s: Setup, tx: dict[str, Any]) -> str:
    """Sign `tx` with the anchor key and send its raw bytes; the hash, once mined."""
    raw = sign_next(s, tx)
    return str(s.anvil.receipt(s.anvil.call("eth_sendRawTransaction", [raw]))["transactionHash"])


@pytest.mark.parametrize("kind", ["legacy", "eip2930"])
def test_legacy_and_eip2930_anchors(setup: Setup, kind: str) -> None:
    tx: dict[str, Any] = {
        "to": DEV_ACCOUNT,
        "value": 0,
        "data": this_anchor_data(setup.round),
        "chainId": ANVIL_CHAIN_ID,
        "gasPrice": 10 * 10**9,
    }
    if kind == "eip2930":
        tx |= {"type": 1, "accessList": [{"address": SECOND_ACCOUNT, "storageKeys": []}]}
    res = verify_anchor(setup, setup.round, send_signed(setup, tx))
    assert res.rc == 0, res.text
    name = "legacy (EIP-155)" if kind == "legacy" else "EIP-2930"
    assert f"the {name} transaction rebuilt from the node's answer" in res.stdout


# --- the published record: public/anchor.json, checked without a node -------------------------


def record_of(rnd: Round) -> AnchorRecord:
    path = rnd.dir / "public" / RECORD_NAME
    return parse_anchor_record(path.read_bytes(), str(path))


def test_a_sent_anchor_is_recorded_and_checks_offline(setup: Setup) -> None:
    tx = send_anchor(setup, setup.round)
    rec = record_of(setup.round)
    doc = json.loads((setup.round.dir / "public" / RECORD_NAME).read_text())
    assert doc == {
        "format": "zk-solvency/anchor-tx/v1",
        "chain": "ethereum",
        "chain_id": ANVIL_CHAIN_ID,
        "tx": tx,
        "raw": "0x" + rec.raw.hex(),
    }
    raw_on_node = setup.anvil.call("eth_getRawTransactionByHash", [tx])
    assert raw_on_node == doc["raw"]
    st = parse_statement(setup.round.statement.read_bytes())
    ok = check_anchor_record(st, rec)
    assert (ok.tx_hash, ok.address, ok.tx_type) == (tx, DEV_ACCOUNT, "EIP-1559")
    other = parse_statement(setup.other.statement.read_bytes())
    cases = [
        (other, rec, "anchor-data"),
        (st, dataclasses.replace(rec, chain_id=1), "anchor-chain"),
        (st, dataclasses.replace(rec, tx_hash=bytes(32)), "anchor-tx"),
    ]
    for statement, bad, check in cases:
        with pytest.raises(VerificationError) as e:
            check_anchor_record(statement, bad)
        assert e.value.check == check
    with pytest.raises(FormatError, match=r"anchor\.json raw"):
        check_anchor_record(st, dataclasses.replace(rec, raw=rec.raw[:-1]))


def test_recording_a_transaction_sent_by_a_wallet(setup: Setup) -> None:
    tx = send_signed(setup, {
        "to": DEV_ACCOUNT, "value": 0, "data": this_anchor_data(setup.other),
        "chainId": ANVIL_CHAIN_ID, "gasPrice": 10 * 10**9,
    })  # fmt: skip
    res = prove(
        "anchor", "--round-dir", str(setup.other.dir), "--from", DEV_ACCOUNT,
        "--eth-rpc", setup.anvil.url, "--tx", tx,
    )  # fmt: skip
    assert res.rc == 0, res.text
    assert res.stdout.strip() == tx and record_of(setup.other).tx_hash.hex() == tx[2:]
    # the same transaction is not this round's anchor: nothing is written, exit 2
    before = (setup.round.dir / "public" / RECORD_NAME).read_bytes()
    res = prove(
        "anchor", "--round-dir", str(setup.round.dir), "--from", DEV_ACCOUNT,
        "--eth-rpc", setup.anvil.url, "--tx", tx,
    )  # fmt: skip
    assert res.rc == 2 and "anchors the statement digest" in res.stderr
    assert (setup.round.dir / "public" / RECORD_NAME).read_bytes() == before
    for more, message in [
        ([], "give it with --eth-rpc URL"),
        (["--eth-rpc", setup.anvil.url, "--key", str(setup.anchor_key)], "and without --key"),
        (["--eth-rpc", setup.anvil.url], "--tx '0x42': expected 0x followed by 64 hex digits"),
    ]:
        res = prove(
            "anchor", "--round-dir", str(setup.round.dir), "--from", DEV_ACCOUNT,
            "--tx", "0x42" if "64 hex" in message else tx, *more,
        )  # fmt: skip
        assert res.rc == 2 and message in res.stderr, res.text


def test_a_pending_anchor_is_not_yet_an_anchor(setup: Setup) -> None:
    """Rebuilt, hashed and signed by the anchor address, but not mined: check 'anchor-tx'."""
    raw = sign_next(setup, {
        "to": DEV_ACCOUNT, "value": 0, "chainId": ANVIL_CHAIN_ID,
        "data": this_anchor_data(setup.round), "gasPrice": 10 * 10**9,
    })  # fmt: skip
    setup.anvil.call("evm_setAutomine", [False])
    try:
        tx = setup.anvil.call("eth_sendRawTransaction", [raw])
        res = verify_anchor(setup, setup.round, tx)
        assert res.rc == 1, res.text
        assert f"check 'anchor-tx' failed: transaction {tx} is not mined yet" in res.stdout
    finally:
        setup.anvil.call("evm_setAutomine", [True])
        setup.anvil.mine(1)
    assert verify_anchor(setup, setup.round, tx).rc == 0
