"""The web app's JSON API and its safety, through Starlette's test client (issue: ipt-expert serve, items 3-4).

The API is the CLI over HTTP: for every shipped vignette, /api/formulate,
/api/explain and /api/whatif answer exactly what `formulate`, `explain` and
`whatif -f json` print. An invalid case is 422 with every problem located, a
body over 1 MB 413, a bug a message without a traceback; every response has
the Content-Security-Policy, nosniff and no-referrer headers; forms need
their CSRF token; the trainee's page never carries a vignette's key.
"""
from __future__ import annotations

import json
import re

import pytest
from conftest import vignette_paths

pytest.importorskip("starlette")
pytest.importorskip("httpx")

from starlette.testclient import TestClient

from ipt_expert.classroom.app import create_app
from ipt_expert.web import security
from ipt_expert.web.settings import WebSettings

HOSTILE = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2"><b>bold</b>{{ 7*7 }}'


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    folder = tmp_path_factory.mktemp("web")
    settings = WebSettings(educator_token="t" * 32, database_url=f"sqlite:///{folder / 'classroom.sqlite3'}")
    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        yield test_client


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


@pytest.mark.parametrize("path", vignette_paths(), ids=lambda p: p.stem)
def test_the_api_answers_as_the_cli_does(client, run_cli, path):
    text = path.read_text(encoding="utf-8")
    for command, endpoint in (("formulate", "/api/formulate"), ("explain", "/api/explain"),
                              ("whatif", "/api/whatif")):
        cli = run_cli(command, str(path), "-f", "json")
        assert cli.code == 0, cli.err
        response = client.post(endpoint, content=text, headers={"Content-Type": "application/yaml"})
        assert response.status_code == 200, response.text
        assert response.json() == json.loads(cli.out), f"{command} {path.stem}"


def test_options_as_the_cli_takes_them(client, run_cli):
    path = next(p for p in vignette_paths() if p.stem == "two-area-01-dispute-after-migration")
    import yaml
    case = yaml.safe_load(path.read_text(encoding="utf-8"))
    cases = [("/api/explain", {"area": "dispute"}, ["explain", str(path), "dispute", "-f", "json"]),
             ("/api/formulate", {"school": "broad", "redact": True},
              ["formulate", str(path), "--school", "broad", "--redact", "-f", "json"]),
             ("/api/whatif", {"set": ["persons[wife].closeness=outer"]},
              ["whatif", str(path), "--set", "persons[wife].closeness=outer", "-f", "json"])]
    for endpoint, options, args in cases:
        response = client.post(endpoint, json={"case": case, **options})
        assert response.status_code == 200, response.text
        assert response.json() == json.loads(run_cli(*args).out), endpoint


def test_validate_and_check_answer_as_the_cli_does(client, run_cli, tmp_path):
    bad = ("id: broken\nepisode:\n  onset_months_ago: 4\n  severity: moderat\n"
           "persons:\n  - id: wife\n    closeness: iner\n")
    (tmp_path / "bad.yaml").write_text(bad, encoding="utf-8")
    response = client.post("/api/validate", content=bad)
    assert response.status_code == 200
    cli = json.loads(run_cli("validate", str(tmp_path / "bad.yaml"), "-f", "json").out)
    assert response.json()["problems"] == cli["problems"] == 2
    assert response.json()["files"][0]["problems"] == cli["files"][0]["problems"]
    assert "did you mean 'moderate'" in response.text
    answer = client.post("/api/check", json={"vignette": "grief-01-widower-early", "answer": "grief,role_dispute",
                                             "rationale": "He lost his wife"})
    assert answer.status_code == 200
    cli = run_cli("check", "grief-01-widower-early", "-a", "grief,role_dispute", "-r", "He lost his wife", "-f", "json")
    assert answer.json() == json.loads(cli.out)


def test_an_invalid_case_is_422_with_every_problem_located(client):
    response = client.post("/api/formulate", content="id: x\nepisode:\n  onset_months_ago: -3\n  course: frist\n"
                                                     "colour: blue\n")
    assert response.status_code == 422
    body = response.json()
    assert len(body["problems"]) == 3 and all(p["line"] for p in body["problems"])
    assert {p["field"] for p in body["problems"]} >= {"colour", "episode.course"}
    for broken in ("{not json", "- a list\n- of things\n", ""):
        response = client.post("/api/explain", content=broken)
        assert response.status_code in (400, 422) and "error" in response.json()
        assert "Traceback" not in response.text


def test_vignettes_never_carry_the_key(client, run_cli):
    listing = client.get("/api/vignettes")
    assert listing.status_code == 200 and len(listing.json()) == len(vignette_paths())
    assert set(listing.json()[0]) == {"id", "title", "setting", "difficulty", "narrative"}
    one = client.get("/api/vignettes/grief-01-widower-early")
    assert one.json() == json.loads(run_cli("vignettes", "show", "grief-01-widower-early", "-f", "json").out)
    assert client.get("/api/vignettes?area=grief").json() and all(
        "answer_key" not in json.dumps(card) for card in listing.json())
    missing = client.get("/api/vignettes/grief-01-widower-earl")
    assert missing.status_code == 404 and "did you mean 'grief-01-widower-early'" in missing.json()["error"]
    page = client.get("/practice/grief-01-widower-early").text
    for secret in ("answer_key", "primary", "grief_death_near_onset", "persons", "onset_months_ago"):
        assert secret not in page


def test_a_body_over_the_limit_is_413_declared_or_streamed(client):
    big = b"x" * 1_000_001
    assert client.post("/api/formulate", content=big).status_code == 413

    def chunks():            # no Content-Length: the streamed body is counted
        for _ in range(20):
            yield b"y" * 60_000
    response = client.post("/api/validate", content=chunks())
    assert response.status_code == 413 and "bytes" in response.json()["error"]


def test_every_response_has_the_security_headers(client):
    for method, path in (("get", "/case"), ("get", "/practice"), ("get", "/api/vignettes"), ("get", "/nowhere"),
                         ("post", "/api/formulate"), ("get", "/static/htmx.min.js"), ("get", "/api/openapi.json")):
        response = getattr(client, method)(path)
        assert response.headers["content-security-policy"].startswith("default-src 'self'"), path
        assert "unsafe-inline" not in response.headers["content-security-policy"]
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert "set-cookie" not in response.headers, path


def test_forms_need_their_csrf_token(client):
    page = client.get("/case")
    token = csrf(page.text)
    for data in ({}, {"csrf_token": "forged"}, {"csrf_token": "1.abc"}):
        assert client.post("/case", data=data).status_code == 403
        assert client.post("/practice/grief-01-widower-early", data={**data, "first": "grief"}).status_code == 403
    assert client.post("/case", data={"csrf_token": token}).status_code == 200
    other_site = client.post("/case", data={"csrf_token": token}, headers={"Origin": "http://evil.example"})
    assert other_site.status_code == 403
    assert security.verify_password(security.hash_password("s3cret"), "s3cret")
    assert not security.verify_password(security.hash_password("s3cret"), "wrong")


def test_a_bug_is_a_message_never_a_traceback(client, monkeypatch):
    from ipt_expert.web import library

    def broken(*args, **kwargs):
        raise RuntimeError("secret internals")
    monkeypatch.setattr(library, "formulate_json", broken)
    response = client.post("/api/formulate", content="id: x\nepisode: {onset_months_ago: 3}\n")
    assert response.status_code == 500
    assert "secret internals" not in response.text and "Traceback" not in response.text
    assert response.json()["error"].startswith("internal error")
    assert response.headers["content-security-policy"].startswith("default-src 'self'")


def test_markup_typed_into_the_form_shows_as_text(client):
    token = csrf(client.get("/case").text)
    response = client.post("/case", data={"csrf_token": token, "f.title": HOSTILE, "f.id": "x",
                                          "f.episode.onset_months_ago": "4", "persons": "1", "p0.id": HOSTILE})
    assert response.status_code == 200
    assert "<script>window.__pwned" not in response.text and "<b>bold</b>" not in response.text
    assert "&lt;script&gt;" in response.text
    feedback = client.post("/practice/grief-01-widower-early",
                           data={"csrf_token": token, "first": "grief", "rationale": HOSTILE})
    assert "<script>window.__pwned" not in feedback.text and "&lt;b&gt;bold&lt;/b&gt;" in feedback.text


def test_the_form_reads_answers_as_the_interview_does(client):
    token = csrf(client.get("/case").text)
    page = client.post("/case", data={"csrf_token": token, "f.id": "t", "f.episode.onset_months_ago": "4",
                                      "persons": "1", "p0.id": "older sister", "p0.relationship": "sister",
                                      "p0.closeness": "iner", "events": "1", "e0.kind": "emigrated",
                                      "e0.months_before_onset": "8 weeks before", "e0.person": "older sistr",
                                      "f.title": "Seen by Dr Smith on 12 March 2024"}).text
    assert "read as sibling" in page and "read as migration" in page and "read as 1.8 months before onset" in page
    assert "did you mean &#39;inner&#39;?" in page and "did you mean &#39;older sister&#39;?" in page
    assert "Privacy:" in page


def test_a_case_opened_and_saved_loses_nothing(client):
    import yaml
    path = next(p for p in vignette_paths() if p.stem == "two-area-01-dispute-after-migration")
    token = csrf(client.get("/case").text)
    opened = client.post("/case/open", data={"csrf_token": token},
                         files={"case_file": (path.name, path.read_bytes(), "application/x-yaml")})
    assert opened.status_code == 200 and "Role dispute" in opened.text
    form = dict(re.findall(r'<input type="(?:text|hidden)" id="[^"]*" name="([^"]+)" value="([^"]*)"', opened.text))
    form.update(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', opened.text))
    import html
    form = {k: html.unescape(v) for k, v in form.items()}
    for name, value in re.findall(r'<select id="[^"]*" name="([^"]+)"[^>]*>.*?<option value="([^"]*)" selected',
                                  opened.text, flags=re.S):
        form[name] = value
    saved = client.post("/case/download", data={**form, "download": "yaml"})
    assert saved.status_code == 200 and "attachment" in saved.headers["content-disposition"]
    original = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert yaml.safe_load(saved.text) == {k: v for k, v in original.items() if v != []}
    report = client.post("/case/download", data={**form, "download": "report-markdown", "redact": "on"})
    assert report.status_code == 200 and "Role dispute" in report.text
    assert original["title"] not in report.text          # --redact leaves the free text out
    broken = client.post("/case/open", data={"csrf_token": token},
                         files={"case_file": ("bad.yaml", b"id: x\nepisode: {onset_months_ago: soon}\n")})
    assert broken.status_code == 422 and "line 2" in broken.text


NO_NETWORK_SERVE = r'''
import sys

seen = []

def audit(event, args):
    # every address the server binds, connects to or looks up must be this machine's loopback
    if event in ("socket.connect", "socket.bind", "socket.sendto"):
        address = args[1]
        host = address[0] if isinstance(address, tuple) else str(address)
    elif event == "socket.getaddrinfo":
        host = args[0]
    else:
        return
    if host not in (None, "", "127.0.0.1", "localhost", "::1", b"127.0.0.1", b"localhost") \
            and not str(host).startswith("/"):
        sys.stderr.write(f"OFF THE MACHINE: {event} {host}\n")
        sys.stderr.flush()

sys.addaudithook(audit)
from ipt_expert.cli.main import main
main(sys.argv[1:])
'''


def test_serve_opens_no_connection_off_the_machine(tmp_path):
    """The real `ipt-expert serve`, every page and API call used once, under an audit hook on sockets."""
    import os
    import signal
    import subprocess
    import sys
    import time
    import urllib.request

    from conftest import VIGNETTES

    with socket_free_port() as port:
        pass
    script = tmp_path / "no_network_serve.py"
    script.write_text(NO_NETWORK_SERVE, encoding="utf-8")
    log = tmp_path / "server.err"
    with open(log, "w", encoding="utf-8") as err:
        process = subprocess.Popen([sys.executable, str(script), "serve", "--port", str(port), "--database",
                                    f"sqlite:///{tmp_path / 'c.sqlite3'}"], stdout=subprocess.PIPE, stderr=err,
                                   start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                page = urllib.request.urlopen(base + "/case", timeout=5).read().decode()
                break
            except OSError:
                assert time.monotonic() < deadline and process.poll() is None, log.read_text()
                time.sleep(0.1)
        token = csrf(page)
        case = (VIGNETTES / "two-area-01-dispute-after-migration.yaml").read_bytes()
        requests = [("/practice", None, {}), ("/practice/grief-01-widower-early", None, {}),
                    ("/api/vignettes", None, {}), ("/api/docs", None, {}), ("/api/openapi.json", None, {}),
                    ("/practice/grief-01-widower-early", f"csrf_token={token}&first=grief".encode(),
                     {"Content-Type": "application/x-www-form-urlencoded"})]
        requests += [(f"/api/{name}", case, {"Content-Type": "application/yaml"})
                     for name in ("formulate", "explain", "whatif", "validate")]
        requests.append(("/api/check", b'{"vignette": "grief-01-widower-early", "answer": "grief"}',
                         {"Content-Type": "application/json"}))
        for path, body, headers in requests:
            request = urllib.request.Request(base + path, data=body, headers=headers)
            assert urllib.request.urlopen(request, timeout=60).status == 200, path
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    assert "OFF THE MACHINE" not in log.read_text(encoding="utf-8")
    assert "listening on http://127.0.0.1" in process.stdout.read().decode()


class socket_free_port:
    """A free port on 127.0.0.1 (as a context manager: the socket is closed on leaving)."""

    def __enter__(self):
        import socket
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        return self.sock.getsockname()[1]

    def __exit__(self, *exc):
        self.sock.close()


def test_the_form_counts_a_time_ago_through_the_onset_as_the_interview_does(client):
    """'7 months ago' with the onset 5 months ago is 2 months before onset on the web form too (issue 20.1)."""
    token = csrf(client.get("/case").text)
    page = client.post("/case", data={"csrf_token": token, "f.id": "t", "f.episode.onset_months_ago": "5",
                                      "events": "1", "e0.kind": "move", "e0.months_before_onset": "7 months ago"})
    assert page.status_code == 200
    assert "read as 2 months before onset" in page.text
    assert "the onset is not known yet" not in page.text


def test_hostile_values_are_refused_never_a_500(client):
    """Values of the wrong type, and numbers no time can be, are the user's mistake (a review found each a 500)."""
    case = "id: x\nepisode: {onset_months_ago: 3}\n"
    for area in ([], {"a": 1}, 3):
        response = client.post("/api/explain", json={"case": {"id": "x", "episode": {"onset_months_ago": 3}},
                                                     "area": area})
        assert response.status_code == 400, (area, response.text)
    for vignette in (["x"], {"a": 1}):
        assert client.post("/api/check", json={"vignette": vignette, "answer": "grief"}).status_code == 400
    token = csrf(client.get("/case").text)
    page = client.post("/case", data={"csrf_token": token, "f.id": "t", "f.episode.onset_months_ago": "9" * 400,
                                      "events": "1", "e0.kind": "move", "e0.months_before_onset": "9" * 400})
    assert page.status_code == 200 and "is not a time a case can hold" in page.text
    assert client.post("/api/formulate", content=case).status_code == 200
