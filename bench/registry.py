"""Registry benchmarks: the 100-row students API page and a 10,000-student
spreadsheet import, each beside floors measured in the same run.

Scale: full = 8 universities, 400 teams, 80 faculty, 10,000 students (and a
10,000-row import); small = a tenth of each.

Floors
- bare view: a trivial JsonResponse view through django.test.Client (same middleware, same login);
- raw SQL: psycopg SELECT of the same 100 rows + json.dumps;
- bulk_create: plain `Student.objects.bulk_create` rows/s (bulk_create_beside_import: the same, one sample
  before each of the import's, so the import's figure and its floor see the same machine);
- COPY: psycopg `COPY students FROM STDIN` rows/s.

Figures
- registry.api.students_page_100: `/api/v1/students/?page_size=100` as a coordinator, p50 (target <= 4x raw SQL);
- registry.api.students_page_100_100k_table: the same page with 100,000 students in the table against it with
  1,000 (floor registry.floor.students_page_100_1k_table; target <= 1.5x: a page's time does not grow with its table);
- ... and the same page against the bare view (context), a stock DRF ModelSerializer page (comparison);
- registry.import.students: CSV of new students through `run_import(StudentResource)` rows/s, p50 of three, with
  every app's reactions on and given work (a university rule for the lms to expand, people for cadence to link;
  delivered on commit, inside the measured time) (target >= 1/5 bulk_create);
- the re-import of the same file (nothing changes), and stock django-import-export (plain ModelResource,
  with and without use_bulk) for comparison.
"""

import csv
import io
import json
import random

import psycopg
import tablib
from django.conf import settings
from django.db import connection, transaction
from django.test import Client
from django.urls import include, path
from import_export import resources
from rest_framework import generics, serializers
from rest_framework.pagination import PageNumberPagination

from bench.harness import LOGIN_BACKEND, bare_view, serving
from frames.models import AuditLog, Faculty, Project, Student, Team, University

# ------------------------------------------------------------------ URLs the bench adds



class StockStudentSerializer(serializers.ModelSerializer):
    """What DRF gives you out of the box: a ModelSerializer over the same fields."""

    class Meta:
        model = Student
        fields = [
            "id", "name", "university", "team", "advisor", "email", "role", "expertise_area", "graduation_term",
            "terms_remaining", "status", "is_lead", "active", "graduated_at", "grade", "meta", "created_at",
        ]


class StockPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class StockStudentList(generics.ListAPIView):
    queryset = Student.objects.all()
    serializer_class = StockStudentSerializer
    pagination_class = StockPagination
    filter_backends = []


urlpatterns = [
    path("bench/bare/", bare_view),
    path("bench/stock-students/", StockStudentList.as_view()),
    # The registry API alone: the bench measures it without loading every app's URLs.
    path("api/v1/", include("frames.api.urls")),
    path("learn/", include("lms.urls")),  # the import's reactions link new assignments to the player
]

# ------------------------------------------------------------------ data

SEED = 20260
UNIVERSITY_IDS = ["cal_poly", "texas_state", "columbia", "northeastern", "uw_madison", "purdue", "uc_irvine", "byu"]
SUBSYSTEMS = ["avionics", "power", "structures", "software", "communications", "payload", "adcs", "thermal"]
TERMS = ["Spring", "Fall"]
ROLES = ["Member", "Lead", "Researcher", "Intern"]
AREAS = ["Electrical", "Software", "Mechanical", "Systems", "Aerospace"]


def fill(h):
    """Universities, programs, teams, faculty and students at the bench's scale."""
    rng = random.Random(SEED)
    n_unis = 8
    teams_per_uni = h.n(50, 5)
    faculty_per_uni = h.n(10, 2)
    n_students = h.n(10_000, 1_000)
    universities = [University(id=uid, name=uid.replace("_", " ").title(), location="USA") for uid in UNIVERSITY_IDS[:n_unis]]
    University.objects.bulk_create(universities)
    projects = [Project(id="proves", name="PROVES CubeSat Kit"), Project(id="cadence", name="CADENCE CubeSat")]
    for p in projects:
        p.is_collaborative = True
    Project.objects.bulk_create(projects)
    teams, faculty = [], []
    for u in universities:
        for t in range(teams_per_uni):
            teams.append(Team(id=f"team-{u.id}-{t:03d}", university=u, project=projects[t % 2], name=f"{u.name} team {t}",
                              subsystem=SUBSYSTEMS[t % len(SUBSYSTEMS)]))
        for f in range(faculty_per_uni):
            faculty.append(Faculty(id=f"fac-{u.id}-{f:02d}", university=u, name=f"Dr. {u.id} {f}", email=f"fac{f}@{u.id.replace('_', '-')}.edu"))
    Team.objects.bulk_create(teams)
    Faculty.objects.bulk_create(faculty)
    Student.objects.bulk_create(make_students(rng, n_students, "student", teams, faculty), batch_size=2000)
    return teams, faculty


def student_fields(rng, i, prefix, teams, faculty):
    team = teams[rng.randrange(len(teams))]
    uni = team.university_id
    advisors = [f for f in faculty if f.university_id == uni]
    return {
        "id": f"{prefix}-{i:06d}", "name": f"{prefix.title()} {i} {rng.choice(['Lee', 'Garcia', 'Kim', 'Patel', 'Smith'])}",
        "university_id": uni, "team_id": team.id, "advisor_id": rng.choice(advisors).id,
        "email": f"{prefix}{i}@{uni.replace('_', '-')}.edu", "role": rng.choice(ROLES), "expertise_area": rng.choice(AREAS),
        "graduation_term": f"{rng.choice(TERMS)} {rng.randint(2026, 2030)}", "terms_remaining": rng.randint(1, 8),
        "is_lead": rng.random() < 0.1, "active": True, "grade": None,
    }


def make_students(rng, n, prefix, teams, faculty):
    return [Student(**student_fields(rng, i, prefix, teams, faculty)) for i in range(n)]


IMPORT_COLUMNS = ["id", "name", "university", "team", "advisor", "email", "role", "expertise_area",
                  "graduation_term", "terms_remaining", "is_lead", "active", "grade"]


def import_csv(rng, n, prefix, teams, faculty) -> bytes:
    """A spreadsheet of n new students, as a coordinator would upload it."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(IMPORT_COLUMNS)
    for i in range(n):
        s = student_fields(rng, i, prefix, teams, faculty)
        writer.writerow([s["id"], s["name"], s["university_id"], s["team_id"], s["advisor_id"], s["email"], s["role"],
                         s["expertise_area"], s["graduation_term"], s["terms_remaining"], int(s["is_lead"]), 1, ""])
    return out.getvalue().encode()


def remove(prefix):
    like = prefix + "-%"
    with connection.cursor() as cur:
        # What the reactions to an import wrote for these students goes too, so every run does the same work.
        cur.execute("DELETE FROM audit_logs WHERE table_name = 'module_assignments' AND object_id IN "
                    "(SELECT id::text FROM module_assignments WHERE student_id LIKE %s)", [like])
        cur.execute("SELECT to_regclass('lms_notifications') IS NOT NULL")
        if cur.fetchone()[0]:  # the notices the rule's new assignments sent
            cur.execute("DELETE FROM lms_notifications WHERE assignment_id IN (SELECT id FROM module_assignments WHERE student_id LIKE %s)",
                        [like])
        cur.execute("DELETE FROM module_assignments WHERE student_id LIKE %s", [like])
        cur.execute("DELETE FROM audit_logs WHERE table_name = 'cadence_people' AND object_id IN "
                    "(SELECT id::text FROM cadence_people WHERE student_id LIKE %s)", [like])
        cur.execute("UPDATE cadence_people SET student_id = NULL WHERE student_id LIKE %s", [like])
        cur.execute("DELETE FROM audit_logs WHERE table_name = 'students' AND object_id LIKE %s", [like])
        cur.execute("DELETE FROM students WHERE id LIKE %s", [like])


def reaction_work(data):
    """Give every app's reaction to the import work to do: a university rule (the lms
    assigns its module to that university's new students) and people carrying a tenth of
    the file's e-mails (cadence links them). Analytics follows records that move
    university: a file of new students moves none (its subscriber runs and finds nothing).
    Returns (students the rule reaches, people to link)."""
    from cadence.models import Person
    from lms.models import Module
    from lms.services import assignment_create

    rows = list(csv.DictReader(io.StringIO(data.decode())))
    university = rows[0]["university"]
    module = Module.objects.create(module_id="bench-rule", title="Bench rule")
    assignment_create(module=module, university=University.objects.get(pk=university))
    emails = [row["email"] for row in rows[::10]]
    Person.objects.bulk_create([Person(name=f"Bench person {i}", name_key=f"bench person {i}", email=email)
                                for i, email in enumerate(emails)])
    return sum(row["university"] == university for row in rows), len(emails)


def coordinator():
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from frames.roles import COORDINATORS

    user = get_user_model().objects.create_user("bench-coordinator", password=None, is_staff=True)
    user.groups.add(Group.objects.get(name=COORDINATORS))
    return user


def psycopg_url():
    db = settings.DATABASES["default"]
    return psycopg.conninfo.make_conninfo(dbname=db["NAME"], user=db.get("USER") or None, password=db.get("PASSWORD") or None,
                                          host=db.get("HOST") or None, port=str(db["PORT"]) if db.get("PORT") else None)


# ------------------------------------------------------------------ floors

PAGE_SQL = (
    "SELECT id, name, university_id AS university, team_id AS team, teacher_id AS advisor, email, role, expertise_area, "
    "graduation_term, terms_remaining, status, is_lead, active, graduated_at, grade, meta, created_at "
    "FROM students ORDER BY name LIMIT 100"
)
COPY_COLUMNS = ["id", "name", "university_id", "team_id", "teacher_id", "email", "role", "expertise_area", "graduation_term",
                "terms_remaining", "is_lead", "active", "grade", "meta", "created_at"]


def raw_sql_page(conn):
    with conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
        cur.execute(PAGE_SQL, prepare=True)
        rows = cur.fetchall()
    return json.dumps({"results": rows}, default=str).encode()


def bulk_create_rate(h, rng, teams, faculty, n, repeat=3):
    rates = []
    for r in range(repeat):
        objs = make_students(rng, n, f"bulk{r}", teams, faculty)
        with transaction.atomic():
            seconds, _ = h.once(lambda objs=objs: Student.objects.bulk_create(objs))
        rates.append(n / seconds)
        remove(f"bulk{r}")
    return h.p50(rates)


def copy_rate(h, rng, teams, faculty, n, repeat=3):
    import datetime

    now = datetime.datetime.now(datetime.UTC)
    rates = []
    with psycopg.connect(psycopg_url()) as conn:
        for r in range(repeat):
            rows = []
            for i in range(n):
                s = student_fields(rng, i, f"copy{r}", teams, faculty)
                rows.append([s["id"], s["name"], s["university_id"], s["team_id"], s["advisor_id"], s["email"], s["role"],
                             s["expertise_area"], s["graduation_term"], s["terms_remaining"], s["is_lead"], s["active"], s["grade"],
                             "{}", now])

            def run(rows=rows):
                with conn.cursor() as cur, cur.copy(f"COPY students ({', '.join(COPY_COLUMNS)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                conn.commit()

            seconds, _ = h.once(run)
            rates.append(n / seconds)
            conn.execute("DELETE FROM students WHERE id LIKE %s", [f"copy{r}-%"])
            conn.commit()
    return h.p50(rates)


# ------------------------------------------------------------------ stock import-export


class StockStudentResource(resources.ModelResource):
    class Meta:
        model = Student
        fields = IMPORT_COLUMNS
        import_id_fields = ("id",)


class StockBulkStudentResource(resources.ModelResource):
    class Meta:
        model = Student
        fields = IMPORT_COLUMNS
        import_id_fields = ("id",)
        use_bulk = True
        batch_size = 1000


def stock_import(resource_class, data):
    dataset = tablib.Dataset().load(data.decode(), format="csv")
    result = resource_class().import_data(dataset, dry_run=False, use_transactions=True)
    assert not result.has_errors() and not result.has_validation_errors(), "stock import failed"
    return result


# ------------------------------------------------------------------ reactions


def reaction_names():
    """The subscribers every student import reaches (frames/events.py), printed with the figure."""
    from frames.events import students_changed

    return sorted(students_changed.subscribers)


# ------------------------------------------------------------------ a page against its table's size


def table_growth(h, get_page, teams, faculty, small=1_000, large=100_000):
    """The students page with `small` students in the table, then with `large` (COPY), best of 3 p50s each."""
    import datetime

    keep = sorted(Student.objects.values_list("pk", flat=True))[:small]
    with connection.cursor() as cur:
        cur.execute("CREATE TEMP TABLE bench_kept AS SELECT * FROM students WHERE NOT (id = ANY(%s))", [keep])
        cur.execute("DELETE FROM students WHERE NOT (id = ANY(%s))", [keep])
    missing = small - Student.objects.count()
    if missing > 0:
        Student.objects.bulk_create(make_students(random.Random(SEED + 5), missing, "fill", teams, faculty))

    def best():
        return min(h.p50(h.timings(get_page, repeat=20, warmup=3)) for _ in range(3))

    with connection.cursor() as cur:
        cur.execute("ANALYZE students")
    h.floor("registry.floor.students_page_100_1k_table", best(), "s", higher_is_better=False)
    rng, now = random.Random(SEED + 6), datetime.datetime.now(datetime.UTC)
    with psycopg.connect(psycopg_url()) as conn:
        with conn.cursor() as cur, cur.copy(f"COPY students ({', '.join(COPY_COLUMNS)}) FROM STDIN") as copy:
            for i in range(large - small):
                s = student_fields(rng, i, "grow", teams, faculty)
                copy.write_row([s["id"], s["name"], s["university_id"], s["team_id"], s["advisor_id"], s["email"], s["role"],
                                s["expertise_area"], s["graduation_term"], s["terms_remaining"], s["is_lead"], s["active"], s["grade"],
                                "{}", now])
        conn.execute("ANALYZE students")
        conn.commit()
    print(f"  data   {Student.objects.count()} students in the table")
    h.figure("registry.api.students_page_100_100k_table", best(), "s", floor="registry.floor.students_page_100_1k_table", target=1.5,
             higher_is_better=False)
    with connection.cursor() as cur:
        cur.execute("DELETE FROM students WHERE id LIKE 'grow-%%' OR id LIKE 'fill-%%'")
        columns = ", ".join(f.column for f in Student._meta.concrete_fields if not f.generated)  # generated ones recompute
        cur.execute(f"INSERT INTO students ({columns}) SELECT {columns} FROM bench_kept")
        cur.execute("DROP TABLE bench_kept")
        cur.execute("ANALYZE students")


# ------------------------------------------------------------------ run


def run(h):
    with serving("bench.registry"):
        _run(h)


def _run(h):
    from frames.imports import run_import
    from frames.resources import StudentResource

    rng = random.Random(SEED + 1)
    seconds, (teams, faculty) = h.once(lambda: fill(h))
    print(f"  data   {University.objects.count()} universities, {len(teams)} teams, {len(faculty)} faculty, "
          f"{Student.objects.count()} students (filled in {seconds:.1f}s)")
    user = coordinator()
    client = Client()
    client.force_login(user, backend=LOGIN_BACKEND)
    repeat = 30

    # -- floors
    h.floor("registry.floor.bare_view", h.p50(h.timings(lambda: client.get("/bench/bare/"), repeat=repeat, warmup=3)), "s",
            higher_is_better=False)
    n_write = h.n(10_000, 1_000)
    h.floor("registry.floor.bulk_create", bulk_create_rate(h, rng, teams, faculty, n_write), "rows/s")
    h.floor("registry.floor.copy", copy_rate(h, rng, teams, faculty, n_write), "rows/s")

    # -- the API page
    def page(url):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return response

    body = json.loads(page("/api/v1/students/?page_size=100").content)
    assert len(body["results"]) == 100, len(body["results"])
    # The raw-SQL floor and the page timed alternately, one sample each in turn: on a shared machine
    # the speed moves between two measurements taken seconds apart, and both must see the same.
    raw, pages = [], []
    with psycopg.connect(psycopg_url()) as conn:
        for _ in range(3):  # warm both
            raw_sql_page(conn)
            page("/api/v1/students/?page_size=100")
        for _ in range(repeat):
            raw += h.timings(lambda: raw_sql_page(conn), repeat=1, warmup=0)
            pages += h.timings(lambda: page("/api/v1/students/?page_size=100"), repeat=1, warmup=0)
    h.floor("registry.floor.raw_sql_page_100", h.p50(raw), "s", higher_is_better=False)
    api = h.p50(pages)
    h.figure("registry.api.students_page_100", api, "s", floor="registry.floor.raw_sql_page_100", target=4, higher_is_better=False)
    h.figure("registry.api.students_page_100_vs_bare_view", api, "s", floor="registry.floor.bare_view", target=None,
             higher_is_better=False)
    stock = h.p50(h.timings(lambda: page("/bench/stock-students/?page_size=100"), repeat=repeat, warmup=3))
    h.figure("registry.api.stock_drf_page_100", stock, "s", floor="registry.floor.raw_sql_page_100", target=None,
             higher_is_better=False)

    table_growth(h, lambda: page("/api/v1/students/?page_size=100"), teams, faculty)

    # -- the spreadsheet import (new students), then the same file again (nothing changes)
    n_import = h.n(10_000, 1_000)
    data = import_csv(random.Random(SEED + 2), n_import, "imp", teams, faculty)
    reached, people = reaction_work(data)
    print(f"  note   students_changed subscribers (run on every import): {', '.join(reaction_names()) or 'none'}; "
          f"the file's students a university rule reaches: {reached}, people carrying their e-mails: {people}")

    def frames_import(label, target, repeat=3):
        """p50 of `repeat` imports of the new-students file, as the floor is measured (the last one stays)."""
        from cadence.models import Person
        from lms.models import ModuleAssignment

        rates, floor_rates = [], []
        for run_number in range(repeat):
            if run_number:
                remove("imp")
            # Its floor sampled beside each import, alternately (as the page and its raw-SQL floor are): the
            # machine's speed moves between the run's first bulk_create floor and this, minutes later.
            floor_rates.append(bulk_create_rate(h, rng, teams, faculty, n_import, repeat=1))
            audit_before = AuditLog.objects.filter(table_name="students").count()
            seconds, report = h.once(lambda: run_import(resource_class=StudentResource, data=data, file_format="csv", user=user))
            assert report.ok and report.created == n_import, (report.errors[:5], report.created)
            assert AuditLog.objects.filter(table_name="students").count() - audit_before == n_import
            # The reactions ran within the measured time (on commit): every rule row and link is there.
            assert ModuleAssignment.objects.filter(student__id__startswith="imp-", auto_assigned=True).count() == reached
            assert Person.objects.filter(student__id__startswith="imp-").count() == people
            rates.append(n_import / seconds)
        h.floor("registry.floor.bulk_create_beside_import", h.p50(floor_rates), "rows/s")
        h.figure(label, h.p50(rates), "rows/s", floor="registry.floor.bulk_create_beside_import", target=target)

    frames_import("registry.import.students", 0.2)  # the real path: run_import, every app's reactions (events) included
    seconds, report = h.once(lambda: run_import(resource_class=StudentResource, data=data, file_format="csv", user=user))
    assert report.ok and report.unchanged == n_import, (report.errors[:5], report.unchanged)
    h.figure("registry.import.students_reimport_unchanged", n_import / seconds, "rows/s", floor="registry.floor.bulk_create",
             target=None)
    remove("imp")

    # -- stock django-import-export on the same file, for comparison (no reactions: it sends no events).
    for name, resource_class in (("stock_import_export", StockStudentResource),
                                 ("stock_import_export_use_bulk", StockBulkStudentResource)):
        seconds, result = h.once(lambda resource_class=resource_class: stock_import(resource_class, data))
        assert result.totals["new"] == n_import, result.totals
        h.figure(f"registry.import.{name}", n_import / seconds, "rows/s", floor="registry.floor.bulk_create", target=None)
        remove("imp")
