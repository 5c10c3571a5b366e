import pytest
from tests.frames.test_permissions import rows, ADMIN_MODELS, admin_urls  # noqa
pytestmark = pytest.mark.django_db

def test_probe(rows, client_for, login_client):
    out = []
    c = client_for(rows.users["faculty"])
    out.append(("move", c.patch("/api/v1/students/student-a/", {"university": "uni_b"}, format="json").status_code))
    for ep, b in (("universities","uni_b"),("projects","proj-b"),("faculty","fac-b")):
        out.append(("del", ep, c.delete(f"/api/v1/{ep}/{b}/").status_code))
    for q in ["university=uni_b","team=team-b","advisor=fac-b","team__project=proj-b","search=Bob","ordering=-name","expertise_area__icontains=","university=uni_b&team=team-b&search=Bob","status=incoming","page_size=500"]:
        out.append((q, c.get(f"/api/v1/students/?{q}").status_code))
    for role in ("coordinator","superuser"):
        cc = client_for(rows.users[role])
        for ep in ("audit-logs","agent-logs"):
            from frames.models import AgentLog, AuditLog
            m = AuditLog if ep=="audit-logs" else AgentLog
            pk = m.objects.first().pk
            out.append((role, ep, cc.post(f"/api/v1/{ep}/", {"agent_name":"x","action":"create"}, format="json").status_code,
                        cc.patch(f"/api/v1/{ep}/{pk}/", {"message":"x"}, format="json").status_code,
                        cc.put(f"/api/v1/{ep}/{pk}/", {"message":"x"}, format="json").status_code,
                        cc.delete(f"/api/v1/{ep}/{pk}/").status_code))
    out.append(("me anon", client_for(None).get("/api/v1/me/").status_code))
    lc = login_client(rows.users["faculty"])
    for name in ADMIN_MODELS:
        model, row_a, row_b, _ = ADMIN_MODELS[name]
        if row_b:
            for suffix in ("change/","delete/","history/"):
                out.append(("admin", name, suffix, lc.get(f"/admin/frames/{name}/{row_b}/{suffix}").status_code))
    out.append(("ac student", login_client(rows.users["student"]).get("/admin/autocomplete/?app_label=frames&model_name=student&field_name=team").status_code))
    print("H5PROBE", out)
