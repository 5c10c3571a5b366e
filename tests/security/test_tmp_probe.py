import re
def test_probe(security_world, login_client):
    c = login_client(security_world.users["faculty"])
    for url, s in (("/admin/frames/faculty/export/", "team-b"), ("/admin/frames/student/import/", "fac-b"), ("/admin/frames/agentlog/", "student-b"), ("/admin/cadence/workstream/%d/change/" % security_world.stream.pk, "Bob B")):
        body = c.get(url).content.decode()
        for m in re.finditer(re.escape(s), body):
            print(url, "...", body[max(0, m.start()-300):m.end()+100].replace("\n", " "))
            break
