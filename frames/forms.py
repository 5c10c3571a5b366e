from django import forms

from frames.models.registry import term_validator


class TermAdvanceForm(forms.Form):
    term = forms.CharField(max_length=32, validators=[term_validator], help_text="The term every active student moves to, e.g. 'Fall 2026'.")
    force = forms.BooleanField(required=False, help_text="Advance again although this term was already advanced to.")
