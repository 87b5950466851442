"""Signed checkpoints of the audit log: the tree's size and root hash, signed with Ed25519, in the
formats every transparency-log tool reads, so members and the oversight body can keep copies and
check them with tools of their own.

- The checkpoint's text is C2SP's tlog-checkpoint: the log's origin, the tree size in decimal and
  the root hash in base64, one per line.
- It is signed as a C2SP signed note (the format of Go's golang.org/x/mod/sumdb/note): the text, a
  blank line, then one line per signature, "— <key name> <base64(key id || signature)>", where the
  key id is the first four bytes of SHA-256(name || "\\n" || 0x01 || public key).
- Keys are written as sumdb's: "PRIVATE+KEY+<name>+<key id>+<base64(0x01 || seed)>" for the
  signer, "<name>+<key id>+<base64(0x01 || public key)>" for verifiers.

Tested against the published sumdb/note vector (tests/audit/test_checkpoints.py). Part of issue 12
(the oversight log); nothing calls it yet.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

ALG_ED25519 = 1
SIGNATURE_PREFIX = "— "  # an em dash and a space
MAX_NOTE_BYTES = 1_000_000


class CheckpointError(ValueError):
    """The note, key or checkpoint is malformed or its signature does not verify."""


def _b64decode(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise CheckpointError("not valid base64") from None


def _valid_name(name: str) -> bool:
    return bool(name) and not any(c.isspace() or c == "+" for c in name)


def key_id(name: str, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([ALG_ED25519]) + public_key).digest()[:4]


def verifier_key(name: str, public_key: bytes) -> str:
    body = base64.b64encode(bytes([ALG_ED25519]) + public_key).decode()
    return f"{name}+{key_id(name, public_key).hex()}+{body}"


@dataclass(frozen=True)
class Verifier:
    name: str
    key_id: bytes
    public_key: bytes

    def verify(self, text: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, text)
        except (InvalidSignature, ValueError):
            return False
        return True


def parse_verifier_key(vkey: str) -> Verifier:
    parts = vkey.strip().split("+", 2)
    if len(parts) != 3 or not _valid_name(parts[0]):
        raise CheckpointError("a verifier key reads name+keyid+key")
    name, hex_id, body = parts
    raw = _b64decode(body)
    if len(raw) != 33 or raw[0] != ALG_ED25519:
        raise CheckpointError("only Ed25519 verifier keys are known")
    public_key = raw[1:]
    if hex_id != key_id(name, public_key).hex():
        raise CheckpointError("the verifier key's id does not match its name and key")
    return Verifier(name, bytes.fromhex(hex_id), public_key)


@dataclass(frozen=True)
class Signer:
    name: str
    private_key: Ed25519PrivateKey

    @classmethod
    def from_key(cls, skey: str) -> Signer:
        parts = skey.strip().split("+", 4)
        if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"] or not _valid_name(parts[2]):
            raise CheckpointError("a signer key reads PRIVATE+KEY+name+keyid+key")
        _private, _key, name, hex_id, body = parts
        raw = _b64decode(body)
        if len(raw) != 33 or raw[0] != ALG_ED25519:
            raise CheckpointError("only Ed25519 signer keys are known")
        signer = cls(name, Ed25519PrivateKey.from_private_bytes(raw[1:]))
        if signer.key_id.hex() != hex_id:
            raise CheckpointError("the signer key's id does not match its name and key")
        return signer

    @classmethod
    def generate(cls, name: str) -> Signer:
        if not _valid_name(name):
            raise CheckpointError("a key name has no spaces or plus signs")
        return cls(name, Ed25519PrivateKey.generate())

    @property
    def public_key(self) -> bytes:
        return self.private_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.public_key)

    @property
    def verifier_key(self) -> str:
        return verifier_key(self.name, self.public_key)

    def private_key_string(self) -> str:
        """The signer key in sumdb's format (for AUDIT_SIGNING_KEY; keep it secret)."""
        seed = self.private_key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        body = base64.b64encode(bytes([ALG_ED25519]) + seed).decode()
        return f"PRIVATE+KEY+{self.name}+{self.key_id.hex()}+{body}"

    def sign(self, text: str) -> str:
        """The signed note: `text` (ending in a newline), a blank line, this key's signature."""
        if not text.endswith("\n") or "\n\n" in text:
            raise CheckpointError("a note's text ends with one newline and has no blank line")
        signature = self.private_key.sign(text.encode())
        blob = base64.b64encode(self.key_id + signature).decode()
        return f"{text}\n{SIGNATURE_PREFIX}{self.name} {blob}\n"


def open_note(note: str, verifier: Verifier) -> str:
    """The note's text if `verifier` signed it; CheckpointError otherwise (or if it is malformed)."""
    if len(note.encode()) > MAX_NOTE_BYTES:
        raise CheckpointError("the note is too large")
    text, separator, signatures = note.rpartition("\n\n")
    if not separator or not signatures.endswith("\n"):
        raise CheckpointError("a signed note is text, a blank line and signature lines")
    text += "\n"
    for line in signatures[:-1].split("\n"):
        if not line.startswith(SIGNATURE_PREFIX):
            raise CheckpointError("a signature line starts with an em dash")
        name, _space, blob = line[len(SIGNATURE_PREFIX) :].partition(" ")
        raw = _b64decode(blob)
        if len(raw) < 5:
            raise CheckpointError("a signature is too short")
        if name == verifier.name and raw[:4] == verifier.key_id:
            if verifier.verify(text.encode(), raw[4:]):
                return text
            raise CheckpointError(f"the signature of {name} does not verify")
    raise CheckpointError(f"the note carries no signature by {verifier.name}")


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root_hash: bytes

    def text(self) -> str:
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root_hash).decode()}\n"


def parse_checkpoint(text: str) -> Checkpoint:
    lines = text.split("\n")
    if len(lines) < 4 or lines[-1] != "":
        raise CheckpointError("a checkpoint is origin, size and root hash, one per line")
    origin, size, root = lines[0], lines[1], lines[2]
    if not origin or not size.isdigit() or (size != "0" and size.startswith("0")) or not size.isascii():
        raise CheckpointError("the checkpoint's origin or size is malformed")
    root_hash = _b64decode(root)
    if len(root_hash) != 32:
        raise CheckpointError("the checkpoint's root hash is not 32 bytes")
    return Checkpoint(origin, int(size), root_hash)


def open_checkpoint(note: str, verifier: Verifier, *, origin: str) -> Checkpoint:
    """A signed checkpoint from this log (its origin) and key, or CheckpointError."""
    checkpoint = parse_checkpoint(open_note(note, verifier))
    if checkpoint.origin != origin:
        raise CheckpointError(f"the checkpoint is for {checkpoint.origin!r}, not {origin!r}")
    return checkpoint
