"""Size model: the exact bytes of every artifact from its parameters, so proof sizes can be read
off for any tree height, asset count and number of users (2^32 included) without building one.

Artifacts and their layouts (docs/PROTOCOL.md, "Formats"; verifier/formats.py):

* range proof over m values of n bits (Bulletproofs, m padded to a power of two, 33-byte
  compressed points, 32-byte scalars): points A, S, T1, T2 and 2*log2(n*m) for L, R; scalars
  t_x, t_x_blinding, e_blinding, a, b:

      range_proof(n, m) = (2*log2(n*m') + 4)*33 + 5*32,   m' = next_pow2(m)

* inclusion proof, binary (`InclusionProof.to_binary`), K assets, H siblings:

      magic 4 | version, mode, H, n, K 5 | u8 len + round | u16 len + user id
      | K x (u8 len + symbol + u8 decimals) | generator digest 32 | leaf index u64 8
      | K x balance (u64 8 for n <= 64, u128 16 for n = 128) | K x blinding 32 | salt 32
      | H x (hash 32 + K x point 33)
      | proofs: aggregated one range_proof(n, H*K); per-node H x range_proof(n, K)

* inclusion proof, JSON (`InclusionProof.to_json_bytes`: compact canonical JSON, sorted keys,
  UTF-8, final newline): exact from the lengths of the round id, user id, symbols, the digits
  of the leaf index, balances and decimals, via the closed forms for a compact object / array
  with members of serialised sizes v_i (a key adds its quoted length and ":"):

      object = 2 + sum_i (len(key_i) + 3 + v_i) + (c-1)
      array  = 2 + sum_i v_i + (c-1)                                (c members, c >= 1)

* statement, JSON (`Statement.to_bytes`: sorted keys, indent 2): format, round, snapshot time,
  parameters and the root (hash, K commitments, one range_proof(n, K)), and the exchange name
  when given, via the closed forms for an indented object / array at nesting depth d (a key
  adds its quoted length and ": "):

      object = 2 + sum_i (2(d+1) + len(key_i) + 4 + v_i) + 2(c-1) + 2d + 2
      array  = 2 + sum_i (2(d+1) + v_i) + 2(c-1) + 2d + 2

  The reserves / solvency / signature sections are not modelled (their size depends on the
  number of addresses and disclosures).

`python -m benchmarks model --height 32 --assets 1` prints the table and extrapolates to any
number of users (total bytes, and the number of range proofs the prover makes).
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass

POINT = 33  # compressed secp256k1 point
SCALAR = 32
HASH = 32
MODES = ("aggregated", "per-node")
INCLUSION_FORMAT = "zk-solvency/inclusion/v1"
STATEMENT_FORMAT = "zk-solvency/statement/v2"
GENERATORS_HEX = 64  # hex SHA-256 of the generator table


def next_pow2(k: int) -> int:
    return 1 << (k - 1).bit_length() if k > 1 else 1


def range_proof_bytes(bits: int, m: int) -> int:
    """(2*log2(n*m') + 4)*33 + 5*32 with m' = next_pow2(m): 688 for n = 64, m = 1."""
    nm = bits * next_pow2(m)
    lg = nm.bit_length() - 1
    if nm != 1 << lg:
        raise ValueError("n must be a power of two")
    return (2 * lg + 4) * POINT + 5 * SCALAR


def proof_bytes(height: int, assets: int, bits: int, mode: str) -> int:
    """The range-proof bytes one inclusion proof carries."""
    if mode == "aggregated":
        return range_proof_bytes(bits, height * assets)
    if mode == "per-node":
        return height * range_proof_bytes(bits, assets)
    raise ValueError(f"unknown mode {mode!r}")


# --- JSON closed forms -----------------------------------------------------------------------


def json_str(s: str) -> int:
    """Serialised bytes of a JSON string (quotes and any escapes; UTF-8, ensure_ascii off)."""
    return len(json.dumps(s, ensure_ascii=False).encode())


def json_int(v: int) -> int:
    return len(str(v))


def json_hex(nbytes: int) -> int:
    """A quoted lowercase hex string of `nbytes` bytes."""
    return 2 * nbytes + 2


def json_obj(depth: int | None, members: Sequence[tuple[str, int]]) -> int:
    """Bytes of an indented object at nesting `depth` whose member values serialise to v_i
    (depth None: compact, separators "," and ":")."""
    c = len(members)
    if depth is None:
        return 2 + sum(json_str(k) + 1 + v for k, v in members) + (c - 1)
    body = sum(2 * (depth + 1) + json_str(k) + 2 + v for k, v in members)
    return 2 + body + 2 * (c - 1) + 2 * depth + 2


def json_arr(depth: int | None, items: Sequence[int]) -> int:
    """Bytes of an indented, non-empty array at nesting `depth` (None: compact)."""
    c = len(items)
    if depth is None:
        return 2 + sum(items) + (c - 1)
    return 2 + sum(2 * (depth + 1) + v for v in items) + 2 * (c - 1) + 2 * depth + 2


# --- the artifacts ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Shape:
    """Everything an artifact's size depends on. `assets` are (symbol, decimals) pairs."""

    height: int
    bits: int
    mode: str
    assets: tuple[tuple[str, int], ...]
    round_id: str

    @property
    def k(self) -> int:
        return len(self.assets)


def params_json(shape: Shape, depth: int | None) -> int:
    assets = json_arr(
        None if depth is None else depth + 1,
        [
            json_obj(
                None if depth is None else depth + 2,
                [("decimals", json_int(d)), ("symbol", json_str(s))],
            )
            for s, d in shape.assets
        ],
    )
    return json_obj(
        depth,
        [
            ("assets", assets),
            ("bits", json_int(shape.bits)),
            ("generators", json_hex(32)),
            ("height", json_int(shape.height)),
            ("mode", json_str(shape.mode)),
        ],
    )


def inclusion_binary_bytes(shape: Shape, user_id: str) -> int:
    """Exact bytes of `InclusionProof.to_binary()` (layout in the module docstring)."""
    k, h = shape.k, shape.height
    header = 4 + 5
    names = 1 + len(shape.round_id.encode()) + 2 + len(user_id.encode())
    assets = sum(1 + len(s.encode()) + 1 for s, _d in shape.assets)
    balance = 8 if shape.bits <= 64 else 16  # u64, or u128 for 128-bit ranges
    leaf = 32 + 8 + balance * k + SCALAR * k + 32  # generators, index, balances, blindings, salt
    siblings = h * (HASH + POINT * k)
    return header + names + assets + leaf + siblings + proof_bytes(h, k, shape.bits, shape.mode)


def inclusion_json_bytes(
    shape: Shape, user_id: str, leaf_index: int, balances: Sequence[int]
) -> int:
    """Exact bytes of `InclusionProof.to_json_bytes()` for this user (its id, leaf index and
    balances in base units decide the variable part): compact JSON."""
    k, h = shape.k, shape.height
    if len(balances) != k:
        raise ValueError("one balance per asset")
    leaf = json_obj(
        None,
        [
            ("balances", json_arr(None, [json_int(v) for v in balances])),
            ("blindings", json_arr(None, [json_hex(SCALAR)] * k)),
            ("index", json_int(leaf_index)),
            ("salt", json_hex(32)),
        ],
    )
    sibling = json_obj(
        None, [("commitments", json_arr(None, [json_hex(POINT)] * k)), ("hash", json_hex(HASH))]
    )
    members = [
        ("format", json_str(INCLUSION_FORMAT)),
        ("leaf", leaf),
        ("params", params_json(shape, None)),
        ("round", json_str(shape.round_id)),
        ("siblings", json_arr(None, [sibling] * h)),
        ("user_id", json_str(user_id)),
    ]
    if shape.mode == "aggregated":
        members.append(("path_proof", json_hex(range_proof_bytes(shape.bits, h * k))))
    else:
        members.append(
            ("node_proofs", json_arr(None, [json_hex(range_proof_bytes(shape.bits, k))] * h))
        )
    return json_obj(None, members) + 1  # final newline


def statement_json_bytes(
    shape: Shape,
    snapshot_time: str | None = None,
    exchange: str | None = None,
    previous: bytes | None = None,
) -> int:
    """Exact bytes of a v2 `Statement.to_bytes()` without reserves / solvency / signature."""
    root = json_obj(
        1,
        [
            ("commitments", json_arr(2, [json_hex(POINT)] * shape.k)),
            ("hash", json_hex(HASH)),
            ("range_proof", json_hex(range_proof_bytes(shape.bits, shape.k))),
        ],
    )
    members = [
        ("format", json_str(STATEMENT_FORMAT)),
        ("params", params_json(shape, 1)),
        ("previous", 4 if previous is None else json_hex(HASH)),
        ("root", root),
        ("round", json_str(shape.round_id)),
        ("snapshot_time", 4 if snapshot_time is None else json_str(snapshot_time)),
    ]
    if exchange is not None:
        members.append(("exchange", json_str(exchange)))
    return json_obj(0, members) + 1


# --- counts for extrapolation ----------------------------------------------------------------


def node_proofs_exact(leaf_indices: Sequence[int], height: int) -> int:
    """Range proofs a per-node round makes besides the root's: one for every node that is a
    sibling on some user's path. Below an occupied node one child is a user's sibling per
    occupied child (both children when both hold users; the padding child when one does), so
    the count is the number of occupied nodes at depths 1..H: sum_{d=1}^{H} |{i >> (H-d)}|."""
    total = 0
    level = set(leaf_indices)
    for _ in range(height):
        total += len(level)
        level = {i >> 1 for i in level}
    return total


def node_proofs_expected(users: int, height: int) -> float:
    """Expected node_proofs_exact for `users` leaves at uniformly random distinct positions among
    M = 2^H: a subtree of s = 2^(H-d) leaves is empty with probability
    C(M-s, N)/C(M, N) = prod_{j<s} (1 - N/(M-j))."""
    m = 2**height
    total = 0.0
    for d in range(1, height + 1):
        s = 2 ** (height - d)
        if s <= 4096:
            log_empty = sum(
                math.log1p(-users / (m - j)) if users < m - j else -math.inf for j in range(s)
            )
        else:
            log_empty = s * math.log1p(-users / (m - s / 2)) if users < m - s / 2 else -math.inf
        total += 2**d * -math.expm1(log_empty)
    return total


def range_proofs_made(users: int, height: int, mode: str) -> float:
    """Range proofs the prover makes for a round (the root's included)."""
    if mode == "aggregated":
        return users + 1
    return node_proofs_expected(users, height) + 1


# --- CLI ---------------------------------------------------------------------------------------

DEFAULT_SYMBOLS = ("BTC", "ETH", "USDT", "USDC", "BNB", "XRP", "SOL", "ADA")


def bench_assets(k: int) -> tuple[tuple[str, int], ...]:
    """The asset list the benchmarks use: K symbols with 8 decimals."""
    syms = [*DEFAULT_SYMBOLS, *(f"A{i:02d}" for i in range(len(DEFAULT_SYMBOLS), 16))]
    return tuple((s, 8) for s in syms[:k])


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--height", default="16,32,64", help="tree heights, e.g. 32 or 16,32,64")
    parser.add_argument("--assets", default="1", help="asset counts, e.g. 1,4,16")
    parser.add_argument("--bits", default="64", help="range bits, e.g. 32,64,128")
    parser.add_argument("--mode", default="aggregated,per-node")
    parser.add_argument(
        "--users", default="10000,2^32", help="users to extrapolate to (default 10000,2^32)"
    )
    parser.add_argument("--round", default="2026-11-22", help="round id (its length counts)")
    parser.add_argument("--user-id", default="user-0000000001", help="a typical user id")
    parser.add_argument(
        "--balance-digits", type=int, default=9, help="decimal digits of a typical balance"
    )


def rows_for(args: argparse.Namespace) -> list[dict[str, object]]:
    from benchmarks.common import parse_list

    rows: list[dict[str, object]] = []
    for users in parse_list(args.users):
        for h in parse_list(args.height):
            for k in parse_list(args.assets):
                for bits in parse_list(args.bits):
                    for mode in parse_list(args.mode, str):
                        shape = Shape(h, bits, mode, bench_assets(k), args.round)
                        fits = users <= 1 << (h - 1)  # the protocol's max_users
                        index = (1 << h) - 1  # widest leaf index
                        balances = [10 ** (args.balance_digits - 1)] * k
                        b = inclusion_binary_bytes(shape, args.user_id)
                        j = inclusion_json_bytes(shape, args.user_id, index, balances)
                        made = range_proofs_made(users, h, mode)
                        rows.append(
                            {
                                "users": users,
                                "H": h,
                                "K": k,
                                "n": bits,
                                "mode": mode,
                                "range_proof_B": proof_bytes(h, k, bits, mode),
                                "inclusion_bin_B": b,
                                "inclusion_json_B": j,
                                "statement_B": statement_json_bytes(shape),
                                "all_proofs_bin_GB": f"{users * b / 1e9:,.1f}",
                                "range_proofs_made": f"{made:,.0f}",
                                "note": ""
                                if fits
                                else f"over 2^(H-1) users: needs H >= {(users - 1).bit_length() + 1}",
                            }
                        )
    return rows


def run(args: argparse.Namespace) -> int:
    from benchmarks.common import print_table

    rows = rows_for(args)
    print(
        f"Exact sizes (bytes) from the size model; round id {args.round!r}, user id "
        f"{args.user_id!r}, balances of {args.balance_digits} digits, the widest leaf index. "
        "range_proofs_made is exact in aggregated mode and the expectation for uniformly random "
        "leaf positions in per-node mode."
    )
    print_table(rows, list(rows[0]))
    return 0
