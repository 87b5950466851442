from django import template

from coalition.appeals.countries import name_of

register = template.Library()


@register.filter
def country_name(code: str) -> str:
    return name_of(code)
