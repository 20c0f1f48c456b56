"""Work on a published round from its private store: regenerate one user's proof (the
support-desk flow) and export the full tree bundle for auditors."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import BinaryIO

from circuits.errors import FormatError, ParameterError
from circuits.group import Point
from circuits.pedersen import commit
from prover.build import inclusion_proof, make_node_proofs
from prover.layout import PRIVATE_DIR, STORE_NAME, RoundLayout
from prover.proving import Pool
from prover.secrets import load_master_secret
from prover.store import Store
from prover.tree import PaddingSecrets, RoundSecrets
from verifier.formats import (
    AUDIT_HEADER,
    AuditNode,
    Padding,
    Params,
    _params_from_json,
    audit_header,
)
from verifier.ids import normalise_user_id, user_key


def open_round(out: Path, secret_path: str) -> tuple[Store, RoundSecrets, Params, str]:
    """The round's store, checked against the secret given (by its fingerprint)."""
    path = RoundLayout(out).store
    if not path.is_file():
        raise FormatError(f"{out}: not a built round (no {PRIVATE_DIR}/{STORE_NAME})")
    store = Store(path)
    key = store.get_meta("key")
    if key is None or store.get_meta("phase") != "done":
        store.close()
        raise FormatError(f"{out}: the round's build did not finish")
    params = _params_from_json(key["params"], "params")
    if "inputs" not in key:
        store.close()
        raise FormatError(f"{out}: built by an older version (no inputs digest): build it again")
    inputs = bytes.fromhex(key["inputs"])
    secrets = RoundSecrets(load_master_secret(secret_path), key["round"], params.k, inputs)
    if secrets.fingerprint() != key["fingerprint"]:
        store.close()
        raise ParameterError(f"{secret_path}: this is not the secret the round was built with")
    return store, secrets, params, key["round"]


def regenerate_proof(out: Path, secret_path: str, user: str, fmt: str) -> bytes:
    store, secrets, params, round_id = open_round(out, secret_path)
    try:
        uid = normalise_user_id(user)
        proof = inclusion_proof(store, secrets, params, round_id, user_key(round_id, uid))
    except FormatError as exc:
        raise FormatError(f"--user: {exc}") from None
    finally:
        store.close()
    return proof.to_binary() if fmt == "bin" else proof.to_json_bytes()


def export_audit(out: Path, secret_path: str, bundle: Path, workers: int) -> int:
    """Prove every node that lacks a proof, then write the audit/v2 bundle atomically, private
    (folder 0700, files 0600): bundle.json (format, round, root hash) and nodes.jsonl bottom-up
    (depth H first, each level in index order, the root last), each padding node with the
    proof that it is padding (its hash's salt and its blindings, which open it to zero)."""
    if bundle.exists():
        raise ParameterError(f"{bundle}: already exists")
    store, secrets, params, round_id = open_round(out, secret_path)
    try:
        pads = secrets.padding_of(store.get_meta("key").get("derivation"))
    except FormatError as exc:
        store.close()
        raise FormatError(f"{out}: {exc}") from None
    tmp = bundle.parent / f".{bundle.name}.partial"
    try:
        with Pool(workers) as pool:
            make_node_proofs(store, secrets, params, round_id, pool, None, all_nodes=True)
        if tmp.exists():
            shutil.rmtree(tmp)
        tmp.mkdir(parents=True, mode=0o700)
        os.chmod(tmp, 0o700)  # whatever the umask
        count = 0
        root_hash = b""
        with _private_file(tmp / "nodes.jsonl") as f:
            for depth in range(params.height, -1, -1):
                for index, h, cb, proof in store.level(depth):
                    cs = tuple(Point.from_bytes(cb[33 * k : 33 * k + 33]) for k in range(params.k))
                    node = AuditNode(
                        depth,
                        index,
                        h,
                        cs,
                        proof if depth else None,
                        _padding(pads, depth, index, h, cs),
                    )
                    f.write(node.to_json_line())
                    count += 1
                    root_hash = h
        with _private_file(tmp / AUDIT_HEADER) as f:
            f.write(audit_header(round_id, root_hash))
        os.replace(tmp, bundle)
    finally:
        store.close()
    return count


def _padding(
    secrets: PaddingSecrets, depth: int, index: int, h: bytes, cs: tuple[Point, ...]
) -> Padding | None:
    """The proof that node (depth, index) is padding, if it is (its hash is the padding hash of
    its position); self-checked: its blindings open its commitments to zero."""
    if h != secrets.pad_hash(depth, index):
        return None
    pad = Padding(secrets.pad_salt(depth, index), tuple(secrets.pad_blindings(depth, index)))
    if any(commit(0, r) != c for r, c in zip(pad.blindings, cs, strict=True)):
        raise ParameterError(f"self-check failed: padding node ({depth}, {index}) is not Com(0, r)")
    return pad


def _private_file(path: Path) -> BinaryIO:
    """A new file, mode 0600 from the start."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.fchmod(fd, 0o600)
    return os.fdopen(fd, "wb")
