"""Learner pages (/learn/): My learning, the catalogue, the module player and
feedback; and the staff's per-module dashboards."""

import time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from frames.choices import Subsystem
from frames.models import AuditLog
from frames.params import ParamError, int_param, json_body
from frames.roles import STAFF_ROLES, role_of, student_of
from lms import activities, completion, hooks, quizzes, selectors, services
from lms.adaptive import help_for, revealed_hints
from lms.adaptive_actions import hint_reveal, optional_sections_skip
from lms.buddy import buddy_reply
from lms.models import FeedbackTag, ModuleFeedback, ModuleProgress, ModuleStatus, ModuleType, ProgressStatus, QuestionType, SectionType
from lms.rendering import markdown_html, video_embed
from lms.sandbox import SandboxResultError, sandbox_result_record


def _student(request):
    student = student_of(request.user)
    if student is None:
        raise PermissionDenied("These pages are for students.")
    return student


@login_required
def my_learning(request):
    if role_of(request.user) in STAFF_ROLES:
        return redirect("lms:staff-modules")
    student = _student(request)
    data = selectors.my_learning(student)
    panels = hooks.render_panels(hooks.MY_LEARNING_PANELS, request, student)
    return render(request, "lms/my_learning.html", {"student": student, **data, "panels": panels})


def catalogue_filters(params) -> dict:
    """The catalogue's search and filters from the query string (bounded, no NUL; an unknown difficulty is ignored)."""
    filters = {k: params.get(k, "")[:100].replace("\x00", "") for k in ("q", "category", "subsystem", "difficulty", "module_type")}
    if filters["difficulty"] and filters["difficulty"] not in {"1", "2", "3", "4", "5"}:
        filters["difficulty"] = ""
    return filters


@login_required
def catalogue(request):
    student = _student(request)
    filters = catalogue_filters(request.GET)
    modules = list(selectors.catalogue(**filters)[:200])
    ids = [m.pk for m in modules]
    progress = selectors.progress_by_module(student, ids)
    prereqs = selectors.prerequisite_map(ids)
    needed = {p.pk for links in prereqs.values() for p, _ in links}
    locks = selectors.locks_for(student, ids, prereqs=prereqs, progress={**selectors.progress_by_module(student, needed), **progress})
    rows = [{"module": m, "progress": progress.get(m.pk), "lock": locks[m.pk]} for m in modules]
    return render(request, "lms/catalogue.html", {
        "rows": rows, "filters": filters, "categories": selectors.categories(), "subsystems": Subsystem.choices,
        "module_types": ModuleType.choices, "difficulties": range(1, 6),
    })


def _section_view(section, progress):
    state = progress.section_state.get(str(section.section_number), {})
    view = {
        "section": section, "rule": completion.describe(section), "criteria": completion.effective_criteria(section),
        "done": section.section_number in (progress.completed_sections or []), "state": state,
        "html": markdown_html(section.content) if section.content else "",
    }
    if section.section_type == SectionType.CHECKLIST:
        ticked = set(state.get("ticked", []))
        view["checklist_items"] = [{"index": i, "text": t, "ticked": i in ticked} for i, t in enumerate(completion.checklist_items(section))]
        view["html"] = "" if not (section.section_config or {}).get("items") else view["html"]
    if section.section_type == SectionType.VIDEO:
        view["video"] = video_embed(section.media_url)
    config = section.section_config or {}
    if section.section_type in (SectionType.SANDBOX, SectionType.GAME, SectionType.INTERACTIVE):
        view["config_facts"] = activities.facts(config)
        view["hints"] = [str(h) for h in config.get("hints", [])] if isinstance(config.get("hints"), list) else []
        view["files"] = config.get("files") if isinstance(config.get("files"), dict) else {}
        view["instructions_html"] = markdown_html(str(config["instructions"])) if config.get("instructions") else ""
    if section.section_type in (SectionType.SANDBOX, SectionType.GAME, SectionType.INTERACTIVE):
        view.update(activities.section_context(section, progress))
    if section.section_type in completion.GRADED_TYPES:  # quiz and guided struggle (lms.quizzes)
        view.update(quizzes.section_context(section, progress))
    else:
        view["help"] = help_for(progress, list(section.module.sections.all()), section.section_number)
    return view


@login_required
def player(request, slug):
    student = _student(request)
    module = selectors.module_for_player(slug)
    if module is None:
        raise Http404("No such published module.")
    lock = selectors.locks_for(student, [module.pk])[module.pk]
    if lock.locked:
        return render(request, "lms/locked.html", {"module": module, "lock": lock})  # a page that explains, not a refusal
    sections = list(module.sections.all())
    if not sections:
        raise Http404("This module has no sections yet.")
    progress = ModuleProgress.objects.filter(module=module, student=student).first()
    numbers = [s.section_number for s in sections]
    requested = int_param(request.GET.get("section") or None, name="section", minimum=1, maximum=10000)
    current = requested if requested in numbers else (progress.current_section if progress and progress.current_section in numbers else numbers[0])
    index = numbers.index(current)
    section = sections[index]
    # Opening a section is its view event (works without JavaScript too) once the student has
    # started. Before that, opening records nothing (browsing is not an attempt) unless the
    # view itself completes the section (a "view" rule): progress starts with real progress.
    now_epoch = time.time()
    if progress is not None or completion.section_done(section, {"first_viewed_at": now_epoch}, now_epoch):
        result = services.events_ingest(student=student, items=[{"module": module.pk, "event_type": "section_view", "section_number": current}],
                                        user=request.user)
        progress = next(p for p in result.progress if p.module_id == module.pk)
    else:
        progress = ModuleProgress(module=module, student=student, revision=module.revision)  # not saved: nothing recorded yet
    unlocks = [
        m for m in services.modules_unlocked_by(student, [module.pk])
    ] if progress.status == ProgressStatus.COMPLETED else []
    context = {
        "module": module, "progress": progress, "sections": sections, "section": _section_view(section, progress),
        "previous": sections[index - 1] if index > 0 else None, "next": sections[index + 1] if index + 1 < len(sections) else None,
        "completed": set(progress.completed_sections or []), "unlocks": unlocks,
        "has_feedback": ModuleFeedback.objects.filter(module=module, student=student).exists(),
        "panels": hooks.render_panels(hooks.PLAYER_PANELS, request, module, progress),
        "events_url": reverse("lms-api:events-list"), "state_url": reverse("lms:state", args=[module.module_id]),
    }
    return render(request, "lms/player.html", context)


@login_required
@require_POST
def section_action(request, slug, number):
    """The no-JavaScript path of the player: mark done, tick an item. (Scores are never
    self-reported: quizzes are graded by lms.quizzes, games by lms.activities.)"""
    student = _student(request)
    module = selectors.module_for_player(slug)
    if module is None:
        raise Http404
    action = request.POST.get("action", "")
    event = {"module": module.pk, "section_number": number}
    if action == "mark_done":
        event["event_type"] = "mark_done"
    elif action in ("tick", "untick"):
        item = int_param(request.POST.get("item"), name="item", minimum=0, maximum=999, message="The checklist item's index, from 0.")
        event.update(event_type="checklist_tick", event_data={"item": item, "checked": action == "tick"})
    elif action == "hint":
        event["event_type"] = "hint_used"
    else:
        messages.error(request, "Unknown action.")
        return redirect(f"{reverse('lms:player', args=[slug])}?section={number}")
    try:
        services.events_ingest(student=student, items=[event], user=request.user)
    except services.EventBatchError as exc:
        messages.error(request, str(exc))
    return redirect(f"{reverse('lms:player', args=[slug])}?section={number}")


def _player_section(request, slug, number):
    """(student, section) of a published module the student may open; 404 otherwise."""
    student = _student(request)
    module = selectors.module_for_player(slug)
    # From the prefetched sections (no extra query); section.module is that same module.
    section = next((x for x in module.sections.all() if x.section_number == number), None) if module is not None else None
    if section is None:
        raise Http404
    return student, section


def _progress_json(progress, unlocked):
    return {
        "progress": [{"module": p.module_id, "status": p.status, "progress_percent": p.progress_percent, "current_section": p.current_section,
                      "completed_sections": p.completed_sections} for p in progress],
        "unlocked": [{"id": m.pk, "module_id": m.module_id, "title": m.title, "url": reverse("lms:player", args=[m.module_id])} for m in unlocked],
    }


@login_required
@require_POST
def sandbox_result(request, slug, number):
    """A sandbox run or Check reported by the browser (JSON); see lms.sandbox for what is trusted."""
    student, section = _player_section(request, slug, number)
    try:
        outcome = sandbox_result_record(section=section, student=student, data=json_body(request), user=request.user)
    except SandboxResultError as exc:
        return JsonResponse({"detail": str(exc), exc.field: [exc.message]}, status=400)
    except services.EventBatchError as exc:
        return JsonResponse(exc.as_dict(), status=400)
    return JsonResponse({"passed": outcome["passed"], "message": outcome["message"], **_progress_json(outcome["progress"], outcome["unlocked"])})


@login_required
@require_POST
def activity_action(request, slug, number):
    """Interactive and game controls (plain forms, no JavaScript needed): click a hotspot,
    report a task, play the game with the chosen loads."""
    student, section = _player_section(request, slug, number)
    action = request.POST.get("action", "")
    try:
        if action == "hotspot":
            activities.hotspot_click(section=section, student=student, hotspot=request.POST.get("hotspot", ""), user=request.user)
        elif action == "task":
            activities.task_report(section=section, student=student, task=request.POST.get("task", ""), user=request.user)
        elif action == "play":
            outcome, _ = activities.game_play(section=section, student=student, sun_on=request.POST.getlist("sun"),
                                              eclipse_on=request.POST.getlist("eclipse"), user=request.user)
            messages.info(request, f"Score {outcome['score']}: the battery's lowest charge was {outcome['lowest_percent']}%.")
        else:
            raise activities.ActivityError("action", "One of hotspot, task, play.")
    except activities.ActivityError as exc:
        return HttpResponseBadRequest(str(exc), content_type="text/plain; charset=utf-8")
    except services.EventBatchError as exc:
        messages.error(request, str(exc))
    return redirect(f"{reverse('lms:player', args=[slug])}?section={number}#section-{number}")


@login_required
def state(request, slug):
    """The player's poll: this module's progress and what it unlocks (JSON)."""
    student = _student(request)
    module = selectors.module_for_player(slug)
    if module is None:
        raise Http404
    progress = ModuleProgress.objects.filter(module=module, student=student).first()
    completed = progress is not None and progress.status == ProgressStatus.COMPLETED
    unlocked = services.modules_unlocked_by(student, [module.pk]) if completed else []
    return JsonResponse({
        "module": module.pk, "status": progress.status if progress else ProgressStatus.NOT_STARTED,
        "progress_percent": progress.progress_percent if progress else 0,
        "completed_sections": progress.completed_sections if progress else [],
        "unlocked": [{"id": m.pk, "module_id": m.module_id, "title": m.title, "url": reverse("lms:player", args=[m.module_id])} for m in unlocked],
    })


@login_required
@require_POST
def restart(request, slug):
    student = _student(request)
    progress = ModuleProgress.objects.filter(module__module_id=slug, student=student).first()
    if progress is None:
        raise Http404
    try:
        services.progress_restart(progress=progress, user=request.user)
        messages.success(request, "Started over from the first section.")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("lms:player", slug=slug)


@login_required
@require_http_methods(["GET", "POST"])
def feedback(request, slug):
    student = _student(request)
    module = selectors.module_for_player(slug)
    if module is None:
        raise Http404
    progress = ModuleProgress.objects.filter(module=module, student=student).first()
    if progress is None or progress.status != ProgressStatus.COMPLETED:
        messages.error(request, "Give feedback once you have completed the module.")
        return redirect("lms:player", slug=slug)
    existing = ModuleFeedback.objects.filter(module=module, student=student).first()
    errors = {}
    values = {}
    if request.method == "POST":
        post = request.POST
        for name in ("rating", "difficulty_rating", "engagement_rating", "clarity_rating"):
            raw = post.get(name, "")
            try:
                values[name] = int_param(raw or None, name=name, minimum=1, maximum=5)
            except ParamError:
                errors[name] = "Choose 1 to 5."
        if values.get("rating") is None and "rating" not in errors:
            errors["rating"] = "Give an overall rating."
        comment = post.get("comment", "").replace("\x00", "")
        if len(comment) > 5000:
            errors["comment"] = "At most 5000 characters."
        tags = [t for t in post.getlist("tags") if t in FeedbackTag.values]
        if not errors:
            services.feedback_submit(module=module, student=student, user=request.user, comment=comment, tags=tags,
                                     is_anonymous=post.get("is_anonymous") == "on", source=AuditLog.Source.PAGE, **values)
            messages.success(request, f"Thank you for your feedback on {module.title}.")
            return redirect("lms:my-learning")
        values.update(comment=comment, tags=tags, is_anonymous=post.get("is_anonymous") == "on")
    elif existing:
        values = {n: getattr(existing, n) for n in ("rating", "difficulty_rating", "engagement_rating", "clarity_rating", "comment",
                                                     "is_anonymous", "tags")}
    scales = [
        ("rating", "Overall, how useful was this module?", "Not useful", "Very useful"),
        ("difficulty_rating", "How difficult was it?", "Very easy", "Very hard"),
        ("engagement_rating", "Was it engaging?", "Not at all", "Very"),
        ("clarity_rating", "Was it clear?", "Not at all", "Very"),
    ]
    return render(request, "lms/feedback.html", {
        "module": module, "values": values, "errors": errors, "existing": existing, "tags": FeedbackTag.choices,
        "scales": [{"name": n, "label": lbl, "low": lo, "high": hi, "value": values.get(n), "error": errors.get(n)} for n, lbl, lo, hi in scales],
    }, status=400 if errors else 200)


# ---------------------------------------------------------------- quizzes, hints, the buddy, adaptive offers


def _wants_json(request):
    return request.content_type == "application/json" or "application/json" in request.headers.get("Accept", "")


def _form_answers(post, questions):
    """A quiz form's answers ({question id: value}) from fields q-<id> (choices as indexes)."""
    answers = {}
    for q in questions:
        name = f"q-{q.pk}"
        if q.question_type == QuestionType.MULTIPLE_CHOICE:
            values = post.getlist(name)
            if values:
                answers[str(q.pk)] = [int_param(v, name=name, minimum=0, maximum=99, message=f"Question {q.position}: a choice.") for v in values]
        elif q.question_type == QuestionType.SINGLE_CHOICE:
            if post.get(name, "") != "":
                answers[str(q.pk)] = int_param(post[name], name=name, minimum=0, maximum=99, message=f"Question {q.position}: a choice.")
        elif post.get(name, "").strip():
            answers[str(q.pk)] = post[name]
    return answers


def _error_text(exc):
    return " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)


def _error_json(exc):
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        return {"detail": _error_text(exc), **{k: [m for e in v for m in e.messages] for k, v in exc.error_dict.items()}}
    return {"detail": _error_text(exc)}


def _refused(request, exc, slug, number=None):
    """A refused player action (ValidationError 400, PermissionDenied 403): JSON for the
    scripts, else the message on the player page."""
    if _wants_json(request):
        return JsonResponse(_error_json(exc), status=400 if isinstance(exc, ValidationError) else 403)
    messages.error(request, _error_text(exc))
    if number is None:
        return redirect("lms:player", slug=slug)
    return redirect(f"{reverse('lms:player', args=[slug])}?section={number}")


@login_required
@require_POST
def quiz_submit(request, slug, number):
    """Submit a quiz (a form post, or JSON {"answers": {...}} from quiz.js); graded on the server.
    The quiz's module, sections, questions and the student's progress are read by the service
    in one statement (lms.quizzes), so nothing is loaded here first."""
    student = _student(request)
    if request.content_type == "application/json":
        body = json_body(request)
        answers = body.get("answers") if isinstance(body, dict) else None
    else:
        answers = lambda questions: _form_answers(request.POST, questions)  # noqa: E731 - the form's fields name the questions
    try:
        attempt = quizzes.quiz_attempt_submit(module_slug=slug, section_number=number, student=student, answers=answers,
                                              user=request.user, source=AuditLog.Source.PAGE)
    except quizzes.QuizNotFound:
        raise Http404 from None
    except ParamError:
        raise  # a form field that is no answer at all: a 400 (frames.params.ParamErrorMiddleware)
    except (ValidationError, PermissionDenied) as exc:
        return _refused(request, exc, slug, number)
    if _wants_json(request):
        progress, section = attempt.progress, attempt.section
        unlocked = services.modules_unlocked_by(student, [progress.module_id]) if attempt.module_completed else []
        return JsonResponse({
            "attempt": attempt.attempt_number, "score": attempt.score, "passed": attempt.passed,
            "results": quizzes.student_results(attempt, attempt.questions), "rules": attempt.rules,
            "hints": revealed_hints(section, progress), "adjustments": len(attempt.adjustments),
            "help": _help_json(help_for(progress, attempt.sections, section.section_number), slug),
            **_progress_json([progress], unlocked),
        })
    verdict = "Passed" if attempt.passed else "Not yet"
    messages.success(request, f"{verdict}: you scored {attempt.score}% on attempt {attempt.attempt_number}.")
    return redirect(f"{reverse('lms:player', args=[slug])}?section={number}#quiz")


def _help_json(help_, slug):
    return {
        "variants": [{"title": v.title or f"Section {v.section_number}", "url": f"{reverse('lms:player', args=[slug])}?section={v.section_number}"}
                     for v in help_["variants"]],
        "prompts": None if not help_["prompts"] else {
            "items": help_["prompts"]["items"], "url": f"{reverse('lms:player', args=[slug])}?section={help_['prompts']['section'].section_number}"},
        "skippable": [s.title or f"Section {s.section_number}" for s in help_["skippable"]],
    }


@login_required
@require_POST
def hint(request, slug, number):
    """Reveal the section's next hint (recorded on the server as a hint_used event)."""
    student, section = _player_section(request, slug, number)
    try:
        shown = hint_reveal(section=section, student=student, user=request.user)
    except (ValidationError, PermissionDenied) as exc:
        return _refused(request, exc, slug, number)
    if _wants_json(request):
        return JsonResponse(shown)
    return redirect(f"{reverse('lms:player', args=[slug])}?section={number}#hints")


@login_required
@require_POST
def buddy(request, slug, number):
    """Ask the guided-struggle buddy for its next nudge."""
    student, section = _player_section(request, slug, number)
    message = request.POST.get("message", "")
    if request.content_type == "application/json":
        body = json_body(request)
        message = body.get("message", "") if isinstance(body, dict) else ""
        if not isinstance(message, str):
            return JsonResponse({"detail": "message: give a text.", "message": ["Give a text."]}, status=400)
    try:
        reply = buddy_reply(section=section, student=student, message=message, user=request.user)
    except (ValidationError, PermissionDenied) as exc:
        return _refused(request, exc, slug, number)
    if _wants_json(request):
        return JsonResponse({"reply": reply})
    messages.info(request, f"Buddy: {reply}")
    return redirect(f"{reverse('lms:player', args=[slug])}?section={number}#buddy")


@login_required
@require_POST
def skip_optional(request, slug):
    """Skip the optional sections an adaptive rule offered."""
    student = _student(request)
    progress = ModuleProgress.objects.filter(module__module_id=slug, module__status=ModuleStatus.PUBLISHED, student=student).first()
    if progress is None:
        raise Http404
    try:
        skipped = optional_sections_skip(progress=progress, user=request.user)
    except ValidationError as exc:
        return _refused(request, exc, slug)
    messages.success(request, f"Skipped {', '.join(s.title or f'section {s.section_number}' for s in skipped)}.")
    return redirect("lms:player", slug=slug)
