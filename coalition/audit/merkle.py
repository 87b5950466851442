"""The Merkle tree of RFC 9162 (Certificate Transparency 2.0), section 2.1: the tree head over a
list of leaves, inclusion proofs (an event is in the log) and consistency proofs (a later tree
head extends an earlier one), and their verification.

    leaf hash = SHA-256(0x00 || leaf data)
    node hash = SHA-256(0x01 || left || right)
    MTH(D[n]) = SHA-256() for n = 0; the leaf hash for n = 1; otherwise, with k the largest power
                of two smaller than n, node(MTH(D[0:k]), MTH(D[k:n]))

The functions take the leaves' hashes and work on index ranges (no copying of lists); the
verifiers follow the RFC's algorithms step by step (2.1.3.2 and 2.1.4.2) and return False, never
raise, on any malformed proof. Tested against the published RFC 6962 vectors, which RFC 9162
keeps (tests/audit/test_merkle.py). Part of issue 12 (the oversight log); nothing calls it yet.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    if len(left) != HASH_SIZE or len(right) != HASH_SIZE:
        raise ValueError("node_hash() takes two 32-byte hashes")
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def _check(leaves: Sequence[bytes], size: int) -> None:
    if not 0 <= size <= len(leaves):
        raise ValueError(f"a tree of {size} leaves needs 0 to {len(leaves)}")


def subtree_root(leaves: Sequence[bytes], start: int, end: int) -> bytes:
    """MTH(D[start:end]) over leaf hashes, in O(end - start) hashes and O(log n) memory."""
    n = end - start
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return leaves[start]
    k = _split(n)
    return node_hash(subtree_root(leaves, start, start + k), subtree_root(leaves, start + k, end))


def root(leaves: Sequence[bytes], size: int | None = None) -> bytes:
    """The tree head of the first `size` leaves (all of them by default)."""
    size = len(leaves) if size is None else size
    _check(leaves, size)
    return subtree_root(leaves, 0, size)


SubtreeRoot = Callable[[int, int], bytes]


def inclusion_proof(leaves: Sequence[bytes], index: int, size: int) -> list[bytes]:
    """PATH(index, D[size]): the hashes that, with the leaf, give the tree head (RFC 9162 2.1.3.1)."""
    _check(leaves, size)
    return inclusion_proof_from(lambda a, b: subtree_root(leaves, a, b), index, size)


def inclusion_proof_from(subtree: SubtreeRoot, index: int, size: int) -> list[bytes]:
    """The same, asking `subtree(start, end)` for the roots it needs (a stored tree answers in O(log n))."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size}")
    path: list[bytes] = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:
            path.append(subtree(start + k, end))
            end = start + k
        else:
            path.append(subtree(start, start + k))
            start = start + k
    path.reverse()  # the RFC lists the sibling nearest the leaf first
    return path


def consistency_proof(leaves: Sequence[bytes], first: int, second: int) -> list[bytes]:
    """PROOF(first, D[second]) (RFC 9162 2.1.4.1); empty when first is 0 or equals second."""
    _check(leaves, second)
    return consistency_proof_from(lambda a, b: subtree_root(leaves, a, b), first, second)


def consistency_proof_from(subtree: SubtreeRoot, first: int, second: int) -> list[bytes]:
    if not 0 <= first <= second:
        raise ValueError(f"no consistency proof from {first} to {second}")
    if first in (0, second):
        return []
    proof: list[bytes] = []
    start, end, m, whole = 0, second, first, True
    # SUBPROOF(m, D[start:end], whole), unrolled: each step descends into one half.
    while True:
        n = end - start
        if m == n:
            if not whole:
                proof.append(subtree(start, end))
            break
        k = _split(n)
        if m <= k:
            proof.append(subtree(start + k, end))
            end = start + k
        else:
            proof.append(subtree(start, start + k))
            start, m, whole = start + k, m - k, False
    proof.reverse()
    return proof


def _valid_hashes(*values: object) -> bool:
    return all(isinstance(v, bytes) and len(v) == HASH_SIZE for v in values)


def verify_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes], tree_root: bytes) -> bool:
    """RFC 9162 2.1.3.2: does `proof` show the leaf hash at `index` in the tree of `size` leaves?"""
    if not isinstance(proof, list | tuple) or not _valid_hashes(leaf, tree_root, *proof):
        return False
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not (fn & 1 or fn == 0):
                    fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == tree_root


def verify_consistency(first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]) -> bool:
    """RFC 9162 2.1.4.2: does `proof` show that the tree of `second` leaves extends the one of `first`?"""
    if not isinstance(proof, list | tuple) or not _valid_hashes(first_root, second_root, *proof):
        return False
    if not 0 <= first <= second:
        return False
    if first == second:
        return not proof and first_root == second_root
    if first == 0:
        return not proof and first_root == EMPTY_ROOT
    if not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:  # an exact power of two: the first tree is a subtree of the second
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            if not fn & 1:
                while not (fn & 1 or fn == 0):
                    fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return fr == first_root and sr == second_root and sn == 0
