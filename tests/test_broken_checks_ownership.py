"""Mutation-campaign tests of verifier/ownership (docs/MUTATION.md, third campaign): forged and
malformed wallet signatures of every scheme, each refused with its exact error class, check and
message."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import base58
import pytest
from test_ownership import CORE_KEY, CORE_VALID, EIP55, SIMPLE, _p2wpkh_vector, _witness_sig

from circuits.errors import FormatError, VerificationError
from prover.wallet_signers import address_for, sign_wallet
from verifier.ownership import btcsig
from verifier.ownership.bitcoin import decode_address, encode_p2wpkh, hash160
from verifier.ownership.ethereum import checksum_address, parse_address, recover_eip191
from verifier.ownership.verify import check_wallet_form, verify_ownership

DER_ERROR = "ECDSA signature is not strict DER (BIP-66)"


def der(r: bytes, s: bytes, *, hash_type: bytes = b"\x01") -> bytes:
    """DER of the given integer bytes as written (no normalisation), then the hash type."""
    body = b"\x02" + bytes([len(r)]) + r + b"\x02" + bytes([len(s)]) + s
    return b"\x30" + bytes([len(body)]) + body + hash_type


R = b"\x11" * 32
S = b"\x22" * 32


@pytest.mark.parametrize(
    ("sig", "rs"),
    [
        (der(R, S), (int.from_bytes(R, "big"), int.from_bytes(S, "big"))),
        (der(b"\x01", b"\x02"), (1, 2)),  # 9 bytes, the shortest
        (der(b"\x00\x80" + b"\x00" * 31, b"\x00\xff" + b"\x00" * 31),  # 73 bytes, the longest
         (0x80 << 248, 0xFF << 248)),
        (der(b"\x00\x80", b"\x7f"), (0x80, 0x7F)),  # a needed leading zero
        (der(b"\x00", b"\x00"), (0, 0)),  # zero is one 0x00 byte (refused later, by ECDSA)
    ],
)  # fmt: skip
def test_strict_der_accepted(sig: bytes, rs: tuple[int, int]) -> None:
    assert btcsig._der_rs(sig) == rs


def _edit(sig: bytes, at: int, value: int) -> bytes:
    out = bytearray(sig)
    out[at] = value
    return bytes(out)


GOOD = der(R, S)


@pytest.mark.parametrize(
    "sig",
    [
        der(b"\x01", b""),  # 8 bytes
        der(b"\x00\x80" + b"\x00" * 31, b"\x00\x80" + b"\x00" * 32),  # 74 bytes, else strict
        _edit(GOOD, 0, 0x31),  # not a sequence
        _edit(GOOD, 1, GOOD[1] + 1),  # sequence length past the end
        _edit(GOOD, 1, GOOD[1] - 1),
        _edit(GOOD, 2, 0x03),  # r not an integer
        _edit(GOOD, 3, 0x40),  # r's length runs past the end
        _edit(GOOD, 3, 31),  # lengths do not add up
        der(b"", S + b"\x01"),  # empty r
        der(b"\x80" + R[1:], S),  # negative r
        der(b"\x00\x11" + R[2:], S),  # r with a needless leading zero
        _edit(GOOD, 4 + 32, 0x03),  # s not an integer
        der(R, b"", hash_type=b"\x01\x01"),  # empty s (lengths still add up)
        der(R, b"\x80" + S[1:]),  # negative s
        der(R, b"\x00\x22" + S[2:]),  # s with a needless leading zero
        der(b"\x00\x11", S),  # the same, two bytes long
        der(R, b"\x00\x22"),
        der(R, b"\x00\x23"),  # low bit set after the needless zero
        _edit(GOOD, 3, len(GOOD) - 5),  # r's length reaches the last byte
        _edit(GOOD, 3, len(GOOD) - 4),
    ],
)
def test_non_strict_der_refused(sig: bytes) -> None:
    with pytest.raises(FormatError) as e:
        btcsig._der_rs(sig)
    assert str(e.value) == DER_ERROR


def test_compact_sizes() -> None:
    """Bitcoin's CompactSize at each boundary (signmessage digests of messages over 252 bytes
    use the 0xfd form: a reserve message of a long exchange name)."""
    assert btcsig._compact(0xFC) == b"\xfc"
    assert btcsig._compact(0xFD) == b"\xfd\xfd\x00"
    assert btcsig._compact(0xFFFF) == b"\xfd\xff\xff"
    assert btcsig._compact(0x10000) == b"\xfe\x00\x00\x01\x00"
    assert btcsig._compact(0xFFFFFFFF) == b"\xfe\xff\xff\xff\xff"
    assert btcsig._compact(0x100000000) == b"\xff" + (1 << 32).to_bytes(8, "little")


@pytest.mark.parametrize("size", [0, 252, 253, 300, 0xFFFF, 0x10000])
def test_signmessage_digest_by_hand(size: int) -> None:
    """Bitcoin Core's MessageHash written out independently of btcsig._varstr."""
    msg = bytes([0x61]) * size
    if size < 0xFD:
        length = bytes([size])
    elif size <= 0xFFFF:
        length = b"\xfd" + size.to_bytes(2, "little")
    else:
        length = b"\xfe" + size.to_bytes(4, "little")
    pre = b"\x18Bitcoin Signed Message:\n" + length + msg
    assert btcsig.signmessage_digest(msg) == hashlib.sha256(hashlib.sha256(pre).digest()).digest()


# --- every refusal, exact ------------------------------------------------------------------------

P2WPKH_ADDR, P2WPKH_MSG, P2WPKH_SIG = _p2wpkh_vector()
_TR = next(v for v in SIMPLE if v["type"] == "p2tr")
P2TR_ADDR, P2TR_MSG, P2TR_SIG = _TR["address"], _TR["message"], _TR["bip322_signatures"][0]
P2PKH, P2PKH_SIG, P2PKH_MSG = CORE_VALID[0][1], CORE_VALID[0][2], CORE_VALID[0][3]
ETH = EIP55[4]
DER, KEY = btcsig.decode_simple(P2WPKH_SIG)
(SIG64,) = btcsig.decode_simple(P2TR_SIG)
NOT_A_POINT = b"\x02" + bytes(32)  # x = 0: 7 is not a square mod p


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def _vo(chain: str, scheme: str, address: str, message: str, signature: str) -> Any:
    return lambda: verify_ownership(chain, scheme, address, message, signature)


def _btc(address: str, chain: str = "bitcoin") -> Any:
    return decode_address(address, chain)


TR_ADDR, TR_PK = address_for(CORE_KEY, "bitcoin", "bip340")
TR_OTHER = address_for(bytes(31) + b"\x07", "bitcoin", "bip340")[0]
TR_SIG = sign_wallet(CORE_KEY, decode_address(TR_ADDR, "bitcoin"), "bip340", "m")


def _bip340(address: str, message: str) -> Any:
    return lambda: verify_ownership("bitcoin", "bip340", address, message, TR_SIG, TR_PK)


NET = "address is for another network (prefix 'bc', chain bitcoin-testnet uses 'tb')"
ONLY = "(P2WPKH, P2TR or P2PKH only)"
BECH = (
    "bad bech32/bech32m address (checksum, length, padding or the checksum variant of its "
    "witness version)"
)
SCHEMES = "bip322-simple, btc-signmessage, eip191, bip340"
NOT_ETH = "not an ethereum address (0x followed by 40 hex digits)"
NO_SUM = f"address has no EIP-55 checksum: write it as {ETH}"

#: (what, call, error class, check of a VerificationError, exact message)
REFUSED: list[tuple[str, Any, type[Exception], str | None, str]] = [
    ("91 chars", lambda: decode_address("1" * 91, "bitcoin"), FormatError, None,
     "not a bitcoin address (1 to 90 characters)"),
    ("not a str", lambda: decode_address(5, "bitcoin"), FormatError, None,
     "not a bitcoin address (1 to 90 characters)"),
    ("empty", lambda: decode_address("", "bitcoin"), FormatError, None,
     "not a bitcoin address (1 to 90 characters)"),
    ("non-ascii", lambda: decode_address("bc1é", "bitcoin"), FormatError, None,
     "not a bitcoin address (characters outside base58/bech32)"),
    ("space", lambda: decode_address("bc1 q", "bitcoin"), FormatError, None,
     "not a bitcoin address (characters outside base58/bech32)"),
    ("chain", lambda: decode_address(P2PKH, "litecoin"), FormatError, None,
     "chain 'litecoin' is not a bitcoin chain"),
    ("payload", lambda: decode_address(base58.b58encode_check(bytes(20)).decode(), "bitcoin"),
     FormatError, None, "base58check payload of 20 bytes, expected 21"),
    ("p2sh", lambda: decode_address("3B5fQsEXEaV8v6U3ejYc8XaKXAkyQj2MjV", "bitcoin"),
     FormatError, None, f"P2SH addresses are not supported {ONLY}"),
    ("version", lambda: decode_address("mpLQjfK79b7CCV4VMJWEWAj5Mpx8Up5zxB", "bitcoin"),
     FormatError, None, "address version byte 0x6f is not P2PKH on bitcoin (0x00)"),
    ("uppercase", lambda: decode_address("BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4", "bitcoin"),
     FormatError, None, "bech32 address must be lowercase"),
    ("network", lambda: decode_address(P2TR_ADDR, "bitcoin-testnet"), FormatError, None, NET),
    ("checksum", lambda: decode_address(P2TR_ADDR[:-1] + "q", "bitcoin"), FormatError, None,
     BECH),
    ("p2wsh", lambda: decode_address(
        "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7", "bitcoin-testnet"),
     FormatError, None, f"P2WSH addresses are not supported {ONLY}"),
    ("v2", lambda: decode_address("bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs", "bitcoin"),
     FormatError, None, f"witness version 2 with a 16-byte program is not supported {ONLY}"),
    ("eth in btc", lambda: decode_address(ETH, "bitcoin"), FormatError, None,
     "an ethereum address, not a bitcoin address"),
    ("eth short", lambda: parse_address(ETH[:-1]), FormatError, None, NOT_ETH),
    ("eth long", lambda: parse_address(ETH + "0"), FormatError, None, NOT_ETH),
    ("eth prefix", lambda: parse_address("00" + ETH[2:]), FormatError, None, NOT_ETH),
    ("eth non-hex", lambda: parse_address(ETH[:-1] + "g"), FormatError, None, NOT_ETH),
    ("eth int", lambda: parse_address(5), FormatError, None, NOT_ETH),  # type: ignore[arg-type]
    ("eth lower", lambda: parse_address(ETH.lower()), FormatError, None, NO_SUM),
    ("eth upper", lambda: parse_address("0x" + ETH[2:].upper()), FormatError, None, NO_SUM),
    ("eth mixed", lambda: parse_address(ETH[:-1] + "D"), FormatError, None,
     "EIP-55 checksum mismatch (mixed-case spelling differs)"),
    ("19 bytes", lambda: checksum_address(bytes(19)), FormatError, None,
     "an ethereum address is 20 bytes"),
    ("scheme", lambda: check_wallet_form("bitcoin", "x", P2PKH, None, None), FormatError, None,
     f"scheme: 'x' is not one of {SCHEMES}"),
    ("no pubkey", lambda: check_wallet_form("bitcoin", "bip340", P2TR_ADDR, None, None),
     FormatError, None, "pubkey: required with scheme bip340"),
    ("pubkey", lambda: check_wallet_form("bitcoin", "bip322-simple", P2TR_ADDR, None, bytes(32)),
     FormatError, None, "pubkey: only scheme bip340 carries a pubkey, not bip322-simple"),
    ("eth scheme", lambda: check_wallet_form("ethereum", "bip322-simple", ETH, None, None),
     FormatError, None, "scheme: bip322-simple is not an ethereum scheme (use eip191)"),
    ("eip191 on btc", lambda: check_wallet_form("bitcoin", "eip191", P2PKH, None, None),
     FormatError, None, "scheme: eip191 is for ethereum wallets, not bitcoin"),
    ("kind", lambda: check_wallet_form("bitcoin", "btc-signmessage", P2TR_ADDR, None, None),
     FormatError, None,
     "address: scheme btc-signmessage needs a P2PKH address, this is a P2TR address"),
    ("kinds", lambda: check_wallet_form("bitcoin", "bip322-simple", P2PKH, None, None),
     FormatError, None,
     "address: scheme bip322-simple needs a P2WPKH or P2TR address, this is a P2PKH address"),
    ("bip340 kind", lambda: check_wallet_form("bitcoin", "bip340", P2WPKH_ADDR, None, bytes(32)),
     FormatError, None, "address: scheme bip340 needs a P2TR address, this is a P2WPKH address"),
    ("bip340 sig", lambda: check_wallet_form("bitcoin", "bip340", P2TR_ADDR, "00" * 63, bytes(32)),
     FormatError, None, "signature: BIP-340 signature must be 128 lowercase hex digits"),
    ("bip340 upper", lambda: check_wallet_form("bitcoin", "bip340", P2TR_ADDR, "AB" * 64,
                                               bytes(32)),
     FormatError, None, "signature: BIP-340 signature must be 128 lowercase hex digits"),
    ("eip191 sig", lambda: check_wallet_form("ethereum", "eip191", ETH, "0x" + "00" * 64, None),
     FormatError, None, "signature: EIP-191 signature must be 0x130 lowercase hex digits"),
    ("eip191 prefix", lambda: check_wallet_form("ethereum", "eip191", ETH, "00" * 66, None),
     FormatError, None, "signature: EIP-191 signature must be 0x130 lowercase hex digits"),
    ("eip191 upper", lambda: check_wallet_form("ethereum", "eip191", ETH, "0x" + "AB" * 65, None),
     FormatError, None, "signature: EIP-191 signature must be 0x130 lowercase hex digits"),
    ("sm base64", lambda: check_wallet_form("bitcoin", "btc-signmessage", P2PKH, "!!", None),
     FormatError, None, "signature: signmessage signature is not valid base64"),
    ("sm size", lambda: check_wallet_form("bitcoin", "btc-signmessage", P2PKH, _b64(bytes(64)),
                                          None),
     FormatError, None, "signature: signmessage signature is 64 bytes, expected 65"),
    ("simple base64", lambda: check_wallet_form("bitcoin", "bip322-simple", P2WPKH_ADDR, "smp!!",
                                                None),
     FormatError, None, "signature: BIP-322 signature is not valid base64"),
    ("eth address", lambda: check_wallet_form("ethereum", "eip191", P2PKH, None, None),
     FormatError, None, f"address: {NOT_ETH}"),
    ("btc address", lambda: check_wallet_form("bitcoin", "bip322-simple", "x", None, None),
     FormatError, None, "address: bad base58check address (alphabet or checksum)"),
    ("header 26", _vo("bitcoin", "btc-signmessage", P2PKH, "m", _b64(bytes([26]) + bytes(64))),
     VerificationError, "reserves-signature", "signmessage header byte 26 not in 27..34"),
    ("header 35", _vo("bitcoin", "btc-signmessage", P2PKH, "m", _b64(bytes([35]) + bytes(64))),
     VerificationError, "reserves-signature", "signmessage header byte 35 not in 27..34"),
    ("r = 0", _vo("bitcoin", "btc-signmessage", P2PKH, "m", _b64(bytes([31]) + bytes(64))),
     VerificationError, "reserves-signature",
     "signature does not verify (ECDSA r is not in [1, n-1])"),
    ("other message", _vo("bitcoin", "btc-signmessage", P2PKH, "m", P2PKH_SIG),
     VerificationError, "reserves-signature",
     "the key recovered from the signature is not this address's key: signed by another key or "
     "over another message"),
    ("sm kind", lambda: btcsig.verify_signmessage(_btc(P2WPKH_ADDR), b"m", P2PKH_SIG),
     FormatError, None, "btc-signmessage needs a P2PKH address"),
    ("sm length", lambda: btcsig.verify_signmessage(_btc(P2PKH), b"m", _b64(bytes(64))),
     FormatError, None, "signmessage signature must be 65 bytes, got 64"),
    ("base64 bits", lambda: btcsig.decode_base64("QR==", "s"), FormatError, None,
     "s is not canonical base64"),
    ("base64 size", lambda: btcsig.decode_base64("Q", "s"), FormatError, None,
     "s is not valid base64"),
    ("base64 text", lambda: btcsig.decode_base64("é", "s"), FormatError, None,
     "s is not valid base64"),
    ("pof", lambda: btcsig.decode_simple("pofAAAA"), FormatError, None,
     "only BIP-322 simple signatures are accepted (prefix 'smp'), not full or proof-of-funds"),
    ("ful", lambda: btcsig.decode_simple("fulAAAA"), FormatError, None,
     "only BIP-322 simple signatures are accepted (prefix 'smp'), not full or proof-of-funds"),
    ("empty", lambda: btcsig.decode_simple("smp"), FormatError, None,
     "BIP-322 signature is empty"),
    ("8193", lambda: btcsig.decode_simple("smp" + _b64(b"\x01\xfd\x00\x20" + bytes(8192))),
     FormatError, None, "BIP-322 signature longer than 8192 bytes"),
    ("no count", lambda: btcsig.parse_witness(b""), FormatError, None,
     "witness ends inside a length"),
    ("no length", lambda: btcsig.parse_witness(b"\x01"), FormatError, None,
     "witness ends inside a length"),
    ("count", lambda: btcsig.parse_witness(b"\x05\x00"), FormatError, None,
     "witness item count exceeds its size"),
    ("item", lambda: btcsig.parse_witness(b"\x01\x02\x00"), FormatError, None,
     "witness item runs past the end"),
    ("trailing", lambda: btcsig.parse_witness(b"\x01\x00\x00\x00"), FormatError, None,
     "2 bytes after the witness stack"),
    ("fd cut", lambda: btcsig.parse_witness(b"\x01\xfd\x00"), FormatError, None,
     "witness ends inside a length"),
    ("fe cut", lambda: btcsig.parse_witness(b"\x01\xfe\x00\x00\x01"), FormatError, None,
     "witness ends inside a length"),
    ("fd 252", lambda: btcsig.parse_witness(b"\x01\xfd\xfc\x00" + bytes(252)), FormatError, None,
     "witness length is not minimally encoded"),
    ("fe 65535", lambda: btcsig.parse_witness(b"\x01\xfe\xff\xff\x00\x00"), FormatError, None,
     "witness length is not minimally encoded"),
    ("ff 2^32-1", lambda: btcsig.parse_witness(b"\x01\xff" + (2**32 - 1).to_bytes(8, "little")),
     FormatError, None, "witness length is not minimally encoded"),
    ("1 item", _vo("bitcoin", "bip322-simple", P2WPKH_ADDR, P2WPKH_MSG, _witness_sig([DER])),
     VerificationError, "reserves-signature",
     "P2WPKH witness has 1 items, expected 2 (signature, key)"),
    ("3 items", _vo("bitcoin", "bip322-simple", P2WPKH_ADDR, P2WPKH_MSG,
                    _witness_sig([DER, KEY, b""])),
     VerificationError, "reserves-signature",
     "P2WPKH witness has 3 items, expected 2 (signature, key)"),
    ("key 32", _vo("bitcoin", "bip322-simple", P2WPKH_ADDR, P2WPKH_MSG,
                   _witness_sig([DER, KEY[1:]])),
     VerificationError, "reserves-signature", "P2WPKH witness key is not a compressed key"),
    ("key 04", _vo("bitcoin", "bip322-simple", P2WPKH_ADDR, P2WPKH_MSG,
                   _witness_sig([DER, b"\x04" + KEY[1:]])),
     VerificationError, "reserves-signature", "P2WPKH witness key is not a compressed key"),
    ("other key", _vo("bitcoin", "bip322-simple", P2WPKH_ADDR, P2WPKH_MSG,
                      _witness_sig([DER, b"\x03" + KEY[1:]])),
     VerificationError, "reserves-address",
     "the witness key is not this address's key (HASH160 differs)"),
    ("empty sig", _vo("bitcoin", "bip322-simple", P2WPKH_ADDR, P2WPKH_MSG,
                      _witness_sig([b"", KEY])),
     VerificationError, "reserves-signature", "P2WPKH witness signature is empty"),
    ("hash type", _vo("bitcoin", "bip322-simple", P2WPKH_ADDR, P2WPKH_MSG,
                      _witness_sig([DER[:-1] + b"\x03", KEY])),
     VerificationError, "reserves-signature", "signature hash type is not SIGHASH_ALL"),
    ("not a point", _vo("bitcoin", "bip322-simple", encode_p2wpkh(hash160(NOT_A_POINT), "bitcoin"),
                        P2WPKH_MSG, _witness_sig([DER, NOT_A_POINT])),
     VerificationError, "reserves-signature", "P2WPKH witness key is not a curve point"),
    ("ecdsa", _vo("bitcoin", "bip322-simple", P2WPKH_ADDR, P2WPKH_MSG + "x", P2WPKH_SIG),
     VerificationError, "reserves-signature",
     "BIP-322 signature does not verify for this address and message (ECDSA signature does not "
     "verify)"),
    ("annex", _vo("bitcoin", "bip322-simple", P2TR_ADDR, P2TR_MSG, _witness_sig([SIG64, b"\x50"])),
     VerificationError, "reserves-signature",
     "P2TR witness has 2 items: only key-path signatures (1 item, no annex) are accepted"),
    ("63 bytes", _vo("bitcoin", "bip322-simple", P2TR_ADDR, P2TR_MSG, _witness_sig([SIG64[:63]])),
     VerificationError, "reserves-signature",
     "Taproot signature must be 64 bytes, or 65 ending in SIGHASH_ALL"),
    ("66 bytes", _vo("bitcoin", "bip322-simple", P2TR_ADDR, P2TR_MSG,
                     _witness_sig([SIG64 + b"\x01\x01"])),
     VerificationError, "reserves-signature",
     "Taproot signature must be 64 bytes, or 65 ending in SIGHASH_ALL"),
    ("65, type 2", _vo("bitcoin", "bip322-simple", P2TR_ADDR, P2TR_MSG,
                       _witness_sig([SIG64 + b"\x02"])),
     VerificationError, "reserves-signature",
     "Taproot signature must be 64 bytes, or 65 ending in SIGHASH_ALL"),
    ("schnorr", _vo("bitcoin", "bip322-simple", P2TR_ADDR, P2TR_MSG + "x", P2TR_SIG),
     VerificationError, "reserves-signature",
     "BIP-322 signature does not verify for this address and message (BIP-340 signature does "
     "not verify*"),
    ("simple p2pkh", lambda: btcsig.verify_bip322_simple(_btc(P2PKH), b"m", P2WPKH_SIG),
     FormatError, None, "bip322-simple needs a P2WPKH or P2TR address"),
    ("sighash p2pkh", lambda: btcsig.bip322_sighash(_btc(P2PKH), b"m", 1), FormatError, None,
     "BIP-322 simple signatures need a P2WPKH or P2TR address"),
    ("bip340 p2wpkh", lambda: btcsig.verify_bip340_taproot(_btc(P2WPKH_ADDR), bytes(32), b"m",
                                                           bytes(64)),
     FormatError, None, "bip340 needs a P2TR address (the key is its Taproot output key)"),
    ("eip191 64", lambda: recover_eip191(b"m", bytes(64)), FormatError, None,
     "EIP-191 signature must be 65 bytes, got 64"),
    ("v 29", _vo("ethereum", "eip191", ETH, "m", "0x" + "11" * 64 + "1d"), VerificationError,
     "reserves-signature", "signature: EIP-191 signature v = 29, expected 27 or 28"),
    ("v 26", _vo("ethereum", "eip191", ETH, "m", "0x" + "11" * 64 + "1a"), VerificationError,
     "reserves-signature", "signature: EIP-191 signature v = 26, expected 27 or 28"),
    ("bip340 key", _bip340(TR_OTHER, "m"), VerificationError, "reserves-address",
     "the key is not this P2TR address's output key"),
    ("bip340 sig", _bip340(TR_ADDR, "m."), VerificationError, "reserves-signature",
     # the reason in brackets depends on the backend ("(x(R) != r)" on the python one)
     "signature does not verify for this key and message (BIP-340 signature does not verify*"),
    ("header 27", _vo("bitcoin", "btc-signmessage", P2PKH, "m", _b64(bytes([27]) + bytes(64))),
     VerificationError, "reserves-signature",
     "signature does not verify (ECDSA r is not in [1, n-1])"),
    ("header 34", _vo("bitcoin", "btc-signmessage", P2PKH, "m", _b64(bytes([34]) + bytes(64))),
     VerificationError, "reserves-signature",
     "signature does not verify (ECDSA r is not in [1, n-1])"),
    ("sm base64", lambda: btcsig.verify_signmessage(_btc(P2PKH), b"m", "!!"), FormatError, None,
     "signature is not valid base64"),
    ("eip191 other key", _vo("ethereum", "eip191", ETH, "m",
                             sign_wallet(bytes([9]) * 32, None, "eip191", "m")),
     VerificationError, "reserves-signature",
     "signature: recovered address 0x58DA990A8F4A3a6ca7cb6315d68a140105917352 is not the listed "
     "address: signed by another key or over another message"),
]  # fmt: skip


@pytest.mark.parametrize(("call", "kind", "check", "message"), [r[1:] for r in REFUSED],
                         ids=[r[0] for r in REFUSED])  # fmt: skip
def test_refused_exactly(call: Any, kind: type[Exception], check: str | None, message: str) -> None:
    with pytest.raises(kind) as e:
        call()
    text = str(e.value)
    assert type(e.value) is kind
    assert text.startswith(message[:-1]) if message.endswith("*") else text == message
    assert getattr(e.value, "check", None) == check


# --- the signed text (docs/PROTOCOL.md 9.2), byte for byte ----------------------------------------


def test_reserve_message_exact() -> None:
    from verifier.ownership.message import MESSAGE_TITLE, reserve_message

    assert MESSAGE_TITLE == "zk-solvency proof of reserves v2"
    common = {"exchange": "Ex", "round_id": "r1", "block_height": 0, "block_hash": "00" * 32}
    btc = reserve_message(asset="BTC", chain="bitcoin", address=P2PKH, **common)  # type: ignore[arg-type]
    assert btc == (
        "zk-solvency proof of reserves v2\nexchange: Ex\nround: r1\nasset: BTC\nchain: bitcoin\n"
        f"block height: 0\nblock hash: {'00' * 32}\naddress: {P2PKH}"
    )
    for chain_id, token, shown in ((0, None, "ether"), (1, ETH, ETH)):
        eth = reserve_message(
            asset="ETH",
            chain="ethereum",
            address=ETH,
            chain_id=chain_id,
            token=token,
            **common,  # type: ignore[arg-type]
        )
        assert eth == (
            "zk-solvency proof of reserves v2\nexchange: Ex\nround: r1\nasset: ETH\n"
            f"chain: ethereum\nchain id: {chain_id}\ntoken: {shown}\nblock height: 0\n"
            f"block hash: {'00' * 32}\naddress: {ETH}"
        )


@pytest.mark.parametrize("brk", ["\n", "\r", "\u0085", "\u2028", "\u2029"])
def test_reserve_message_refuses_line_breaks(brk: str) -> None:
    from verifier.ownership.message import reserve_message

    fields = {
        "exchange": "Ex",
        "round_id": "r1",
        "asset": "BTC",
        "chain": "bitcoin",
        "block_hash": "00",
        "address": P2PKH,
        "token": ETH,
    }
    names = {"round_id": "round", "block_hash": "block hash"}
    for field in fields:
        bad = dict(fields, **{field: "a" + brk + "b"})
        with pytest.raises(FormatError) as e:
            reserve_message(block_height=1, chain_id=1, **bad)  # type: ignore[arg-type]
        assert str(e.value) == f"{names.get(field, field)} contains a line break"
    assert reserve_message(block_height=1, **dict(fields, token=None, exchange="a\tb\u00a0c"))  # type: ignore[arg-type]


@pytest.mark.parametrize("backend", ["python", "libsecp256k1"])
def test_the_backend_asked_for_checks_the_schnorr_signatures(backend: str) -> None:
    """The group code names the BIP-340 step that failed, libsecp256k1 does not: so the text
    shows which backend checked (the one asked for, down to circuits.bip340)."""
    step = " (x(R) != r)" if backend == "python" else ""
    with pytest.raises(VerificationError) as e:
        verify_ownership("bitcoin", "bip322-simple", P2TR_ADDR, P2TR_MSG + "x", P2TR_SIG, None,
                         backend)  # fmt: skip
    assert str(e.value) == (
        "BIP-322 signature does not verify for this address and message (BIP-340 signature "
        f"does not verify{step})"
    )
    with pytest.raises(VerificationError) as e:
        verify_ownership("bitcoin", "bip340", TR_ADDR, "m.", TR_SIG, TR_PK, backend)
    assert str(e.value) == (
        f"signature does not verify for this key and message (BIP-340 signature does not verify"
        f"{step})"
    )
    assert e.value.check == "reserves-signature"


def test_witness_lengths_at_each_minimal_form() -> None:
    """The smallest value of each CompactSize form is minimal and read in full: items of 253
    and 65,536 bytes (0xfd and 0xfe forms) parsed to the byte, with an item after them; counts
    of 65,536 and 2^32 (0xfe, 0xff) get past the minimality check to the size check."""
    a, b = bytes(range(1, 254)), b"\x07" * 0x10000  # a first byte read past the length: not 0
    raw = b"\x03\xfd\xfd\x00" + a + b"\xfe\x00\x00\x01\x00" + b + b"\x02\xab\xcd"
    assert btcsig.parse_witness(raw) == [a, b, b"\xab\xcd"]
    assert btcsig.parse_witness(b"\x01\xfd\xff\xff" + bytes(0xFFFF)) == [bytes(0xFFFF)]
    for count in (b"\xfe\x00\x00\x01\x00", b"\xff" + (2**32).to_bytes(8, "little")):
        with pytest.raises(FormatError) as e:
            btcsig.parse_witness(count)
        assert str(e.value) == "witness item count exceeds its size"
    with pytest.raises(FormatError) as e:
        btcsig.parse_witness(b"\x01\xfd\xfd\x00" + bytes(252))
    assert str(e.value) == "witness item runs past the end"


def test_simple_signature_of_8192_bytes_is_read() -> None:
    raw = b"\x01\xfd\xfc\x1f" + bytes(8188)
    assert len(raw) == btcsig.MAX_SIGNATURE_BYTES == 8192
    assert btcsig.decode_simple("smp" + _b64(raw)) == [bytes(8188)]
    assert btcsig.decode_simple(_b64(raw)) == [bytes(8188)]  # no prefix: read as simple too


def test_ethereum_address_spellings_at_the_edges() -> None:
    every_digit = "0x6C664E6eAEF0ce7014ACD5feC9FC818db2d9B39a"  # all 22 hex characters
    assert set(every_digit[2:]) == set("0123456789abcdefABCDEF")
    assert parse_address(every_digit) == bytes.fromhex(every_digit[2:])
    for bad in ("0xg" + ETH[3:], "0x" + ETH[2:-1] + "g", "0x " + ETH[3:]):
        with pytest.raises(FormatError) as e:
            parse_address(bad)
        assert str(e.value) == NOT_ETH


@pytest.mark.parametrize("v", [0, 1, 26, 29, 255])
def test_eip191_v_refused_with_the_ecdsa_check(v: int) -> None:
    with pytest.raises(VerificationError) as e:
        recover_eip191(b"m", b"\x11" * 64 + bytes([v]))
    assert str(e.value) == f"EIP-191 signature v = {v}, expected 27 or 28"
    assert e.value.check == "ecdsa"


def test_address_of_the_identity_is_refused() -> None:
    from circuits.group import Point
    from verifier.ownership.ethereum import address_of

    for backend in ("python", "libsecp256k1"):
        with pytest.raises(VerificationError) as e:
            address_of(Point.identity(backend))
        assert str(e.value) == "public key is the identity"
        assert e.value.check == "ecdsa"


def test_bitcoin_address_edges() -> None:
    from verifier.ownership.bitcoin import BtcAddress, script_pubkey

    h = bytes(range(20))
    assert script_pubkey(BtcAddress("p2pkh", h)) == b"\x76\xa9\x14" + h + b"\x88\xac"
    assert script_pubkey(BtcAddress("p2wpkh", h)) == b"\x00\x14" + h
    assert script_pubkey(BtcAddress("p2tr", h + h[:12])) == b"\x51\x20" + h + h[:12]
    # 90 characters is within the length limit: refused by the bech32 decoder, not the length
    with pytest.raises(FormatError) as e:
        decode_address("bc1" + "q" * 87, "bitcoin")
    assert str(e.value) == BECH
    # BIP-173: the separator is the LAST "1"; with a "1" in the data part the prefix is
    # "bc1qq...", no known network's, so the address is read (and refused) as base58
    with pytest.raises(FormatError) as e:
        decode_address("bc1qq1" + "q" * 30, "bitcoin")
    assert str(e.value) == "bad base58check address (alphabet or checksum)"
