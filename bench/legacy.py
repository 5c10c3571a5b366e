"""The legacy import: a generated old database imported by `manage.py import_legacy`,
beside plain `bulk_create` of the same rows measured in the same run.

Scale: full = 10,000 students (8 universities, 400 teams) and 200,000
`module_analytics_events` over 50 modules; small = a tenth of each.

Floors
- bulk_create: `Student.objects.bulk_create` of the 10,000 students, then
  `ModuleAnalyticsEvent.objects.bulk_create` of the 200,000 events (the same values the
  import writes, already converted), rows/s; rolled back afterwards;
- the RSS budget: 300 MB.

Figures
- legacy.import.rows_per_s: every old row / the import's time (the command's report,
  `summary.seconds`: reading, converting, deciding and writing, key map included),
  target >= 1/3 of bulk_create;
- legacy.import.peak_rss: the command's peak resident memory (run as a subprocess,
  its VmHWM), target <= the budget; beside a bare `manage.py check` for context;
- legacy.reimport.rows_per_s: the second run (every row unchanged), for context.
"""

import datetime
import json
import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlparse

import psycopg
from django.conf import settings
from django.db import connection, transaction
from psycopg import sql

from frames.legacy.source import build_old_schema
from frames.models import Project, Student, Team, University

SEED = 20261201
UNIVERSITIES = ["cal_poly", "texas_state", "columbia", "northeastern", "uw_madison", "purdue", "uc_irvine", "byu"]
EVENT_TYPES = ["section_view", "section_complete", "module_start", "pause", "resume", "click", "scroll", "code_run"]
DEVICES = ["desktop", "tablet", "phone", None]
TIMESTAMP_SHAPES = ("{:%Y-%m-%dT%H:%M:%SZ}", "{:%Y-%m-%dT%H:%M:%S}", "{:%Y-%m-%d %H:%M:%S}", "{:%Y-%m-%d}")
BUDGET_MB = 300


def _url(name):
    db = settings.DATABASES["default"]
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgresql://{db.get('USER') or 'postgres'}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{name}"


def generate(h):
    """The old database's rows: (table -> list of row tuples, columns)."""
    rng = random.Random(SEED)
    n_students, n_events = h.n(10_000, 1_000), h.n(200_000, 20_000)
    n_teams, n_modules = h.n(400, 40), h.n(50, 10)
    base = datetime.datetime(2024, 9, 1, 8, 0)

    def stamp(i):
        return rng.choice(TIMESTAMP_SHAPES).format(base + datetime.timedelta(minutes=i))

    data = {
        "universities": (["id", "name", "is_lead", "active", "meta", "created_at"],
                         [(u, u.replace("_", " ").title(), u == "cal_poly", True, "{}", stamp(i)) for i, u in enumerate(UNIVERSITIES)]),
        "projects": (["id", "name", "type", "is_collaborative", "created_at"], [("cadence", "CADENCE CubeSat", "collaborative", True, stamp(0))]),
        "teams": (["id", "university_id", "project_id", "discipline", "name", "created_at", "meta"],
                  [(f"team-{i:04d}", UNIVERSITIES[i % 8], "cadence", rng.choice(["Avionics", "Power", "Electrical Engineering"]),
                    f"Team {i}", stamp(i), None) for i in range(n_teams)]),
        "students": (["id", "university_id", "name", "team_id", "expertise_area", "graduation_term", "terms_remaining", "status",
                      "is_lead", "active", "created_at", "meta"],
                     [(f"student-{i:05d}", UNIVERSITIES[i % 8], f"Student {i}", f"team-{(i % n_teams):04d}", "Software",
                       f"{rng.choice(['Spring', 'Fall'])} {rng.randint(2025, 2029)}", t, ["outgoing", "established", "incoming"][min(t // 2, 2)],
                       i % 50 == 0, True, stamp(i), None if i % 3 else '{"cohort": 1}')
                      for i in range(n_students) for t in [rng.randint(0, 6)]]),
        "modules": (["id", "module_id", "title", "status", "category"],
                    [(i + 1, f"module-{i + 1:03d}", f"Module {i + 1}", "published", "Technical") for i in range(n_modules)]),
        "module_analytics_events": (
            ["id", "module_id", "student_id", "event_type", "event_data", "section_number", "session_id", "device_type", "timestamp",
             "time_elapsed_seconds"],
            [(i + 1, rng.randint(1, n_modules), f"student-{rng.randrange(n_students):05d}", rng.choice(EVENT_TYPES),
              json.dumps({"x": i % 97}), rng.randint(1, 8), f"sess-{i // 20}", rng.choice(DEVICES),
              base + datetime.timedelta(seconds=i * 7), rng.randint(0, 3600)) for i in range(n_events)],
        ),
    }
    return data


def build_source(url, data):
    admin_url = urlparse(url)._replace(path="/postgres").geturl()
    name = urlparse(url).path.lstrip("/")
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    with psycopg.connect(url, autocommit=True) as conn:
        build_old_schema(conn)
        for table, (columns, rows) in data.items():
            query = sql.SQL("COPY {} ({}) FROM STDIN").format(sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns)))
            with conn.cursor() as cursor, cursor.copy(query) as copy:
                for row in rows:
                    copy.write_row(row)
        conn.execute("SELECT setval('modules_id_seq', (SELECT max(id) FROM modules))")


def drop_source(url):
    admin_url = urlparse(url)._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(urlparse(url).path.lstrip("/"))))


def bulk_create_rate(data):
    """Plain bulk_create of the same students and events (values as the import writes
    them), inside a transaction that is rolled back."""
    from lms.models import Module, ModuleAnalyticsEvent

    tz = datetime.UTC
    _, universities = data["universities"]
    _, teams = data["teams"]
    student_columns, students = data["students"]
    _, modules = data["modules"]
    event_columns, events = data["module_analytics_events"]
    with transaction.atomic():
        University.objects.bulk_create([University(id=u[0], name=u[1]) for u in universities])
        Project.objects.bulk_create([Project(id="cadence", name="CADENCE", is_collaborative=True)])
        Team.objects.bulk_create([Team(id=t[0], university_id=t[1], project_id="cadence", name=t[4]) for t in teams])
        module_pks = {m[0]: pk for m, pk in zip(modules, [
            obj.pk for obj in Module.objects.bulk_create([Module(module_id=m[1], title=m[2], status="published") for m in modules])
        ], strict=True)}
        now = datetime.datetime.now(tz)
        objs = [
            Student(id=s[0], university_id=s[1], name=s[2], team_id=s[3], expertise_area=s[4], graduation_term=s[5],
                    terms_remaining=s[6], is_lead=s[8], active=s[9], created_at=now, meta={})
            for s in students
        ]
        event_objs = [
            ModuleAnalyticsEvent(module_id=module_pks[e[1]], student_id=e[2], event_type=e[3], event_data=json.loads(e[4]),
                                 section_number=e[5], session_id=e[6], device_type=e[7] or "", timestamp=e[8].replace(tzinfo=tz),
                                 time_elapsed_seconds=e[9], pattern_detected="")
            for e in events
        ]
        import time

        start = time.perf_counter()
        Student.objects.bulk_create(objs, batch_size=2000)
        ModuleAnalyticsEvent.objects.bulk_create(event_objs, batch_size=2000)
        seconds = time.perf_counter() - start
        transaction.set_rollback(True)
    del student_columns, event_columns
    return (len(objs) + len(event_objs)) / seconds


# Runs manage.py in this interpreter and records the process's peak RSS (VmHWM) on exit.
# VmHWM belongs to the new program (exec starts a fresh address space); ru_maxrss would
# also count the benchmark's own memory, which the forked child shares until it execs.
_MEASURED = """
import atexit, runpy, sys
peak_path = sys.argv[1]
def _peak():
    with open('/proc/self/status') as status, open(peak_path, 'w') as out:
        out.write(next(line.split()[1] for line in status if line.startswith('VmHWM:')))
atexit.register(_peak)
sys.argv = ['manage.py', *sys.argv[2:]]
runpy.run_path('manage.py', run_name='__main__')
"""


def measured(args):
    """Run `manage.py *args` in a subprocess; its peak resident memory in MB."""
    with tempfile.TemporaryDirectory() as tmp:
        peak_path = Path(tmp) / "peak"
        env = {**os.environ, "DATABASE_URL": _url(connection.settings_dict["NAME"])}
        subprocess.run([sys.executable, "-c", _MEASURED, str(peak_path), *args], cwd=settings.BASE_DIR, env=env, check=True,
                       stdout=subprocess.DEVNULL)
        return int(peak_path.read_text()) / 1024


def run_command(source_url):
    """`manage.py import_legacy` in a subprocess: (report, its peak RSS in MB)."""
    with tempfile.TemporaryDirectory() as tmp:
        report_path = Path(tmp) / "report.json"
        peak = measured(["import_legacy", source_url, "--report", str(report_path)])
        return json.loads(report_path.read_text()), peak


def bare_process_rss():
    return measured(["check"])


def run(h):
    source_url = _url(f"{connection.settings_dict['NAME']}_legacy_src")
    data = generate(h)
    rows = sum(len(table_rows) for _, table_rows in data.values())
    print(f"  old database: {rows} rows ({len(data['students'][1])} students, {len(data['module_analytics_events'][1])} events)")
    build_source(source_url, data)
    try:
        bare = bare_process_rss()
        h.floor("legacy.floor.bulk_create", bulk_create_rate(data), "rows/s")
        h.floor("legacy.floor.rss_budget", BUDGET_MB, "MB", higher_is_better=False)
        h.floor("legacy.floor.bare_process_rss", bare, "MB", higher_is_better=False)
        connection.close()  # the subprocess writes; this process holds no transaction open
        report, peak = run_command(source_url)
        summary = report["summary"]
        if summary["rows"] != rows or summary["created"] + summary["skipped"] != rows:
            raise RuntimeError(f"the import did not account for the generated rows as expected: {summary}")
        h.figure("legacy.import.rows_per_s", summary["rows"] / summary["seconds"], "rows/s", floor="legacy.floor.bulk_create",
                 target=round(1 / 3, 4))
        h.figure("legacy.import.peak_rss", peak, "MB", floor="legacy.floor.rss_budget", target=1.0, higher_is_better=False)
        h.figure("legacy.import.peak_rss_vs_bare_process", peak, "MB", floor="legacy.floor.bare_process_rss", target=None,
                 higher_is_better=False)
        report, _ = run_command(source_url)
        summary = report["summary"]
        if summary["unchanged"] + summary["skipped"] != rows or summary["created"] or summary["updated"]:
            raise RuntimeError(f"the re-import changed rows: {summary}")
        h.figure("legacy.reimport.rows_per_s", summary["rows"] / summary["seconds"], "rows/s", floor="legacy.floor.bulk_create",
                 target=None)
    finally:
        drop_source(source_url)
