"""Authoring a module section without raw JSON: `ModuleSectionForm` edits each section
type's `section_config` keys and the `completion_criteria` through plain fields, with the
JSON itself kept in a collapsed "Advanced (JSON)" fieldset that round-trips with them.

Which keys each type has is what the code that reads them takes: lms.completion (the
criteria and checklist items), lms.sandbox (sandbox), lms.activities (interactive and
game), lms.quizzes (attempts, cool-down, hints, prompts, optional); docs/lms.md lists them.

Round trip: the fields start from the stored JSON; on save, a field the author changed
sets (or, emptied, removes) its key and every other key of the JSON is kept, so keys
without a field (a second sandbox file, a game's custom key) survive. An edited JSON box
is taken as it is; changing the JSON and the fields at once is refused, naming both.
The same checks as the model's `clean()` run here, so a message stands beside the field
that caused it. A form posted without the fields (an import, an old script: no
`typed_fields` marker) behaves like the plain JSON form."""

import copy
import json
import re

from django import forms
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.urls import reverse

from lms import completion, config_checks
from lms.models import Module, ModuleQuestion, ModuleSection, SectionType
from lms.models.quizzes import MAX_CHOICES, MAX_PATTERN, QuestionType, TextMatch
from lms.rendering import markdown_html

ALL_TYPES = tuple(SectionType.values)
GRADED = ("quiz", "guided_struggle")
WITH_INSTRUCTIONS = ("sandbox", "interactive", "game", "guided_struggle")
WITH_HINTS = ("sandbox", "interactive", "game", "quiz", "guided_struggle")
TEST_MARKER = re.compile(r"^#\s*test:\s*(.*?)\s*$")


class MarkdownWidget(forms.Textarea):
    """A Markdown textarea with a Preview button: static/lms/authoring.js renders it in
    place through the staff-only preview endpoint; without JavaScript the button submits
    the form, which shows the preview and saves nothing (ModuleSectionForm.clean)."""

    template_name = "admin/lms/widgets/markdown.html"
    preview_html = ""

    def __init__(self, attrs=None):
        super().__init__({"rows": 8, "cols": 80, **(attrs or {})})

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"].update(preview_html=self.preview_html, preview_url=reverse("lms-preview:markdown"))
        return context


def _lines(value) -> str:
    return "\n".join(str(v) for v in value) if isinstance(value, list) else ""


def _split_lines(text) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _tests_text(tests) -> str:
    if not isinstance(tests, list):
        return ""
    return "\n".join(f"# test: {t.get('name', '')}\n{t.get('code', '')}" for t in tests if isinstance(t, dict))


def _parse_tests(text):
    tests, current = [], None
    for line in (text or "").replace("\r\n", "\n").split("\n"):
        match = TEST_MARKER.match(line)
        if match:
            current = {"name": match.group(1), "code": ""}
            tests.append(current)
        elif current is None:
            if line.strip():
                raise forms.ValidationError("Start each test with a line '# test: <name>', its code under it.")
        else:
            current["code"] += line + "\n"
    for test in tests:
        test["code"] = test["code"].strip("\n")
    return tests


def _tasks_text(tasks) -> str:
    if not isinstance(tasks, list):
        return ""
    out = []
    for task in tasks:
        if isinstance(task, dict):
            out.append(f"{task.get('name', '')}: {', '.join(task.get('hotspots') or [])}")
        else:
            out.append(str(task))
    return "\n".join(out)


def _parse_tasks(text):
    tasks = []
    for line in _split_lines(text):
        name, sep, spots = line.partition(":")
        hotspots = [h.strip() for h in spots.split(",") if h.strip()]
        tasks.append({"name": name.strip(), "hotspots": hotspots} if sep and hotspots else line)
    return tasks


def _loads_text(loads) -> str:
    if not isinstance(loads, list):
        return ""
    return "\n".join(f"{load.get('name', '')}, {load.get('watts', '')}{', required' if load.get('required') else ''}"
                     for load in loads if isinstance(load, dict))


def _parse_loads(text):
    loads = []
    for i, line in enumerate(_split_lines(text), 1):
        parts = [p.strip() for p in line.split(",")]
        if len(parts) not in (2, 3) or (len(parts) == 3 and parts[2].lower() not in ("required", "")):
            raise forms.ValidationError(f"Line {i}: write 'name, watts' or 'name, watts, required'.")
        try:
            watts = float(parts[1].replace(" ", ""))
        except ValueError:
            raise forms.ValidationError(f"Line {i}: the watts ({parts[1][:20]!r}) must be a number.") from None
        load = {"name": parts[0], "watts": int(watts) if watts.is_integer() else watts}
        if len(parts) == 3 and parts[2].lower() == "required":
            load["required"] = True
        loads.append(load)
    return loads


class ConfigField:
    """A form field for one `section_config` key of some section types: how the stored
    value shows in the field and how the field's value is stored (None: remove the key)."""

    def __init__(self, key, types, field, show=None, store=None):
        self.key, self.types, self.field = key, types, field
        self.show = show or (lambda v: v)
        self.store = store or (lambda v: None if v in (None, "", []) else v)


def _num(label, low, high, help_text, *, decimal=False):
    cls = forms.FloatField if decimal else forms.IntegerField
    return cls(label=label, required=False, min_value=low, max_value=high, help_text=help_text)


def _text(label, help_text, *, rows=4, markdown=False):
    widget = MarkdownWidget(attrs={"rows": rows}) if markdown else forms.Textarea(attrs={"rows": rows, "cols": 80})
    return forms.CharField(label=label, required=False, widget=widget, help_text=help_text, strip=False)


CONFIG_FIELDS = {
    "checklist_items": ConfigField("items", ("checklist",), _text(
        "Checklist items", "One item per line. Empty: the lines of the content above are the items.", rows=5),
        show=_lines, store=lambda v: _split_lines(v) or None),
    "instructions": ConfigField("instructions", WITH_INSTRUCTIONS, _text(
        "Instructions", "Markdown shown above the activity (sandbox, interactive, game and guided-struggle sections).", rows=5, markdown=True)),
    "hints": ConfigField("hints", WITH_HINTS, _text(
        "Hints", f"One hint per line, revealed one at a time (at most {config_checks.MAX_HINTS}).", rows=3),
        show=_lines, store=lambda v: _split_lines(v) or None),
    "prompts": ConfigField("prompts", ("guided_struggle",), _text(
        "Buddy prompts", "One question per line: what the buddy and the adaptive help ask the student.", rows=3),
        show=_lines, store=lambda v: _split_lines(v) or None),
    "max_attempts": ConfigField("max_attempts", GRADED, _num(
        "Attempt limit", 0, 100, "How many times a student may submit; 0 or empty: unlimited.")),
    "cooldown_seconds": ConfigField("cooldown_seconds", GRADED, _num(
        "Cool-down (seconds)", 0, config_checks.MAX_COOLDOWN, "Seconds a student waits between two attempts; 0 or empty: none.")),
    "sandbox_language": ConfigField("language", ("sandbox",), forms.ChoiceField(
        label="Language", required=False, choices=[("", "Python (default)"), *[(v, v.capitalize()) for v in config_checks.LANGUAGES]],
        help_text="Only Python runs in the browser today.")),
    "sandbox_file_name": ConfigField("files", ("sandbox",), forms.CharField(
        label="File name", required=False, max_length=100, initial="main.py",
        help_text="The file that runs, e.g. main.py. More files: add them in the JSON below.")),
    "sandbox_code": ConfigField("files", ("sandbox",), _text(
        "Starting code", "The code the student starts from.", rows=10)),
    "sandbox_runnable": ConfigField("runnable", ("sandbox",), forms.BooleanField(
        label="Runnable", required=False, initial=True, help_text="Unticked: the code is shown, nothing runs.")),
    "sandbox_expected_output": ConfigField("expected_output", ("sandbox",), _text(
        "Expected output", "Check compares what the code prints with this (spaces at line ends ignored).", rows=3)),
    "sandbox_tests": ConfigField("tests", ("sandbox",), _text(
        "Tests", "Run after the code; each must not raise. Start each with a line '# test: <name>', e.g.\n"
                 "# test: adds\nassert add(2, 3) == 5", rows=5),
        show=_tests_text),
    "sandbox_time_limit_s": ConfigField("time_limit_s", ("sandbox",), _num(
        "Time limit (seconds)", 1, config_checks.MAX_TIME_LIMIT,
        f"A run is stopped after this many seconds, 1 to {config_checks.MAX_TIME_LIMIT}; empty: {config_checks.DEFAULT_TIME_LIMIT}.")),
    "environment_type": ConfigField("environment_type", ("interactive",), forms.CharField(
        label="Environment", required=False, max_length=100, help_text="What the student works in, e.g. block_diagram.")),
    "hotspots": ConfigField("hotspots", ("interactive",), _text(
        "Hotspots", "One part of the diagram per line; the student clicks each one.", rows=3),
        show=_lines, store=lambda v: _split_lines(v) or None),
    "tasks": ConfigField("tasks", ("interactive",), _text(
        "Tasks", "One task per line. A task done by clicking hotspots: 'find all loads: radio, obc'.", rows=3),
        show=_tasks_text),
    "game_type": ConfigField("game_type", ("game",), forms.ChoiceField(
        label="Game", required=False, choices=[("", "Described only (no game to play)"), ("power_balance", "Power balance")],
        help_text="Power balance: the student chooses which loads run in sunlight and eclipse; the server flies the orbits and scores.")),
    "game_loads": ConfigField("loads", ("game",), _text(
        "Loads", "One per line: 'name, watts' or 'name, watts, required' (always on). At least one must be optional.", rows=4),
        show=_loads_text),
}
for _key, (_low, _high) in config_checks.GAME_NUMBERS.items():
    _labels = {"solar_watts": "Solar panels (W)", "battery_wh": "Battery (Wh)", "start_percent": "Battery at start (%)",
               "min_percent": "Lowest allowed charge (%)", "orbits": "Orbits", "orbit_minutes": "Orbit (minutes)",
               "eclipse_fraction": "Eclipse fraction"}
    CONFIG_FIELDS[f"game_{_key}"] = ConfigField(_key, ("game",), _num(
        _labels[_key], _low, _high, f"{_low} to {_high}; empty: {config_checks.GAME_DEFAULTS[_key]}.", decimal=_key == "eclipse_fraction"))
CONFIG_FIELDS["optional"] = ConfigField("optional", ALL_TYPES, forms.BooleanField(
    label="Optional", required=False, help_text="An adaptive rule may offer to skip it when the student moves quickly."),
    store=lambda v: True if v else None)

CRITERIA_LABELS = {
    "view": "Opened for some seconds", "mark_done": "The student marks it as done", "checklist": "Every checklist item ticked",
    "task": "Listed tasks done", "score": "A score of at least ...", "time": "Active time on the section", "pass": "The sandbox's Check passes",
}
# criteria key -> (form field, the key in completion_criteria)
CRITERIA_PARAMS = {"view": [("criteria_seconds", "seconds")], "time": [("criteria_time", "value")],
                   "score": [("criteria_min", "min"), ("criteria_attempt", "attempt")], "task": [("criteria_tasks", "tasks")]}
CRITERIA_FIELDS = ("criteria_type", "criteria_seconds", "criteria_time", "criteria_min", "criteria_attempt", "criteria_tasks")
CRITERIA_MESSAGE_FIELDS = {"type": "criteria_type", "seconds": "criteria_seconds", "value": "criteria_time", "min": "criteria_min",
                           "attempt": "criteria_attempt", "tasks": "criteria_tasks"}


def _type_class(*types):
    return " ".join(f"type-{t}" for t in types)


# The per-type fields, declared (the admin's form factory checks a fieldset's names against them).
ConfigFieldsForm = type("ConfigFieldsForm", (forms.Form,), {name: spec.field for name, spec in CONFIG_FIELDS.items()})


class ModuleSectionForm(ConfigFieldsForm, forms.ModelForm):
    typed_fields = forms.CharField(widget=forms.HiddenInput, required=False, initial="1")
    criteria_type = forms.ChoiceField(
        label="Completes when", required=False, choices=[("", "The type's default"), *CRITERIA_LABELS.items()],
        help_text="The type's default: checklists every item ticked, runnable sandboxes a passing Check, quizzes a score of "
                  f"{completion.DEFAULT_PASS_SCORE}, the others when opened.")
    criteria_seconds = forms.IntegerField(label="Seconds open", required=False, min_value=0, max_value=86400,
                                          help_text="For 'opened for some seconds': 0 completes on opening.")
    criteria_time = forms.IntegerField(label="Active seconds", required=False, min_value=0, max_value=86400,
                                       help_text="For 'active time': seconds of active time (pauses excluded).")
    criteria_min = forms.IntegerField(label="Minimum score (%)", required=False, min_value=0, max_value=100,
                                      help_text="For 'a score of at least': 0 to 100.")
    criteria_attempt = forms.ChoiceField(label="Score that counts", required=False,
                                         choices=[("best", "The best attempt"), ("last", "The last attempt")], initial="best",
                                         help_text="Quiz and guided-struggle sections: which graded attempt counts.")
    criteria_tasks = forms.CharField(label="Tasks to finish", required=False, widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
                                     help_text="For 'listed tasks done': one task name per line.")

    class Meta:
        model = ModuleSection
        fields = ["module", "section_number", "section_type", "title", "content", "media_url", "transcript", "duration_seconds",
                  "section_config", "completion_criteria"]
        widgets = {"content": MarkdownWidget(), "transcript": forms.Textarea(attrs={"rows": 4, "cols": 80})}
        labels = {"section_config": "Configuration (JSON)", "completion_criteria": "Completion criteria (JSON)"}
        help_texts = {"section_config": "Everything the fields above set, as JSON. Edit either the fields or this, not both at once.",
                      "media_url": "The video's or image's address (video and image sections)."}

    class Media:
        js = ["lms/authoring.js"]
        css = {"all": ["lms/authoring.css"]}

    FIELDSETS = [
        (None, {"fields": ["module", "section_number", "section_type", "title", "typed_fields"]}),
        ("Content", {"fields": ["content"]}),
        ("Media", {"fields": ["media_url", "transcript", "duration_seconds"], "classes": [_type_class("video", "image")]}),
        ("Checklist", {"fields": ["checklist_items"], "classes": [_type_class("checklist")]}),
        ("Sandbox", {"fields": ["sandbox_language", "sandbox_file_name", "sandbox_code", "sandbox_runnable", "sandbox_expected_output",
                                "sandbox_tests", "sandbox_time_limit_s"], "classes": [_type_class("sandbox")]}),
        ("Interactive", {"fields": ["environment_type", "hotspots", "tasks"], "classes": [_type_class("interactive")]}),
        ("Game", {"fields": ["game_type", *[f"game_{k}" for k in config_checks.GAME_NUMBERS], "game_loads"], "classes": [_type_class("game")]}),
        ("Attempts", {"fields": ["max_attempts", "cooldown_seconds"], "classes": [_type_class(*GRADED)]}),
        ("Instructions and hints", {"fields": ["instructions", "hints", "prompts"], "classes": [_type_class(*WITH_HINTS)]}),
        ("Completion", {"fields": [*CRITERIA_FIELDS, "optional"]}),
        ("Advanced (JSON)", {"fields": ["section_config", "completion_criteria"], "classes": ["collapse"]}),
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, rows in (("section_config", 8), ("completion_criteria", 2)):
            if name in self.fields:  # absent on a view-only page (the admin shows them read-only)
                self.fields[name].widget = forms.Textarea(attrs={"rows": rows, "cols": 80})
        config = self.instance.section_config if isinstance(self.instance.section_config, dict) else {}
        for name, spec in CONFIG_FIELDS.items():
            if name == "sandbox_file_name":
                files = config.get("files") if isinstance(config.get("files"), dict) else {}
                self.initial[name] = next(iter(files), "main.py")
            elif name == "sandbox_code":
                files = config.get("files") if isinstance(config.get("files"), dict) else {}
                self.initial[name] = next(iter(files.values()), "")
            elif name == "sandbox_runnable":
                self.initial[name] = config.get("runnable", True) is not False
            elif spec.key in config:
                self.initial[name] = spec.show(config[spec.key])
        criteria = self.instance.completion_criteria if isinstance(self.instance.completion_criteria, dict) else {}
        if criteria.get("type") in CRITERIA_LABELS:
            self.initial["criteria_type"] = criteria["type"]
            for field, key in CRITERIA_PARAMS.get(criteria["type"], []):
                if key in criteria:
                    self.initial[field] = "\n".join(criteria[key]) if key == "tasks" and isinstance(criteria[key], list) else criteria[key]
        self._typed_errors = set()

    # ------------------------------------------------------------ reading the fields

    def _typed(self) -> bool:
        return self.is_bound and bool(self.data.get(self.add_prefix("typed_fields")))

    def clean_sandbox_tests(self):
        return _parse_tests(self.cleaned_data.get("sandbox_tests"))

    def clean_game_loads(self):
        return _parse_loads(self.cleaned_data.get("game_loads"))

    def clean_tasks(self):
        return _parse_tasks(self.cleaned_data.get("tasks"))

    def clean(self):
        data = super().clean()
        self._markdown_preview(data)
        if not self._typed():
            return data
        section_type = data.get("section_type") or self.instance.section_type
        changed = set(self.changed_data)
        config_fields = [n for n, spec in CONFIG_FIELDS.items() if n in changed and section_type in spec.types]
        criteria_fields = [n for n in CRITERIA_FIELDS if n in changed]
        if "section_config" in changed and config_fields:
            self.add_error("section_config", "You changed both this JSON and the fields above "
                                             f"({', '.join(self.fields[n].label for n in config_fields)}): keep one of the two.")
            return data
        if "completion_criteria" in changed and criteria_fields:
            self.add_error("completion_criteria", "You changed both this JSON and the completion fields above: keep one of the two.")
            return data
        if config_fields and "section_config" not in self._errors:
            data["section_config"] = self._config_from_fields(data, config_fields)
        if criteria_fields and "completion_criteria" not in self._errors:
            data["completion_criteria"] = self._criteria_from_fields(data)
        if config_fields or criteria_fields:
            self._check(section_type, data, config_fields)
        return data

    def _config_from_fields(self, data, changed_fields):
        config = dict(self.initial.get("section_config") or {}) if isinstance(self.initial.get("section_config"), dict) else {}
        for name in changed_fields:
            if name not in data:
                continue  # the field's own error stands beside it
            spec = CONFIG_FIELDS[name]
            if name in ("sandbox_file_name", "sandbox_code"):
                files = dict(config.get("files") or {}) if isinstance(config.get("files"), dict) else {}
                old_name = next(iter(files), None)
                body = data.get("sandbox_code") if "sandbox_code" in data else files.get(old_name, "")
                file_name = (data.get("sandbox_file_name") or "").strip() or "main.py"
                rest = {k: v for k, v in files.items() if k != old_name}
                config["files"] = {file_name: body or "", **rest} if (body or rest) else None
                if config["files"] is None:
                    config.pop("files")
                continue
            if name == "sandbox_runnable":
                if data[name]:
                    config.pop("runnable", None)  # runnable is the default
                else:
                    config["runnable"] = False
                continue
            value = spec.store(data[name])
            if value is None:
                config.pop(spec.key, None)
            else:
                config[spec.key] = value
        return config or None

    def _criteria_from_fields(self, data):
        kind = data.get("criteria_type") or ""
        if not kind:
            return None
        criteria = {"type": kind}
        for field, key in CRITERIA_PARAMS.get(kind, []):
            value = data.get(field)
            if key == "tasks":
                value = _split_lines(value)
            if key == "attempt" and value == "best":
                continue  # the default
            if value not in (None, "", []):
                criteria[key] = value
        if kind == "view":
            criteria.setdefault("seconds", 0)
        return criteria

    def _check(self, section_type, data, config_fields):
        """The model's checks, with each message beside the field it is about."""
        config, criteria = data.get("section_config"), data.get("completion_criteria")
        by_key = {}
        for name, spec in CONFIG_FIELDS.items():
            if section_type in spec.types:
                by_key.setdefault(spec.key, "sandbox_code" if spec.key == "files" else name)
        problems = {}
        if section_type == SectionType.SANDBOX:
            problems.update(config_checks.sandbox_config_errors(config, criteria))
        elif section_type == SectionType.INTERACTIVE:
            problems.update(config_checks.interactive_errors(config))
        elif section_type == SectionType.GAME and (config or {}).get("game_type"):
            problems.update(config_checks.game_errors(config))
        problem = config_checks.section_config_errors(section_type, config)
        if problem:
            problems.setdefault(problem.split(" ", 1)[0], problem)
        for key, message in problems.items():
            field = by_key.get(key)
            if key == "files" and "file name" in message:
                field = "sandbox_file_name"
            self.add_error(field if field in self.fields else "section_config", message if field else f"{key}: {message}")
            self._typed_errors.add("section_config")
        problem = completion.criteria_errors(criteria)
        if problem:
            self.add_error(CRITERIA_MESSAGE_FIELDS.get(problem.split(" ", 1)[0], "criteria_type"), problem)
            self._typed_errors.add("completion_criteria")

    def _post_clean(self):
        own = {name: copy.copy(self._errors[name]) for name in self._typed_errors if name in self._errors}  # the model's are appended in place
        super()._post_clean()
        # The model's clean() finds the same problems again: they already stand beside their fields.
        for name in self._typed_errors:
            if name in own:
                self._errors[name] = own[name]
            else:
                self._errors.pop(name, None)

    def _markdown_preview(self, data):
        """The no-JavaScript Preview button: show the rendered Markdown, save nothing."""
        target = self.data.get("_markdown_preview") if self.is_bound else None
        if target not in ("content", "instructions"):
            return
        self.fields[target].widget.preview_html = markdown_html(str(data.get(target) or ""))
        self.add_error(None, "Preview shown under the text; nothing is saved until you press Save.")


# ---------------------------------------------------------------- lists, modules and questions without raw JSON


class LinesField(forms.Field):
    """A list of text labels typed one per line; it cleans to the same JSON list the model keeps
    (a JSON list typed by hand, as power users may, is taken as it is)."""

    widget = forms.Textarea(attrs={"rows": 3, "cols": 40})

    def prepare_value(self, value):
        return "\n".join(str(v) for v in value) if isinstance(value, list) else (value or "")

    def to_python(self, value):
        if isinstance(value, list):
            return value
        text = (value or "").strip()
        if text.startswith("["):
            try:
                parsed = json.loads(text)
            except ValueError:
                parsed = None
            if isinstance(parsed, list) and all(isinstance(v, str) for v in parsed):
                return parsed
        return [line.strip() for line in text.splitlines() if line.strip()]

    def has_changed(self, initial, data):
        return self.to_python(initial if isinstance(initial, list) else self.prepare_value(initial)) != self.to_python(data)


def _typed(form) -> bool:
    """The form was posted from the page with the fields (an import or an old script posting
    the bare JSON has no `typed_fields` marker and is taken as the plain JSON form)."""
    return form.is_bound and bool(form.data.get(form.add_prefix("typed_fields")))


def _typed_marker():
    return forms.CharField(widget=forms.HiddenInput, required=False, initial="1")


def _keep_own_errors(form, errors, moves):
    """The model's clean() finds again what the fields' checks found: keep the message that
    stands beside the field. `moves`: model field -> the form field its messages belong beside."""
    if not hasattr(errors, "error_dict"):
        return errors
    kept = {}
    for name, messages in errors.error_dict.items():
        name = moves.get(name, name)
        if name in form._errors or (name != NON_FIELD_ERRORS and name not in form.fields):
            continue
        kept.setdefault(name, []).extend(messages)
    return ValidationError(kept) if kept else None


class RelatedModulesField(forms.MultipleChoiceField):
    """Related modules picked by title; stored as their slugs, in the order they were stored
    (a slug no module has any more is offered too, so saving keeps it)."""

    def __init__(self, **kwargs):
        super().__init__(required=False, widget=FilteredSelectMultiple("related modules", is_stacked=False), **kwargs)

    def to_python(self, value):
        if isinstance(value, (list, tuple)) and len(value) == 1 and str(value[0]).strip().startswith("["):
            try:  # the JSON list of slugs a script posts
                parsed = json.loads(value[0])
            except ValueError:
                parsed = None
            if isinstance(parsed, list) and all(isinstance(v, str) for v in parsed):
                value = parsed
        return [v for v in super().to_python(value) if v]  # an empty value posted by a script is no module

    def offer(self, *, exclude_pk, stored):
        modules = list(Module.objects.exclude(pk=exclude_pk).order_by("title").values_list("module_id", "title"))
        known = {slug for slug, _ in modules}
        gone = [(slug, f"{slug} (no such module)") for slug in stored if isinstance(slug, str) and slug not in known]
        self.choices = [(slug, f"{title} ({slug})") for slug, title in modules] + gone


RULE_PARTS = ("id", "trigger", "attempts", "at_section", "action", "target_section")
RULE_TRIGGERS = [("", "—"), ("failed_attempts", "failed attempts"),
                 *[(f"pattern:{p}", f"pattern: {p.replace('_', ' ')}") for p in config_checks.PATTERNS]]
RULE_ACTIONS = [("", "—"), ("reveal_hint", "reveal the next hint"), ("offer_variant", "offer an easier section"),
                ("offer_skip_optional", "offer to skip optional sections"), ("show_guided_prompts", "show the guided prompts")]
BLANK_RULE_ROWS = 2


def rule_row(rule) -> dict | None:
    """A stored rule as the row of fields that shows it; None when the fields cannot (keys they do not have)."""
    if not isinstance(rule, dict) or set(rule) - {"id", "when", "then"}:
        return None
    when, then = rule.get("when"), rule.get("then")
    if not (isinstance(when, dict) and isinstance(then, dict)) or set(when) - {"failed_attempts", "pattern", "section"} or set(then) - {
            "action", "section"}:
        return None
    if ("failed_attempts" in when) == ("pattern" in when):
        return None
    trigger = "failed_attempts" if "failed_attempts" in when else f"pattern:{when['pattern']}"
    row = {"id": rule.get("id", ""), "trigger": trigger, "attempts": when.get("failed_attempts", ""), "at_section": when.get("section", ""),
           "action": then.get("action", ""), "target_section": then.get("section", "")}
    return {k: "" if v is None else str(v) for k, v in row.items()}


def _whole(text, low, high):
    try:
        value = int(str(text).strip())
    except ValueError:
        return None
    return value if low <= value <= high else None


def row_rule(i, row) -> dict:
    """The rule a filled row of fields stands for; ValidationError naming the rule and what is missing."""
    trigger, action = row.get("trigger", ""), row.get("action", "")
    if trigger not in dict(RULE_TRIGGERS) or not trigger:
        raise ValidationError(f"Rule {i}: choose when it fires (failed attempts or a pattern).")
    if action not in dict(RULE_ACTIONS) or not action:
        raise ValidationError(f"Rule {i}: choose what it does.")
    when = {}
    if trigger == "failed_attempts":
        attempts = _whole(row.get("attempts", ""), 1, 100)
        if attempts is None:
            raise ValidationError(f"Rule {i}: give the number of failed attempts, 1 to 100.")
        when["failed_attempts"] = attempts
    else:
        when["pattern"] = trigger.removeprefix("pattern:")
    then = {"action": action}
    for part, target, label in (("at_section", when, "the section it watches"), ("target_section", then, "the section it acts on")):
        text = str(row.get(part, "")).strip()
        if text:
            number = _whole(text, 1, 10000)
            if number is None:
                raise ValidationError(f"Rule {i}: {label} must be a section number (1 or more).")
            target["section"] = number
    if action == "offer_variant" and "section" not in then:
        raise ValidationError(f"Rule {i}: 'offer an easier section' needs the section to offer.")
    rule = {"id": row["id"].strip()} if row.get("id", "").strip() else {}
    return {**rule, "when": when, "then": then}


class AdaptiveRulesWidget(forms.Widget):
    """One row of fields per rule, plus blank rows to add rules (no JavaScript)."""

    template_name = "admin/lms/widgets/adaptive_rules.html"

    def format_value(self, value):
        return value

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        rows = [dict(row) for row in (value or [])]
        rows += [dict.fromkeys(RULE_PARTS, "") for _ in range(BLANK_RULE_ROWS)]
        for i, row in enumerate(rows):
            row["prefix"] = f"{name}-{i}"
            row["number"] = i + 1
        context["widget"].update(rows=rows, row_count=len(rows), triggers=RULE_TRIGGERS, actions=RULE_ACTIONS)
        return context

    def value_from_datadict(self, data, files, name):
        count = _whole(data.get(f"{name}-rows", ""), 0, config_checks.MAX_RULES + BLANK_RULE_ROWS)
        if count is None:
            return None  # not posted (a script posting the JSON): the rules stay as they are
        return [{part: str(data.get(f"{name}-{i}-{part}", "")).strip()[:100] for part in RULE_PARTS} for i in range(count)]

    def value_omitted_from_data(self, data, files, name):
        return f"{name}-rows" not in data


class AdaptiveRulesField(forms.Field):
    """adaptive_config["rules"] edited as rows: the when (failed attempts at a section, or a
    pattern), the then (an action, and the section it acts on). Cleans to the rule list."""

    widget = AdaptiveRulesWidget

    def prepare_value(self, value):
        if isinstance(value, list) and all(isinstance(r, dict) and "trigger" in r for r in value):
            return value  # rows as posted
        return [rule_row(r) for r in (value or [])]

    def to_python(self, value):
        if value is None:
            return None
        rules, problems, number = [], [], 0
        for row in value:
            if not any(str(row.get(part, "")).strip() for part in RULE_PARTS):
                continue  # a blank row
            number += 1
            try:
                rules.append(row_rule(number, row))
            except ValidationError as exc:
                problems.extend(exc.messages)
        if problems:
            raise ValidationError(problems)
        return rules

    def has_changed(self, initial, data):
        if data is None or self.disabled:
            return False
        try:
            return self.to_python(data) != (initial or [])
        except ValidationError:
            return True


class ModuleAdminForm(forms.ModelForm):
    """A module's lists one per line, its related modules picked, its adaptive rules as rows of
    fields; the adaptive JSON stays under "Advanced (JSON)" for power users (editing both at
    once is refused, naming both)."""

    typed_fields = _typed_marker()
    tags = LinesField(required=False, help_text="One label per line, e.g. required, safety, lab.")
    required_components = LinesField(required=False, help_text="Browser components the module needs, one per line, e.g. monaco-editor.")
    related_modules = RelatedModulesField(help_text="Modules a student may take next or alongside.")
    adaptive_rules = AdaptiveRulesField(
        required=False, label="Adaptive rules",
        help_text="Each rule fires once per section: after some failed attempts (at a section, or at any if left empty) or when "
                  "a pattern is seen, it reveals a hint, offers an easier section, offers to skip optional sections or shows "
                  "the guided prompts. Fill a blank row to add a rule, empty a row to remove it.")

    class Meta:
        model = Module
        fields = ["tags", "required_components", "related_modules", "adaptive_config"]  # the admin adds its fieldsets' fields
        labels = {"adaptive_config": "Adaptive configuration (JSON)"}
        help_texts = {"adaptive_config": "Everything the rules above set, as JSON. Edit either the rules or this, not both at once."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "adaptive_config" in self.fields:
            self.fields["adaptive_config"].widget = forms.Textarea(attrs={"rows": 6, "cols": 80})
        stored = self.instance.related_modules if isinstance(self.instance.related_modules, list) else []
        if "related_modules" in self.fields:
            self.fields["related_modules"].offer(exclude_pk=self.instance.pk, stored=stored)
        config = self.instance.adaptive_config
        rules = config.get("rules", []) if isinstance(config, dict) else []
        if "adaptive_rules" in self.fields:
            field = self.fields["adaptive_rules"]
            if (config is not None and not isinstance(config, dict)) or not isinstance(rules, list) or None in [rule_row(r) for r in rules]:
                field.disabled = True  # keys the rows cannot show: the JSON below is the one way to edit them
                field.help_text = "These rules use keys the rows cannot show: edit them in the JSON under Advanced."
                self.initial["adaptive_rules"] = []
            else:
                self.initial["adaptive_rules"] = rules

    def clean_related_modules(self):
        chosen = self.cleaned_data.get("related_modules") or []
        stored = self.initial.get("related_modules") or []
        return stored if isinstance(stored, list) and set(chosen) == set(stored) else chosen  # unchanged: the stored order

    def clean(self):
        data = super().clean()
        if not _typed(self) or "adaptive_rules" not in self.fields:
            return data
        changed = set(self.changed_data)
        if "adaptive_rules" in changed and "adaptive_config" in changed:
            self.add_error("adaptive_config", "You changed both this JSON and the adaptive rules above: keep one of the two.")
        elif "adaptive_rules" in changed and "adaptive_rules" in data:
            initial = self.initial.get("adaptive_config")
            config = {k: v for k, v in initial.items() if k != "rules"} if isinstance(initial, dict) else {}
            if data["adaptive_rules"]:
                config["rules"] = data["adaptive_rules"]
            config = config or None
            problem = config_checks.adaptive_config_errors(config)
            if problem:
                self.add_error("adaptive_rules", problem)
            else:
                data["adaptive_config"] = config
        return data

    def _update_errors(self, errors):
        moves = {"adaptive_config": "adaptive_rules"} if "adaptive_rules" in self.changed_data else {}
        errors = _keep_own_errors(self, errors, moves)
        if errors is not None:
            super()._update_errors(errors)


ANSWER_FIELDS = ("right_choices", "right_number", "accepted_answers")  # the form's own fields (not the model's)
CHOICE_TYPES = (QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE)
CHOICE_NUMBER = re.compile(r"[,;\s]+")


def _answer_field(kind) -> str:
    if kind in CHOICE_TYPES:
        return "right_choices"
    return "right_number" if kind == QuestionType.NUMERIC else "accepted_answers"


def _number_text(value):
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _choices_said(n) -> str:
    return "there is 1 choice" if n == 1 else f"there are {n} choices"


def parse_right_choices(text, *, kind, count) -> int | list[int]:
    """'2' or '1, 3' (counted from 1) as the stored answer: the index, or the list of indexes (from 0)."""
    tokens = [t for t in CHOICE_NUMBER.split(text or "") if t]
    if not tokens:
        raise ValidationError("Give the number of the right choice, e.g. 2." if kind == QuestionType.SINGLE_CHOICE
                              else "Give the numbers of the right choices, e.g. 1, 3.")
    numbers = []
    for token in tokens:
        if not token.isdigit():
            raise ValidationError(f"{token[:20]!r} is not a choice number: write numbers such as 2 or 1, 3.")
        number = int(token)
        if not 1 <= number <= count:
            raise ValidationError(f"choice {number} does not exist: {_choices_said(count)}.")
        if number in numbers:
            raise ValidationError(f"choice {number} is given twice.")
        numbers.append(number)
    if kind == QuestionType.SINGLE_CHOICE:
        if len(numbers) > 1:
            raise ValidationError("A single-choice question has one right choice: give one number.")
        return numbers[0] - 1
    return [n - 1 for n in numbers]


def parse_accepted(text, *, text_match):
    lines = _split_lines(text)
    if text_match == TextMatch.PATTERN:
        if not lines:
            raise ValidationError("Give the regular expression the whole answer must match.")
        if len(lines) > 1:
            raise ValidationError("A pattern is one line; for several accepted answers choose the exact match.")
        if len(lines[0]) > MAX_PATTERN:
            raise ValidationError(f"A pattern of at most {MAX_PATTERN} characters.")
        try:
            re.compile(lines[0])
        except re.error as exc:
            raise ValidationError(f"Not a valid regular expression: {exc}.") from None
        return lines[0]
    if not lines:
        raise ValidationError("Give at least one accepted answer, one per line.")
    return lines


class ModuleQuestionForm(forms.ModelForm):
    """A question's answer through fields by type: the right choice(s) by number, the right
    number beside the tolerance, the accepted answers one per line (or the pattern); the
    choices one per line. On the question's own page the JSON answer stays under "Advanced
    (JSON)"; the section's inline has the fields only."""

    typed_fields = _typed_marker()
    choices = LinesField(required=False, help_text=f"Choice questions: one choice per line, 2 to {MAX_CHOICES}.")
    right_choices = forms.CharField(
        required=False, max_length=200, label="Right choice(s)",
        help_text="Choice questions: the number of the right choice, counting the lines above from 1; multiple choice: all right ones, e.g. 1, 3.")
    right_number = forms.FloatField(required=False, label="Right number", help_text="Numeric questions: right within the tolerance.")
    accepted_answers = forms.CharField(
        required=False, label="Accepted answers", widget=forms.Textarea(attrs={"rows": 2, "cols": 40}),
        help_text="Short-text questions: one accepted answer per line (exact match), or the regular expression on one line (pattern match).")

    class Meta:
        model = ModuleQuestion
        fields = ["section", "position", "question_type", "prompt", "choices", "answer", "tolerance", "text_match", "points", "explanation"]
        labels = {"answer": "Answer (JSON)"}
        help_texts = {"answer": "What the fields above set, as JSON (single: 0 for the first choice; multiple: [0, 2]; numeric: 3.3; "
                                'short text: ["accepted", ...] or "^pattern$"). Edit either the fields or this, not both at once.'}

    FIELDSETS = [
        (None, {"fields": ["section", "position", "question_type", "prompt", "typed_fields"]}),
        ("Answer", {"fields": ["choices", "right_choices", "right_number", "tolerance", "text_match", "accepted_answers"]}),
        ("Scoring", {"fields": ["points", "explanation"]}),
        ("Advanced (JSON)", {"fields": ["answer"], "classes": ["collapse"]}),
    ]
    FORM_ONLY = ANSWER_FIELDS
    INLINE_FIELDS = ["position", "question_type", "prompt", "choices", "right_choices", "right_number", "tolerance", "text_match",
                     "accepted_answers", "points", "explanation", "typed_fields"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "answer" in self.fields:
            self.fields["answer"].required = False  # the fields above give it; a missing answer is said beside them
            self.fields["answer"].widget = forms.Textarea(attrs={"rows": 2, "cols": 60})
        question = self.instance
        answer, kind = question.answer, question.question_type
        if question.pk is None:
            return
        if kind == QuestionType.SINGLE_CHOICE and isinstance(answer, int) and not isinstance(answer, bool):
            self.initial["right_choices"] = str(answer + 1)
        elif kind == QuestionType.MULTIPLE_CHOICE and isinstance(answer, list) and all(isinstance(a, int) for a in answer):
            self.initial["right_choices"] = ", ".join(str(a + 1) for a in answer)
        elif kind == QuestionType.NUMERIC and isinstance(answer, (int, float)) and not isinstance(answer, bool):
            self.initial["right_number"] = answer
        elif kind == QuestionType.SHORT_TEXT and isinstance(answer, list):
            self.initial["accepted_answers"] = _lines(answer)
        elif kind == QuestionType.SHORT_TEXT and isinstance(answer, str):
            self.initial["accepted_answers"] = answer

    def clean(self):
        data = super().clean()
        self._answer_source = None
        if not _typed(self):
            return data
        kind = data.get("question_type") or self.instance.question_type
        changed = set(self.changed_data)
        typed_changed = [n for n in ANSWER_FIELDS if n in changed]
        if "answer" in self.fields and "answer" in changed:
            if typed_changed:
                self.add_error("answer", "You changed both this JSON and the answer fields above "
                                         f"({', '.join(str(self.fields[n].label) for n in typed_changed)}): keep one of the two.")
            return data  # the JSON as typed
        choices = data.get("choices")
        if kind in CHOICE_TYPES and not (isinstance(choices, list) and 2 <= len(choices) <= MAX_CHOICES):
            self.add_error("choices", f"Give 2 to {MAX_CHOICES} choices, one per line.")
        if not (typed_changed or {"question_type", "text_match"} & changed or self.instance.pk is None):
            return data  # the stored answer stands
        source = self._answer_source = _answer_field(kind)
        if source not in self.fields or source in self._errors:
            return data
        try:
            if source == "right_choices":
                answer = parse_right_choices(data.get(source), kind=kind, count=len(choices) if isinstance(choices, list) else 0)
            elif source == "right_number":
                if data.get(source) is None:
                    raise ValidationError("Give the right number, e.g. 3.3.")
                answer = _number_text(data[source])
            else:
                answer = parse_accepted(data.get(source), text_match=data.get("text_match") or TextMatch.EXACT)
        except ValidationError as exc:
            self.add_error(source, exc)
            return data
        data["answer"] = answer
        self.instance.answer = answer  # the section's inline has no JSON box
        return data

    def _update_errors(self, errors):
        source = getattr(self, "_answer_source", None) or _answer_field(self.cleaned_data.get("question_type") or self.instance.question_type)
        moves = {} if "answer" in self.fields and not getattr(self, "_answer_source", None) else {"answer": source}
        errors = _keep_own_errors(self, errors, moves)
        if errors is not None:
            super()._update_errors(errors)
