""""View as learner": staff open the learner pages of a module (catalogue, player, the
lock explanation) exactly as a student would, and nothing is recorded.

The pages are the learner templates themselves, served under /learn/preview/ as a second
instance of the `lms` URL namespace ("lms-preview"): a template's `{% url 'lms:player' %}`
resolves to the preview route while a preview page renders (Django picks the instance from
the request's namespace), so every link and form of the player stays inside the preview.
The preview's actions never call a service: quizzes are graded and shown but not stored,
sandbox checks and games are judged and shown, the others answer "not recorded".
No progress, event, audit row or notification is written (tests/lms/test_preview.py
counts every lms table).

Who: staff (faculty, coordinators, superusers) with the view permission on modules, for
the modules the module admin shows them. "As a student": a student of the staff member's
scope (faculty: their university's), chosen at /learn/preview/start/?as=<student id> and
kept in the session; their real progress is read, never changed."""

from types import SimpleNamespace

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from frames.choices import Subsystem
from frames.models import Student
from frames.params import ParamError, int_param, json_body
from frames.roles import STAFF_ROLES, role_of
from frames.scoping import scope_queryset
from lms import activities, completion, config_checks, quizzes, sandbox, selectors
from lms.models import Module, ModuleProgress, ModuleQuestion, ModuleSection, ModuleType, SectionType
from lms.rendering import markdown_html
from lms.views import _form_answers, _section_view, catalogue_filters  # the learner player's own, so the preview shows the same

NAMESPACE = "lms-preview"
SESSION_AS = "lms_preview_as"  # the student whose view is previewed (a student id), if any
MAX_MARKDOWN = 100_000
NOT_RECORDED = "Preview: nothing is recorded."


def may_preview(user) -> bool:
    return role_of(user) in STAFF_ROLES and user.has_perm("lms.view_module")


def _staff(request):
    if not may_preview(request.user):
        raise PermissionDenied("View as learner is for staff who may read modules.")


def visible_modules(user):
    """The modules this user may read: the module admin's scoping (frames.scoping). Training
    content is the program's (Module.university_scope is None), so today every staff member
    reads every module; a scope declared on Module later narrows the preview too."""
    return scope_queryset(Module.objects.all(), user)


def _module(request, slug):
    module = (visible_modules(request.user).filter(module_id=slug)
              .prefetch_related(Prefetch("sections", queryset=ModuleSection.objects.order_by("section_number"))).first())
    if module is None:
        raise Http404("No such module.")
    return module


def _as_student(request):
    """The student being previewed (scoped), or None: a student who has not started anything."""
    student_id = request.session.get(SESSION_AS)
    if not student_id:
        return None
    student = scope_queryset(Student.objects.all(), request.user).filter(pk=student_id).first()
    if student is None:  # out of scope now (or gone): preview as a new student instead
        request.session.pop(SESSION_AS, None)
    return student


def _banner(request, module=None, student=None):
    exit_url = reverse(f"{NAMESPACE}:exit")
    if module is not None:
        exit_url += f"?next={reverse('admin:lms_module_change', args=[module.pk])}"
    return {"student": student, "module": module, "exit_url": exit_url, "start_url": reverse(f"{NAMESPACE}:start"),
            "slug": module.module_id if module is not None else ""}


def _back(request, slug, number=None, anchor=""):
    url = reverse(f"{NAMESPACE}:player", args=[slug])
    if number is not None:
        url += f"?section={number}"
    return redirect(url + anchor)


# ---------------------------------------------------------------- entering and leaving


@login_required
@require_GET
def start(request):
    """Enter the preview, optionally as a student (?as=<id>; empty: a new student), then
    go to ?module=<slug>'s player or the catalogue."""
    _staff(request)
    if "as" in request.GET:
        student_id = request.GET["as"].strip()[:50].replace("\x00", "")
        if student_id:
            if not scope_queryset(Student.objects.all(), request.user).filter(pk=student_id).exists():
                raise Http404("No such student.")  # another university's student answers like a missing one
            request.session[SESSION_AS] = student_id
        else:
            request.session.pop(SESSION_AS, None)
    slug = request.GET.get("module", "").strip()[:100]
    if slug:
        module = _module(request, slug)
        number = int_param(request.GET.get("section") or None, name="section", minimum=1, maximum=10000)
        url = reverse(f"{NAMESPACE}:player", args=[module.module_id])
        return redirect(f"{url}?section={number}" if number else url)
    return redirect(f"{NAMESPACE}:catalogue")


@login_required
def exit_preview(request):
    request.session.pop(SESSION_AS, None)
    target = request.GET.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect("lms:staff-modules" if role_of(request.user) in STAFF_ROLES else "lms:my-learning")


# ---------------------------------------------------------------- pages


@login_required
@require_GET
def catalogue(request):
    _staff(request)
    student = _as_student(request)
    filters = catalogue_filters(request.GET)
    modules = list(selectors.catalogue(**filters)[:200])
    ids = [m.pk for m in modules]
    prereqs = selectors.prerequisite_map(ids)
    if student is not None:
        needed = {p.pk for links in prereqs.values() for p, _ in links}
        progress = selectors.progress_by_module(student, set(ids) | needed)
    else:
        progress = {}
    locks = selectors.locks_for(student, ids, prereqs=prereqs, progress=progress)
    rows = [{"module": m, "progress": progress.get(m.pk), "lock": locks[m.pk]} for m in modules]
    drafts = list(visible_modules(request.user).exclude(status="published").annotate(section_count=Count("sections"))
                  .order_by("title")[:50])
    return render(request, "lms/preview/catalogue.html", {
        "rows": rows, "filters": filters, "categories": selectors.categories(), "subsystems": Subsystem.choices,
        "module_types": ModuleType.choices, "difficulties": range(1, 6), "preview": _banner(request, student=student), "drafts": drafts,
    })


def _player_context(request, module, student, number):
    """The player's context for `student` (None: a new student), read only."""
    sections = list(module.sections.all())
    progress = ModuleProgress.objects.filter(module=module, student=student).first() if student is not None else None
    if progress is None:
        progress = ModuleProgress(module=module, student=student, revision=module.revision)  # not saved
    numbers = [s.section_number for s in sections]
    current = number if number in numbers else (progress.current_section if progress.current_section in numbers else numbers[0])
    index = numbers.index(current)
    section = sections[index]
    view = _section_view(section, progress)
    if section.section_type in completion.GRADED_TYPES:
        # Students reveal hints one at a time (each recorded); the preview shows them all.
        view["revealed_hints"] = [str(h) for h in (section.section_config or {}).get("hints") or []]
        view["hints_left"] = 0
    return {
        "module": module, "progress": progress, "sections": sections, "section": view,
        "previous": sections[index - 1] if index > 0 else None, "next": sections[index + 1] if index + 1 < len(sections) else None,
        "completed": set(progress.completed_sections or []), "unlocks": [], "has_feedback": False, "panels": [],
        "events_url": reverse(f"{NAMESPACE}:events"), "state_url": reverse(f"{NAMESPACE}:state", args=[module.module_id]),
        "preview": _banner(request, module, student),
    }


@login_required
@require_GET
def player(request, slug):
    """The player as the student would see it; a locked module shows its explanation first
    (?open=1 opens it anyway). A module of any status may be previewed."""
    _staff(request)
    module = _module(request, slug)
    student = _as_student(request)
    # A new student (no one chosen) has completed nothing.
    lock = selectors.locks_for(student, [module.pk], progress=None if student is not None else {})[module.pk]
    if lock.locked and request.GET.get("open") != "1":
        return render(request, "lms/preview/locked.html", {"module": module, "lock": lock, "preview": _banner(request, module, student)})
    if not module.sections.all():
        return render(request, "lms/preview/empty.html", {"module": module, "preview": _banner(request, module, student)})
    number = int_param(request.GET.get("section") or None, name="section", minimum=1, maximum=10000)
    return render(request, "lms/preview/player.html", _player_context(request, module, student, number))


def _section(request, slug, number):
    module = _module(request, slug)
    section = next((s for s in module.sections.all() if s.section_number == number), None)
    if section is None:
        raise Http404
    return module, section


def _wants_json(request):
    return request.content_type == "application/json" or "application/json" in request.headers.get("Accept", "")


@login_required
@require_POST
def quiz_submit(request, slug, number):
    """Grade the answers like lms.quizzes does and show the result; no attempt is stored."""
    _staff(request)
    module, section = _section(request, slug, number)
    if section.section_type not in completion.GRADED_TYPES:
        raise Http404
    questions = list(ModuleQuestion.objects.filter(section=section).order_by("position"))
    if request.content_type == "application/json":
        body = json_body(request)
        answers = body.get("answers") if isinstance(body, dict) else None
    else:
        answers = _form_answers(request.POST, questions)
    try:
        answers = quizzes.clean_answers(questions, answers)
    except ValidationError as exc:
        if _wants_json(request):
            return JsonResponse({"detail": " ".join(exc.messages), "answers": exc.messages}, status=400)
        messages.error(request, " ".join(exc.messages))
        return _back(request, slug, number)
    score, results, _ = quizzes.grade_all(questions, answers)
    passed = score >= quizzes.pass_mark(section)
    explanations = {q.pk: q.explanation for q in questions}
    results = [{**r, "explanation": explanations.get(r["question"], "")} for r in results]
    if _wants_json(request):
        return JsonResponse({"attempt": 1, "score": score, "passed": passed, "results": results, "preview": True,
                             "rules": quizzes.attempt_rules(section, 0), "hints": [], "adjustments": 0,
                             "help": {"variants": [], "prompts": None, "skippable": []}, "progress": [], "unlocked": []})
    context = _player_context(request, module, _as_student(request), number)
    by_question = {r["question"]: r for r in results}
    for item in context["section"]["quiz"]["questions"]:
        item["result"] = by_question.get(item["id"])
        answer = answers.get(str(item["id"]))
        item["last_answer"] = answer
        item["last_list"] = answer if isinstance(answer, list) else ([answer] if isinstance(answer, int) else [])
    context["section"]["quiz"]["last"] = SimpleNamespace(attempt_number=1, score=score, passed=passed)
    messages.info(request, f"Preview: {'passed' if passed else 'not passed'} with {score}%. Nothing is recorded.")
    return render(request, "lms/preview/player.html", context)


@login_required
@require_POST
def sandbox_result(request, slug, number):
    """Judge a sandbox run the way lms.sandbox does; the result is only shown."""
    _staff(request)
    _, section = _section(request, slug, number)
    config = section.section_config or {}
    try:
        result = sandbox.parse_result(json_body(request), config)
    except sandbox.SandboxResultError as exc:
        return JsonResponse({"detail": str(exc), exc.field: [exc.message]}, status=400)
    passed, message = sandbox.judge(result, config) if result["action"] == "check" else (False, "Ran (preview: nothing is recorded).")
    return JsonResponse({"passed": passed, "message": message, "preview": True, "progress": [], "unlocked": []})


@login_required
@require_POST
def activity_action(request, slug, number):
    """Interactive and game controls: a game is flown and scored; clicks are not recorded."""
    _staff(request)
    _, section = _section(request, slug, number)
    action = request.POST.get("action", "")
    config = section.section_config or {}
    if action == "play" and section.section_type == SectionType.GAME and not config_checks.game_errors(config) \
            and config.get("game_type") in config_checks.GAME_TYPES:
        optional = {load["name"] for load in config.get("loads", []) if not load.get("required")}
        outcome = activities.power_balance(config, set(request.POST.getlist("sun")) & optional, set(request.POST.getlist("eclipse")) & optional)
        messages.info(request, f"Preview: score {outcome['score']}, the battery's lowest charge was {outcome['lowest_percent']}%. "
                               "Nothing is recorded.")
    else:
        messages.info(request, "Preview: a student's action would be recorded here. Nothing is recorded.")
    return _back(request, slug, number, f"#section-{number}")


@login_required
@require_POST
def not_recorded(request, slug, number=None):
    """Mark done, checklist ticks, hints, the buddy, skipping, restarting: shown, not recorded."""
    _staff(request)
    _module(request, slug)
    if _wants_json(request):
        if request.resolver_match.url_name == "buddy":
            return JsonResponse({"reply": "In preview the buddy does not answer (a student's message would be recorded).", "preview": True})
        return JsonResponse({"detail": NOT_RECORDED, "text": "", "left": 0, "preview": True})
    messages.info(request, "Preview: a student's action would be recorded here. Nothing is recorded.")
    return _back(request, slug, number)


@login_required
@require_http_methods(["GET", "POST"])
def feedback(request, slug):
    _staff(request)
    _module(request, slug)
    messages.info(request, "Preview: students give feedback once they complete the module. Nothing is recorded.")
    return _back(request, slug)


@login_required
@require_GET
def state(request, slug):
    _staff(request)
    module = _module(request, slug)
    return JsonResponse({"module": module.pk, "status": "not_started", "progress_percent": 0, "completed_sections": [], "unlocked": [],
                         "preview": True})


@login_required
@require_POST
def events(request):
    """The player script's event batches: read and dropped (the same answer shape as the API)."""
    _staff(request)
    try:
        json_body(request)
    except ParamError:
        pass  # nothing is kept either way
    return JsonResponse({"progress": [], "unlocked": [], "preview": True})


@login_required
@require_POST
def markdown_preview(request):
    """Markdown rendered as the learner pages render it (lms.rendering), for the authoring form."""
    _staff(request)
    body = json_body(request) if request.content_type == "application/json" else request.POST
    text = body.get("text", "") if hasattr(body, "get") else None
    if not isinstance(text, str):
        return JsonResponse({"detail": "text: give the Markdown as text.", "text": ["Give a text."]}, status=400)
    if len(text) > MAX_MARKDOWN:
        return JsonResponse({"detail": f"text: at most {MAX_MARKDOWN} characters.", "text": [f"At most {MAX_MARKDOWN} characters."]}, status=400)
    return JsonResponse({"html": str(markdown_html(text.replace("\x00", "")))})


app_name = "lms"  # a second instance of the learner namespace: see the module docstring
urlpatterns = [
    path("", catalogue, name="my-learning"),
    path("catalogue/", catalogue, name="catalogue"),
    path("start/", start, name="start"),
    path("exit/", exit_preview, name="exit"),
    path("events/", events, name="events"),
    path("markdown/", markdown_preview, name="markdown"),
    path("m/<slug:slug>/", player, name="player"),
    path("m/<slug:slug>/section/<int:number>/", not_recorded, name="section-action"),
    path("m/<slug:slug>/section/<int:number>/sandbox/", sandbox_result, name="sandbox-result"),
    path("m/<slug:slug>/section/<int:number>/activity/", activity_action, name="activity-action"),
    path("m/<slug:slug>/section/<int:number>/quiz/", quiz_submit, name="quiz-submit"),
    path("m/<slug:slug>/section/<int:number>/hint/", not_recorded, name="hint"),
    path("m/<slug:slug>/section/<int:number>/buddy/", not_recorded, name="buddy"),
    path("m/<slug:slug>/skip-optional/", not_recorded, name="skip-optional"),
    path("m/<slug:slug>/restart/", not_recorded, name="restart"),
    path("m/<slug:slug>/state/", state, name="state"),
    path("m/<slug:slug>/feedback/", feedback, name="feedback"),
]
