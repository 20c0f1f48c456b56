"""Wallet ownership per chain (verifier/ownership): addresses, BIP-322 simple, Bitcoin Core
signmessage, BIP-340 Taproot keys and EIP-191, checked against independent signers and vectors:

* BIP-322's own vectors (tests/vectors/bip322/, copied unchanged from bitcoin/bips);
* Bitcoin Core's signmessage vectors (src/test/util_tests.cpp `message_sign`/`message_verify`,
  test/functional/rpc_signmessagewithprivkey.py), carried below with their source;
* BIP-350's address vectors and EIP-55's checksum examples;
* eth-account (an independent EIP-191 signer) signing for our verifier.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from circuits import ecdsa
from circuits.errors import FormatError, VerificationError
from circuits.group import N
from prover.wallet_signers import address_for, ecdsa_sign, sign_wallet
from verifier.ownership import btcsig
from verifier.ownership.bitcoin import decode_address, script_pubkey
from verifier.ownership.ethereum import checksum_address, parse_address, recover_eip191
from verifier.ownership.verify import check_wallet_form, verify_ownership

VECTORS = Path(__file__).parent / "vectors" / "bip322"
BACKENDS = ["python", "libsecp256k1"]


def _load(name: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((VECTORS / name).read_text(encoding="utf-8"))
    return doc


BASIC = _load("basic-test-vectors.json")
GENERATED = _load("generated-test-vectors.json")
SIMPLE = [v for v in BASIC["simple"] + GENERATED["simple"] if v["type"] in ("p2wpkh", "p2tr")]


def _wif_secret(wif: str) -> bytes:
    import base58

    raw = base58.b58decode_check(wif)
    assert raw[0] == 0x80 and len(raw) == 34 and raw[33] == 1  # mainnet, compressed
    return bytes(raw[1:33])


# --- BIP-322 ---------------------------------------------------------------------------------


@pytest.mark.parametrize("vec", BASIC["tx_hashes"], ids=lambda v: repr(v["message"][:12]))
def test_bip322_message_and_transaction_hashes(vec: dict[str, Any]) -> None:
    msg = vec["message"].encode()
    spk = script_pubkey(decode_address(vec["address"], "bitcoin"))
    assert btcsig.bip322_message_hash(msg).hex() == vec["message_hash"]
    assert btcsig.to_spend_txid(msg, spk)[::-1].hex() == vec["to_spend_tx_hash"]
    assert btcsig.to_sign_txid(msg, spk)[::-1].hex() == vec["to_sign_tx_hash"]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("vec", SIMPLE, ids=lambda v: f"{v['type']}-{v['message'][:10]!r}")
def test_bip322_simple_vectors_verify(vec: dict[str, Any], backend: str) -> None:
    addr = decode_address(vec["address"], "bitcoin")
    for sig in vec["bip322_signatures"]:
        btcsig.verify_bip322_simple(addr, vec["message"].encode(), sig, backend)
        verify_ownership("bitcoin", "bip322-simple", vec["address"], vec["message"], sig)


@pytest.mark.parametrize("vec", SIMPLE, ids=lambda v: f"{v['type']}-{v['message'][:10]!r}")
def test_our_signer_reproduces_bip322_vectors(vec: dict[str, Any]) -> None:
    """Same address from the vector's key (BIP-86 for P2TR); for P2WPKH the same bytes as the
    vector's signature made without low-R grinding (both are RFC 6979)."""
    sk = _wif_secret(vec["private_keys"][0])
    scheme = "bip322-simple" if vec["type"] == "p2wpkh" else "bip322-p2tr"
    address, _ = address_for(sk, "bitcoin", scheme)
    assert address == vec["address"]
    sig = sign_wallet(sk, decode_address(address, "bitcoin"), "bip322-simple", vec["message"])
    if vec["type"] == "p2wpkh":
        assert sig in vec["bip322_signatures"]
    verify_ownership("bitcoin", "bip322-simple", address, vec["message"], sig)


def _error_expectation(vec: dict[str, Any]) -> tuple[type[Exception], str | None]:
    """What each BIP-322 error vector must raise here: FormatError for what cannot be decoded or
    is outside our scope (full/proof-of-funds variants, P2WSH, P2SH, P2PKH), VerificationError
    with the check for simple P2WPKH/P2TR signatures that do not verify."""
    d = vec["description"]
    if "p2wpkh simple" in d and "wrong signer" in d:
        return VerificationError, "reserves-address"
    if ("p2wpkh simple" in d or "p2tr simple" in d) or d.startswith(
        ("wrong message for valid simple p2wpkh", "empty witness stack")
    ):
        return VerificationError, "reserves-signature"
    return FormatError, None


@pytest.mark.parametrize(
    "vec", BASIC["error"] + GENERATED["error"], ids=lambda v: v["description"][:50]
)
def test_bip322_error_vectors_are_refused(vec: dict[str, Any]) -> None:
    kind, check = _error_expectation(vec)
    with pytest.raises(kind) as info:
        verify_ownership(
            "bitcoin", "bip322-simple", vec["address"], vec["message"], vec["signature"]
        )
    if check is not None:
        assert isinstance(info.value, VerificationError) and info.value.check == check


def _p2wpkh_vector() -> tuple[str, str, str]:
    v = BASIC["simple"][1]
    return v["address"], v["message"], v["bip322_signatures"][1]


@pytest.mark.parametrize(
    ("edit", "kind", "message"),
    [
        (lambda s: "ful" + s[3:], FormatError, "only BIP-322 simple signatures"),
        (lambda s: s[3:], None, None),  # unprefixed simple: accepted (BIP-322 compatibility)
        (lambda s: s[:-1], FormatError, "not valid base64"),
        (lambda s: s + "=", FormatError, "base64"),
        (lambda s: s + " ", FormatError, "not valid base64"),
        (lambda s: "smp" + base64.b64encode(base64.b64decode(s[3:]) + b"\x00").decode(),
         FormatError, "1 bytes after the witness stack"),
        (lambda s: "smp" + base64.b64encode(b"\x02\xfd\x01\x00").decode(),
         FormatError, "not minimally encoded"),
    ],
)  # fmt: skip
def test_bip322_signature_encodings(edit: Any, kind: type[Exception] | None, message: str) -> None:
    address, msg, sig = _p2wpkh_vector()
    if kind is None:
        verify_ownership("bitcoin", "bip322-simple", address, msg, edit(sig))
        return
    with pytest.raises(kind, match=message):
        verify_ownership("bitcoin", "bip322-simple", address, msg, edit(sig))


def _witness_sig(items: list[bytes]) -> str:
    raw = bytes([len(items)]) + b"".join(bytes([len(i)]) + i for i in items)
    return "smp" + base64.b64encode(raw).decode()


def test_bip322_ecdsa_rules() -> None:
    """Strict DER, low s and SIGHASH_ALL, as BIP-322 requires."""
    address, msg, sig = _p2wpkh_vector()
    witness = btcsig.decode_simple(sig)
    der, key = witness
    r, s = btcsig._der_rs(der)
    # High s: the same signature with s -> n - s (valid ECDSA, refused by LOW_S).
    high = _witness_sig([_der(r, N - s) + b"\x01", key])
    with pytest.raises(VerificationError, match="not low") as info:
        verify_ownership("bitcoin", "bip322-simple", address, msg, high)
    assert info.value.check == "reserves-signature"
    # Another hash type.
    for ht in (b"\x02", b"\x81"):
        with pytest.raises(VerificationError, match="SIGHASH_ALL"):
            verify_ownership(
                "bitcoin", "bip322-simple", address, msg, _witness_sig([der[:-1] + ht, key])
            )
    # Non-minimal DER (a zero byte in front of r).
    bad = _witness_sig(
        [b"\x30" + bytes([der[1] + 1]) + b"\x02" + bytes([der[3] + 1]) + b"\x00" + der[4:], key]
    )
    with pytest.raises(FormatError, match="strict DER"):
        verify_ownership("bitcoin", "bip322-simple", address, msg, bad)
    # An uncompressed key in the witness.
    with pytest.raises(VerificationError, match="compressed"):
        verify_ownership(
            "bitcoin",
            "bip322-simple",
            address,
            msg,
            _witness_sig([der, b"\x04" + key[1:] + key[1:]]),
        )


def _der(r: int, s: int) -> bytes:
    from prover.wallet_signers import _der as der

    return der(r, s)


def test_bip322_taproot_rules() -> None:
    vec = next(v for v in SIMPLE if v["type"] == "p2tr")
    address, msg = vec["address"], vec["message"]
    (sig64,) = btcsig.decode_simple(vec["bip322_signatures"][0])
    # SIGHASH_ALL appended to a SIGHASH_DEFAULT signature: another sighash, does not verify.
    with pytest.raises(VerificationError, match="does not verify"):
        verify_ownership("bitcoin", "bip322-simple", address, msg, _witness_sig([sig64 + b"\x01"]))
    with pytest.raises(VerificationError, match="65 ending in SIGHASH_ALL"):
        verify_ownership("bitcoin", "bip322-simple", address, msg, _witness_sig([sig64 + b"\x02"]))
    with pytest.raises(VerificationError, match="only key-path"):
        verify_ownership("bitcoin", "bip322-simple", address, msg, _witness_sig([sig64, b"\x50"]))


# --- Bitcoin Core signmessage ----------------------------------------------------------------

#: Bitcoin Core, src/test/util_tests.cpp (message_sign, message_verify) and
#: test/functional/rpc_signmessagewithprivkey.py: (chain, address, signature, message).
CORE_VALID = [
    ("bitcoin", "15CRxFdyRpGZLW9w8HnHvVduizdL5jKNbs",
     "IPojfrX2dfPnH26UegfbGQQLrdK844DlHq5157/P6h57WyuS/Qsl+h/WSVGDF4MUi4rWSswW38oimDYfNNUBUOk=",
     "Trust no one"),
    ("bitcoin", "11canuhp9X2NocwCq7xNrQYTmUgZAnLK3",
     "IIcaIENoYW5jZWxsb3Igb24gYnJpbmsgb2Ygc2Vjb25kIGJhaWxvdXQgZm9yIGJhbmtzIAaHRtbCeDZINyavx14=",
     "Trust me"),
    ("bitcoin-testnet", "mpLQjfK79b7CCV4VMJWEWAj5Mpx8Up5zxB",
     "INbVnW4e6PeRmsv2Qgu8NuopvrVjkcxob+sX8OcZG0SALhWybUjzMLPdAsXI46YZGb0KQTRii+wWIQzRpG/U+S0=",
     "This is just a test message"),
]  # fmt: skip
#: The private key of Core's `message_sign` test (its address: 15CRxFdyRpGZLW9w8HnHvVduizdL5jKNbs).
CORE_KEY = bytes.fromhex("d97f5108f11cda6eeebaaa420fef0726b1f898060b98489fa3098463c0032866")


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("chain", "address", "sig", "message"), CORE_VALID)
def test_core_signmessage_vectors(
    chain: str, address: str, sig: str, message: str, backend: str
) -> None:
    verify_ownership(chain, "btc-signmessage", address, message, sig, backend=backend)


def test_our_signmessage_equals_core() -> None:
    address, _ = address_for(CORE_KEY, "bitcoin", "btc-signmessage")
    assert address == CORE_VALID[0][1]
    got = sign_wallet(
        CORE_KEY, decode_address(address, "bitcoin"), "btc-signmessage", "Trust no one"
    )
    assert got == CORE_VALID[0][2]


@pytest.mark.parametrize(
    ("address", "sig", "message", "kind", "match"),
    [
        ("invalid address", "irrelevant", "message too", FormatError, "not a bitcoin address"),
        ("3B5fQsEXEaV8v6U3ejYc8XaKXAkyQj2MjV", "irrelevant", "m", FormatError, "P2SH"),
        ("1KqbBpLy5FARmTPD4VZnDDpYjkUvkr82Pm", "invalid signature, not in base64 encoding", "m",
         FormatError, "not valid base64"),
        ("1KqbBpLy5FARmTPD4VZnDDpYjkUvkr82Pm", "A" * 87 + "=", "m",
         VerificationError, "header byte 0"),
        ("15CRxFdyRpGZLW9w8HnHvVduizdL5jKNbs", CORE_VALID[0][2], "I never signed this",
         VerificationError, "another key or over another message"),
        # Core's rpc test: the same key's P2WPKH address is refused for a signmessage signature.
        (address_for(CORE_KEY, "bitcoin", "bip322-simple")[0], CORE_VALID[0][2], "Trust no one",
         FormatError, "needs a P2PKH address"),
    ],
)  # fmt: skip
def test_core_signmessage_rejections(
    address: str, sig: str, message: str, kind: type[Exception], match: str
) -> None:
    with pytest.raises(kind, match=match):
        verify_ownership("bitcoin", "btc-signmessage", address, message, sig)


def test_signmessage_uncompressed_key_and_high_s() -> None:
    """Header 27..30 means an uncompressed key (its own P2PKH address); Core accepts high s."""
    from verifier.ownership.bitcoin import encode_p2pkh, hash160

    digest = btcsig.signmessage_digest(b"hi")
    r, s, recid = ecdsa_sign(CORE_KEY, digest)
    q = ecdsa.recover(digest, r, s, recid)
    xy = q.affine()
    assert xy is not None
    unc = encode_p2pkh(
        hash160(b"\x04" + xy[0].to_bytes(32, "big") + xy[1].to_bytes(32, "big")), "bitcoin"
    )
    sig = base64.b64encode(
        bytes([27 + recid]) + r.to_bytes(32, "big") + s.to_bytes(32, "big")
    ).decode()
    verify_ownership("bitcoin", "btc-signmessage", unc, "hi", sig)
    with pytest.raises(VerificationError, match="another key"):
        verify_ownership("bitcoin", "btc-signmessage", CORE_VALID[0][1], "hi", sig)
    high = bytes([31 + (recid ^ 1)]) + r.to_bytes(32, "big") + (N - s).to_bytes(32, "big")
    verify_ownership(
        "bitcoin", "btc-signmessage", CORE_VALID[0][1], "hi", base64.b64encode(high).decode()
    )


# --- BIP-340 by a Taproot output key ----------------------------------------------------------


def test_bip340_taproot_key() -> None:
    addr, pk = address_for(CORE_KEY, "bitcoin-regtest", "bip340")
    assert addr.startswith("bcrt1p") and pk is not None
    msg = "a message"
    sig = sign_wallet(CORE_KEY, decode_address(addr, "bitcoin-regtest"), "bip340", msg)
    verify_ownership("bitcoin-regtest", "bip340", addr, msg, sig, pk)
    other, _ = address_for(bytes(31) + b"\x07", "bitcoin-regtest", "bip340")
    with pytest.raises(VerificationError) as info:
        verify_ownership("bitcoin-regtest", "bip340", other, msg, sig, pk)
    assert info.value.check == "reserves-address"
    with pytest.raises(VerificationError) as info:
        verify_ownership("bitcoin-regtest", "bip340", addr, msg + ".", sig, pk)
    assert info.value.check == "reserves-signature"
    with pytest.raises(FormatError, match="pubkey: required"):
        verify_ownership("bitcoin-regtest", "bip340", addr, msg, sig, None)
    p2wpkh, _ = address_for(CORE_KEY, "bitcoin-regtest", "bip322-simple")
    with pytest.raises(FormatError, match="needs a P2TR address"):
        verify_ownership("bitcoin-regtest", "bip340", p2wpkh, msg, sig, pk)


# --- addresses -------------------------------------------------------------------------------

#: BIP-350, "Test vectors for v0-v16 native segregated witness addresses" (valid P2TR ones).
BIP350_P2TR = [
    ("bitcoin", "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
     "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"),
    ("bitcoin-testnet", "tb1pqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesf3hn0c",
     "000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433"),
]  # fmt: skip


@pytest.mark.parametrize(("chain", "address", "key"), BIP350_P2TR)
def test_bip350_p2tr_addresses(chain: str, address: str, key: str) -> None:
    a = decode_address(address, chain)
    assert (a.kind, a.program.hex()) == ("p2tr", key)


@pytest.mark.parametrize(
    ("chain", "address", "match"),
    [
        # BIP-350 valid addresses of types we do not accept
        ("bitcoin", "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4", "must be lowercase"),
        ("bitcoin-testnet", "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7", "P2WSH"),
        ("bitcoin", "bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y",
         "witness version 1 with a 40-byte program"),
        ("bitcoin", "bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs", "witness version 2"),
        # BIP-350 invalid addresses
        ("bitcoin", "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd", "bad bech32"),
        ("bitcoin-testnet", "tb1z0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqglt7rf", "bad bech32"),
        ("bitcoin", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh", "bad bech32"),
        ("bitcoin-testnet", "tb1q0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq24jc47", "bad bech32"),
        ("bitcoin", "bc1p38j9r5y49hruaue7wxjce0updqjuyyx0kh56v8s25huc6995vvpql3jow4", "bad bech32"),
        ("bitcoin", "bc1pw5dgrnzv", "bad bech32"),
        ("bitcoin", "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v8n0nx0muaewav253zgeav",
         "bad bech32"),
        ("bitcoin-testnet", "tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq47Zagq",
         "must be lowercase"),
        ("bitcoin", "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v07qwwzcrf", "bad bech32"),
        ("bitcoin-testnet", "tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vpggkg4j", "bad bech32"),
        ("bitcoin", "bc1gmk9yu", "bad bech32"),
        # another network's address
        ("bitcoin", "tb1pqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesf3hn0c", "another network"),
        ("bitcoin-regtest", BIP350_P2TR[0][1], "another network"),
        ("bitcoin-testnet", "15CRxFdyRpGZLW9w8HnHvVduizdL5jKNbs", "not P2PKH on bitcoin-testnet"),
        ("bitcoin", "mpLQjfK79b7CCV4VMJWEWAj5Mpx8Up5zxB", "not P2PKH on bitcoin"),
        # another chain's address
        ("bitcoin", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "not a bitcoin address"),
        # base58 damage
        ("bitcoin", "15CRxFdyRpGZLW9w8HnHvVduizdL5jKNbt", "checksum"),
        ("bitcoin", "15CRxFdyRpGZLW9w8HnHvVduizdL5jKN0s", "checksum"),
        ("bitcoin", "", "not a bitcoin address"),
        ("bitcoin", "bc1q w508", "not a bitcoin address"),
    ],
)  # fmt: skip
def test_bad_bitcoin_addresses(chain: str, address: str, match: str) -> None:
    with pytest.raises(FormatError, match=match):
        decode_address(address, chain)


#: EIP-55's own examples (all-caps and all-lowercase ones are their checksummed form).
EIP55 = [
    "0x52908400098527886E0F7030069857D2E4169EE7",
    "0x8617E340B3D01FA5F11F306F4090FD50E238070D",
    "0xde709f2102306220921060314715629080e2fb77",
    "0x27b1fdb04752bbc536007a920d24acb045561c26",
    "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
    "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
    "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
    "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
]


@pytest.mark.parametrize("address", EIP55)
def test_eip55_examples(address: str) -> None:
    raw = parse_address(address)
    assert checksum_address(raw) == address


@pytest.mark.parametrize(
    ("address", "match"),
    [
        ("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", "no EIP-55 checksum: write it as 0x5aAeb"),
        ("0x5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED", "no EIP-55 checksum"),
        ("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD", "checksum mismatch"),
        ("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAe", "0x followed by 40 hex"),
        ("5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed00", "0x followed by 40 hex"),
        ("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeg", "0x followed by 40 hex"),
        ("bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0", "0x followed by 40 hex"),
    ],
)
def test_bad_ethereum_addresses(address: str, match: str) -> None:
    with pytest.raises(FormatError, match=match):
        parse_address(address)


# --- EIP-191 with eth-account ----------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_eip191_eth_account_signs_we_verify(backend: str) -> None:
    eth_account = pytest.importorskip("eth_account")
    from eth_account.messages import encode_defunct

    for i, text in enumerate(["", "hello", "line one\nline two ü 测试", "x" * 300]):
        key = bytes([i + 1]) * 32
        acct = eth_account.Account.from_key(key)
        signed = eth_account.Account.sign_message(encode_defunct(text=text), key)
        sig = "0x" + bytes(signed.signature).hex()
        verify_ownership("ethereum", "eip191", acct.address, text, sig, backend=backend)
        assert sign_wallet(key, None, "eip191", text) == sig  # same RFC 6979 nonce
        assert (
            checksum_address(recover_eip191(text.encode(), bytes.fromhex(sig[2:]))) == acct.address
        )


def test_eip191_rejections() -> None:
    eth_account = pytest.importorskip("eth_account")
    key = bytes([9]) * 32
    address = eth_account.Account.from_key(key).address
    sig = sign_wallet(key, None, "eip191", "msg")
    raw = bytes.fromhex(sig[2:])
    r, s, v = raw[:32], int.from_bytes(raw[32:64], "big"), raw[64]
    cases: list[tuple[str, str, type[Exception], str]] = [
        ("other message", sig, VerificationError, "signed by another key or over another message"),
        ("msg", "0x" + (r + (N - s).to_bytes(32, "big") + bytes([55 - v])).hex(),
         VerificationError, "not low"),
        ("msg", "0x" + (raw[:64] + bytes([v - 27])).hex(), VerificationError, "expected 27 or 28"),
        ("msg", "0x" + (bytes(32) + raw[32:]).hex(), VerificationError, "r is not in"),
        ("msg", sig.upper().replace("0X", "0x"), FormatError, "lowercase hex"),
        ("msg", sig[2:], FormatError, "0x130 lowercase hex"),
        ("msg", sig[:-2], FormatError, "0x130 lowercase hex"),
    ]  # fmt: skip
    for msg, bad, kind, match in cases:
        with pytest.raises(kind, match=match) as info:
            verify_ownership("ethereum", "eip191", address, msg, bad)
        if kind is VerificationError:
            assert info.value.check == "reserves-signature"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("chain", "scheme", "address", "match"),
    [
        ("ethereum", "bip322-simple", EIP55[4], "not an ethereum scheme"),
        ("bitcoin", "eip191", CORE_VALID[0][1], "eip191 is for ethereum"),
        ("ethereum", "eip191", CORE_VALID[0][1], "address: not an ethereum address"),
        ("bitcoin", "bip322-simple", CORE_VALID[0][1], "needs a P2WPKH or P2TR address"),
        ("bitcoin", "schnorr", CORE_VALID[0][1], "scheme: 'schnorr' is not one of"),
    ],
)
def test_scheme_and_chain_must_agree(chain: str, scheme: str, address: str, match: str) -> None:
    with pytest.raises(FormatError, match=match):
        check_wallet_form(chain, scheme, address, None, None)
