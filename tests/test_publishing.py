"""Publishing (prover.publishing): the proof files made from the stored bytes equal the proofs
that `inclusion_proof` assembles, in both modes; older (indented) proof files still parse; a
Dask worker without the coordinator's disk hands the files back, one with it writes them, both
byte-identical; the leaf ranges of the chunks cover every user once."""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import pytest

from prover.build import BuildConfig, build, inclusion_proof
from prover.publishing import PublishTask, leaf_salts, read_chunk, run_publish
from prover.regen import open_round
from prover.secrets import MasterSecret
from verifier.formats import dumps, parse_inclusion

SECRET = bytes(range(3, 35))
ROUND = "2026-11"


def _round(tmp: Path, mode: str, users: int = 9) -> tuple[Path, Path]:
    rng = random.Random(11)
    snap = tmp / "s.csv"
    # ids the JSON text must escape (quote, backslash) or keep as UTF-8 (ensure_ascii=False)
    ids = [f"u-{i}" for i in range(users - 3)] + ['"q""uote"', "back\\slash/", "zoë 東京"]
    lines = ["user_id,BTC,ETH"] + [
        f"{uid},{rng.randrange(10**6) / 10**8:.8f},{rng.randrange(10**6) / 10**8:.8f}"
        for uid in ids
    ]
    snap.write_text("\n".join(lines) + "\n")
    key = tmp / "key"
    key.write_bytes(SECRET)
    key.chmod(0o600)
    cfg = BuildConfig(
        snapshot=snap,
        round_id=ROUND,
        assets={"BTC": 8, "ETH": 8},
        out=tmp / f"out-{mode}",
        height=5,
        mode=mode,
        workers=1,
        progress=False,
    )
    build(cfg, MasterSecret(SECRET))
    return cfg.out, key


@pytest.mark.parametrize("mode", ["aggregated", "per-node"])
def test_files_equal_assembled_proofs(tmp_path: Path, mode: str) -> None:
    out, key = _round(tmp_path, mode)
    store, secrets, params, round_id = open_round(out, str(key))
    try:
        files = sorted((out / "users").iterdir())
        assert len(files) == store.count_users() == 9
        for f in files:
            proof = inclusion_proof(store, secrets, params, round_id, bytes.fromhex(f.stem))
            raw = f.read_bytes()
            assert raw == proof.to_json_bytes()
            assert raw.endswith(b"}\n") and b"\n" not in raw[:-1]  # compact
            # a file written by an older build (indented) reads the same
            assert parse_inclusion(dumps(proof.to_json()), f.name) == proof
        text = b"".join(f.read_bytes() for f in files).decode()
        for escaped in ('"user_id":"q\\"uote"', '"user_id":"back\\\\slash/"', '"zoë 東京"'):
            assert escaped in text
        # chunks of leaf ranges: every user exactly once, in leaf order
        ranges = list(store.leaf_boundaries(4))
        assert [len(store.users_in_range(lo, hi)) for lo, hi in ranges] == [4, 4, 1]
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(ranges))
        # a Dask worker without the coordinator's disk gets the rows and hands the files back;
        # one on a shared disk gets only the salts and writes the files
        lo, hi = ranges[0][0], ranges[-1][1]
        data = read_chunk(store.db, params, lo, hi, leaf_salts(secrets))
        task = PublishTask(None, str(out / "users"), params, round_id, lo, hi, data)
        written, back = run_publish(task)
        assert written == []
        published = {f.name: f.read_bytes() for f in files}
        assert {k.hex() + ".json": raw for k, raw in back} == published
        other = tmp_path / "elsewhere"
        other.mkdir()
        shared = PublishTask(
            str(store.path), str(other), params, round_id, lo, hi, salts=data.salts
        )
        written, back = run_publish(shared)
        assert back == [] and len(written) == 9
        assert {f.name: f.read_bytes() for f in other.iterdir()} == published
    finally:
        store.close()
