"""The public formats, one definition each, with strict decoders (docs/PROTOCOL.md, "Formats").

* `Statement` (statement.json): the round's public statement.
* `InclusionProof` (users/<user-key>.json or .bin): one user's private proof, as JSON (hex,
  inspectable) or as a compact binary encoding; both decode to the same object.
* `AuditNode` lines of an audit bundle (audit/nodes.jsonl).

Decoders take sizes from parameters (the statement's, or the proof's own header checked
against the statement) and check every length before decoding anything.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass, field
from typing import Any

from circuits.bip340 import tagged_hash
from circuits.errors import FormatError
from circuits.generators import GENERATORS_DIGEST
from circuits.group import Point, scalar_from_bytes
from circuits.merkle import HASH_BYTES, MAX_ASSETS, MAX_HEIGHT, MIN_HEIGHT, next_pow2, params_digest
from circuits.rangeproof import proof_size
from verifier.ids import normalise_user_id, validate_asset_symbol, validate_round_id
from verifier.jsonstrict import (
    as_obj,
    expect_keys,
    get_hex,
    get_int,
    get_list,
    get_obj,
    get_str,
    hex_value,
    int_value,
    join,
    load_json,
)

STATEMENT_FORMAT_V1 = "zk-solvency/statement/v1"
STATEMENT_FORMAT_V2 = "zk-solvency/statement/v2"
#: The format the prover writes; the verifier reads every format of STATEMENT_FORMATS.
STATEMENT_FORMAT = STATEMENT_FORMAT_V2
STATEMENT_FORMATS = {STATEMENT_FORMAT_V1: 1, STATEMENT_FORMAT_V2: 2}
#: BIP-340 tag of the statement digest (docs/PROTOCOL.md 8.3).
STATEMENT_DIGEST_TAG = "zk-solvency/statement-digest"
INCLUSION_FORMAT = "zk-solvency/inclusion/v1"
AUDIT_FORMAT_V1 = "zk-solvency/audit/v1"
AUDIT_FORMAT = "zk-solvency/audit/v2"
#: The audit bundle's header file (v2; a v1 bundle has none) and its size limit.
AUDIT_HEADER = "bundle.json"
MAX_AUDIT_HEADER_BYTES = 4096
BINARY_MAGIC = b"ZKSP"
BINARY_VERSION = 1

MODES = ("aggregated", "per-node")
BITS = (8, 16, 32, 64, 128)
MAX_DECIMALS = 18
MAX_STATEMENT_BYTES = 16 * 1024 * 1024
MAX_PROOF_BYTES = 2 * 1024 * 1024
MAX_AUDIT_LINE_BYTES = 64 * 1024


@dataclass(frozen=True)
class Asset:
    symbol: str
    decimals: int


@dataclass(frozen=True)
class Params:
    """Public parameters of a round: tree height H, range bits n, proof mode, assets."""

    height: int
    bits: int
    mode: str
    assets: tuple[Asset, ...]
    generators: str  # hex SHA-256 of the generator table

    def digest(self, round_id: str) -> bytes:
        """The context every proof of the round is bound to (circuits.merkle.params_digest)."""
        return params_digest(
            round_id,
            self.height,
            self.bits,
            self.mode,
            [(a.symbol, a.decimals) for a in self.assets],
            self.generators,
        )

    @property
    def k(self) -> int:
        return len(self.assets)

    def node_proof_size(self) -> int:
        """Bytes of one node's (or the root's) range proof over its K values."""
        return proof_size(self.bits, next_pow2(self.k))

    def path_proof_size(self) -> int:
        """Bytes of one aggregated proof over the H*K sibling values of a path."""
        return proof_size(self.bits, next_pow2(self.height * self.k))

    def to_json(self) -> dict[str, Any]:
        return {
            "height": self.height,
            "bits": self.bits,
            "mode": self.mode,
            "assets": [{"symbol": a.symbol, "decimals": a.decimals} for a in self.assets],
            "generators": self.generators,
        }


def balance_bytes(bits: int) -> int:
    """Width of one balance in the binary inclusion proof: 8 bytes (u64) up to 64-bit ranges,
    16 bytes (u128) for 128-bit ranges (docs/PROTOCOL.md 8.5)."""
    return 8 if bits <= 64 else 16


def check_params(height: int, bits: int, mode: str, k: int) -> None:
    """Raise FormatError for parameters outside what the protocol supports."""
    if not MIN_HEIGHT <= height <= MAX_HEIGHT:
        raise FormatError(f"height {height} outside [{MIN_HEIGHT}, {MAX_HEIGHT}]")
    if bits not in BITS:
        raise FormatError(f"range bits {bits} not one of {BITS}")
    if mode not in MODES:
        raise FormatError(f"mode {mode!r} not one of {MODES}")
    if not 1 <= k <= MAX_ASSETS:
        raise FormatError(f"{k} assets, expected 1 to {MAX_ASSETS}")
    if bits * next_pow2(k) > 65536 or (
        mode == "aggregated" and bits * next_pow2(height * k) > 65536
    ):
        raise FormatError("range proof would exceed the generator table (n*m > 65536)")


def _params_from_json(obj: dict[str, Any], path: str) -> Params:
    expect_keys(obj, ["height", "bits", "mode", "assets", "generators"], [], path)
    height = get_int(obj, "height", path, MIN_HEIGHT, MAX_HEIGHT)
    bits = get_int(obj, "bits", path, 1, max(BITS))
    mode = get_str(obj, "mode", path, 16)
    raw_assets = get_list(obj, "assets", path, MAX_ASSETS, 1)
    assets = []
    seen = set()
    for i, a in enumerate(raw_assets):
        ap = join(join(path, "assets"), i)
        a = as_obj(a, ap)
        expect_keys(a, ["symbol", "decimals"], [], ap)
        symbol = get_str(a, "symbol", ap, 16, 1)
        try:
            validate_asset_symbol(symbol)
        except FormatError as exc:
            raise FormatError(f"{join(ap, 'symbol')}: {exc}") from None
        if symbol in seen:
            raise FormatError(f"{join(ap, 'symbol')}: asset {symbol} listed twice")
        seen.add(symbol)
        assets.append(Asset(symbol, get_int(a, "decimals", ap, 0, MAX_DECIMALS)))
    generators = get_hex(obj, "generators", path, 32).hex()
    try:
        check_params(height, bits, mode, len(assets))
    except FormatError as exc:
        raise FormatError(f"{path}: {exc}") from None
    return Params(height, bits, mode, tuple(assets), generators)


def _point_value(value: Any, path: str) -> Point:
    raw = hex_value(value, path, 33)
    try:
        return Point.from_bytes(raw)
    except FormatError as exc:
        raise FormatError(f"{path}: {exc}") from None


def _points(obj: dict[str, Any], key: str, path: str, count: int) -> tuple[Point, ...]:
    raw = get_list(obj, key, path, count, count)
    here = join(path, key)
    out = []
    for i, item in enumerate(raw):
        out.append(_point_value(item, join(here, i)))
    return tuple(out)


def format_units(units: int, decimals: int) -> str:
    """Base units as a decimal string with thousands separators: 1234567890, 8 -> 12.34567890."""
    whole, frac = divmod(units, 10**decimals)
    return f"{whole:,}" + (f".{frac:0{decimals}d}" if decimals else "")


def dumps(obj: Any) -> bytes:
    """The project's JSON serialisation: sorted keys, two-space indent, UTF-8, final newline."""
    return (json.dumps(obj, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode()


def canonical(obj: Any) -> bytes:
    """Compact canonical JSON (sorted keys, no spaces, UTF-8): what signatures cover."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


# --- statement -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Root:
    hash: bytes
    commitments: tuple[Point, ...]
    range_proof: bytes

    def to_json(self) -> dict[str, Any]:
        return {
            "hash": self.hash.hex(),
            "commitments": [c.to_bytes().hex() for c in self.commitments],
            "range_proof": self.range_proof.hex(),
        }


@dataclass(frozen=True)
class Statement:
    """The public statement of a round. `extra` holds the optional sections (reserves, solvency,
    signature; in v2 also prices, total, anchor), decoded by verifier.solvency, as raw JSON.

    `version` is 1 or 2 (STATEMENT_FORMATS). `previous` (v2 only) is the statement digest of the
    previous round's statement, None for the first round."""

    round_id: str
    snapshot_time: str | None
    params: Params
    root: Root
    exchange: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    version: int = 2
    previous: bytes | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "format": STATEMENT_FORMAT_V1 if self.version == 1 else STATEMENT_FORMAT_V2,
            "round": self.round_id,
            "snapshot_time": self.snapshot_time,
            "params": self.params.to_json(),
            "root": self.root.to_json(),
        }
        if self.version >= 2:
            out["previous"] = None if self.previous is None else self.previous.hex()
        if self.exchange is not None:
            out["exchange"] = self.exchange
        out.update(self.extra)
        return out

    def to_bytes(self) -> bytes:
        return dumps(self.to_json())

    def digest(self) -> bytes:
        """The statement digest (statement_digest)."""
        return statement_digest(self)


def statement_digest(st: Statement) -> bytes:
    """The 32-byte digest that names a statement (docs/PROTOCOL.md 8.3):

    TaggedHash("zk-solvency/statement-digest", canonical(statement, signature included)).

    Customers compare it across what they were shown; the next round's `previous` and the
    on-chain anchor carry it."""
    return tagged_hash(STATEMENT_DIGEST_TAG, canonical(st.to_json()))


#: Optional top-level sections of a v1 statement, in the order they are written.
STATEMENT_EXTRA_KEYS = ("reserves", "solvency", "signature")
#: Optional top-level sections of a v2 statement (prices, total, anchor: docs/PROTOCOL.md 9).
STATEMENT_V2_EXTRA_KEYS = ("reserves", "solvency", "prices", "total", "anchor", "signature")


def parse_statement(data: bytes, source: str = "statement.json") -> Statement:
    """Strictly decode a statement; FormatError names `source` and the JSON path."""
    raw = load_json(data, source=source, max_bytes=MAX_STATEMENT_BYTES)
    try:
        doc = as_obj(raw, "")
        fmt = doc.get("format")
        version = STATEMENT_FORMATS.get(fmt) if isinstance(fmt, str) else None
        if version is None:
            expected = " or ".join(repr(f) for f in STATEMENT_FORMATS)
            raise FormatError(f"format: expected {expected}")
        extra_keys = STATEMENT_EXTRA_KEYS if version == 1 else STATEMENT_V2_EXTRA_KEYS
        required = ["format", "round", "snapshot_time", "params", "root"]
        if version >= 2:
            required.append("previous")
        expect_keys(doc, required, ["exchange", *extra_keys], "")
        previous = None
        if version >= 2 and doc["previous"] is not None:
            previous = get_hex(doc, "previous", "", HASH_BYTES)
        round_id = get_str(doc, "round", "", 64, 1)
        validate_round_id(round_id)
        snap = doc["snapshot_time"]
        if snap is not None:
            snap = get_str(doc, "snapshot_time", "", 64, 1)
        exchange = get_str(doc, "exchange", "", 128, 1) if "exchange" in doc else None
        params = _params_from_json(get_obj(doc, "params", ""), "params")
        r = get_obj(doc, "root", "")
        expect_keys(r, ["hash", "commitments", "range_proof"], [], "root")
        root = Root(
            get_hex(r, "hash", "root", HASH_BYTES),
            _points(r, "commitments", "root", params.k),
            get_hex(r, "range_proof", "root", params.node_proof_size()),
        )
        extra = {k: doc[k] for k in extra_keys if k in doc}
    except FormatError as exc:
        raise FormatError(f"{source}: {exc}") from None
    return Statement(round_id, snap, params, root, exchange, extra, version, previous)


# --- inclusion proof -----------------------------------------------------------------------


@dataclass(frozen=True)
class Sibling:
    hash: bytes
    commitments: tuple[Point, ...]


@dataclass(frozen=True)
class InclusionProof:
    """One user's proof. `node_proofs` (per-node mode, one per sibling, bottom-up) or
    `path_proof` (aggregated mode, one proof over all H*K sibling values)."""

    round_id: str
    params: Params
    user_id: str
    leaf_index: int
    balances: tuple[int, ...]
    blindings: tuple[int, ...]
    salt: bytes
    siblings: tuple[Sibling, ...]
    path_proof: bytes | None
    node_proofs: tuple[bytes, ...] | None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "format": INCLUSION_FORMAT,
            "round": self.round_id,
            "params": self.params.to_json(),
            "user_id": self.user_id,
            "leaf": {
                "index": self.leaf_index,
                "balances": list(self.balances),
                "blindings": [b.to_bytes(32, "big").hex() for b in self.blindings],
                "salt": self.salt.hex(),
            },
            "siblings": [
                {"hash": s.hash.hex(), "commitments": [c.to_bytes().hex() for c in s.commitments]}
                for s in self.siblings
            ],
        }
        if self.path_proof is not None:
            out["path_proof"] = self.path_proof.hex()
        if self.node_proofs is not None:
            out["node_proofs"] = [p.hex() for p in self.node_proofs]
        return out

    def to_json_bytes(self) -> bytes:
        """The proof file: compact canonical JSON and a newline (docs/PROTOCOL.md 8.1)."""
        return canonical(self.to_json()) + b"\n"

    def to_binary(self) -> bytes:
        """Compact encoding (docs/PROTOCOL.md, "Binary inclusion proof")."""
        p = self.params
        out = bytearray(BINARY_MAGIC)
        out += struct.pack(">BBBBB", BINARY_VERSION, MODES.index(p.mode), p.height, p.bits, p.k)
        rid = self.round_id.encode()
        uid = self.user_id.encode()
        out += struct.pack(">B", len(rid)) + rid
        out += struct.pack(">H", len(uid)) + uid
        for a in p.assets:
            sym = a.symbol.encode()
            out += struct.pack(">B", len(sym)) + sym + struct.pack(">B", a.decimals)
        out += bytes.fromhex(p.generators)
        out += struct.pack(">Q", self.leaf_index)
        width = balance_bytes(p.bits)
        for v in self.balances:
            out += v.to_bytes(width, "big")
        for b in self.blindings:
            out += b.to_bytes(32, "big")
        out += self.salt
        for s in self.siblings:
            out += s.hash + b"".join(c.to_bytes() for c in s.commitments)
        if self.path_proof is not None:
            out += self.path_proof
        else:
            for proof in self.node_proofs or ():
                out += proof
        return bytes(out)


def _hex_value(value: Any, path: str, nbytes: int) -> bytes:
    """A list element that must be exactly 2*nbytes lowercase hex characters."""
    return hex_value(value, path, nbytes)


def _scalar_value(value: Any, path: str) -> int:
    raw = _hex_value(value, path, 32)
    try:
        return scalar_from_bytes(raw)
    except FormatError as exc:
        raise FormatError(f"{path}: {exc}") from None


def _check_user_id(uid: str, path: str) -> str:
    try:
        norm = normalise_user_id(uid)
    except FormatError as exc:
        raise FormatError(f"{path}: {exc}") from None
    if norm != uid:
        raise FormatError(f"{path}: user id is not in NFC normal form")
    return uid


def describe_params(round_id: str, p: Params) -> str:
    """Round and parameters in words, for messages about files that do not belong together."""
    assets = ", ".join(f"{a.symbol}:{a.decimals}" for a in p.assets)
    return (
        f"round {round_id} (height {p.height}, {p.bits}-bit ranges, mode {p.mode}, assets "
        f"{assets}{'' if p.generators == GENERATORS_DIGEST else ', other generators'})"
    )


def _check_belongs(round_id: str, params: Params, statement: Statement | None) -> None:
    """Refuse a proof whose round or parameters are not the statement's, before anything is
    decoded or derived at the proof's own (possibly huge) parameters."""
    if statement is None:
        return
    if round_id != statement.round_id or params != statement.params:
        raise FormatError(
            f"this proof is for {describe_params(round_id, params)}, the statement for "
            f"{describe_params(statement.round_id, statement.params)}: give the statement of "
            "the exchange and round that made the proof"
        )


def parse_inclusion_json(
    data: bytes, source: str, statement: Statement | None = None
) -> InclusionProof:
    raw = load_json(data, source=source, max_bytes=MAX_PROOF_BYTES)
    try:
        doc = as_obj(raw, "")
        expect_keys(
            doc,
            ["format", "round", "params", "user_id", "leaf", "siblings"],
            ["path_proof", "node_proofs"],
            "",
        )
        if doc["format"] != INCLUSION_FORMAT:
            raise FormatError(f"format: expected {INCLUSION_FORMAT!r}")
        round_id = get_str(doc, "round", "", 64, 1)
        validate_round_id(round_id)
        params = _params_from_json(get_obj(doc, "params", ""), "params")
        _check_belongs(round_id, params, statement)
        uid = _check_user_id(get_str(doc, "user_id", "", 256, 1), "user_id")
        leaf = get_obj(doc, "leaf", "")
        expect_keys(leaf, ["index", "balances", "blindings", "salt"], [], "leaf")
        index = get_int(leaf, "index", "leaf", 0, (1 << params.height) - 1)
        bal_list = get_list(leaf, "balances", "leaf", params.k, params.k)
        balances = []
        for i, v in enumerate(bal_list):
            balances.append(int_value(v, join("leaf.balances", i), 0, (1 << params.bits) - 1))
        blind_list = get_list(leaf, "blindings", "leaf", params.k, params.k)
        blindings = tuple(
            _scalar_value(b, join("leaf.blindings", i)) for i, b in enumerate(blind_list)
        )
        salt = get_hex(leaf, "salt", "leaf", 32)
        sib_list = get_list(doc, "siblings", "", params.height, params.height)
        siblings = []
        for i, s in enumerate(sib_list):
            sp = join("siblings", i)
            s = as_obj(s, sp)
            expect_keys(s, ["hash", "commitments"], [], sp)
            siblings.append(
                Sibling(get_hex(s, "hash", sp, HASH_BYTES), _points(s, "commitments", sp, params.k))
            )
        path_proof = None
        node_proofs = None
        if params.mode == "aggregated":
            if "node_proofs" in doc or "path_proof" not in doc:
                raise FormatError("aggregated mode carries exactly one 'path_proof'")
            path_proof = get_hex(doc, "path_proof", "", params.path_proof_size())
        else:
            if "path_proof" in doc or "node_proofs" not in doc:
                raise FormatError("per-node mode carries 'node_proofs', one per sibling")
            raw = get_list(doc, "node_proofs", "", params.height, params.height)
            size = params.node_proof_size()
            node_proofs = tuple(
                _hex_value(p, join("node_proofs", i), size) for i, p in enumerate(raw)
            )
    except FormatError as exc:
        raise FormatError(f"{source}: {exc}") from None
    return InclusionProof(
        round_id,
        params,
        uid,
        index,
        tuple(balances),
        blindings,
        salt,
        tuple(siblings),
        path_proof,
        node_proofs,
    )


class _Reader:
    def __init__(self, data: bytes, source: str) -> None:
        self.data = data
        self.pos = 0
        self.source = source

    def take(self, n: int, what: str) -> bytes:
        if self.pos + n > len(self.data):
            raise FormatError(f"{self.source}: truncated at byte {self.pos} (reading {what})")
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def u8(self, what: str) -> int:
        return self.take(1, what)[0]

    def fail(self, reason: str) -> FormatError:
        return FormatError(f"{self.source}: byte {self.pos}: {reason}")


def parse_inclusion_binary(
    data: bytes, source: str, statement: Statement | None = None
) -> InclusionProof:
    if len(data) > MAX_PROOF_BYTES:
        raise FormatError(f"{source}: {len(data)} bytes, more than the limit of {MAX_PROOF_BYTES}")
    r = _Reader(data, source)
    if r.take(4, "magic") != BINARY_MAGIC:
        raise FormatError(f"{source}: not a binary inclusion proof (bad magic)")
    version, mode_i, height, bits, k = struct.unpack(">BBBBB", r.take(5, "header"))
    if version != BINARY_VERSION:
        raise r.fail(f"unsupported version {version}")
    if mode_i >= len(MODES):
        raise r.fail(f"unknown mode {mode_i}")
    try:
        check_params(height, bits, MODES[mode_i], k)
    except FormatError as exc:
        raise r.fail(str(exc)) from None
    try:
        round_id = r.take(r.u8("round length"), "round").decode()
        validate_round_id(round_id)
        (ulen,) = struct.unpack(">H", r.take(2, "user id length"))
        if not 1 <= ulen <= 256:
            raise r.fail("user id length outside [1, 256]")
        uid = _check_user_id(r.take(ulen, "user id").decode(), "user_id")
        assets = []
        for _ in range(k):
            sym = r.take(r.u8("asset length"), "asset").decode()
            validate_asset_symbol(sym)
            dec = r.u8("decimals")
            if dec > MAX_DECIMALS:
                raise r.fail("decimals above 18")
            assets.append(Asset(sym, dec))
    except UnicodeDecodeError:
        raise r.fail("text field is not UTF-8") from None
    except FormatError as exc:  # a round id, user id or symbol refused: name the file and byte
        if str(exc).startswith(source):
            raise
        raise r.fail(str(exc)) from None
    if len({a.symbol for a in assets}) != k:
        raise r.fail("an asset is listed twice")
    gens = r.take(32, "generators").hex()
    params = Params(height, bits, MODES[mode_i], tuple(assets), gens)
    try:
        _check_belongs(round_id, params, statement)
    except FormatError as exc:
        raise FormatError(f"{source}: {exc}") from None
    (index,) = struct.unpack(">Q", r.take(8, "leaf index"))
    if index >> height:
        raise r.fail(f"leaf index {index} does not fit height {height}")
    balances = []
    width = balance_bytes(bits)
    for _ in range(k):
        v = int.from_bytes(r.take(width, "balance"), "big")
        if v >> bits:
            raise r.fail(f"balance {v} not below 2^{bits}")
        balances.append(v)
    try:
        blindings = tuple(scalar_from_bytes(r.take(32, "blinding")) for _ in range(k))
        salt = r.take(32, "salt")
        siblings = []
        for _ in range(height):
            h = r.take(32, "sibling hash")
            cs = tuple(Point.from_bytes(r.take(33, "sibling commitment")) for _ in range(k))
            siblings.append(Sibling(h, cs))
    except FormatError as exc:
        if str(exc).startswith(source):
            raise
        raise r.fail(str(exc)) from None
    path_proof = None
    node_proofs = None
    if params.mode == "aggregated":
        path_proof = r.take(params.path_proof_size(), "path proof")
    else:
        node_proofs = tuple(r.take(params.node_proof_size(), "node proof") for _ in range(height))
    if r.pos != len(data):
        raise r.fail(f"{len(data) - r.pos} trailing bytes")
    return InclusionProof(
        round_id,
        params,
        uid,
        index,
        tuple(balances),
        blindings,
        salt,
        tuple(siblings),
        path_proof,
        node_proofs,
    )


def parse_inclusion(data: bytes, source: str, statement: Statement | None = None) -> InclusionProof:
    """Decode an inclusion proof in either encoding (binary starts with the magic `ZKSP`).

    With `statement`, a proof of another round or with other parameters is refused as soon as
    its header is read, before any point, proof or generator at its own parameters."""
    if data[:4] == BINARY_MAGIC:
        return parse_inclusion_binary(data, source, statement)
    return parse_inclusion_json(data, source, statement)


# --- audit bundle --------------------------------------------------------------------------


@dataclass(frozen=True)
class Padding:
    """What shows an auditor that a node is padding (audit/v2): the salt of its hash,
    h = H("padding" | u8(depth) || u64(index) | salt), and the blindings r_a of its
    commitments, which open to zero: C_a = r_a*H."""

    salt: bytes
    blindings: tuple[int, ...]


@dataclass(frozen=True)
class AuditNode:
    """One node of the full tree: position, hash, commitments, its own range proof (every
    node but the root; the root's proof is in the statement) and, for a padding node, the
    proof that it is padding (audit/v2)."""

    depth: int
    index: int
    hash: bytes
    commitments: tuple[Point, ...]
    range_proof: bytes | None
    padding: Padding | None = None

    def to_json_line(self) -> bytes:
        obj: dict[str, Any] = {
            "depth": self.depth,
            "index": self.index,
            "hash": self.hash.hex(),
            "commitments": [c.to_bytes().hex() for c in self.commitments],
        }
        if self.range_proof is not None:
            obj["range_proof"] = self.range_proof.hex()
        if self.padding is not None:
            obj["padding"] = {
                "salt": self.padding.salt.hex(),
                "blindings": [b.to_bytes(32, "big").hex() for b in self.padding.blindings],
            }
        return canonical(obj) + b"\n"


def parse_audit_line(line: bytes, params: Params, source: str) -> AuditNode:
    raw = load_json(line, source=source, max_bytes=MAX_AUDIT_LINE_BYTES, max_depth=4)
    try:
        doc = as_obj(raw, "")
        expect_keys(doc, ["depth", "index", "hash", "commitments"], ["range_proof", "padding"], "")
        depth = get_int(doc, "depth", "", 0, params.height)
        index = get_int(doc, "index", "", 0, (1 << depth) - 1)
        proof = None
        if depth > 0:
            proof = get_hex(doc, "range_proof", "", params.node_proof_size())
        elif "range_proof" in doc:
            raise FormatError("range_proof: the root's proof belongs in the statement")
        padding = None
        if "padding" in doc:
            pad = get_obj(doc, "padding", "")
            expect_keys(pad, ["salt", "blindings"], [], "padding")
            blindings = get_list(pad, "blindings", "padding", params.k, params.k)
            padding = Padding(
                get_hex(pad, "salt", "padding", 32),
                tuple(
                    _scalar_value(b, join("padding.blindings", i)) for i, b in enumerate(blindings)
                ),
            )
        node = AuditNode(
            depth,
            index,
            get_hex(doc, "hash", "", HASH_BYTES),
            _points(doc, "commitments", "", params.k),
            proof,
            padding,
        )
    except FormatError as exc:
        raise FormatError(f"{source}: {exc}") from None
    return node


def audit_header(round_id: str, root_hash: bytes) -> bytes:
    """The v2 bundle's header file: its format, round and root hash (canonical JSON)."""
    return canonical({"format": AUDIT_FORMAT, "round": round_id, "root": root_hash.hex()}) + b"\n"


def parse_audit_header(data: bytes, statement: Statement, source: str) -> int:
    """The bundle's format version (2) from its header, checked against the statement: a
    bundle of another round or root is refused (FormatError) before any node is read."""
    raw = load_json(data, source=source, max_bytes=MAX_AUDIT_HEADER_BYTES, max_depth=2)
    try:
        doc = as_obj(raw, "")
        expect_keys(doc, ["format", "round", "root"], [], "")
        fmt = get_str(doc, "format", "", 64, 1)
        if fmt != AUDIT_FORMAT:
            raise FormatError(
                f"format: {fmt!r}, this verifier reads {AUDIT_FORMAT!r} (and v1 bundles, which have no {AUDIT_HEADER})"
            )
        if get_str(doc, "round", "", 64, 1) != statement.round_id:
            raise FormatError(
                f"round: this bundle is for round {doc['round']!r}, the statement for "
                f"{statement.round_id!r}"
            )
        if get_hex(doc, "root", "", HASH_BYTES) != statement.root.hash:
            raise FormatError("root: this bundle is of another tree than the statement's")
    except FormatError as exc:
        raise FormatError(f"{source}: {exc}") from None
    return 2
