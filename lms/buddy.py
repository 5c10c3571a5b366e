"""The guided-struggle "buddy": picks its next nudge from the student's pattern
(lms.struggle) and the section's prompts and hints. The default backend is
scripted (no model, deterministic); an optional LLM backend has the same
interface as basecamp's assessors (a class with `name` and one method) and is
used only when LMS_BUDDY = "llm" with LMS_BUDDY_LLM_URL and LMS_BUDDY_LLM_MODEL.

A buddy never gives away an answer it does not have: it only sees the section's
title, instructions, prompts, the hints already revealed and the pattern."""

import json
import urllib.request
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from lms.adaptive import revealed_hints
from lms.adaptive_actions import locked_progress
from lms.models import EventType, ModuleAnalyticsEvent

MAX_MESSAGE = 1000


@dataclass
class BuddyContext:
    section_title: str
    instructions: str
    pattern: str
    prompts: list = field(default_factory=list)
    revealed_hints: list = field(default_factory=list)
    hints_left: int = 0
    nudges_given: int = 0
    message: str = ""
    trail: list = field(default_factory=list)


class ScriptedBuddy:
    """Deterministic nudges: one opener per pattern, then the section's prompts in turn,
    then the revealed hints turned into questions."""

    name = "scripted"

    OPENERS = {
        "guessing": "Slow down for a moment: read each question again and rule out one choice you are sure is wrong before you answer.",
        "confusion_loop": "You have been going back and forth between sections {a} and {b}. Write down, in one sentence, what you are "
                          "looking for, then open only the section that answers it.",
        "stuck": "This one takes time, and that is normal. Let's break it into a smaller step.",
        "rapid_progress": "You are moving fast. Before you check, explain to yourself why your answer is right.",
    }

    def reply(self, context: BuddyContext) -> str:
        turn = context.nudges_given
        opener = self.OPENERS.get(context.pattern)
        if opener and turn == 0:
            pair = sorted(set(context.trail[-4:]))[:2] or ["?", "?"]
            return opener.format(a=pair[0], b=pair[-1])
        steps = list(context.prompts) + [f"Think about this hint: {h} What does it change in your approach?" for h in context.revealed_hints]
        if steps:
            return steps[(turn - (1 if opener else 0)) % len(steps)]
        if context.hints_left:
            return "Try the next hint: it is one small step, not the answer."
        return "Go back to the instructions and do the first step only. Then tell me what you see."


class LLMBuddy:
    """Optional: an OpenAI-compatible chat endpoint (off by default, never used by tests)."""

    name = "llm"

    def __init__(self, *, url=None, model=None, api_key=None, timeout=30):
        self.url = url or settings.LMS_BUDDY_LLM_URL
        self.model = model or settings.LMS_BUDDY_LLM_MODEL
        self.api_key = api_key if api_key is not None else settings.LMS_BUDDY_LLM_API_KEY
        self.timeout = timeout
        if not self.url or not self.model:
            raise RuntimeError("The LLM buddy needs LMS_BUDDY_LLM_URL and LMS_BUDDY_LLM_MODEL.")

    def prompt(self, context: BuddyContext) -> str:
        return (
            "You are a patient study buddy. Give ONE short nudge (at most two sentences), never the answer.\n"
            f"Section: {context.section_title}\nInstructions: {context.instructions}\nObserved pattern: {context.pattern or 'none'}\n"
            f"Prompts the author wrote: {json.dumps(context.prompts)}\nHints already shown: {json.dumps(context.revealed_hints)}\n"
            f"Student says: {context.message}"
        )

    def reply(self, context: BuddyContext) -> str:
        body = json.dumps({"model": self.model, "messages": [{"role": "user", "content": self.prompt(context)}], "temperature": 0.3})
        request = urllib.request.Request(self.url, data=body.encode(), headers={
            "Content-Type": "application/json", **({"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}),
        })
        with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 (operator-configured URL)
            answer = json.loads(response.read())
        return str(answer["choices"][0]["message"]["content"]).strip()[:MAX_MESSAGE]


BUDDIES = {"scripted": ScriptedBuddy, "llm": LLMBuddy}


def build_buddy(name=None):
    name = name or settings.LMS_BUDDY or "scripted"
    if name not in BUDDIES:
        raise ValueError(f"Unknown LMS_BUDDY {name!r}; choose one of {sorted(BUDDIES)}.")
    return BUDDIES[name]()


def buddy_reply(*, section, student, message="", user=None) -> str:
    """The buddy's next nudge for the student on a guided-struggle section; the
    student's message and the reply are recorded as events."""
    if section.section_type != "guided_struggle":
        raise ValidationError({"section": "The buddy helps on guided-struggle sections."})
    message = (message or "").replace("\x00", "").strip()
    if len(message) > MAX_MESSAGE:
        raise ValidationError({"message": f"At most {MAX_MESSAGE} characters."})
    config = section.section_config or {}
    now = timezone.now()
    with transaction.atomic():
        progress = locked_progress(section.module_id, student)
        state = progress.section_state.setdefault(str(section.section_number), {})
        revealed = revealed_hints(section, progress)
        context = BuddyContext(
            section_title=section.title, instructions=str(config.get("instructions") or section.content or "")[:2000],
            pattern=progress.pattern_detected, prompts=[str(p) for p in config.get("prompts") or []], revealed_hints=revealed,
            hints_left=max(0, len(config.get("hints") or []) - len(revealed)), nudges_given=state.get("buddy", 0), message=message,
            trail=list((progress.struggle_state or {}).get("trail") or []),
        )
        try:
            text = build_buddy().reply(context)
        except Exception:  # noqa: BLE001 - an optional remote backend failing falls back to the script
            text = ScriptedBuddy().reply(context)
        state["buddy"] = context.nudges_given + 1
        progress.save(update_fields=["section_state"])
        events = []
        if message:
            events.append(ModuleAnalyticsEvent(module_id=section.module_id, student=student, event_type=EventType.STUDENT_MESSAGE,
                                               section_number=section.section_number, event_data={"text": message}, timestamp=now))
        events.append(ModuleAnalyticsEvent(module_id=section.module_id, student=student, event_type=EventType.BUDDY_MESSAGE,
                                           section_number=section.section_number, timestamp=now,
                                           event_data={"text": text, "turn": context.nudges_given}))
        ModuleAnalyticsEvent.objects.bulk_create(events)
    return text
