from django import forms

from basecamp.models import Level
from basecamp.services import skill_names


class CorrectionForm(forms.Form):
    corrected_level = forms.ChoiceField(choices=Level.choices, label="Level")
    corrected_justification = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=5000,
                                              label="Justification")
    teacher_notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=5000,
                                    label="Notes for the assessor (why)",
                                    help_text="Notes make this correction a worked example for later entries.")


class TargetForm(forms.Form):
    skill_name = forms.ChoiceField(choices=(), label="Skill")
    target_level = forms.ChoiceField(choices=Level.choices, initial=Level.PROFICIENT, label="Target level")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["skill_name"].choices = [(n, n) for n in skill_names()]


class ProposalForm(forms.Form):
    """A student's proposed target (basecamp/proposals.py validates levels and dates)."""

    skill_name = forms.ChoiceField(choices=(), label="Skill")
    target_level = forms.ChoiceField(choices=Level.choices, initial=Level.PROFICIENT, label="Level I want")
    wanted_by = forms.DateField(label="By", widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=500, label="Why (a sentence or two)")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["skill_name"].choices = [(n, n) for n in skill_names()]


class DeclineForm(forms.Form):
    decline_reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=500, label="Why decline (the student reads this)")
