"""Forms: the coding form generated from a codebook, and the lead's hand-assignment form."""

import json

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from coding.models import Attribute, AttributeKind, CodedValue
from coding.reviews.languages import translated
from coding.values import TextValidator, max_length

BOOLEAN_CHOICES = [("yes", _("Yes")), ("no", _("No"))]


def _value_field(attribute: Attribute) -> forms.Field:
    # The codebook's wording in the coder's language; the values stay keys.
    common = {"required": False, "label": translated(attribute, "label"),
              "help_text": translated(attribute, "help")}
    options = [(o.key, translated(o, "label")) for o in attribute.options.all()]
    if attribute.kind == AttributeKind.SINGLE:
        return forms.ChoiceField(choices=options, widget=forms.RadioSelect, **common)
    if attribute.kind == AttributeKind.MULTI:
        return forms.MultipleChoiceField(
            choices=options, widget=forms.CheckboxSelectMultiple, **common
        )
    if attribute.kind == AttributeKind.NUMBER:
        return forms.FloatField(widget=forms.NumberInput(attrs={"step": "any"}), **common)
    if attribute.kind == AttributeKind.BOOLEAN:
        return forms.ChoiceField(choices=BOOLEAN_CHOICES, widget=forms.RadioSelect, **common)
    return text_field("text", rows=1, **common)


def text_field(limit: str, *, rows: int = 0, css: str = "", **common) -> forms.CharField:
    """A textarea (one-line input if rows=0) with the documented maximum length
    (coding.values.text_problem): the browser stops typing there, and the message for
    longer text is the API's."""
    attrs = {"maxlength": max_length(limit)}
    if css:
        attrs["class"] = css
    widget = forms.Textarea(attrs={"rows": rows, **attrs}) if rows else forms.TextInput(attrs)
    field = forms.CharField(widget=widget, **common)
    field.validators = [TextValidator(limit)]
    return field


def evidence_name(key: str) -> str:
    return f"{key}__evidence"


def note_name(key: str) -> str:
    return f"{key}__note"


def anchors_name(key: str) -> str:
    return f"{key}__anchors"


class CodingForm(forms.Form):
    """One field per attribute plus its evidence quote and note; `version` is the coding
    version the edits are based on (0 before the first save)."""

    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)

    def __init__(self, *args, attributes: list[Attribute], **kwargs):
        super().__init__(*args, **kwargs)
        self.attributes = attributes
        for attribute in attributes:
            self.fields[attribute.key] = _value_field(attribute)
            self.fields[evidence_name(attribute.key)] = text_field(
                "evidence", rows=1, css="evidence", required=False, label=_("Evidence quote")
            )
            self.fields[note_name(attribute.key)] = text_field(
                "note", rows=1, required=False, label=_("Note")
            )
            # Where the evidence quotes are in the documents (JSON, kept by the page's
            # script; checked by coding.values.anchors_check).
            self.fields[anchors_name(attribute.key)] = forms.CharField(
                required=False, widget=forms.HiddenInput(attrs={"class": "evidence-anchors"})
            )

    def values(self) -> dict[str, dict]:
        """The cleaned data in the shape coding_save_draft takes."""
        data = self.cleaned_data
        values = {}
        for attribute in self.attributes:
            value = data.get(attribute.key)
            values[attribute.key] = {
                "value": value,
                "evidence": data.get(evidence_name(attribute.key), ""),
                "note": data.get(note_name(attribute.key), ""),
                "anchors": data.get(anchors_name(attribute.key), ""),
            }
        return values

    def error_summary(self) -> list[str]:
        """Errors as sentences naming the attribute, e.g. "Budget: Enter a number."."""
        labels = {name: field.label for name, field in self.fields.items()}
        for attribute in self.attributes:
            labels[evidence_name(attribute.key)] = gettext("%(attribute)s (evidence quote)") % {
                "attribute": attribute.label}
            labels[note_name(attribute.key)] = gettext("%(attribute)s (note)") % {
                "attribute": attribute.label}
        messages = []
        for name, errors in self.errors.items():
            prefix = "" if name == "__all__" else gettext("%(field)s: ") % {
                "field": labels.get(name, name)}
            messages.extend(prefix + str(error) for error in errors)
        return messages


def initial_from_values(values: list[CodedValue]) -> dict:
    """The form's initial data from a coding's stored values (options prefetched)."""
    initial = {}
    for value in values:
        attribute = value.attribute
        key = attribute.key
        if attribute.kind == AttributeKind.SINGLE:
            chosen = [o.key for o in value.options.all()]
            initial[key] = chosen[0] if chosen else ""
        elif attribute.kind == AttributeKind.MULTI:
            initial[key] = [o.key for o in value.options.all()]
        elif attribute.kind == AttributeKind.NUMBER:
            initial[key] = value.number
        elif attribute.kind == AttributeKind.BOOLEAN:
            initial[key] = {True: "yes", False: "no"}.get(value.boolean, "")
        else:
            initial[key] = value.text
        initial[evidence_name(key)] = value.evidence
        initial[note_name(key)] = value.note
        initial[anchors_name(key)] = (
            json.dumps(value.evidence_anchors) if value.evidence_anchors else ""
        )
    return initial


class ModelChoiceByKey(forms.ModelChoiceField):
    def __init__(self, *args, label_from=None, **kwargs):
        self._label_from = label_from
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj) -> str:
        return self._label_from(obj) if self._label_from else str(obj)


def _person(user) -> str:
    full = user.get_full_name()
    return f"{full} ({user.username})" if full else user.username


class AssignCaseForm(forms.Form):
    """Hand-assign or reassign one case to (up to) two coders."""

    # The case's number typed, not chosen from a list of every case: at 50,000 cases the
    # list made the progress page 5 s slower and 4 MB larger.
    case = forms.ModelChoiceField(
        queryset=None, to_field_name="number", label=_("Case"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false",
                                      "size": 10}),
        help_text=_("The case's number, as in the list of cases below."),
        error_messages={"invalid_choice": _("No case of this review has that number.")},
    )
    coder_1 = ModelChoiceByKey(
        queryset=None, to_field_name="username", label=_("First coder"), required=False,
        empty_label=_("(nobody)"), label_from=_person,
    )
    coder_2 = ModelChoiceByKey(
        queryset=None, to_field_name="username", label=_("Second coder"), required=False,
        empty_label=_("(nobody)"), label_from=_person,
    )

    def __init__(self, *args, cases, coders, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["case"].queryset = cases
        self.fields["coder_1"].queryset = coders
        self.fields["coder_2"].queryset = coders

    def clean(self):
        data = super().clean()
        first, second = data.get("coder_1"), data.get("coder_2")
        if first and second and first == second:
            raise forms.ValidationError(gettext("Choose two different coders."))
        return data

    def coders(self) -> list:
        chosen = (self.cleaned_data.get("coder_1"), self.cleaned_data.get("coder_2"))
        return [c for c in chosen if c]
