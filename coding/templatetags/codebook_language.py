"""A codebook's wording in the reader's language (coding.reviews.languages), available in
every template (settings TEMPLATES builtins):

- `{% with a=item.attribute|in_language %}`: the attribute with `label` and `help_text` in
  the active language;
- `{{ section.section|translated:"title" }}`, `{{ attribute|translated }}` (the label).
"""

from django import template

from coding.reviews.languages import InLanguage
from coding.reviews.languages import translated as _translated

register = template.Library()


@register.filter
def in_language(obj):
    if obj is None or obj == "":
        return obj
    return InLanguage(obj)


@register.filter
def translated(obj, field: str = "label"):
    if obj is None or obj == "":
        return ""
    if isinstance(obj, dict):  # the editor's preview: a section as plain data
        return obj.get(field if field != "help" else "help_text", "")
    return _translated(obj, field)
