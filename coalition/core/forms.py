"""Form fields shared by the apps: model choices whose submitted ids are checked against the
range of the key column before any query.

Django's model choice fields put what was submitted straight into `pk__in` (a multiple choice) or
`pk=` lookups; on SQLite an id beyond 64 bits raised "Python int too large" (a 500). Forms of the
portal use these two instead of Django's; tests/core/test_bounded_input.py holds them to it.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import connections, models


def key_in_range(queryset: models.QuerySet[Any] | None, key: str, value: Any) -> bool:
    """Whether `value` can be an integer key of `queryset`'s model at all. Text that is no whole
    number passes: the field's own validation refuses it with its usual message."""
    if queryset is None:
        return True
    try:
        field = queryset.model._meta.pk if key == "pk" else queryset.model._meta.get_field(key)
    except FieldDoesNotExist:
        return True
    if not isinstance(field, models.IntegerField | models.AutoField):
        return True
    try:
        number = int(str(value).strip())
    except ValueError:
        return True
    low, high = connections[queryset.db].ops.integer_field_range(field.get_internal_type())
    return (low is None or number >= low) and (high is None or number <= high)


class ModelChoiceField(forms.ModelChoiceField):
    def to_python(self, value: Any) -> Any:
        submitted = value not in self.empty_values and not isinstance(value, models.Model)
        if submitted and not key_in_range(self.queryset, self.to_field_name or "pk", value):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    def _check_values(self, value: Any) -> models.QuerySet[Any]:
        key = self.to_field_name or "pk"
        for pk in value if isinstance(value, list | tuple | set | frozenset) else ():
            if not key_in_range(self.queryset, key, pk):
                raise ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": pk}
                )
        return super()._check_values(value)  # type: ignore[misc]  # Django's own; the stubs omit it
