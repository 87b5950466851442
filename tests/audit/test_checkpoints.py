"""Signed checkpoints: the C2SP signed-note format reproduced byte for byte from Go's published
sumdb/note vector (Ed25519 is deterministic), and every kind of tampering refused."""

from __future__ import annotations

import pytest

from coalition.audit import checkpoints, merkle
from coalition.audit.checkpoints import Checkpoint, CheckpointError, Signer

# golang.org/x/mod/sumdb/note: the documented example key pair and signed note.
GO_SIGNER = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VERIFIER = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
GO_NOTE = (
    GO_TEXT
    + "\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)


def test_signing_reproduces_the_published_note():
    signer = Signer.from_key(GO_SIGNER)
    assert signer.verifier_key == GO_VERIFIER
    assert signer.sign(GO_TEXT) == GO_NOTE
    assert checkpoints.open_note(GO_NOTE, checkpoints.parse_verifier_key(GO_VERIFIER)) == GO_TEXT


@pytest.mark.parametrize(
    "tampered",
    [
        GO_NOTE.replace("cryptography", "cryptographY"),
        GO_NOTE.replace("x08go", "x08gp"),
        GO_NOTE.replace("— PeterNeumann", "— PeterNeuman"),
        GO_NOTE.replace("\n\n", "\n"),
        GO_NOTE[:-1],
        "",
    ],
    ids=["text", "signature", "name", "no-blank-line", "no-final-newline", "empty"],
)
def test_a_tampered_note_is_refused(tampered):
    with pytest.raises(CheckpointError):
        checkpoints.open_note(tampered, checkpoints.parse_verifier_key(GO_VERIFIER))


def test_a_checkpoint_round_trips_and_another_key_or_log_is_refused():
    leaves = [merkle.leaf_hash(str(i).encode()) for i in range(11)]
    signer = Signer.generate("portal.example/audit")
    checkpoint = Checkpoint("portal.example/audit", 11, merkle.root(leaves))
    note = signer.sign(checkpoint.text())
    verifier = checkpoints.parse_verifier_key(signer.verifier_key)
    assert checkpoints.open_checkpoint(note, verifier, origin="portal.example/audit") == checkpoint
    with pytest.raises(CheckpointError, match=r"not 'other\.example/audit'"):
        checkpoints.open_checkpoint(note, verifier, origin="other.example/audit")
    stranger = Signer.generate("portal.example/audit")  # same name, another key: someone without ours
    with pytest.raises(CheckpointError, match="no signature"):
        checkpoints.open_checkpoint(stranger.sign(checkpoint.text()), verifier, origin="portal.example/audit")
    forged = note.replace("\n11\n", "\n12\n")
    with pytest.raises(CheckpointError, match="does not verify"):
        checkpoints.open_checkpoint(forged, verifier, origin="portal.example/audit")


@pytest.mark.parametrize(
    "text",
    [
        "origin\n-1\nAAAA\n",
        "origin\n01\n" + "A" * 43 + "=\n",
        "origin\n1\nnot base64!\n",
        "origin\n1\nAAAA\n",
        "origin\n1\n",
    ],
)
def test_malformed_checkpoints_are_refused(text):
    with pytest.raises(CheckpointError):
        checkpoints.parse_checkpoint(text)


@pytest.mark.parametrize(
    "vkey",
    [
        GO_VERIFIER.replace("c74f20a3", "c74f20a4"),
        "PeterNeumann+c74f20a3",
        "Peter Neumann+c74f20a3+AAAA",
        "x+00000000+!!",
    ],
)
def test_malformed_or_mismatched_verifier_keys_are_refused(vkey):
    with pytest.raises(CheckpointError):
        checkpoints.parse_verifier_key(vkey)
