"""Signed Ethereum transactions rebuilt, hashed and their sender recovered (docs/PROTOCOL.md
9.7.1): legacy with EIP-155, EIP-2930 (type 1) and EIP-1559 (type 2), from a node's transaction
object or from the raw signed bytes.

    legacy   raw = rlp([nonce, gasPrice, gas, to, value, data, v, r, s])
             signed digest = keccak256(rlp([nonce, gasPrice, gas, to, value, data, chainId, 0, 0]))
             v = 35 + 2 * chainId + yParity (EIP-155); v in {27, 28} (no chain id) is refused
    type 1   raw = 0x01 || rlp([chainId, nonce, gasPrice, gas, to, value, data, accessList,
                                yParity, r, s])
    type 2   raw = 0x02 || rlp([chainId, nonce, maxPriorityFeePerGas, maxFeePerGas, gas, to,
                                value, data, accessList, yParity, r, s])
             signed digest (types 1, 2) = keccak256(type || rlp(the fields before yParity))

`to` is 20 bytes (the empty string for a contract creation); accessList is
[[address, [storageKey, ...]], ...]; integers are canonical RLP integers. The transaction hash is
keccak256(raw). The sender is recovered from (yParity, r, s) over the signed digest
(circuits.ecdsa, SEC 1 4.1.6): r, s in [1, n-1] and s <= n/2 (EIP-2, as every Ethereum client
since Homestead), else VerificationError (check `tx-signature`). Other types (EIP-4844 blobs,
EIP-7702) raise UnsupportedTransactionError.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from circuits import ecdsa
from circuits.errors import FormatError, VerificationError
from verifier.chain import rlp
from verifier.chain.ethereum import field_of, hex_address, hex_data, hex_quantity
from verifier.chain.rpc import NodeResponseError

__all__ = [
    "SUPPORTED_TYPES",
    "SignedTransaction",
    "UnsupportedTransactionError",
    "decode_raw",
    "from_rpc",
]

#: The transaction types rebuilt here: legacy (0), EIP-2930 (1), EIP-1559 (2).
SUPPORTED_TYPES = (0, 1, 2)
_TYPE_NAMES = {0: "legacy (EIP-155)", 1: "EIP-2930", 2: "EIP-1559"}
_SIG_CHECK = "tx-signature"

AccessList = tuple[tuple[bytes, tuple[bytes, ...]], ...]


class UnsupportedTransactionError(FormatError):
    """A transaction of a type this verifier does not rebuild (exit 2: it cannot be checked)."""


@dataclass(frozen=True)
class SignedTransaction:
    """The signed fields of a transaction, as they are hashed and signed."""

    type: int  # 0 legacy, 1 EIP-2930, 2 EIP-1559
    chain_id: int | None  # None: a legacy transaction without EIP-155 (v = 27 or 28)
    nonce: int
    gas_price: int  # legacy and type 1; 0 for type 2
    max_priority_fee: int  # type 2; 0 otherwise
    max_fee: int  # type 2; 0 otherwise
    gas: int
    to: bytes | None  # None: contract creation
    value: int
    data: bytes
    access_list: AccessList
    v: int  # legacy: v as signed (27, 28 or 35 + 2 chainId + yParity); typed: yParity
    r: int
    s: int

    @property
    def type_name(self) -> str:
        return _TYPE_NAMES[self.type]

    @property
    def y_parity(self) -> int:
        """The recovery id (0 or 1); VerificationError for any other v."""
        if self.type != 0:
            if self.v not in (0, 1):
                raise VerificationError(f"yParity {self.v} is not 0 or 1", check=_SIG_CHECK)
            return self.v
        if self.v in (27, 28):
            return self.v - 27
        if self.v < 35:
            raise VerificationError(
                f"legacy v = {self.v} is neither 27/28 nor 35 + 2 * chainId + yParity",
                check=_SIG_CHECK,
            )
        return (self.v - 35) % 2

    def _fields(self) -> list[rlp.Item]:
        u = rlp.encode_uint
        to = b"" if self.to is None else self.to
        access: list[rlp.Item] = [[a, list(keys)] for a, keys in self.access_list]
        if self.type == 0:
            return [u(self.nonce), u(self.gas_price), u(self.gas), to, u(self.value), self.data]
        head = [u(self.chain_id or 0), u(self.nonce)]
        fees = (
            [u(self.gas_price)] if self.type == 1 else [u(self.max_priority_fee), u(self.max_fee)]
        )
        return [*head, *fees, u(self.gas), to, u(self.value), self.data, access]

    def raw(self) -> bytes:
        """The signed transaction's bytes (what eth_sendRawTransaction takes)."""
        sig = [rlp.encode_uint(self.v), rlp.encode_uint(self.r), rlp.encode_uint(self.s)]
        body = rlp.encode([*self._fields(), *sig])
        return body if self.type == 0 else bytes([self.type]) + body

    def hash(self) -> bytes:
        """keccak256(raw): the transaction hash."""
        from verifier.ownership.ethereum import keccak256

        return keccak256(self.raw())

    def signing_digest(self) -> bytes:
        """keccak256 of what the sender signed (module docstring)."""
        from verifier.ownership.ethereum import keccak256

        fields = self._fields()
        if self.type == 0:
            if self.chain_id is None:
                return keccak256(rlp.encode(fields))
            return keccak256(rlp.encode([*fields, rlp.encode_uint(self.chain_id), b"", b""]))
        return keccak256(bytes([self.type]) + rlp.encode(fields))

    def sender(self, backend: str | None = None) -> bytes:
        """The 20-byte address recovered from the signature; VerificationError (check
        `tx-signature`) for a v, r or s that Ethereum refuses, or no recoverable key."""
        from verifier.ownership.ethereum import address_of

        y = self.y_parity
        try:
            ecdsa.check_rs(self.r, self.s, low_s=True)
            q = ecdsa.recover(self.signing_digest(), self.r, self.s, y, backend, low_s=True)
        except VerificationError as exc:
            raise VerificationError(f"transaction signature: {exc}", check=_SIG_CHECK) from None
        return address_of(q)


def _legacy_chain_id(v: int) -> int | None:
    return None if v in (27, 28) or v < 35 else (v - 35) // 2


def _type_of(first: int, what: str) -> int:
    if first not in SUPPORTED_TYPES:
        raise UnsupportedTransactionError(
            f"{what}: transaction type {first} is not one this verifier rebuilds (legacy, "
            "EIP-2930 type 1, EIP-1559 type 2)"
        )
    return first


# --- from the raw signed bytes -----------------------------------------------------------------


def _bytes(item: rlp.Item, what: str) -> bytes:
    if not isinstance(item, bytes):
        raise FormatError(f"{what}: expected a byte string, got a list")
    return item


def _list(item: rlp.Item, what: str) -> list[rlp.Item]:
    if not isinstance(item, list):
        raise FormatError(f"{what}: expected a list, got a byte string")
    return item


def _uint(item: rlp.Item, what: str, max_bytes: int = 32) -> int:
    return rlp.decode_uint(_bytes(item, what), what, max_bytes)


def _to(item: rlp.Item, what: str) -> bytes | None:
    b = _bytes(item, what)
    if b == b"":
        return None
    if len(b) != 20:
        raise FormatError(f"{what}: an address is 20 bytes, got {len(b)}")
    return b


def _access_list(item: rlp.Item, what: str) -> AccessList:
    out = []
    for i, entry in enumerate(_list(item, what)):
        pair = _list(entry, f"{what}[{i}]")
        if len(pair) != 2:
            raise FormatError(f"{what}[{i}]: expected [address, storageKeys]")
        address = _bytes(pair[0], f"{what}[{i}].address")
        if len(address) != 20:
            raise FormatError(f"{what}[{i}].address: expected 20 bytes")
        keys = []
        for j, key in enumerate(_list(pair[1], f"{what}[{i}].storageKeys")):
            k = _bytes(key, f"{what}[{i}].storageKeys[{j}]")
            if len(k) != 32:
                raise FormatError(f"{what}[{i}].storageKeys[{j}]: expected 32 bytes")
            keys.append(k)
        out.append((address, tuple(keys)))
    return tuple(out)


def decode_raw(raw: bytes, what: str = "transaction") -> SignedTransaction:
    """The transaction whose signed bytes are `raw` (strict: `raw` must be its canonical
    encoding); FormatError names `what`, UnsupportedTransactionError for other types."""
    if not raw:
        raise FormatError(f"{what}: empty")
    ty = 0 if raw[0] >= 0xC0 else _type_of(raw[0], what)
    items = _list(rlp.decode(raw if ty == 0 else raw[1:], what), what)
    want = {0: 9, 1: 11, 2: 12}[ty]
    if len(items) != want:
        raise FormatError(
            f"{what}: a {_TYPE_NAMES[ty]} transaction has {want} fields, not {len(items)}"
        )
    if ty == 0:
        nonce, gp, gas, to, value, data, v, r, s = items
        vv = _uint(v, f"{what}.v")
        tx = SignedTransaction(
            0, _legacy_chain_id(vv), _uint(nonce, f"{what}.nonce", 8), _uint(gp, f"{what}.gasPrice"),
            0, 0, _uint(gas, f"{what}.gas", 8), _to(to, f"{what}.to"), _uint(value, f"{what}.value"),
            _bytes(data, f"{what}.data"), (), vv, _uint(r, f"{what}.r"), _uint(s, f"{what}.s"),
        )  # fmt: skip
    else:
        chain_id, nonce, *fees = items[:4] if ty == 2 else items[:3]
        rest = items[4:] if ty == 2 else items[3:]
        gas, to, value, data, access, y, r, s = rest
        fee = [_uint(f, f"{what}.fee") for f in fees]
        tx = SignedTransaction(
            ty, _uint(chain_id, f"{what}.chainId"), _uint(nonce, f"{what}.nonce", 8),
            fee[0] if ty == 1 else 0, fee[0] if ty == 2 else 0, fee[1] if ty == 2 else 0,
            _uint(gas, f"{what}.gas", 8), _to(to, f"{what}.to"), _uint(value, f"{what}.value"),
            _bytes(data, f"{what}.data"), _access_list(access, f"{what}.accessList"),
            _uint(y, f"{what}.yParity"), _uint(r, f"{what}.r"), _uint(s, f"{what}.s"),
        )  # fmt: skip
    if tx.raw() != raw:  # cannot happen with a strict decoder; kept as the definition
        raise FormatError(f"{what}: not the canonical encoding of its fields")
    return tx


# --- from a node's transaction object (eth_getTransactionByHash) -------------------------------


def _rpc_access_list(value: Any, what: str) -> AccessList:
    if not isinstance(value, list):
        raise NodeResponseError(f"{what}: expected a list")
    out = []
    for i, entry in enumerate(value):
        if not isinstance(entry, dict) or set(entry) != {"address", "storageKeys"}:
            raise NodeResponseError(f"{what}[{i}]: expected {{address, storageKeys}}")
        keys = entry["storageKeys"]
        if not isinstance(keys, list):
            raise NodeResponseError(f"{what}[{i}].storageKeys: expected a list")
        out.append(
            (
                hex_address(entry["address"], f"{what}[{i}].address"),
                tuple(hex_data(k, f"{what}[{i}].storageKeys", 32) for k in keys),
            )
        )
    return tuple(out)


def _quantities(obj: dict[str, Any], keys: Sequence[str], what: str) -> list[int]:
    return [hex_quantity(field_of(obj, k, what), f"{what}.{k}") for k in keys]


def from_rpc(obj: dict[str, Any], what: str) -> SignedTransaction:
    """The signed transaction a node's transaction object describes (its `from`, `hash` and
    block fields are not part of it). NodeResponseError for malformed or contradictory fields
    (a typed transaction's `v` differing from its `yParity`, a legacy `chainId` differing from
    the one in `v`); UnsupportedTransactionError for other types."""
    ty = _type_of(hex_quantity(field_of(obj, "type", what), f"{what}.type"), what)
    to_field = field_of(obj, "to", what)
    to = None if to_field is None else hex_address(to_field, f"{what}.to")
    data = hex_data(field_of(obj, "input", what), f"{what}.input")
    nonce, gas, value, v, r, s = _quantities(obj, ("nonce", "gas", "value", "v", "r", "s"), what)
    if ty == 0:
        (gas_price,) = _quantities(obj, ("gasPrice",), what)
        chain_id = _legacy_chain_id(v)
        if obj.get("chainId") is not None:
            said = hex_quantity(obj["chainId"], f"{what}.chainId")
            if said != chain_id:
                raise NodeResponseError(
                    f"{what}: chainId {said} is not the chain id signed in v ({chain_id})"
                )
        return SignedTransaction(
            0, chain_id, nonce, gas_price, 0, 0, gas, to, value, data, (), v, r, s
        )
    (chain_id,) = _quantities(obj, ("chainId",), what)
    access = _rpc_access_list(field_of(obj, "accessList", what), f"{what}.accessList")
    y = v
    if "yParity" in obj:
        y = hex_quantity(obj["yParity"], f"{what}.yParity")
        if y != v:
            raise NodeResponseError(f"{what}: v ({v}) and yParity ({y}) differ")
    if ty == 1:
        (gas_price,) = _quantities(obj, ("gasPrice",), what)
        return SignedTransaction(
            1, chain_id, nonce, gas_price, 0, 0, gas, to, value, data, access, y, r, s
        )
    tip, cap = _quantities(obj, ("maxPriorityFeePerGas", "maxFeePerGas"), what)
    return SignedTransaction(2, chain_id, nonce, 0, tip, cap, gas, to, value, data, access, y, r, s)
