"""No leak when a round is rebuilt (issue 11, section 4): two builds of one round id from
snapshots that differ in one balance share no commitment, salt, hash or position (so the
difference of their roots reveals nothing), while the same data, in any line order, still
rebuilds byte for byte (docs/PROTOCOL.md 6.6)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from solvency_rounds import MASTER, ROUND, Round, build_round

from circuits.group import Point
from circuits.merkle import framed, framed_hash
from prover.secrets import MasterSecret
from prover.snapshot import validate_snapshot
from prover.store import Store
from prover.tree import RoundSecrets

USERS = [("alice", "3", "0"), ("bob", "0", "250"), ("zoë", "200", "1"), ("李雷", "1", "1")]
CHANGED = [("alice", "3", "0"), ("bob", "0", "250"), ("zoë", "201", "1"), ("李雷", "1", "1")]
ASSETS = {"BTC": 0, "USDT": 0}


def make(base: Path, name: str, users: list[tuple[str, str, str]]) -> Round:
    return build_round(
        base / name, mode="per-node", height=4, bits=8, users=users, assets=ASSETS, name="r"
    )


def nodes(rnd: Round) -> tuple[set[bytes], set[bytes], list[bytes], RoundSecrets]:
    """Every commitment and hash of the round's tree, the node proofs, and its secrets."""
    commitments: set[bytes] = set()
    hashes: set[bytes] = set()
    proofs: list[bytes] = []
    with Store(rnd.dir / "private" / "state.sqlite") as store:
        for depth in range(rnd.height + 1):
            for _i, h, cb, proof in store.level(depth):
                hashes.add(h)
                commitments.update(cb[k : k + 33] for k in range(0, len(cb), 33))
                proofs += [proof] if proof else []
        key = store.get_meta("key")
    assert key is not None
    secrets = RoundSecrets(MasterSecret(MASTER), ROUND, 2, bytes.fromhex(key["inputs"]))
    return commitments, hashes, proofs, secrets


def test_rebuild_with_one_balance_changed_shares_nothing(tmp_path: Path) -> None:
    a, b = make(tmp_path, "a", USERS), make(tmp_path, "b", CHANGED)
    ca, ha, pa, sa = nodes(a)
    cb, hb, pb, sb = nodes(b)
    assert len(ca) > 20
    assert not ca & cb, "a commitment appears in both builds"
    assert not ha & hb
    assert not set(pa) & set(pb)
    for uid, *_ in USERS:
        assert sa.leaf_blindings(uid) != sb.leaf_blindings(uid)
        assert sa.leaf_salt(uid) != sb.leaf_salt(uid)
        assert sa.candidate(uid, 0, 64) != sb.candidate(uid, 0, 64)
    assert sa.pad_blindings(3, 5) != sb.pad_blindings(3, 5)
    # the attack of the issue: the roots' difference is not (201 - 200) * G
    ra = [Point.from_bytes(bytes.fromhex(c)) for c in a.statement_json()["root"]["commitments"]]
    rb = [Point.from_bytes(bytes.fromhex(c)) for c in b.statement_json()["root"]["commitments"]]
    assert rb[0] - ra[0] != Point.generator()
    assert rb[1] != ra[1]  # USDT did not change, its root commitment did


def test_same_data_rebuilds_byte_for_byte(tmp_path: Path) -> None:
    """The same data (here in another line order, with CRLF line ends) gives the same inputs
    digest, hence a byte-identical statement and proofs."""
    a = make(tmp_path, "a", USERS)
    b = make(tmp_path, "b", list(reversed(USERS)))
    crlf = b.snapshot.read_bytes().replace(b"\n", b"\r\n")
    b.snapshot.write_bytes(crlf)
    c = build_round(
        tmp_path / "c", mode="per-node", height=4, bits=8, users=USERS, assets=ASSETS, name="r"
    )
    for other in (b, c):
        assert other.statement.read_bytes() == a.statement.read_bytes()
        for uid, *_ in USERS:
            assert other.proof_path(uid).read_bytes() == a.proof_path(uid).read_bytes()
    # the data digest ignores line order and line ends, and depends on the key and the data
    s1 = validate_snapshot(a.snapshot, ASSETS, bits=8, max_users=8, round_up=False)
    s2 = validate_snapshot(b.snapshot, ASSETS, bits=8, max_users=8, round_up=False)
    assert s1.sha256 != s2.sha256 and s1.data_digest == s2.data_digest
    s3 = validate_snapshot(a.snapshot, ASSETS, bits=8, max_users=8, round_up=False, row_key=b"k")
    assert s3.data_digest != s1.data_digest


def test_data_digest_is_the_documented_formula(tmp_path: Path) -> None:
    """PROTOCOL 6.6: data = H("snapshot-data" | u64(users) | sum of keyed row hashes)."""
    a = tmp_path / "s.csv"
    a.write_text("user_id,BTC,USDT\nalice,3,0\nzoë,200,1\n", encoding="utf-8")
    got = validate_snapshot(a, ASSETS, bits=8, max_users=8, round_up=False, row_key=b"k" * 32)

    def row(uid: str, *vals: int) -> int:
        data = framed(
            b"zk-solvency/v1/snapshot-row", uid.encode(), *(v.to_bytes(16, "big") for v in vals)
        )
        return int.from_bytes(hashlib.blake2b(data, digest_size=32, key=b"k" * 32).digest(), "big")

    total = (row("alice", 3, 0) + row("zoë", 200, 1)) % (1 << 256)
    want = framed_hash(
        b"zk-solvency/v1/snapshot-data", (2).to_bytes(8, "big"), total.to_bytes(32, "big")
    )
    assert got.data_digest == want
