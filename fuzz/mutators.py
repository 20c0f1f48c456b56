"""A structure-aware mutator for the JSON targets: half of the time it changes one value of the
parsed document (a hex digit, an integer at a boundary, a string made long, empty, or holding a
lone surrogate; an element dropped or repeated, a key removed or added, a value moved) and
re-serialises it, so the fuzzer reaches the checks behind the JSON syntax; otherwise, and for
input that is not JSON, it leaves the bytes to libFuzzer's own mutations.

The targets' framing is kept: the inclusion and reserves inputs start with a selector byte,
an audit input is JSON lines (one line is mutated)."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from typing import Any

INTS = (0, 1, -1, 2**32, 2**63, 2**64 - 1, 2**64, 2**256, -(2**64), 10**80)
STRINGS = ("", "\udfff", "\ud800x", "\u200b", "A" * 300, "0" * 64, "zk-solvency/statement/v1")


def _nodes(doc: Any) -> list[tuple[Any, Any]]:
    """(container, key) for every value of the document, iteratively."""
    out: list[tuple[Any, Any]] = []
    stack = [doc]
    while stack:
        v = stack.pop()
        items = v.items() if isinstance(v, dict) else enumerate(v) if isinstance(v, list) else ()
        for k, x in items:
            out.append((v, k))
            stack.append(x)
    return out


def _mutate_value(v: Any, rng: random.Random, pool: list[Any]) -> Any:
    if isinstance(v, bool) or v is None:
        return rng.choice([0, 1, "true", None, not v])
    if isinstance(v, int):
        return rng.choice([v + 1, v - 1, -v, v * 2, rng.choice(INTS), str(v)])
    if isinstance(v, str):
        choice = rng.randrange(5)
        if choice == 0 and v:
            i = rng.randrange(len(v))
            return v[:i] + rng.choice('0123456789abcdefABCDEF\\"x ') + v[i + 1 :]
        if choice == 1:
            return v[: rng.randrange(len(v) + 1)]
        if choice == 2:
            return v + v
        if choice == 3:
            return rng.choice(STRINGS)
        return rng.choice(pool) if pool else v
    if isinstance(v, list):
        if v and rng.random() < 0.5:
            v = list(v)
            del v[rng.randrange(len(v))]
            return v
        return [*v, rng.choice(v)] if v else [0]
    if isinstance(v, dict):
        v = dict(v)
        if v and rng.random() < 0.5:
            del v[rng.choice(list(v))]
        else:
            v[rng.choice(["extra", "format", "round", "\udfff", "depth"])] = rng.choice(INTS)
        return v
    return v


def mutate_json(text: bytes, rng: random.Random) -> bytes | None:
    """One structured mutation of a JSON document, or None if `text` is not JSON."""
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError):
        return None
    nodes = _nodes(doc)
    if not nodes:
        return None
    pool = [c[k] for c, k in nodes if isinstance(c[k], str | int)]
    container, key = rng.choice(nodes)
    container[key] = _mutate_value(container[key], rng, pool)
    return json.dumps(doc, indent=rng.choice([None, 1])).encode("utf-8", "surrogatepass")


def json_mutator(prefix: int, lines: bool = False) -> Callable[[bytes, int, int], bytes]:
    """An atheris custom mutator keeping `prefix` leading bytes; `lines`: JSON lines."""
    import atheris

    def mutator(data: bytes, max_size: int, seed: int) -> bytes:
        rng = random.Random(seed)
        head, body = data[:prefix], data[prefix:]
        if rng.random() < 0.5:
            if lines and body:
                parts = body.split(b"\n")
                i = rng.randrange(len(parts))
                new = mutate_json(parts[i], rng)
                if new is not None:
                    parts[i] = new.replace(b"\n", b"")
                    return (head + b"\n".join(parts))[: max(max_size, 1)]
            elif not lines:
                new = mutate_json(body, rng)
                if new is not None:
                    return (head + new)[: max(max_size, 1)]
        return bytes(atheris.Mutate(data, max_size))

    return mutator


#: Custom mutators by target (the snapshot target keeps libFuzzer's byte mutations).
MUTATORS: dict[str, tuple[int, bool]] = {
    "statement": (0, False),
    "inclusion": (1, False),
    "reserves": (1, False),
    "audit": (0, True),
    "anchor": (0, False),
}
