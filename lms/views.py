"""Learner pages (/learn/): My learning, the catalogue, the module player and
feedback; and the staff's per-module dashboards."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from frames.choices import Subsystem
from frames.models import AuditLog
from frames.roles import Role, role_of, student_of
from lms import completion, hooks, selectors, services
from lms.models import FeedbackTag, ModuleFeedback, ModuleProgress, ModuleStatus, ModuleType, ProgressStatus, SectionType
from lms.rendering import markdown_html, video_embed

STAFF_ROLES = {Role.FACULTY, Role.COORDINATOR, Role.SUPERUSER}


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


@login_required
def catalogue(request):
    student = _student(request)
    params = request.GET
    filters = {k: params.get(k, "")[:100].replace("\x00", "") for k in ("q", "category", "subsystem", "difficulty", "module_type")}
    if filters["difficulty"] and filters["difficulty"] not in {"1", "2", "3", "4", "5"}:
        filters["difficulty"] = ""
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
    if section.section_type in (SectionType.SANDBOX, SectionType.GAME, SectionType.INTERACTIVE, SectionType.GUIDED_STRUGGLE):
        view["config_items"] = [(k.replace("_", " ").capitalize(), v) for k, v in config.items() if k not in ("hints", "files", "instructions")]
        view["hints"] = [str(h) for h in config.get("hints", [])] if isinstance(config.get("hints"), list) else []
        view["files"] = config.get("files") if isinstance(config.get("files"), dict) else {}
        view["instructions_html"] = markdown_html(str(config["instructions"])) if config.get("instructions") else ""
    return view


@login_required
def player(request, slug):
    student = _student(request)
    module = selectors.module_for_player(slug)
    if module is None:
        raise Http404("No such published module.")
    lock = selectors.locks_for(student, [module.pk])[module.pk]
    if lock.locked:
        return render(request, "lms/locked.html", {"module": module, "lock": lock}, status=403)
    sections = list(module.sections.all())
    progress = services.progress_start(module=module, student=student, user=request.user)
    if not sections:
        raise Http404("This module has no sections yet.")
    numbers = [s.section_number for s in sections]
    requested = request.GET.get("section", "")
    current = int(requested) if requested.isdigit() and int(requested) in numbers else (
        progress.current_section if progress.current_section in numbers else numbers[0])
    # Opening a section is its view event (works without JavaScript too).
    result = services.events_ingest(student=student, items=[{"module": module.pk, "event_type": "section_view", "section_number": current}],
                                    user=request.user)
    progress = next(p for p in result.progress if p.module_id == module.pk)
    index = numbers.index(current)
    section = sections[index]
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
    """The no-JavaScript path of the player: mark done, tick an item, record a score."""
    student = _student(request)
    module = selectors.module_for_player(slug)
    if module is None:
        raise Http404
    action = request.POST.get("action", "")
    event = {"module": module.pk, "section_number": number}
    if action == "mark_done":
        event["event_type"] = "mark_done"
    elif action in ("tick", "untick") and request.POST.get("item", "").isdigit():
        event.update(event_type="checklist_tick", event_data={"item": int(request.POST["item"]), "checked": action == "tick"})
    elif action == "score" and request.POST.get("score", "").isdigit():
        event.update(event_type="score", event_data={"score": min(int(request.POST["score"]), 100)})
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
            if raw == "":
                values[name] = None
            elif raw.isdigit() and 1 <= int(raw) <= 5:
                values[name] = int(raw)
            else:
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


# ---------------------------------------------------------------- staff


def _staff(request):
    if role_of(request.user) not in STAFF_ROLES or not request.user.has_perm("lms.view_moduleprogress"):
        raise PermissionDenied("Module dashboards are for staff.")


@login_required
def staff_modules(request):
    _staff(request)
    from lms.dashboard import module_overview

    return render(request, "lms/staff_modules.html", {"rows": module_overview(request.user)})


@login_required
def dashboard(request, slug):
    _staff(request)
    from lms.dashboard import module_dashboard
    from lms.models import Module

    module = Module.objects.filter(module_id=slug).exclude(status=ModuleStatus.DRAFT).first() or Module.objects.filter(module_id=slug).first()
    if module is None:
        raise Http404
    return render(request, "lms/dashboard.html", {"module": module, **module_dashboard(module, request.user)})
