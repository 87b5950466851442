"""Template helpers that build HTML in Python must escape exactly as the templates would."""

from __future__ import annotations

from django.template import Context, Template

from coalition.core.templatetags.portal import select_options


def test_select_options_marks_the_chosen_value_and_escapes_values_and_labels():
    html = select_options([("acme", "Acme"), ('"><script>', "<b>Evil & Co</b>"), (3, "Three")], "3")
    assert html == (
        '<option value="acme">Acme</option>'
        '<option value="&quot;&gt;&lt;script&gt;">&lt;b&gt;Evil &amp; Co&lt;/b&gt;</option>'
        '<option value="3" selected>Three</option>'
    )


def test_select_options_with_nothing_chosen_marks_nothing():
    rendered = Template("{% load portal %}{% select_options choices chosen %}").render(
        Context({"choices": [("a", "A"), ("b", "B")], "chosen": None})
    )
    assert "selected" not in rendered and rendered.count("<option") == 2
