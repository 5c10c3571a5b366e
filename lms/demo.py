"""Demo LMS content for `manage.py seed_demo`: onboarding modules with sections of
every type, prerequisites, assignments (by rule, team and student, one overdue) and
some progress and events for the demo student (cal_poly) and their classmates.
Idempotent and deterministic."""

import datetime
import random

from django.db import transaction
from django.utils import timezone

from frames.models import Student, Team, University
from lms import services
from lms.completion import checklist_items
from lms.models import (
    AssignmentRule,
    Module,
    ModuleAnalyticsEvent,
    ModuleAssignment,
    ModuleFeedback,
    ModulePrerequisite,
    ModuleProgress,
    ModuleQuestion,
    ModuleSection,
    ModuleStatus,
    ProgressStatus,
)
from lms.quizzes import quiz_attempt_submit

MODULES = [
    {
        "module_id": "lab-safety-101", "title": "Lab safety essentials", "category": "Safety", "subsystem": "", "estimated_minutes": 15,
        "module_type": "text", "difficulty_level": 1, "tags": ["required", "safety", "lab"], "interaction_level": "low",
        "description": "What to wear, where the exits are and how to work safely in the CubeSat lab.",
        "sections": [
            ("text", "Welcome to the lab", "## Why safety first\n\nThe lab holds **flight hardware**, soldering stations and "
             "high-pressure gas. Read this module before your first shift.\n\n- Know the exits\n- Know who to call\n- Never work alone after hours",
             None, {"type": "view", "seconds": 0}),
            ("video", "A tour of the lab", "Watch the two-minute tour of the clean bench and the test stand.", None, {"type": "mark_done"}),
            ("checklist", "Before your first shift", "- I know where the fire extinguisher is\n- I have safety glasses\n"
             "- I signed the lab access form\n- I know the emergency number", None, {"type": "checklist"}),
        ],
    },
    {
        "module_id": "esd-handling", "title": "ESD and flight hardware handling", "category": "Safety", "subsystem": "avionics",
        "estimated_minutes": 20, "module_type": "mixed", "difficulty_level": 2, "tags": ["safety", "hardware"], "interaction_level": "medium",
        "description": "Electrostatic discharge destroys boards silently. Learn the grounding routine used for every flight board.",
        "prereqs": [("lab-safety-101", True)],
        "sections": [
            ("text", "What ESD does", "A discharge you cannot feel (below 3,000 V) can still damage a **CMOS** part.\n\n"
             "| Source | Typical voltage |\n|---|---|\n| Walking on carpet | 35,000 V |\n| Picking up a bag | 20,000 V |", None, {"type": "mark_done"}),
            ("image", "Grounding setup", "Clip the strap to the mat's ground point **before** opening the bag.", None, {"type": "view", "seconds": 0}),
            ("checklist", "Handling routine", "", {"items": ["Strap on and tested", "Board stays in its shielding bag until on the mat",
                                                             "Hold boards by the edges", "Log the board in the traveller"]}, {"type": "checklist"}),
        ],
    },
    {
        "module_id": "git-workflow", "title": "Git workflow for flight software", "category": "Technical", "subsystem": "software",
        "estimated_minutes": 30, "module_type": "sandbox", "difficulty_level": 2, "tags": ["software", "git"], "interaction_level": "high",
        "required_components": ["monaco-editor"],
        "description": "Branches, reviews and the release tags the flight software team uses.",
        "sections": [
            ("text", "Branches and reviews", "Every change goes through a **pull request** with one review.\n\n```\ngit switch -c fix/telemetry-rate\n"
             "git commit -am \"Lower telemetry rate in safe mode\"\ngit push -u origin fix/telemetry-rate\n```", None, {"type": "mark_done"}),
            ("sandbox", "Your first commit", "Finish the function, run the script and check its output matches.", {
                "language": "python", "runnable": True, "time_limit_s": 10,
                "files": {"main.py": 'def telemetry_line(name, value):\n    """One telemetry reading as name=value."""\n    return ""\n\n\n'
                                     'print(telemetry_line("battery", 7.4))\nprint(telemetry_line("mode", "safe"))\n'},
                "expected_output": "battery=7.4\nmode=safe",
                "tests": [{"name": "formats a negative reading", "code": "assert telemetry_line('rssi', -92) == 'rssi=-92'"}],
                "instructions": "Make `telemetry_line` return `name=value`, press **Run** to see the output, then **Check**.",
                "hints": ["An f-string joins the two: f\"{name}={value}\".", "print() adds the line break; return the text only."],
            }, {"type": "pass"}),
            ("guided_struggle", "Fix a merge conflict", "Resolve the conflict in `telemetry.py` with the buddy's help.", {
                "problem_type": "merge_conflict", "buddy_personality": "patient senior engineer",
                "hints": ["Look for the <<<<<<< markers.", "Keep both rates and pick the lower one.", "Run the tests before committing."],
            }, {"type": "score", "min": 70}),
        ],
    },
    {
        "module_id": "power-budget", "title": "Power budget basics", "category": "Technical", "subsystem": "power", "estimated_minutes": 25,
        "module_type": "interactive", "difficulty_level": 3, "tags": ["power", "eps"], "interaction_level": "high",
        "description": "Solar input, battery depth of discharge and the orbit-average power budget.",
        "prereqs": [("lab-safety-101", True)],
        "sections": [
            ("text", "Orbit-average power", "Power in = panel area × efficiency × 1361 W/m² × sunlit fraction.", None, {"type": "view", "seconds": 20}),
            ("interactive", "Find the loads", "Click each load on the block diagram.", {
                "environment_type": "block_diagram", "hotspots": ["radio", "obc", "heaters", "payload"],
                "tasks": [{"name": "find all loads", "hotspots": ["radio", "obc", "heaters", "payload"]}],
            }, {"type": "task", "tasks": ["find all loads"]}),
            ("game", "Balance the budget", "Keep the battery above 30% for three orbits.", {
                "game_type": "power_balance", "challenges": ["eclipse", "safe mode"], "solar_watts": 10, "battery_wh": 20, "start_percent": 80,
                "min_percent": 30, "orbits": 3, "orbit_minutes": 90, "eclipse_fraction": 0.4,
                "loads": [{"name": "OBC", "watts": 1.5, "required": True}, {"name": "Radio", "watts": 2, "required": True},
                          {"name": "Heaters", "watts": 3}, {"name": "Payload", "watts": 4}],
            }, {"type": "score", "min": 70}),
        ],
    },
    {
        "module_id": "mission-ops-intro", "title": "Mission operations orientation", "category": "Orientation", "subsystem": "mission_ops",
        "estimated_minutes": 10, "module_type": "text", "difficulty_level": 1, "tags": ["orientation"], "interaction_level": "low",
        "description": "Passes, the ground station schedule and who is on console.",
        "sections": [
            ("text", "A pass, minute by minute", "Acquisition of signal, health check, commands, loss of signal.", None, {"type": "time", "value": 30}),
            ("checklist", "Console etiquette", "- Call out every command before sending\n- Log anomalies in the ops log", None, None),
        ],
    },
    {
        "module_id": "fprime-components", "title": "F Prime components", "category": "Technical", "subsystem": "software", "estimated_minutes": 45,
        "module_type": "mixed", "difficulty_level": 4, "tags": ["software", "fprime"], "interaction_level": "medium",
        "description": "Ports, commands, telemetry channels and events in NASA's F Prime framework.",
        "prereqs": [("git-workflow", True), ("power-budget", False)],
        "sections": [
            ("text", "Components and ports", "A component talks only through typed **ports**.", None, {"type": "mark_done"}),
            ("text", "Commands and telemetry", "Commands go in, telemetry and events come out.", None, {"type": "mark_done"}),
        ],
    },
    {
        "module_id": "ground-station-passes", "title": "Ground station passes", "category": "Technical", "subsystem": "communications",
        "estimated_minutes": 20, "module_type": "guided_struggle", "difficulty_level": 2, "tags": ["communications", "quiz"],
        "interaction_level": "high",
        "description": "Passes, link margin and what to do when a pass fails: a graded quiz, a guided problem and help that adapts to you.",
        "adaptive_config": {"rules": [
            {"id": "hint-after-a-miss", "when": {"failed_attempts": 1, "section": 2}, "then": {"action": "reveal_hint"}},
            {"id": "warm-up", "when": {"failed_attempts": 2, "section": 2}, "then": {"action": "offer_variant", "section": 5}},
            {"id": "fast-track", "when": {"pattern": "rapid_progress"}, "then": {"action": "offer_skip_optional"}},
            {"id": "stuck-help", "when": {"pattern": "stuck"}, "then": {"action": "show_guided_prompts", "section": 3}},
        ]},
        "sections": [
            ("text", "Passes and link margin", "A **pass** runs from acquisition of signal (AOS) to loss of signal (LOS). The link "
             "**margin** is what the received power has above what the receiver needs: antenna gain and transmit power raise it, "
             "distance and losses lower it.", None, {"type": "view", "seconds": 0}),
            ("quiz", "Check: passes and margins", "Four questions; 70% passes. A hint appears after a miss.", {
                "max_attempts": 5, "cooldown_seconds": 0,
                "hints": ["Margin goes up with gain and power, down with distance and losses.", "9:04 to 9:13 is nine minutes."],
            }, {"type": "score", "min": 70, "attempt": "best"}),
            ("guided_struggle", "Why did the pass fail?", "Last night's pass dropped out at low elevation. Work out why with the buddy.", {
                "problem_type": "diagnosis", "buddy_personality": "calm operator",
                "instructions": "The downlink faded below 10° elevation and came back above 25°. Find the cause, then answer the check.",
                "prompts": ["What changes between 10° and 25° elevation?", "Which term of the link budget grows with the slant range?",
                            "What could the station change without touching the satellite?"],
                "hints": ["At low elevation the slant range is longest.", "Longer range means more free-space loss."],
            }, {"type": "score", "min": 100}),
            ("text", "Going further: Doppler", "The carrier shifts by up to ±10 kHz on a UHF pass; the station retunes as the satellite "
             "passes.", {"optional": True}, {"type": "view", "seconds": 0}),
            ("quiz", "Warm-up: pass basics", "Two easier questions to build up to the check.", {"optional": True, "max_attempts": 0},
             {"type": "view", "seconds": 0}),
        ],
    },
    {
        "module_id": "thermal-vacuum", "title": "Thermal vacuum testing", "category": "Technical", "subsystem": "thermal", "estimated_minutes": 35,
        "module_type": "text", "difficulty_level": 4, "tags": ["testing"], "status": "draft",
        "description": "Planning a TVAC campaign (draft, not yet published).",
        "sections": [("text", "Why TVAC", "Outgassing and thermal cycling.", None, {"type": "mark_done"})],
    },
]


# Questions per (module, section number): (type, prompt, choices, answer, extra fields).
QUESTIONS = {
    ("ground-station-passes", 2): [
        ("single_choice", "A pass starts at…", ["Acquisition of signal (AOS)", "Loss of signal (LOS)", "Apogee"], 0,
         {"explanation": "Think of what the station notices first as the satellite rises."}),
        ("multiple_choice", "Which of these raise the link margin?", ["A higher-gain antenna", "A longer distance", "More transmit power",
                                                                      "More cable loss"], [0, 2],
         {"explanation": "Ask of each: does it add power at the receiver, or take some away?"}),
        ("numeric", "A pass lasts from 09:04 to 09:13. How many minutes is that?", [], 9, {"tolerance": 0.5,
                                                                                         "explanation": "Count the minutes between AOS and LOS."}),
        ("short_text", "What three letters name the moment the satellite rises above the horizon mask?", [], ["AOS"],
         {"explanation": "Section 1 names the first event of every pass."}),
    ],
    ("ground-station-passes", 3): [
        ("single_choice", "What helps most at low elevation?", ["Lower the transmit power", "Wait until the satellite is higher or use a "
                                                                 "higher-gain antenna", "Change the callsign"], 1,
         {"explanation": "Think about how far the signal travels near the horizon."}),
    ],
    ("ground-station-passes", 5): [
        ("single_choice", "Which event ends a pass?", ["AOS", "LOS"], 1, {}),
        ("single_choice", "Does a bigger antenna gain raise or lower the margin?", ["Raise", "Lower"], 0, {}),
    ],
    ("git-workflow", 3): [
        ("single_choice", "main sets the telemetry rate to 10 Hz, your branch to 2 Hz, and safe mode needs the lower rate. Which line do "
                          "you keep?", ["rate = 10", "rate = 2", "Both lines", "Neither"], 1,
         {"explanation": "Keep one assignment, the lower rate, and delete the conflict markers."}),
    ],
}


def build_questions(modules):
    for (slug, number), questions in QUESTIONS.items():
        section = ModuleSection.objects.filter(module=modules.get(slug), section_number=number).first()
        if section is None:
            continue
        for position, (kind, prompt, choices, answer, extra) in enumerate(questions, 1):
            ModuleQuestion.objects.update_or_create(section=section, position=position, defaults={
                "question_type": kind, "prompt": prompt, "choices": choices, "answer": answer, **extra})


def build_modules(user=None) -> dict:
    """Create or update the demo modules (published unless marked draft); returns {slug: Module}."""
    out = {}
    for spec in MODULES:
        defaults = {k: v for k, v in spec.items() if k not in ("sections", "prereqs", "module_id", "status")}
        module, _ = Module.objects.update_or_create(module_id=spec["module_id"], defaults=defaults)
        for n, (stype, title, content, config, criteria) in enumerate(spec["sections"], 1):
            media = "/static/lms/demo/esd-wrist-strap.svg" if stype == "image" else ("https://www.youtube.com/watch?v=xvFZjo5PgG0" if stype == "video" else "")
            ModuleSection.objects.update_or_create(module=module, section_number=n, defaults={
                "section_type": stype, "title": title, "content": content, "section_config": config, "completion_criteria": criteria,
                "media_url": media,
            })
        build_questions({module.module_id: module})
        if spec.get("status", "published") == "published" and module.status != ModuleStatus.PUBLISHED:
            services.module_publish(module=module, user=user, note="demo content")
        out[module.module_id] = module
    for spec in MODULES:
        for slug, required in spec.get("prereqs", []):
            if not ModulePrerequisite.objects.filter(module=out[spec["module_id"]], prerequisite_module=out[slug]).exists():
                services.prerequisite_add(module=out[spec["module_id"]], prerequisite=out[slug], required=required, user=user)
    return out


@transaction.atomic
def seed(stdout=None):
    modules = build_modules()
    today = timezone.localdate()
    # Rules: every incoming cal_poly student takes lab safety; ESD for the whole university; power for power teams.
    rules = [
        dict(module=modules["lab-safety-101"], university_id="cal_poly", assignment_rule=AssignmentRule.ALL_STUDENTS,
             due_date=today + datetime.timedelta(days=7)),
        dict(module=modules["esd-handling"], university_id="cal_poly", assignment_rule=AssignmentRule.ALL_STUDENTS,
             due_date=today + datetime.timedelta(days=14)),
        dict(module=modules["power-budget"], university_id=None, assignment_rule=AssignmentRule.SUBSYSTEM_SPECIFIC,
             due_date=today + datetime.timedelta(days=21)),
        dict(module=modules["mission-ops-intro"], university_id="cal_poly", assignment_rule=AssignmentRule.ALL_INCOMING_STUDENTS,
             due_date=today - datetime.timedelta(days=3), assignment_type="recommended"),
    ]
    for r in rules:
        existing = ModuleAssignment.objects.filter(module=r["module"], student__isnull=True, team__isnull=True, university_id=r["university_id"],
                                                   assignment_rule=r["assignment_rule"]).first()
        if existing is None:
            services.assignment_create(module=r["module"], university=None if r["university_id"] is None else _uni(r["university_id"]),
                                       assignment_rule=r["assignment_rule"], due_date=r["due_date"],
                                       assignment_type=r.get("assignment_type", "required"))
        else:
            services.assignment_expand(assignment=existing)
    for team in Team.objects.filter(university_id="cal_poly", subsystem="software"):
        if not ModuleAssignment.objects.filter(module=modules["git-workflow"], team=team).exists():
            services.assignment_create(module=modules["git-workflow"], team=team, assignment_type="optional", due_date=today + datetime.timedelta(days=30))
    demo = Student.objects.filter(user__username="student").first()
    if demo is not None:
        for slug in ("git-workflow", "fprime-components"):
            if not ModuleAssignment.objects.filter(module=modules[slug], student=demo).exists():
                services.assignment_create(module=modules[slug], student=demo, assignment_type="optional" if slug == "git-workflow" else "required",
                                           due_date=today + datetime.timedelta(days=45))
        _complete(demo, modules["lab-safety-101"])
        _partial(demo, modules["git-workflow"], sections=1)
    classmates = list(Student.objects.filter(university_id="cal_poly").exclude(user__username="student").order_by("id"))
    for s in classmates:
        rng = random.Random(f"lms-{s.pk}")
        if rng.random() < 0.8:
            _complete(s, modules["lab-safety-101"], rng=rng)
        if rng.random() < 0.5 and ModuleProgress.objects.filter(module=modules["lab-safety-101"], student=s, status="completed").exists():
            _partial(s, modules["esd-handling"], sections=rng.randint(1, 2), rng=rng)
    passes = modules["ground-station-passes"]
    if demo is not None and not ModuleAssignment.objects.filter(module=passes, student=demo).exists():
        services.assignment_create(module=passes, student=demo, due_date=today + datetime.timedelta(days=10))
    struggle_demo(classmates[:6], passes)
    if stdout:
        stdout.write(f"LMS: {Module.objects.count()} modules, {ModuleAssignment.objects.count()} assignments, "
                     f"{ModuleProgress.objects.count()} progress records, {ModuleAnalyticsEvent.objects.count()} events.")
    return None


def struggle_demo(students, module):
    """Classmates at different places in the quiz module: some missed the check (hints and
    a warm-up were offered), one passed straight away, one is stuck on the guided problem."""
    quiz = module.sections.get(section_number=2)
    first = quiz.questions.order_by("position").first()
    for i, s in enumerate(students):
        if ModuleProgress.objects.filter(module=module, student=s).exists():
            continue
        services.progress_start(module=module, student=s)
        services.events_ingest(student=s, items=[{"module": module.pk, "event_type": "section_view", "section_number": n} for n in (1, 2)])
        for _ in range(i % 3):  # 0, 1 or 2 misses
            quiz_attempt_submit(section=quiz, student=s, answers={str(first.pk): 1})
        if i % 3 != 2 or i == 2:
            quiz_attempt_submit(section=quiz, student=s, answers=right_answers(quiz))
        if i == 2:  # stuck on the guided problem: long active time, no progress
            items = [{"module": module.pk, "event_type": "section_view", "section_number": 3}]
            items += [{"module": module.pk, "event_type": "heartbeat", "section_number": 3, "event_data": {"seconds": 120}} for _ in range(7)]
            items += [{"module": module.pk, "event_type": "hint_used", "section_number": 3}]
            services.events_ingest(student=s, items=items)


def _uni(uid):
    return University.objects.get(pk=uid)


def _events_for(student, module, numbers, rng):
    items = [{"module": module.pk, "event_type": "module_start", "section_number": 1}]
    for n in numbers:
        section = module.sections.get(section_number=n)
        criteria = section.completion_criteria or {}
        items.append({"module": module.pk, "event_type": "section_view", "section_number": n})
        for _ in range(rng.randint(1, 4)):
            items.append({"module": module.pk, "event_type": "heartbeat", "section_number": n, "event_data": {"seconds": rng.randint(20, 110)}})
        if rng.random() < 0.4:
            items.append({"module": module.pk, "event_type": rng.choice(["hint_used", "pause", "error_encountered"]), "section_number": n})
        kind = criteria.get("type") or ("checklist" if section.section_type == "checklist" else "view")
        if kind == "mark_done":
            items.append({"module": module.pk, "event_type": "mark_done", "section_number": n})
        elif kind == "checklist":
            for i in range(len(checklist_items(section))):
                items.append({"module": module.pk, "event_type": "checklist_tick", "section_number": n, "event_data": {"item": i, "checked": True}})
        elif kind == "task":
            for t in criteria["tasks"]:
                items.append({"module": module.pk, "event_type": "task_complete", "section_number": n, "event_data": {"task": t}})
        elif kind == "score" and section.section_type not in ("quiz", "guided_struggle"):  # quizzes are answered below
            items.append({"module": module.pk, "event_type": "score", "section_number": n, "event_data": {"score": rng.randint(criteria["min"], 100)}})
        elif kind == "time":
            items.append({"module": module.pk, "event_type": "heartbeat", "section_number": n, "event_data": {"seconds": min(criteria["value"], 120)}})
    return items


def _complete(student, module, rng=None):
    progress = ModuleProgress.objects.filter(module=module, student=student).first()
    if progress and progress.status == ProgressStatus.COMPLETED:
        return
    rng = rng or random.Random(student.pk)
    numbers = list(module.sections.order_by("section_number").values_list("section_number", flat=True))
    services.events_ingest(student=student, items=_events_for(student, module, numbers, rng))
    answer_quizzes(student, module, numbers)
    if rng.random() < 0.6 and not ModuleFeedback.objects.filter(module=module, student=student).exists():
        services.feedback_submit(module=module, student=student, rating=rng.randint(3, 5), difficulty_rating=rng.randint(1, 3),
                                 clarity_rating=rng.randint(3, 5), engagement_rating=rng.randint(2, 5),
                                 comment=rng.choice(["", "Clear and short.", "The video helped.", "More pictures please."]),
                                 is_anonymous=rng.random() < 0.3, tags=rng.sample(["helpful", "fun", "too_easy"], 1))


def _partial(student, module, sections, rng=None):
    if ModuleProgress.objects.filter(module=module, student=student).exists():
        return
    rng = rng or random.Random(student.pk)
    services.events_ingest(student=student, items=_events_for(student, module, list(range(1, sections + 1)), rng))
    answer_quizzes(student, module, list(range(1, sections + 1)))


def right_answers(section) -> dict:
    """The answers that score 100 on a section's questions (demo data and tests)."""
    out = {}
    for q in ModuleQuestion.objects.filter(section=section):
        if q.question_type == "short_text":
            if q.text_match == "exact":
                out[str(q.pk)] = q.answer[0]
        else:
            out[str(q.pk)] = q.answer
    return out


def answer_quizzes(student, module, numbers):
    """Pass the graded sections among `numbers` (quiz and guided-struggle sections with questions)."""
    for section in module.sections.filter(section_number__in=numbers, section_type__in=["quiz", "guided_struggle"]).order_by("section_number"):
        if section.questions.exists():
            quiz_attempt_submit(section=section, student=student, answers=right_answers(section))
