import pytest


@pytest.mark.django_db
def test_api_root_lists_registry(client):
    response = client.get("/api/v1/")
    assert response.status_code == 200
    assert "students" in response.json()


def test_faculty_sees_only_own_students(world, client_for):
    response = client_for(world.users["faculty"]).get("/api/v1/students/")
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == ["student-a"]
