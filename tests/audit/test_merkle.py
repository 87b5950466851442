"""The RFC 9162 Merkle tree against the published RFC 6962 vectors (kept by RFC 9162), then every
proof in every tree up to 40 leaves, and tampered proofs refused."""

from __future__ import annotations

import hashlib

import pytest

from coalition.audit import merkle

# The vectors of RFC 6962's reference implementation (also used by Go's transparency-dev/merkle).
DATA = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"]
LEAVES = [merkle.leaf_hash(bytes.fromhex(d)) for d in DATA]
ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
INCLUSION = [
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
]  # fmt: skip
CONSISTENCY = [
    (2, 8, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
]  # fmt: skip


def test_tree_heads_match_the_published_roots():
    for size, expected in enumerate(ROOTS):
        assert merkle.root(LEAVES, size).hex() == expected, size


@pytest.mark.parametrize(("index", "size", "expected"), INCLUSION)
def test_inclusion_proofs_match_the_published_vectors(index, size, expected):
    proof = merkle.inclusion_proof(LEAVES, index, size)
    assert [p.hex() for p in proof] == expected
    assert merkle.verify_inclusion(LEAVES[index], index, size, proof, bytes.fromhex(ROOTS[size]))


@pytest.mark.parametrize(("first", "second", "expected"), CONSISTENCY)
def test_consistency_proofs_match_the_published_vectors(first, second, expected):
    proof = merkle.consistency_proof(LEAVES, first, second)
    assert [p.hex() for p in proof] == expected
    assert merkle.verify_consistency(first, second, bytes.fromhex(ROOTS[first]), bytes.fromhex(ROOTS[second]), proof)


MANY = [merkle.leaf_hash(hashlib.sha256(str(i).encode()).digest()) for i in range(40)]
MANY_ROOTS = [merkle.root(MANY, n) for n in range(len(MANY) + 1)]


def _mangled(proof: list[bytes]) -> list[list[bytes]]:
    """A byte flipped in each hash, neighbours swapped, one hash dropped, one added."""
    out = []
    for i in range(len(proof)):
        changed = [bytearray(p) for p in proof]
        changed[i][0] ^= 1
        out.append([bytes(p) for p in changed])
    for i in range(len(proof) - 1):
        if proof[i] != proof[i + 1]:
            out.append([*proof[:i], proof[i + 1], proof[i], *proof[i + 2 :]])
    if proof:
        out.append(proof[:-1])
    out.append([*proof, b"\xab" * 32])
    return out


def test_every_inclusion_proof_verifies_and_no_mangled_one_does():
    checked = 0
    for size in range(1, len(MANY) + 1):
        for index in range(size):
            proof = merkle.inclusion_proof(MANY, index, size)
            assert merkle.verify_inclusion(MANY[index], index, size, proof, MANY_ROOTS[size])
            assert (
                not merkle.verify_inclusion(MANY[(index + 1) % size], index, size, proof, MANY_ROOTS[size]) or size == 1
            )
            for bad in _mangled(proof):
                assert not merkle.verify_inclusion(MANY[index], index, size, bad, MANY_ROOTS[size]), (index, size)
            checked += 1
    assert checked == 820


def test_every_consistency_proof_verifies_and_no_mangled_one_does():
    for second in range(len(MANY) + 1):
        for first in range(second + 1):
            proof = merkle.consistency_proof(MANY, first, second)
            assert merkle.verify_consistency(first, second, MANY_ROOTS[first], MANY_ROOTS[second], proof), (
                first,
                second,
            )
            if 0 < first < second:
                for bad in _mangled(proof):
                    assert not merkle.verify_consistency(first, second, MANY_ROOTS[first], MANY_ROOTS[second], bad)
                # A rewritten history: the same sizes, another first tree.
                other = MANY_ROOTS[first - 1] if first > 1 else b"\x00" * 32
                assert not merkle.verify_consistency(first, second, other, MANY_ROOTS[second], proof)


def test_malformed_input_is_refused_not_raised():
    proof = merkle.inclusion_proof(LEAVES, 5, 8)
    root8 = bytes.fromhex(ROOTS[8])
    assert not merkle.verify_inclusion(LEAVES[5], 8, 8, proof, root8)
    assert not merkle.verify_inclusion(LEAVES[5], -1, 8, proof, root8)
    assert not merkle.verify_inclusion(b"short", 5, 8, proof, root8)
    assert not merkle.verify_inclusion(LEAVES[5], 5, 8, "not a list", root8)  # type: ignore[arg-type]
    assert not merkle.verify_consistency(8, 6, root8, root8, proof)
    assert not merkle.verify_consistency(6, 8, bytes.fromhex(ROOTS[6]), root8, [])
    assert merkle.verify_consistency(4, 4, bytes.fromhex(ROOTS[4]), bytes.fromhex(ROOTS[4]), [])
    assert not merkle.verify_consistency(4, 4, bytes.fromhex(ROOTS[4]), bytes.fromhex(ROOTS[5]), [])
    assert merkle.verify_consistency(0, 8, merkle.EMPTY_ROOT, root8, [])
    with pytest.raises(ValueError):
        merkle.inclusion_proof(LEAVES, 8, 8)
    with pytest.raises(ValueError):
        merkle.consistency_proof(LEAVES, 5, 3)
    with pytest.raises(ValueError):
        merkle.root(LEAVES, 9)
