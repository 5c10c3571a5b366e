import json
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
pytestmark = pytest.mark.django_db

def test_dbg(quiz_world, answers, ingest, login_client):
    w = quiz_world
    c = login_client(w.users["student"])
    c.get("/learn/m/orbits/?section=2")
    body = json.dumps({"answers": answers.wrong(w.quiz)})
    c.post("/learn/m/orbits/section/2/quiz/", body, content_type="application/json", HTTP_ACCEPT="application/json")
    with CaptureQueriesContext(connection) as ctx:
        r = c.post("/learn/m/orbits/section/2/quiz/", body, content_type="application/json", HTTP_ACCEPT="application/json")
    assert r.status_code == 200
    open("/tmp/h7_q.txt", "w").write("\n".join(q["sql"][:300] for q in ctx.captured_queries))
