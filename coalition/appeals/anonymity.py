"""What keeps a tip's sender anonymous: receipts stored only as Argon2id hashes, a form token
instead of a CSRF cookie, rate limits keyed by a hash whose key lives a day in the cache only,
and times kept to the hour. docs/appeals.md explains the guarantees and their limits.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

from argon2.low_level import Type, hash_secret_raw
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone

RECEIPT_DIGITS = 16
FORM_TOKEN_MAX_AGE = 2 * 60 * 60
_FORM_SALT = "coalition.appeals.tip-form"
_REPLY_SALT = "coalition.appeals.tip-reply"
REPLY_TOKEN_MAX_AGE = 30 * 60


# --- Receipts -------------------------------------------------------------------------------------


def new_receipt() -> str:
    """16 random digits, shown once to the sender; about 53 bits, each guess costing an Argon2id."""
    return f"{secrets.randbelow(10**RECEIPT_DIGITS):0{RECEIPT_DIGITS}d}"


def normalise_receipt(value: str) -> str | None:
    digits = "".join(ch for ch in value if ch.isdigit())
    if len(digits) != RECEIPT_DIGITS or len(value) > 40:
        return None
    return digits


def format_receipt(receipt: str) -> str:
    return " ".join(receipt[i : i + 4] for i in range(0, len(receipt), 4))


def _receipt_salt() -> bytes:
    configured = settings.TIP_RECEIPT_SALT
    if configured:
        return hashlib.sha256(configured.encode()).digest()[:16]
    return hashlib.sha256(f"coalition.appeals.receipt:{settings.SECRET_KEY}".encode()).digest()[:16]


def receipt_hash(receipt: str) -> str:
    """Argon2id with the installation's salt: the same receipt always gives the same hash, so a
    returning sender's tip is found by an indexed look-up; the receipt itself is never stored."""
    raw = hash_secret_raw(
        receipt.encode(),
        _receipt_salt(),
        time_cost=settings.TIP_RECEIPT_ARGON2_TIME_COST,
        memory_cost=settings.TIP_RECEIPT_ARGON2_MEMORY_KIB,
        parallelism=1,
        hash_len=32,
        type=Type.ID,
    )
    return raw.hex()


# --- Form tokens (no cookie) ------------------------------------------------------------------------


def form_token(purpose: str, subject: int | str) -> str:
    """A signed, time-limited token for one form, used once: it replaces Django's CSRF cookie."""
    return signing.dumps({"p": purpose, "s": str(subject), "n": secrets.token_urlsafe(12)}, salt=_FORM_SALT)


def check_form_token(token: str, purpose: str, subject: int | str) -> str | None:
    """None when the token is good (and it is now spent); otherwise why not, as a code."""
    if not token or len(token) > 300:
        return "missing"
    try:
        value = signing.loads(token, salt=_FORM_SALT, max_age=FORM_TOKEN_MAX_AGE)
    except signing.SignatureExpired:
        return "expired"
    except signing.BadSignature:
        return "forged"
    if not isinstance(value, dict) or value.get("p") != purpose or value.get("s") != str(subject):
        return "forged"
    if not cache.add(f"appeals:spent:{value.get('n')}", 1, timeout=FORM_TOKEN_MAX_AGE + 60):
        return "spent"
    return None


def reply_token(tip_id: int) -> str:
    """Lets the sender who just gave their receipt answer a question without giving it again."""
    return signing.dumps({"t": tip_id, "n": secrets.token_urlsafe(8)}, salt=_REPLY_SALT)


def tip_of_reply_token(token: str) -> int | None:
    if not token or len(token) > 300:
        return None
    try:
        value = signing.loads(token, salt=_REPLY_SALT, max_age=REPLY_TOKEN_MAX_AGE)
    except signing.BadSignature:
        return None
    tip = value.get("t") if isinstance(value, dict) else None
    return tip if isinstance(tip, int) else None


def same_origin(request: HttpRequest) -> bool:
    """The check that stands in for the CSRF cookie. A browser sends Origin with every POST; under
    the sender's pages' `Referrer-Policy: no-referrer` it sends `Origin: null` instead, and then
    Fetch Metadata (`Sec-Fetch-Site`, sent by every current browser) says where the form was."""
    origin = request.headers.get("Origin", "")
    allowed = {f"{request.scheme}://{request.get_host()}", settings.SITE_URL, *settings.CSRF_TRUSTED_ORIGINS}
    if origin and origin != "null":
        return origin in allowed
    return request.headers.get("Sec-Fetch-Site", "") == "same-origin"


# --- Rate limits ------------------------------------------------------------------------------------


def _daily_key() -> bytes:
    """A random key for today, held only in the cache and gone a day later: yesterday's counters
    cannot be tied to an address by anyone, including us."""
    name = f"appeals:limit-key:{timezone.now().date().isoformat()}"
    key = cache.get(name)
    if key is None:
        cache.add(name, secrets.token_hex(32), timeout=26 * 60 * 60)
        key = cache.get(name)
    return bytes.fromhex(key)


def _client_address(request: HttpRequest) -> str:
    from allauth.account.adapter import get_adapter

    try:
        return str(get_adapter().get_client_ip(request))
    except Exception:  # no usable address: every such request shares one counter
        return "unknown"


def within_limit(request: HttpRequest, scope: str, *, limit: int, seconds: int) -> bool:
    """Count one attempt for this sender in `scope`; False once `limit` is passed within `seconds`.
    The counter's key is an HMAC of the address with today's key; the address is never stored."""
    tag = hmac.new(_daily_key(), _client_address(request).encode(), hashlib.sha256).hexdigest()[:32]
    return _count(f"appeals:limit:{scope}:{tag}", limit=limit, seconds=seconds)


def within_global_limit(scope: str, *, limit: int, seconds: int) -> bool:
    """A ceiling for everyone together (a flood from many addresses)."""
    return _count(f"appeals:limit:{scope}", limit=limit, seconds=seconds)


def _count(key: str, *, limit: int, seconds: int) -> bool:
    cache.add(key, 0, timeout=seconds)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=seconds)
        count = 1
    return count <= limit


def to_the_hour(moment: datetime | None = None) -> datetime:
    return (moment or timezone.now()).replace(minute=0, second=0, microsecond=0)
