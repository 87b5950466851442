"""Sign-in limits a shared office address survives: a colleague's failures from the same address do
not lock out someone who types the right password, while one account's own limit stays strict
(issue 9, defect 8)."""

from __future__ import annotations

from typing import Any

from django.test import Client

from tests.conftest import PASSWORD

OFFICE = {"REMOTE_ADDR": "203.0.113.7"}  # everyone at one member organisation, behind one NAT


def _sign_in(email: str, password: str) -> Any:
    return Client(**OFFICE).post("/accounts/login/", {"login": email, "password": password})


def test_a_colleague_signs_in_after_ten_failures_from_the_same_address(make_member: Any, acme: Any) -> None:
    mistyping = [make_member(acme, email=f"typist{i}@acme.example") for i in range(4)]
    for person in mistyping:  # 12 failures from the office, 3 per account: no account reaches its own limit
        for _ in range(3):
            assert _sign_in(person.email, "not-the-password").status_code == 200
    colleague = make_member(acme, email="colleague@acme.example")
    response = _sign_in(colleague.email, PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/"


def test_one_account_is_still_locked_after_five_failures(make_member: Any, acme: Any) -> None:
    person = make_member(acme, email="target@acme.example")
    for _ in range(5):
        _sign_in(person.email, "not-the-password")
    response = _sign_in(person.email, PASSWORD)  # even the right password, until the limit passes
    assert response.status_code in (200, 429)
    assert "_auth_user_id" not in response.client.session
    assert b"Too many failed login attempts" in response.content


def test_password_spraying_from_one_address_still_stops(make_member: Any, acme: Any) -> None:
    people = [make_member(acme, email=f"p{i}@acme.example") for i in range(26)]
    for person in people:  # two guesses per account: under every account's limit, 52 from one address
        for _ in range(2):
            _sign_in(person.email, "Summer2026!")
    response = _sign_in(people[0].email, PASSWORD)
    assert "_auth_user_id" not in response.client.session
