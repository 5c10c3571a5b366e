from django import forms

from basecamp.models import Level, RubricSkill, SimulationEnvironment
from basecamp.models.skills import LEVELS
from basecamp.services import skill_names
from lms.forms import LinesField


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


# ---------------------------------------------------------------- the rubric and simulation tools without raw JSON


def _slug(level) -> str:
    return level.lower()


class RubricSkillForm(forms.ModelForm):
    """A rubric skill's descriptors and indicator phrases edited per level (the rubric's four
    levels), its cues one per line. A level left empty removes its key; keys of other levels
    (an older rubric's) are kept as stored."""

    cues = LinesField(required=False, help_text="Words that show the entry is about this skill at all, one per line.")

    class Meta:
        model = RubricSkill
        fields = ["rubric_version", "name", "category", "position", "description", "cues"]

    LEVEL_FIELDS = [*(f"descriptor_{_slug(level)}" for level in LEVELS), *(f"indicators_{_slug(level)}" for level in LEVELS)]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        descriptors = self.instance.descriptors if isinstance(self.instance.descriptors, dict) else {}
        indicators = self.instance.indicators if isinstance(self.instance.indicators, dict) else {}
        for level in LEVELS:
            value = descriptors.get(level)
            self.initial[f"descriptor_{_slug(level)}"] = value if isinstance(value, str) else ""
            phrases = indicators.get(level)
            self.initial[f"indicators_{_slug(level)}"] = "\n".join(str(p) for p in phrases) if isinstance(phrases, list) else ""

    def clean(self):
        data = super().clean()
        changed = set(self.changed_data)
        for model_field, prefix, value_of in (("descriptors", "descriptor", lambda text: text.strip()),
                                              ("indicators", "indicators", lambda text: [p.strip() for p in text.splitlines() if p.strip()])):
            if not any(f"{prefix}_{_slug(level)}" in changed for level in LEVELS):
                continue  # the stored value stands as it is
            stored = getattr(self.instance, model_field)
            result = dict(stored) if isinstance(stored, dict) else {}
            for level in LEVELS:
                value = value_of(data.get(f"{prefix}_{_slug(level)}") or "")
                if value:
                    result[level] = value
                else:
                    result.pop(level, None)
            setattr(self.instance, model_field, result)
        return data


for _level in LEVELS:
    RubricSkillForm.base_fields[f"descriptor_{_slug(_level)}"] = forms.CharField(
        required=False, label=f"{_level}: what it looks like", widget=forms.Textarea(attrs={"rows": 2, "cols": 80}), max_length=2000)
for _level in LEVELS:
    RubricSkillForm.base_fields[f"indicators_{_slug(_level)}"] = forms.CharField(
        required=False, label=f"{_level}: indicator phrases", widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        help_text="One phrase per line; an entry saying it shows this level.")
RubricSkillForm.declared_fields.update({name: RubricSkillForm.base_fields[name] for name in RubricSkillForm.LEVEL_FIELDS})

SIMULATION_KEYS = {"url": "Address", "version": "Version"}


class SimulationEnvironmentForm(forms.ModelForm):
    """A simulation tool's launch settings: its address and version as fields; every other key
    (files, options) stays in the JSON under "Advanced (JSON)". Editing both at once is refused."""

    typed_fields = forms.CharField(widget=forms.HiddenInput, required=False, initial="1")
    config_url = forms.CharField(required=False, max_length=500, label="Address",
                                 help_text="Where a sandbox section opens the tool, e.g. https://sim.example.org/circuit.")
    config_version = forms.CharField(required=False, max_length=50, label="Version", help_text="The tool's version, e.g. 2.1.")

    class Meta:
        model = SimulationEnvironment
        fields = ["slug", "name", "type", "subsystem", "status", "config_json"]
        labels = {"config_json": "Launch settings (JSON)"}
        help_texts = {"config_json": "Everything the fields above set and any other key (files, options). Edit either the fields or this, "
                                     "not both at once."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "config_json" in self.fields:
            self.fields["config_json"].widget = forms.Textarea(attrs={"rows": 4, "cols": 80})
        config = self.instance.config_json if isinstance(self.instance.config_json, dict) else {}
        for key in SIMULATION_KEYS:
            value = config.get(key)
            self.initial[f"config_{key}"] = "" if value is None else str(value)
            if value is not None and not isinstance(value, str):
                self.fields[f"config_{key}"].disabled = True  # not text: the JSON below is the one way to edit it
                self.fields[f"config_{key}"].help_text = "Not plain text: edit it in the JSON under Advanced."

    def clean(self):
        data = super().clean()
        if not (self.is_bound and self.data.get(self.add_prefix("typed_fields"))):
            return data
        changed = [f"config_{key}" for key in SIMULATION_KEYS if f"config_{key}" in self.changed_data]
        if changed and "config_json" in self.changed_data:
            self.add_error("config_json", "You changed both this JSON and the fields above "
                                          f"({', '.join(str(self.fields[n].label) for n in changed)}): keep one of the two.")
        elif changed and "config_json" not in self._errors:
            config = dict(self.initial.get("config_json") or {}) if isinstance(self.initial.get("config_json"), dict) else {}
            for name in changed:
                value = (data.get(name) or "").strip()
                if value:
                    config[name.removeprefix("config_")] = value
                else:
                    config.pop(name.removeprefix("config_"), None)
            data["config_json"] = config
        return data

    FIELDSETS = [
        (None, {"fields": ["name", "slug", "type", "subsystem", "status", "typed_fields"]}),
        ("Launch", {"fields": ["config_url", "config_version"]}),
        ("Advanced (JSON)", {"fields": ["config_json"], "classes": ["collapse"]}),
    ]
