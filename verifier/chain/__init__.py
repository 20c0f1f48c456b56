"""JSON-RPC clients of chain nodes: reserves checked against an Ethereum node, the statement's anchor."""

from verifier.chain.rpc import (
    JsonRpcClient,
    NodeError,
    NodeResponseError,
    NodeRpcError,
    NodeTimeoutError,
    NodeUnreachableError,
    WrongChainError,
)

__all__ = [
    "JsonRpcClient",
    "NodeError",
    "NodeResponseError",
    "NodeRpcError",
    "NodeTimeoutError",
    "NodeUnreachableError",
    "WrongChainError",
]
