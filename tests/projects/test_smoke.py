from tests.projects.conftest import project_body


def test_admin_creates_a_project_and_reads_its_timeline(as_user):
    admin = as_user("admin")
    r = admin.post("/api/v1/projects", json=project_body())
    assert r.status_code == 201, r.get_json()
    project = r.get_json()
    assert project["point"]["code"] and len(project["departments"]) == 2
    r = admin.get(f"/api/v1/projects/{project['id']}/timeline")
    assert r.status_code == 200, r.get_json()
