"""Addresses and ownership signatures per chain (Bitcoin BIP-322, signmessage, BIP-340; Ethereum EIP-191)."""
