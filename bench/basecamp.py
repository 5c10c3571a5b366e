"""Basecamp benchmarks: the offline assessor through the database, and seed
004's review-queue and skill-trend queries against the same SQL run raw.

Scale: full = 400 students x 8 entries (3,200 entries); small = 40 x 8.

Floors
- basecamp.floor.assessor_in_memory: RulesAssessor.assess on the entries' text, no database (entries/s);
- basecamp.floor.raw_query2 / raw_query3: old schema 004's queries 2 and 3 run as raw SQL (cursor), p50;
- basecamp.floor.raw_sql_entries_page_100: psycopg SELECT of the same 100 data entries + json.dumps.

Figures
- basecamp.assess.entries_per_s: entries_assess (proposals, audit rows, agent log, targets) entries/s (target >= 1/10 of in-memory);
- basecamp.review_queue.selector: selectors.review_queue as a coordinator, 20 rows, p50 (target <= 3x raw query 2;
  both measured alternately, best of three p50s each);
- basecamp.trends.selector: selectors.skill_trends for one student, p50 (target <= 4x raw query 3);
- basecamp.api.data_entries_page_100: `/api/v1/basecamp/data-entries/?page_size=100` as a coordinator, p50
  (target <= 4x raw SQL; the floor and the page timed one sample each in turn).
"""

import datetime
import json
import random

import psycopg
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.urls import include, path

from basecamp import rubric_data
from basecamp.assessor import RulesAssessor
from basecamp.demo import SENTENCES
from basecamp.models import DataEntry, RubricSkill
from basecamp.selectors import review_queue, skill_trends
from basecamp.services import entries_assess
from bench.harness import LOGIN_BACKEND, serving
from frames.models import Student, University

urlpatterns = [path("api/v1/basecamp/", include(("basecamp.api.urls", "basecamp-api")))]
ENTRIES_SQL = ("SELECT id, student_id AS student, teacher_id AS teacher, type, date, content, metadata, created_at "
               "FROM data_entries ORDER BY date DESC, id DESC LIMIT 100")

Q2 = """SELECT a.id, a.student_id, s.name as student_name, a.skill_name, a.level, a.confidence_score, a.created_at
FROM assessments a JOIN students s ON a.student_id = s.id LEFT JOIN teacher_corrections tc ON tc.assessment_id = a.id
WHERE tc.id IS NULL AND a.confidence_score < 0.8 ORDER BY a.confidence_score ASC, a.created_at DESC LIMIT 20"""
Q3 = """WITH skill_levels AS (SELECT skill_name, DATE_TRUNC('week', created_at) as week,
CASE level WHEN 'Emerging' THEN 1 WHEN 'Developing' THEN 2 WHEN 'Proficient' THEN 3 WHEN 'Advanced' THEN 4 END as level_numeric, level
FROM assessments WHERE student_id = %s)
SELECT skill_name, week, MODE() WITHIN GROUP (ORDER BY level_numeric), MODE() WITHIN GROUP (ORDER BY level), COUNT(*)
FROM skill_levels GROUP BY skill_name, week ORDER BY skill_name, week"""


def run(h):
    with serving("bench.basecamp"):
        _run(h)


def _run(h):
    rng = random.Random(4)
    rubric_data.load(RubricSkill)
    uni = University.objects.create(id="bench_uni", name="Bench University")
    n_students = h.n(400, 40)
    students = Student.objects.bulk_create([Student(id=f"bs-{i:05d}", name=f"Student {i}", university=uni) for i in range(n_students)])
    entries, number = [], 0
    for student in students:
        for week in range(8):
            number += 1
            text = " ".join(s.format(n="Sam") for s in rng.sample(SENTENCES, 3))
            entries.append(DataEntry(id=f"DE{number:05d}", student=student, type="reflection_journal",
                                     date=datetime.date(2026, 1, 5) + datetime.timedelta(weeks=week), content=text))
    DataEntry.objects.bulk_create(entries)

    assessor = RulesAssessor(list(RubricSkill.objects.all()))
    sample = entries[: min(500, len(entries))]
    seconds, _ = h.once(lambda: [assessor.assess(e.content) for e in sample])
    h.floor("basecamp.floor.assessor_in_memory", len(sample) / seconds, "entries/s")

    seconds, _ = h.once(lambda: [entries_assess(entries=entries[i:i + 200]) for i in range(0, len(entries), 200)])
    h.figure("basecamp.assess.entries_per_s", len(entries) / seconds, "entries/s", floor="basecamp.floor.assessor_in_memory", target=0.1)

    coordinator = get_user_model().objects.create(username="bench-root", is_superuser=True, is_staff=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # as autovacuum would after a bulk load; the raw floors and the ORM see the same statistics
        # Query 2 and the selector measured alternately, best of three p50s each (the machine's load moves between them).
        raws, queues = [], []
        for _ in range(3):
            raws.append(h.p50(h.timings(lambda: (cursor.execute(Q2), cursor.fetchall()))))
            queues.append(h.p50(h.timings(lambda: list(review_queue(user=coordinator)))))
        h.floor("basecamp.floor.raw_query2", min(raws), "s", higher_is_better=False)
        h.floor("basecamp.floor.raw_query3", h.p50(h.timings(lambda: (cursor.execute(Q3, [students[0].pk]), cursor.fetchall()))), "s",
                higher_is_better=False)
    h.figure("basecamp.review_queue.selector", min(queues), "s", floor="basecamp.floor.raw_query2", target=3, higher_is_better=False)
    h.figure("basecamp.trends.selector", h.p50(h.timings(lambda: skill_trends(students[0]))), "s",
             floor="basecamp.floor.raw_query3", target=4, higher_is_better=False)

    # -- the data entries API page beside its raw SQL floor
    from bench.registry import psycopg_url

    client = Client()
    client.force_login(coordinator, backend=LOGIN_BACKEND)

    def page():
        response = client.get("/api/v1/basecamp/data-entries/?page_size=100")
        assert response.status_code == 200, response.status_code
        return response

    assert len(json.loads(page().content)["results"]) == 100
    with psycopg.connect(psycopg_url()) as conn:
        def raw():
            with conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
                cur.execute(ENTRIES_SQL, prepare=True)
                return json.dumps({"results": cur.fetchall()}, default=str).encode()

        raws, pages = h.alternately(raw, page, repeat=60)  # the floor beside each sample
    h.floor("basecamp.floor.raw_sql_entries_page_100", h.p50(raws), "s", higher_is_better=False)
    h.figure("basecamp.api.data_entries_page_100", h.p50(pages), "s", floor="basecamp.floor.raw_sql_entries_page_100", target=4,
             higher_is_better=False)
