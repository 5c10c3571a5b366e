import json
import pytest
from tests.frames.test_api_input import GOOD_STUDENT, API

pytestmark = pytest.mark.django_db

def test_probe(world, client_for, login_client, settings):
    c = client_for(world.users["coordinator"])
    out = []
    r = c.patch(f"{API}students/student-a/", {"status": "outgoing"}, format="json"); out.append(("status", r.status_code, r.content[:200]))
    r = c.patch(f"{API}students/student-a/", {"graduated_at": "2026-01-01T00:00:00Z"}, format="json"); out.append(("grad", r.status_code, r.content[:200]))
    for q in ["search=a%00b", "name__icontains=%00", "graduation_term=%00", "university=%00", "ordering=%00"]:
        r = c.get(f"{API}students/?{q}"); out.append((q, r.status_code, r.content[:200]))
    r = c.get(f"{API}students/a%00b/"); out.append(("path", r.status_code, r.content[:200]))
    for q in ["page=abc", "page=0", "page=-1", "page=99999", "page_size=abc", "page_size=-5", "page_size=100000", "terms_remaining=abc",
     "terms_remaining__lte=x", "active=maybe", "status=graduated", "ordering=nonexistent", "ordering=-password", "university=" + "x" * 5000]:
        r = c.get(f"{API}students/?{q}"); out.append((q[:40], r.status_code, r.content[:200]))
    body = json.dumps({**GOOD_STUDENT, "role": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10)})
    r = c.generic("POST", f"{API}students/", body, content_type="application/json"); out.append(("huge default", r.status_code, r.content[:200]))
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    r = c.generic("POST", f"{API}students/", json.dumps({**GOOD_STUDENT, "description": "x" * 20_000}), content_type="application/json"); out.append(("huge", r.status_code, r.content[:200]))
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2621440
    lc = login_client(world.users["coordinator"])
    form = {"id": "student-new", "name": "N", "university": "uni_a", "terms_remaining": 4, "meta": "{}"}
    for field in ("team", "university", "name", "id"):
        r = lc.post("/admin/frames/student/add/", {**form, field: "x\x00"}); out.append(("admin " + field, r.status_code, r.content[:100]))
    for line in out:
        print("PROBE", line)
