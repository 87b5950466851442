"""The leaf's canonical JSON written out by hand (coalition/audit/models.py) is exactly what
json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False) writes: every leaf hashed
since the tree began must still recompute."""

from __future__ import annotations

import hashlib
import json
import random

import pytest

from coalition.audit import models
from coalition.audit.models import LeafFormat, canonical_json, leaf_data_at, personal_digest

AWKWARD = [
    "",
    "plain",
    'quote " and backslash \\ and slash /',
    "line\nbreak\rcarriage\ttab\bback\fform",
    "\x00\x01\x1f\x7f\x80\x9f",
    "é ü ß 東京 \u2028 \u2029 \ufeff \ud7ff \U0001f600",
    "</script><!--",
    "\\u0041 literal escape",
]
DATA = [
    {},
    {"n": 1},
    {"z": 1, "a": 2, "é": 3, "A": 4, "_": 5, "10": 6, "9": 7},
    {"nested": {"b": [1, 2.5, -0.0, 1e-7, 1e300, 12345678901234567890, None, True, False], "a": {}}},
    {"text": AWKWARD[3] + AWKWARD[5], "list": [[], {}, ""]},
]


def _general(values: dict, created_at: str) -> bytes:
    out = {name: values[name] for name in ("seq", *models.LEAF_FIELDS)}
    out["created_at"] = created_at
    out["v"] = 2
    out["personal"] = values["personal_digest"]
    return canonical_json(out).encode()


def _values(rng: random.Random) -> dict:
    return {
        "seq": rng.choice([1, 2**40, 123456789]),
        "actor_id": rng.choice([None, 1, 2**53 + 1]),
        "actor_label": rng.choice(AWKWARD),
        "actor_org_ids": rng.choice([[], [1], [3, 1, 2**33]]),
        "action": rng.choice([*AWKWARD, "document.viewed"]),
        "target_type": rng.choice(AWKWARD),
        "target_id": rng.choice([*AWKWARD, "123"]),
        "target_org_id": rng.choice([None, 7]),
        "request_id": rng.choice(AWKWARD),
        "data": rng.choice(DATA),
        "personal_digest": rng.choice(["", "a" * 64, AWKWARD[4]]),
        "leaf_format": LeafFormat.COMMITTED,
    }


def test_the_written_out_leaf_is_canonical_json_byte_for_byte():
    rng = random.Random(2026)
    for _ in range(2000):
        values = _values(rng)
        created = rng.choice(["2026-12-06T05:00:36.123456+00:00", AWKWARD[5]])
        assert models._plain(values)
        assert leaf_data_at(values, created) == _general(values, created)


@pytest.mark.parametrize(
    "odd",
    [{"actor_id": True}, {"actor_org_ids": [1.0]}, {"target_org_id": "7"}, {"data": [1]}, {"seq": None}],
)
def test_values_of_another_type_take_the_general_way(odd):
    values = {**_values(random.Random(1)), **odd}
    assert not models._plain(values)
    assert leaf_data_at(values, "t") == _general(values, "t")


def test_the_personal_digest_is_over_the_canonical_array():
    for salt, ip, agent in [("", "", ""), ("a" * 32, "203.0.113.0/24", AWKWARD[5]), (AWKWARD[3], AWKWARD[4], '"')]:
        expected = json.dumps([salt, ip, agent], separators=(",", ":"), ensure_ascii=False)
        assert personal_digest(salt=salt, ip=ip, user_agent=agent) == hashlib.sha256(expected.encode()).hexdigest()


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("[]", "[]"),
        ("[1]", "[1]"),
        ("[3, 12, 8589934592]", "[3,12,8589934592]"),
        ("[1.0]", None),
        ("[-1]", None),
        ('["1"]', None),
        ("[[1]]", None),
        ("[1, [2]]", None),
        ("{}", None),
        ("[\u0661]", None),  # an Arabic-Indic digit: str.isdigit() says yes, JSON says no
    ],
)
def test_postgresqls_text_of_the_organisation_ids_is_written_canonically_or_left_to_the_general_way(text, canonical):
    from coalition.audit.tree import _canonical_ids

    assert _canonical_ids(text) == canonical
    if canonical is not None:
        assert canonical == json.dumps(json.loads(text), separators=(",", ":"))
