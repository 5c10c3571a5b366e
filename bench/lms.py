"""LMS benchmarks: event ingestion through the API, the learner pages and the
progress API for one student, and the admin changelists of the two big tables,
each beside floors measured in the same run.

Scale: full = 10,000 students, 200 modules (5 sections each), 200,000 progress rows,
1,000,000 events; small = 1,000 students, 40 modules, 20,000 progress rows, 100,000 events.
Rows are generated with psycopg COPY.

Floors
- bare view: a trivial JsonResponse view through django.test.Client (same middleware, same login);
- raw SQL: psycopg SELECT of the same 100 progress rows the coordinator's page shows (the same fields,
  the module slug joined) + json.dumps; and of one student's progress rows, for context;
- COPY: psycopg `COPY module_analytics_events FROM STDIN` of the same event rows, in the same
  batch sizes (one transaction per batch, as a request is) and, for context, in one go; measured
  alternately with the API in three rounds (a third of the batches each), best of three each;
- bare view beside the quiz: the bare view timed alternately with the quiz attempts.

Figures
- lms.events.api_batch_{100,500}: events/s POSTed to /api/v1/lms/events/ by a student
  (validated, appended, progress moved on) vs COPY in the same batches (target >= 1/2);
- lms.page.my_learning / module_player p50 and p95 vs the bare view (context);
- lms.api.progress_page_100: `/api/v1/lms/progress/?page_size=100` as a coordinator (every university's rows,
  newest first), p50 vs raw SQL + json.dumps of the same 100 rows and fields (target <= 4x: the issue's
  "every 100-row API list page");
- lms.api.progress_list p50 and p95: one student's own list (~20 rows, LIMIT 50) vs raw SQL of those rows and
  vs the bare view (context only: its raw floor, a fraction of a millisecond, is below the bare view's cost);
- lms.admin.{progress,events}_{page1,search}: our changelists vs stock ModelAdmin settings measured
  side by side (targets <= 1/2 of stock for page 1, <= 1/5 for a search).
"""

import datetime
import json
import random

import psycopg
from django.contrib import admin
from django.contrib.admin.sites import AdminSite
from django.db import connection
from django.test import Client
from django.urls import include, path

from bench.harness import LOGIN_BACKEND, bare_view, serving
from bench.registry import fill, psycopg_url
from frames.models import Student
from lms.models import Module, ModuleAnalyticsEvent, ModuleProgress, ModuleSection

# ------------------------------------------------------------------ URLs the bench adds



stock_site = AdminSite(name="stock")


class StockProgressAdmin(admin.ModelAdmin):
    """Stock admin settings: the same columns and search an admin would write first."""

    list_display = ["student", "module", "status", "progress_percent", "current_section", "total_time_seconds", "hint_count", "error_count",
                    "mastery_score", "last_accessed_at"]
    list_filter = ["status"]
    search_fields = ["student__name", "module__title"]


class StockEventAdmin(admin.ModelAdmin):
    list_display = ["id", "timestamp", "student", "module", "event_type", "section_number", "device_type"]
    list_filter = ["event_type", "device_type"]
    search_fields = ["student__name", "module__title"]


stock_site.register(ModuleProgress, StockProgressAdmin)
stock_site.register(ModuleAnalyticsEvent, StockEventAdmin)

urlpatterns = [
    path("bench/bare/", bare_view),
    path("stock-admin/", stock_site.urls),
    path("admin/", admin.site.urls),
    path("api/v1/lms/", include(("lms.api.urls", "lms-api"))),
    path("learn/", include("lms.urls")),
    path("", include("frames.urls")),
]

# ------------------------------------------------------------------ data

SEED = 4040
EVENT_TYPES = ["section_view", "heartbeat", "click", "scroll", "hint_used", "pause", "resume", "input", "error_encountered", "retry"]
EVENT_COLUMNS = ("module_id", "student_id", "event_type", "event_data", "section_number", "session_id", "device_type", "timestamp",
                 "time_elapsed_seconds", "pattern_detected")
PROGRESS_COLUMNS = ("module_id", "student_id", "status", "progress_percent", "current_section", "started_at", "completed_at", "last_accessed_at",
                    "total_time_seconds", "pause_count", "hint_count", "retry_count", "error_count", "completed_sections", "revision",
                    "section_state", "score", "mastery_score")


def fill_lms(h):
    rng = random.Random(SEED)
    n_modules = h.n(200, 40)
    n_progress = h.n(200_000, 20_000)
    n_events = h.n(1_000_000, 100_000)
    now = datetime.datetime.now(datetime.UTC)
    modules = Module.objects.bulk_create([
        Module(module_id=f"bench-{i:03d}", title=f"Bench module {i} {rng.choice(['Safety', 'Power', 'Git', 'Thermal', 'Orbits'])}",
               category=rng.choice(["Safety", "Technical", "Orientation"]), status="published", published_at=now,
               estimated_minutes=rng.randint(5, 60), difficulty_level=rng.randint(1, 5))
        for i in range(n_modules)
    ])
    ModuleSection.objects.bulk_create([
        ModuleSection(module=m, section_number=n, section_type=("checklist" if n == 5 else "text"), title=f"Part {n}",
                      content="## Part\n\nSome **text** with a [link](https://example.org).\n\n- a\n- b\n- c" if n == 5 else "Read *this*.",
                      completion_criteria={"type": "mark_done"} if n < 5 else None)
        for m in modules for n in range(1, 6)
    ], batch_size=2000)
    student_ids = list(Student.objects.order_by("id").values_list("id", flat=True))
    per_student = max(1, n_progress // len(student_ids))
    module_ids = [m.pk for m in modules]
    with psycopg.connect(psycopg_url()) as conn:
        with conn.cursor() as cur, cur.copy(f"COPY module_progress ({', '.join(PROGRESS_COLUMNS)}) FROM STDIN") as copy:
            for sid in student_ids:
                for mid in rng.sample(module_ids, per_student):
                    done = rng.random() < 0.4
                    sections = [1, 2, 3, 4, 5] if done else list(range(1, rng.randint(1, 5)))
                    copy.write_row((mid, sid, "completed" if done else "in_progress", 100 if done else 20 * len(sections), max(sections or [1]),
                                    now, now if done else None, now - datetime.timedelta(minutes=rng.randint(0, 100_000)), rng.randint(0, 4000),
                                    rng.randint(0, 5), rng.randint(0, 5), rng.randint(0, 3), rng.randint(0, 4), json.dumps(sections), 1, "{}",
                                    None, None))
        with conn.cursor() as cur, cur.copy(f"COPY module_analytics_events ({', '.join(EVENT_COLUMNS)}) FROM STDIN") as copy:
            for i in range(n_events):
                copy.write_row((rng.choice(module_ids), student_ids[i % len(student_ids)], rng.choice(EVENT_TYPES), None, rng.randint(1, 5),
                                f"s-{i // 50}", "desktop", now - datetime.timedelta(seconds=i), i % 3600, ""))
        conn.commit()
        conn.execute("ANALYZE module_progress")
        conn.execute("ANALYZE module_analytics_events")
        conn.execute("ANALYZE students")
        conn.commit()
    return modules


def bench_student():
    """A student with a login, 20 progress rows (none locked: the bench graph has no prerequisites)."""
    from django.contrib.auth import get_user_model

    from lms import services

    student = Student.objects.order_by("id").first()
    user = get_user_model().objects.create_user("bench-student", password=None)
    Student.objects.filter(pk=student.pk).update(user=user)
    for p in ModuleProgress.objects.filter(student=student).select_related("module")[:10]:
        services.assignment_create(module=p.module, student=student, due_date=datetime.date(2030, 1, 1))
    return Student.objects.get(pk=student.pk), user


def superuser():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_superuser("bench-admin", email=None, password=None)


# ------------------------------------------------------------------ measurements


def event_items(rng, module_ids, n):
    """One batch as the player sends it: events of the module being played."""
    out = []
    module = rng.choice(module_ids)
    for i in range(n):
        etype = rng.choice(EVENT_TYPES)
        item = {"module": module, "event_type": etype, "section_number": rng.randint(1, 5), "session_id": f"bench-{i // 100}",
                "device_type": "desktop", "time_elapsed_seconds": i % 3600}
        if etype == "heartbeat":
            item["event_data"] = {"seconds": 10}
        out.append(item)
    return out


def copy_floor(h, student_id, batches):
    """COPY of the same rows, one transaction per batch (as a request is); and in one go."""
    now = datetime.datetime.now(datetime.UTC)
    total = sum(len(b) for b in batches)
    rows = [[(it["module"], student_id, it["event_type"], json.dumps(it["event_data"]) if "event_data" in it else None, it["section_number"],
              it["session_id"], it["device_type"], now, it["time_elapsed_seconds"], "") for it in batch] for batch in batches]
    with psycopg.connect(psycopg_url()) as conn:
        def run_batches():
            for batch in rows:
                with conn.cursor() as cur, cur.copy(f"COPY module_analytics_events ({', '.join(EVENT_COLUMNS)}) FROM STDIN") as copy:
                    for r in batch:
                        copy.write_row(r)
                conn.commit()

        def run_once():
            with conn.cursor() as cur, cur.copy(f"COPY module_analytics_events ({', '.join(EVENT_COLUMNS)}) FROM STDIN") as copy:
                for batch in rows:
                    for r in batch:
                        copy.write_row(r)
            conn.commit()

        batched = total / h.once(run_batches)[0]
        once = total / h.once(run_once)[0]
        conn.execute("DELETE FROM module_analytics_events WHERE session_id LIKE 'bench-%%'")
        conn.commit()
    return batched, once


def quiz_module():
    """A published module whose section 2 is a quiz of ten questions (every type)."""
    from lms import services
    from lms.models import ModuleQuestion

    module = Module.objects.create(module_id="bench-quiz", title="Bench quiz", status="draft", estimated_minutes=10)
    ModuleSection.objects.create(module=module, section_number=1, content="Read this.", completion_criteria={"type": "view", "seconds": 0})
    quiz = ModuleSection.objects.create(module=module, section_number=2, section_type="quiz", title="Check",
                                        section_config={"hints": ["One.", "Two."]}, completion_criteria={"type": "score", "min": 70})
    kinds = [("single_choice", ["a", "b", "c"], 1, {}), ("multiple_choice", ["a", "b", "c", "d"], [0, 2], {}),
             ("numeric", [], 9.81, {"tolerance": 0.05}), ("short_text", [], ["orbit", "an orbit"], {}),
             ("short_text", [], r"apo(gee|apsis)", {"text_match": "pattern"})]
    ModuleQuestion.objects.bulk_create([
        ModuleQuestion(section=quiz, position=i + 1, question_type=kind, prompt=f"Question {i + 1}", choices=choices, answer=answer, **extra)
        for i, (kind, choices, answer, extra) in enumerate(kinds * 2)
    ])
    services.module_publish(module=module)
    answers = {}
    for q in ModuleQuestion.objects.filter(section=quiz).order_by("position"):
        right = {"single_choice": 1, "multiple_choice": [0, 2], "numeric": "9.8", "short_text": "Orbit" if q.text_match == "exact" else "apogee"}
        wrong = {"single_choice": 0, "multiple_choice": [1], "numeric": 3, "short_text": "no"}
        answers[str(q.pk)] = (right if q.position % 3 else wrong)[q.question_type]  # a third wrong
    return module, answers


def quiz_grading(h, client, student, repeat):
    """lms.quiz.grade_attempt: one quiz attempt graded and recorded through the player's
    JSON endpoint (ten questions, struggle detection and adaptive rules on) vs the bare view."""
    module, answers = quiz_module()
    body = json.dumps({"answers": answers})
    url = f"/learn/m/{module.module_id}/section/2/quiz/"

    def grade():
        r = client.post(url, body, content_type="application/json", HTTP_ACCEPT="application/json")
        assert r.status_code == 200, r.content[:300]
        return r

    client.get(f"/learn/m/{module.module_id}/?section=2")  # the student opens the quiz first, as in the player
    # The bare view timed alternately with the attempts (its own floor): both see the same load.
    samples, bare = [], []
    for _ in range(3):
        grade()
    for _ in range(repeat):
        samples += h.timings(grade, repeat=1, warmup=0)
        bare += h.timings(lambda: client.get("/bench/bare/"), repeat=1, warmup=0)
    h.floor("lms.floor.bare_view_beside_quiz", h.p50(bare), "s", higher_is_better=False)
    h.figure("lms.quiz.grade_attempt_p50", h.p50(samples), "s", floor="lms.floor.bare_view_beside_quiz", target=3, higher_is_better=False)
    h.figure("lms.quiz.grade_attempt_p95", h.p95(samples), "s", floor="lms.floor.bare_view_beside_quiz", target=None, higher_is_better=False)


PROGRESS_PAGE_SQL = (
    "SELECT p.id, p.module_id AS module, m.module_id AS module_slug, p.student_id AS student, p.status, p.progress_percent, "
    "p.current_section, p.started_at, p.completed_at, p.last_accessed_at, p.total_time_seconds, p.pause_count, p.hint_count, "
    "p.retry_count, p.error_count, p.score, p.mastery_score, p.completed_sections, p.difficulty_adjustments, p.revision "
    "FROM module_progress p JOIN modules m ON m.id = p.module_id ORDER BY p.last_accessed_at DESC LIMIT 100")


def progress_page(h, repeat):
    """lms.api.progress_page_100: the 100-row progress page a coordinator reads, beside raw SQL + json.dumps
    of the same rows and fields (p50s, one sample of each in turn)."""
    from bench.registry import coordinator

    client = Client()
    client.force_login(coordinator(), backend=LOGIN_BACKEND)
    url = "/api/v1/lms/progress/?page_size=100"

    def page():
        r = client.get(url)
        assert r.status_code == 200, (r.status_code, r.content[:300])
        return r

    body = json.loads(page().content)
    assert len(body["results"]) == 100 and set(body["results"][0]) >= {"module_slug", "revision"}, body["results"][:1]
    with psycopg.connect(psycopg_url()) as conn:
        def raw():
            with conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
                cur.execute(PROGRESS_PAGE_SQL, prepare=True)
                return json.dumps({"results": cur.fetchall()}, default=str).encode()

        raws, pages = h.alternately(raw, page, repeat=repeat * 3)  # the floor beside each sample
    h.floor("lms.floor.raw_sql_progress_page_100", h.p50(raws), "s", higher_is_better=False)
    h.figure("lms.api.progress_page_100", h.p50(pages), "s", floor="lms.floor.raw_sql_progress_page_100", target=4, higher_is_better=False)
    h.figure("lms.api.progress_page_100_vs_bare_view", h.p50(pages), "s", floor="lms.floor.bare_view", target=None, higher_is_better=False)


def run(h):
    with serving("bench.lms"):
        _run(h)


def _run(h):
    seconds, _ = h.once(lambda: fill(h))
    seconds2, modules = h.once(lambda: fill_lms(h))
    print(f"  data   {Student.objects.count()} students, {len(modules)} modules, {ModuleProgress.objects.count()} progress rows, "
          f"{ModuleAnalyticsEvent.objects.count()} events (registry {seconds:.1f}s, lms {seconds2:.1f}s)")
    student, user = bench_student()
    client = Client()
    client.force_login(user, backend=LOGIN_BACKEND)
    repeat = h.n(40, 20)

    # -- floors
    h.floor("lms.floor.bare_view", h.p50(h.timings(lambda: client.get("/bench/bare/"), repeat=repeat, warmup=3)), "s", higher_is_better=False)
    sql = ("SELECT p.id, p.module_id AS module, m.module_id AS module_slug, p.student_id AS student, p.status, p.progress_percent, "
           "p.current_section, p.started_at, p.completed_at, p.last_accessed_at, p.total_time_seconds, p.pause_count, p.hint_count, "
           "p.retry_count, p.error_count, p.score, p.mastery_score, p.completed_sections, p.difficulty_adjustments, p.revision "
           "FROM module_progress p JOIN modules m ON m.id = p.module_id WHERE p.student_id = %s ORDER BY p.last_accessed_at DESC LIMIT 50")
    with psycopg.connect(psycopg_url()) as conn:
        def raw():
            with conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
                cur.execute(sql, [student.pk], prepare=True)
                return json.dumps({"results": cur.fetchall()}, default=str).encode()

        h.floor("lms.floor.raw_sql_progress", h.p50(h.timings(raw, repeat=repeat, warmup=3)), "s", higher_is_better=False)

    # -- event ingestion through the API
    rng = random.Random(SEED + 1)
    module_ids = [m.pk for m in modules]
    n_ingest = h.n(20_000, 5_000)
    for size in (100, 500):
        batches = [event_items(rng, module_ids, size) for _ in range(n_ingest // size)]
        # Floor and figure measured alternately, a third of the batches each round, best of three
        # each: on a shared machine the load moves between two measurements taken minutes apart.
        rounds = [batches[i::3] for i in range(3)]
        floors, ones, rates = [], [], []
        for part in rounds:
            batched, once = copy_floor(h, student.pk, part)
            floors.append(batched)
            ones.append(once)
            bodies = [json.dumps(b) for b in part]

            def post_all(bodies=bodies):
                for body in bodies:
                    r = client.post("/api/v1/lms/events/", body, content_type="application/json")
                    assert r.status_code == 201, r.content[:300]

            before = ModuleAnalyticsEvent.objects.count()
            seconds, _ = h.once(post_all)
            sent = sum(len(b) for b in part)
            assert ModuleAnalyticsEvent.objects.count() - before >= sent
            rates.append(sent / seconds)
        h.floor(f"lms.floor.copy_batch_{size}", max(floors), "events/s")
        h.floor(f"lms.floor.copy_one_go_{size}", max(ones), "events/s")
        rate = max(rates)
        h.figure(f"lms.events.api_batch_{size}", rate, "events/s", floor=f"lms.floor.copy_batch_{size}", target=0.5)
        h.figure(f"lms.events.api_batch_{size}_vs_copy_one_go", rate, "events/s", floor=f"lms.floor.copy_one_go_{size}", target=None)

    # -- pages and the progress API for one student
    slug = ModuleProgress.objects.filter(student=student).order_by("-last_accessed_at").values_list("module__module_id", flat=True).first()

    def get(url, client=client):
        r = client.get(url)
        assert r.status_code == 200, (url, r.status_code, r.content[:300])
        return r

    for name, url in (("my_learning", "/learn/"), ("module_player", f"/learn/m/{slug}/?section=5"), ("progress_list", "/api/v1/lms/progress/")):
        samples = h.timings(lambda url=url: get(url), repeat=repeat, warmup=3)
        kind = "api" if name == "progress_list" else "page"
        if name == "progress_list":
            h.figure(f"lms.{kind}.{name}_p50", h.p50(samples), "s", floor="lms.floor.raw_sql_progress", target=None, higher_is_better=False)
            h.figure(f"lms.{kind}.{name}_p95", h.p95(samples), "s", floor="lms.floor.raw_sql_progress", target=None, higher_is_better=False)
        h.figure(f"lms.{kind}.{name}_p50_vs_bare_view", h.p50(samples), "s", floor="lms.floor.bare_view", target=None, higher_is_better=False)
        h.figure(f"lms.{kind}.{name}_p95_vs_bare_view", h.p95(samples), "s", floor="lms.floor.bare_view", target=None, higher_is_better=False)

    progress_page(h, repeat)
    quiz_grading(h, client, student, repeat)

    # -- admin changelists, ours and stock, side by side
    admin_client = Client()
    admin_client.force_login(superuser(), backend=LOGIN_BACKEND)
    term = student.name.split()[0] + " " + student.name.split()[1]  # e.g. "Student 0": a name fragment
    admin_repeat = h.n(10, 5)
    for model, label in (("moduleprogress", "progress"), ("moduleanalyticsevent", "events")):
        for case, query, target in (("page1", "", 0.5), ("search", f"?q={term.replace(' ', '+')}", 0.2)):
            stock = h.p50(h.timings(lambda model=model, query=query: get(f"/stock-admin/lms/{model}/{query}", admin_client), repeat=admin_repeat, warmup=1))
            ours = h.p50(h.timings(lambda model=model, query=query: get(f"/admin/lms/{model}/{query}", admin_client), repeat=admin_repeat, warmup=1))
            h.floor(f"lms.floor.stock_admin_{label}_{case}", stock, "s", higher_is_better=False)
            h.figure(f"lms.admin.{label}_{case}", ours, "s", floor=f"lms.floor.stock_admin_{label}_{case}", target=target, higher_is_better=False)
    connection.close()
