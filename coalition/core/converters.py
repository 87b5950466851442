"""URL converters for ids and numbers that fit their database columns.

Django's `<int:...>` matches any run of digits and hands the view whatever number it spells. An
exact lookup survives that (Django drops out-of-range values), but an `__in`, an offset, a raw
query or a save does not: SQLite raises "Python int too large", PostgreSQL "out of range". These
match only what the column can hold; anything longer is not a URL of the portal (404), decided
before a view runs. Registered by coalition.core's AppConfig.
"""

from __future__ import annotations

INT64_MAX = 2**63 - 1
INT32_MAX = 2**31 - 1


class IdConverter:
    """`<id:pk>`: a primary key (BigAutoField, 64-bit signed), 0 to 2**63 - 1."""

    regex = "[0-9]{1,19}"
    maximum = INT64_MAX

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > self.maximum:
            raise ValueError("out of range")  # Django's resolver takes this as "no match": a 404
        return number

    def to_url(self, value: int) -> str:
        return str(value)


class Int32Converter(IdConverter):
    """`<int32:number>`: a 32-bit column such as a revision number, 0 to 2**31 - 1."""

    regex = "[0-9]{1,10}"
    maximum = INT32_MAX


CONVERTERS = {"id": IdConverter, "int32": Int32Converter}
