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
import re

from django import forms
from django.urls import reverse

from lms import completion, config_checks
from lms.models import ModuleSection, SectionType
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
