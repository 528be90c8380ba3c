"""The classroom's pages and API over HTTP (in-process): who may do what, and what the API gives.

Without the educator's token every educator route is 401; a trainee's secret
reaches only their own answers in their own exercise; a closed exercise
refuses answers; forms need their CSRF token; requests and fields have size
limits; the CSVs' cells are neutralised.
"""
from __future__ import annotations

import csv
import io

import pytest

pytest.importorskip("sqlalchemy", reason="the classroom needs SQLAlchemy (pip install '.[test]')")
pytest.importorskip("httpx", reason="the web tests need httpx")

from classroom_helpers import HOSTILE, TOKEN, VIGNETTES, educator, make_app, make_settings


@pytest.fixture
def app(tmp_path):
    return make_app(make_settings(tmp_path))


@pytest.fixture
def client(app):
    from starlette.testclient import TestClient
    with TestClient(app, base_url="http://127.0.0.1") as c:
        yield c


def new_client(app):
    from starlette.testclient import TestClient
    return TestClient(app, base_url="http://127.0.0.1")


@pytest.fixture
def exercise(app):
    with new_client(app) as c:
        response = educator(c).post("/api/exercises", json={"title": "Week 3", "vignettes": VIGNETTES})
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) >= {"id", "join_code"}
    return body


def answer(client, code, trainee=None, vignette=VIGNETTES[0], primary="grief", **extra):
    body = {"vignette": vignette, "primary": primary, "secondary": "", "rationale": "his wife died",
            "safety_first": False, **extra}
    if trainee is not None:
        body["trainee"] = trainee
    return client.post(f"/api/join/{code}/answers", json=body)


def educator_routes(exercise_id):
    get = ["/classroom", f"/classroom/exercises/{exercise_id}", f"/classroom/exercises/{exercise_id}/dashboard",
           f"/classroom/exercises/{exercise_id}/dashboard?anonymous=1",
           f"/classroom/exercises/{exercise_id}/trainees/1",
           *(f"/classroom/exercises/{exercise_id}/download/{w}" for w in
             ("answers.csv", "gradebook.csv", "summary.json", "tables/trainees.csv", "tables/agreement.json",
              "results.zip")),
           "/api/exercises", f"/api/exercises/{exercise_id}", f"/api/exercises/{exercise_id}/summary",
           f"/api/exercises/{exercise_id}/answers.csv", f"/api/exercises/{exercise_id}/gradebook.csv",
           f"/api/exercises/{exercise_id}/version"]
    post = ["/classroom/exercises", f"/classroom/exercises/{exercise_id}/open", "/api/exercises",
            f"/api/exercises/{exercise_id}/close", f"/api/exercises/{exercise_id}/reopen"]
    return get, post


def test_every_educator_route_needs_the_token(app, exercise):
    with new_client(app) as trainee:
        assert answer(trainee, exercise["join_code"], "Alice").status_code == 201   # a trainee's cookie is no help
        get, post = educator_routes(exercise["id"])
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"}):
            for path in get:
                assert trainee.get(path, headers=headers, follow_redirects=False).status_code in (401, 403), path
            for path in post:
                response = trainee.post(path, headers=headers, json={"title": "x", "vignettes": VIGNETTES},
                                        follow_redirects=False)
                assert response.status_code in (401, 403), path
        assert trainee.get(f"/classroom?token={TOKEN}x", follow_redirects=False).status_code == 401
    with new_client(app) as c:
        for path in get:
            assert educator(c).get(path, follow_redirects=False).status_code == 200, path
    with new_client(app) as browser:      # ?token= once sets the educator's cookie and leaves the address
        first = browser.get(f"/classroom?token={TOKEN}", follow_redirects=False)
        assert first.status_code == 303 and "token" not in first.headers["location"]
        cookie = first.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie and TOKEN.lower() not in cookie
        assert browser.get(f"/classroom/exercises/{exercise['id']}").status_code == 200


def test_api_creates_answers_replaces_and_summarises(client, app, exercise):
    code = exercise["join_code"]
    with new_client(app) as alice:
        first = answer(alice, code, "Alice")
        assert first.status_code == 201
        body = first.json()
        assert body["replaced"] is False and body["feedback"]["agreement"] == "full" and body["trainee_token"]
        again = answer(alice, code, primary="role_transition")             # the cookie says who
        assert again.status_code == 201 and again.json()["replaced"] is True
        assert "replaces your earlier answer" in again.json()["message"]
        mine = alice.get(f"/api/join/{code}/answers").json()
        assert [a["primary"] for a in mine["answers"]] == ["role_transition"]
    summary = educator(client).get(f"/api/exercises/{exercise['id']}/summary").json()
    assert summary["answers_graded"] == 1 and summary["trainees"] == 1 and "agreement" in summary
    rows = list(csv.DictReader(io.StringIO(client.get(f"/api/exercises/{exercise['id']}/answers.csv").text)))
    assert [(r["trainee"], r["vignette"], r["primary"], r["safety_first"]) for r in rows] == \
        [("Alice", VIGNETTES[0], "role_transition", "no")]
    assert answer(new_client(app), "NOCODE", "Bob").status_code == 404
    bad = educator(client).post("/api/exercises", json={"title": "x", "vignettes": ["../../etc/passwd"]})
    assert bad.status_code == 400


def test_feedback_at_the_end_when_the_educator_chose_that(client, app):
    created = educator(client).post("/api/exercises", json={"title": "End", "vignettes": VIGNETTES,
                                                            "feedback": "end"}).json()
    with new_client(app) as alice:
        response = answer(alice, created["join_code"], "Alice")
        assert response.status_code == 201 and response.json()["feedback"] is None
        assert "feedback" not in alice.get(f"/api/join/{created['join_code']}/answers").json()["answers"][0]
        assert client.post(f"/api/exercises/{created['id']}/close").json()["open"] is False
        assert alice.get(f"/api/join/{created['join_code']}/answers").json()["answers"][0]["feedback"]["credit"] == 1


def test_a_trainee_reaches_only_their_own_answers(client, app, exercise):
    code = exercise["join_code"]
    other = educator(client).post("/api/exercises", json={"title": "Other", "vignettes": VIGNETTES}).json()
    alice, bob, stranger = new_client(app), new_client(app), new_client(app)
    alice_token = answer(alice, code, "Alice").json()["trainee_token"]
    bob_token = answer(bob, code, "Bob", rationale="bob's reasons").json()["trainee_token"]
    mine = alice.get(f"/api/join/{code}/answers").json()
    assert mine["trainee"] == "Alice" and "bob's reasons" not in str(mine)
    # Bob's name without Bob's secret: refused, whether with another secret or none
    assert answer(alice, code, "Bob", primary="role_dispute").status_code == 403
    assert answer(stranger, code, "bob", primary="role_dispute").status_code == 403
    # a secret in another exercise, or a made-up one
    assert answer(stranger, other["join_code"], "X").status_code == 201
    foreign = stranger.post(f"/api/join/{other['join_code']}/answers", headers={"X-Trainee-Token": bob_token},
                            json={"vignette": VIGNETTES[0], "primary": "grief"})
    assert foreign.status_code == 403
    assert stranger.get(f"/api/join/{other['join_code']}/answers",
                        headers={"X-Trainee-Token": bob_token}).status_code == 401
    assert stranger.get(f"/api/join/{other['join_code']}/answers").json()["trainee"] == "X"   # its own cookie
    with new_client(app) as nobody:
        assert nobody.get(f"/api/join/{code}/answers").status_code == 401
        assert nobody.get(f"/api/join/{code}/answers", headers={"X-Trainee-Token": "made-up"}).status_code == 401
        assert nobody.get(f"/join/{code}/vignettes/1", follow_redirects=False).status_code == 303
    rows = list(csv.DictReader(io.StringIO(client.get(f"/api/exercises/{exercise['id']}/answers.csv").text)))
    assert {(r["trainee"], r["primary"]) for r in rows} == {("Alice", "grief"), ("Bob", "grief")}
    assert alice_token != bob_token


def test_a_closed_exercise_refuses_answers(client, app, exercise):
    code = exercise["join_code"]
    alice = new_client(app)
    assert answer(alice, code, "Alice").status_code == 201
    assert educator(client).post(f"/api/exercises/{exercise['id']}/close").status_code == 200
    refused = answer(alice, code, primary="role_dispute")
    assert refused.status_code == 409 and "closed" in refused.json()["error"]
    assert answer(new_client(app), code, "Late").status_code == 409
    page = alice.get(f"/join/{code}/vignettes/1")
    assert page.status_code == 200 and "answer-form" not in page.text and "closed" in page.text
    assert client.post(f"/api/exercises/{exercise['id']}/reopen").json()["open"] is True
    assert answer(alice, code, primary="role_dispute").json()["replaced"] is True


def test_forms_need_their_csrf_token(client, app, exercise):
    code = exercise["join_code"]
    with new_client(app) as trainee:
        page = trainee.get(f"/join/{code}")
        assert page.status_code == 200 and 'name="csrf_token"' in page.text
        for data in ({"trainee": "Eve"}, {"trainee": "Eve", "csrf_token": "forged"}):
            assert trainee.post(f"/join/{code}", data=data, follow_redirects=False).status_code in (400, 403)
        token = _csrf(page.text)
        joined = trainee.post(f"/join/{code}", data={"trainee": "Eve", "csrf_token": token}, follow_redirects=False)
        assert joined.status_code == 303
        form = trainee.get(f"/join/{code}/vignettes/1")
        assert trainee.post(f"/join/{code}/vignettes/1", data={"primary": "grief"}).status_code in (400, 403)
        sent = trainee.post(f"/join/{code}/vignettes/1", data={"primary": "grief", "rationale": "wife died",
                                                                "safety_first": "no", "csrf_token": _csrf(form.text)})
        assert sent.status_code == 200 and "Your answer is saved" in sent.text
        again = trainee.post(f"/join/{code}/vignettes/1", data={"primary": "grief", "csrf_token": _csrf(sent.text)})
        assert "This replaces your earlier answer" in again.text
    educator(client)
    assert client.post(f"/classroom/exercises/{exercise['id']}/open", data={"open": "0"}).status_code in (400, 403)
    assert client.post("/classroom/exercises", data={"title": "x", "vignettes": VIGNETTES[0]}).status_code in (400, 403)


def _csrf(html: str) -> str:
    import re
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_size_limits(client, app, exercise):
    code = exercise["join_code"]
    with new_client(app) as trainee:
        assert answer(trainee, code, "x" * 500).status_code == 400                  # a name over 119 characters
        long = answer(trainee, code, "Alice", rationale="why " * 1200)
        assert long.status_code == 400 and long.json()["field"] == "rationale"
        huge = trainee.post(f"/api/join/{code}/answers", content=b'{"trainee": "' + b"x" * 300_000 + b'"}',
                            headers={"Content-Type": "application/json"})
        assert huge.status_code == 413
        form = trainee.post(f"/api/join/{code}/answers", data={"trainee": "Alice"})
        assert form.status_code in (400, 415)               # JSON only on the API
    big = educator(client).post("/api/exercises", json={"title": "t" * 300, "vignettes": VIGNETTES})
    assert big.status_code == 400 and big.json()["field"] == "title"


def test_csv_cells_are_neutralised(client, app, exercise):
    code = exercise["join_code"]
    for n, name in enumerate(["=HYPERLINK(\"http://evil\")", "+1+1", "@SUM(A1)", "-2", HOSTILE[:100]]):
        with new_client(app) as trainee:
            assert answer(trainee, code, name, rationale=f"=cmd|' /C calc'!A{n}").status_code == 201
    educator(client)
    for path in ("answers.csv", "gradebook.csv"):
        text = client.get(f"/api/exercises/{exercise['id']}/{path}").text
        cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
        assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")], path
        assert "'=HYPERLINK" in text
    download = f"/classroom/exercises/{exercise['id']}/download"
    import zipfile
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"{download}/results.zip").content))
    names = archive.namelist()
    assert "results/index.html" in names and "results/summary.json" in names and "results/tables/answers.csv" in names
    assert len([n for n in names if n.startswith("results/feedback/")]) == 5
    assert all(".." not in n for n in names)
    assert client.get(f"{download}/tables/nothing.csv").status_code == 404
    assert client.get(f"{download}/tables/../../etc/passwd").status_code == 404
    trainees = client.get(f"{download}/tables/trainees.csv").text
    assert not [c for row in csv.reader(io.StringIO(trainees)) for c in row if c[:1] in ("=", "+", "@")]


def test_markup_in_names_is_text_on_the_pages(client, app, exercise):
    code = exercise["join_code"]
    with new_client(app) as trainee:
        assert answer(trainee, code, HOSTILE[:110], rationale=HOSTILE).status_code == 201
        mine = trainee.get(f"/join/{code}/done").text
        assert "<script>window.__pwned" not in mine
    educator(client)
    for path in (f"/classroom/exercises/{exercise['id']}", f"/classroom/exercises/{exercise['id']}/dashboard",
                 f"/classroom/exercises/{exercise['id']}/trainees/1"):
        page = client.get(path).text
        assert "<script>window.__pwned" not in page and "&lt;script&gt;" in page, path


def test_the_start_line_and_the_password(tmp_path):
    from starlette.testclient import TestClient

    from ipt_expert.web.security import hash_password

    app = make_app(make_settings(tmp_path, educator_password_hash=hash_password("correct horse")))
    with TestClient(app, base_url="http://127.0.0.1") as browser:
        start = browser.get(f"/?token={TOKEN}", follow_redirects=False)       # the start line's URL
        assert start.status_code == 303 and start.headers["location"] == f"/classroom?token={TOKEN}"
        assert browser.get(start.headers["location"]).status_code == 200
    with TestClient(app, base_url="http://127.0.0.1") as clinician:
        assert clinician.get("/", follow_redirects=False).status_code == 200   # the app's own home page
        login = clinician.get("/classroom")
        assert login.status_code == 401 and 'name="password"' in login.text
        wrong = clinician.post("/classroom/login", data={"password": "wrong", "next": "/classroom",
                                                         "csrf_token": _csrf(login.text)})
        assert wrong.status_code == 401
        assert clinician.post("/classroom/login", data={"password": "correct horse"}).status_code in (400, 403)
        right = clinician.post("/classroom/login", data={"password": "correct horse", "next": "//evil.example/",
                                                         "csrf_token": _csrf(wrong.text)}, follow_redirects=False)
        assert right.status_code == 303 and right.headers["location"] == "/classroom"
        assert clinician.get("/classroom").status_code == 200
        assert clinician.get("/api/exercises").status_code == 200               # the cookie serves the API too


def test_the_cookie_alone_changes_nothing_through_the_api(tmp_path):
    """Another page on this machine could make the browser send the educator's cookie: an API call that changes
    something counts the Bearer token only (a review closed an exercise with the cookie and no token)."""
    from starlette.testclient import TestClient

    app = make_app(make_settings(tmp_path))
    with TestClient(app, base_url="http://127.0.0.1") as browser:
        browser.get(f"/?token={TOKEN}")                                          # the cookie is set
        made = browser.post("/api/exercises", json={"title": "t", "vignettes": ["grief-01-widower-early"]},
                            headers={"Authorization": f"Bearer {TOKEN}"})
        assert made.status_code == 201
        exercise_id = made.json()["id"]
        assert browser.get(f"/api/exercises/{exercise_id}").status_code == 200   # reading with the cookie
        for attempt in (browser.post(f"/api/exercises/{exercise_id}/close",
                                     headers={"Origin": "http://127.0.0.1:3000"}),
                        browser.post("/api/exercises", json={"title": "x", "vignettes": ["grief-01-widower-early"]})):
            assert attempt.status_code == 401
        assert browser.get(f"/api/exercises/{exercise_id}").json()["open"] is True
