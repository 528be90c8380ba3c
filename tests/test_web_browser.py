"""The clinician's and the trainee's pages in Chromium, on a real `ipt-expert serve` (issue: serve, item 5).

The server runs as the README starts it (`python -m ipt_expert serve`) on
127.0.0.1 and a free port, and is stopped after each test. Playwright drives
the system's Chromium (never a downloaded one). Every test fails on a console
error (a Content-Security-Policy violation included), a page error, any
request that is not to the server, anything wider than a 375-px screen, and
a serious or critical axe-core violation. Screenshots at 375 and 1280 px go to
IPT_EXPERT_SHOTS (default: the test's temporary folder).
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import test_browser as shared  # the system Chromium, its flags and the browser fixture (skips without them)
from serve_helpers import running_serve

sync_api = shared.sync_api
browser = shared.browser
axe_module = pytest.importorskip("axe_playwright_python.sync_playwright",
                                 reason="axe-playwright-python is not installed (pip install '.[test]')")

PHONE = {"width": 375, "height": 800}
DESKTOP = {"width": 1280, "height": 900}
START_LINE = re.compile(r"educator: (http://127\.0\.0\.1:\d+)/\?token=")
HOSTILE = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2"><b>bold</b>'


@pytest.fixture
def server(tmp_path):
    """`ipt-expert serve` on 127.0.0.1 and a free port; its base URL. Stopped (SIGTERM) after the test."""
    with running_serve(tmp_path, START_LINE) as match:
        yield match.group(1)


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("IPT_EXPERT_SHOTS") or tmp_path / "shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class Visit:
    """A fresh browser context on the server, recording console errors, page errors and off-server requests."""

    def __init__(self, browser, base: str, viewport: dict):
        self.base, self.problems = base, []
        self.context = browser.new_context(viewport=viewport, accept_downloads=True)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: m.type == "error" and self.problems.append(f"console: {m.text}"))
        self.page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        self.page.on("requestfailed", lambda r: self.problems.append(f"failed request: {r.url}"))
        self.context.route("**/*", self._only_the_server)

    def _only_the_server(self, route):
        if route.request.url.startswith(self.base + "/"):
            route.continue_()
        else:
            self.problems.append(f"request off the machine: {route.request.url}")
            route.abort()

    def goto(self, path: str):
        self.page.goto(self.base + path, wait_until="load")

    def settle(self):
        self.page.wait_for_load_state("networkidle")

    def check_page(self, label: str):
        """Nothing wider than the screen, no serious accessibility violation, nothing wrong so far."""
        width = self.page.evaluate("document.documentElement.scrollWidth")
        viewport = self.page.viewport_size["width"]
        assert width <= viewport, f"{label}: the page is {width} px wide on a {viewport}-px screen"
        assert self.page.evaluate("window.__pwned === undefined"), f"{label}: markup ran"
        assert not self.problems, f"{label}: {self.problems}"
        # axe-core itself sets inline styles while it measures contrast, which the page's CSP refuses
        # (and says so on the console): what the console shows while axe runs is axe's, not the page's.
        results = axe_module.Axe().run(self.page)
        self.problems.clear()
        serious = [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3])
                   for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
        assert not serious, f"{label}: accessibility violations {serious}"

    def close(self):
        self.context.close()


@pytest.fixture
def visit(browser, server):
    visits = []

    def opener(viewport=PHONE) -> Visit:
        visits.append(Visit(browser, server, viewport))
        return visits[-1]
    yield opener
    for opened in visits:
        opened.close()


def _posted(page, act):
    """Do ``act`` (which posts the form through htmx) and wait until the answer is drawn."""
    with page.expect_response(lambda r: r.request.method == "POST"):
        act()
    sync_api.expect(page.locator(".htmx-request, .htmx-settling, .htmx-swapping")).to_have_count(0)


def _answer(page, selector: str, text: str):
    """Type an answer and leave the field, as a clinician does (the change posts the form)."""
    field = page.locator(selector)

    def act():
        field.fill(text)
        field.dispatch_event("change")
    _posted(page, act)


def _choose(page, selector: str, value: str):
    _posted(page, lambda: page.select_option(selector, value))


def _click(page, selector: str):
    _posted(page, lambda: page.click(selector))


def _add(page, what: str):
    _click(page, f"#add-{what}")


EPISODE = [("#f-id", "pty-case"), ("#f-episode-diagnosis", "major depressive episode"),
           ("#f-episode-severity", "moderate"), ("#f-episode-course", "first"),
           ("#f-episode-onset_months_ago", "4"), ("#f-patient-age_group", "adult")]
YES_NO = [("#f-patient-perinatal", "no"), ("#f-patient-migrant", "yes"),
          ("#f-safety-recent_suicide_attempt", "no"), ("#f-safety-homicidal_ideation", "no"),
          ("#f-safety-psychotic_symptoms", "no"), ("#f-safety-intoxication_or_withdrawal", "no"),
          ("#f-safety-domestic_violence", "no")]
SAFETY = [("#f-safety-suicidal_ideation", "passive"), ("#f-safety-mania", "none"),
          ("#f-safety-cognitive_impairment", "none")]


def test_a_clinician_fills_in_the_two_area_case(visit, shots):
    """The interview's pty case, by form: role transition and role dispute, a passive-ideation caution."""
    me = visit(PHONE)
    me.goto("/case")
    page = me.page
    for selector, text in EPISODE + SAFETY:
        _answer(page, selector, text)
    for selector, value in YES_NO:
        _choose(page, selector, value)
    assert "Passive suicidal ideation" in page.inner_text("#caution-flags")
    _add(page, "person")
    assert page.evaluate("document.activeElement.id") == "p0-id"      # the new person's first question
    for selector, text in [("#p0-id", "husband"), ("#p0-relationship", "husband"), ("#p0-closeness", "inner"),
                           ("#p0-conflict", "overt")]:
        _answer(page, selector, text)
    assert "read as partner" in page.inner_text("#p0-relationship-box")
    _choose(page, "#p0-alive", "yes")
    for selector, text in [("#p0-conflict_months_before_onset", "3 months before"),
                           ("#p0-dispute_stage", "impasse")]:
        _answer(page, selector, text)
    for selector, value in [("#p0-expectations_reciprocal", "no"), ("#p0-betrayal", "no"), ("#p0-abusive", "no"),
                            ("#p0-can_confide", "no"), ("#p0-matters_most", "no")]:
        _choose(page, selector, value)
    _add(page, "event")
    _answer(page, "#e0-kind", "emigrated")
    assert "read as migration" in page.inner_text("#e0-kind-box")
    _answer(page, "#e0-months_before_onset", "5 months before")
    for selector, value in [("#e0-struggling", "yes"), ("#e0-ongoing", "yes"), ("#e0-wanted", "yes")]:
        _choose(page, selector, value)
    for selector, text in [("#f-social-close_relationships_now", "1"), ("#f-social-close_relationships_before", "6"),
                           ("#f-social-isolation", "since onset"), ("#f-substance_use-status", "none")]:
        _answer(page, selector, text)
    focus = page.inner_text("#focus")
    assert "Role transition" in focus and "Role dispute" in focus, focus
    assert "Passive suicidal ideation" in page.inner_text("#caution-flags")
    assert page.locator("#stop-flags").count() == 0
    assert page.locator("svg.picture").count() == 6        # each picture in a wide and a narrow layout
    shown = page.evaluate(shared.PICTURE_TEXT)              # the three that show at 375 px: the narrow ones
    assert [p["id"].endswith("-narrow") for p in shown] == [True, True, True]
    smallest = min(t["px"] for p in shown for t in p["texts"])
    assert smallest >= 11, smallest                         # no picture text under 11 px on a phone (issue 20.7)
    assert page.locator("#ranking li").count() == 4
    sync_api.expect(page.locator("#follow-ups-box [hx-post]")).to_have_count(0)   # the follow-ups came
    me.check_page("the filled-in case at 375 px")
    page.screenshot(path=str(shots / "case-form-375.png"))
    page.evaluate("document.getElementById('results').scrollIntoView()")
    page.wait_for_timeout(300)
    page.screenshot(path=str(shots / "case-results-375.png"))
    # HOW and WHY NOT for an area, what-if for a fact: each redraws the detail panel only
    _click(page, "li[data-area=grief] button")
    assert "Grief: how and why not" in page.inner_text("#detail")
    _click(page, "#e0 button.link")
    assert "What if" in page.inner_text("#detail")
    # a correction and a removal redraw the ranking
    _click(page, "#p0 button.remove")
    assert "Role dispute" not in page.inner_text("#focus")
    # saving: the case as YAML is a download of what the form holds
    with page.expect_download() as download:
        page.click("button[value=yaml]")
    saved = Path(download.value.path()).read_text(encoding="utf-8")
    assert "id: pty-case" in saved and "kind: migration" in saved and "husband" not in saved
    # Chromium reports a navigation that turned into a download as an aborted request: that one is not a fault
    me.problems[:] = [p for p in me.problems if p != f"failed request: {me.base}/case/download"]
    me.check_page("after the what-if and the removal")


def test_the_clinician_page_at_1280_px_with_an_opened_case(visit, shots):
    from conftest import VIGNETTES

    me = visit(DESKTOP)
    me.goto("/case")
    me.page.set_input_files("#case-file", str(VIGNETTES / "two-area-01-dispute-after-migration.yaml"))
    me.page.click("form.open button")
    me.page.wait_for_load_state("networkidle")
    assert "Role dispute" in me.page.inner_text("#focus")
    _click(me.page, "li[data-area=role_transition] button")
    me.check_page("an opened case at 1280 px")
    me.page.evaluate("window.scrollTo(0, 0)")
    me.page.screenshot(path=str(shots / "case-1280.png"))
    # markup typed into a field shows as text
    _answer(me.page, "#f-title", HOSTILE)
    assert HOSTILE in me.page.input_value("#f-title")
    me.check_page("markup in the title")


def test_a_trainee_answers_a_vignette_and_reads_the_feedback(visit, shots):
    for viewport, name in ((PHONE, "375"), (DESKTOP, "1280")):
        me = visit(viewport)
        me.goto("/practice")
        me.check_page(f"the vignette list at {name} px")
        me.page.click("a[href='/practice/transition-01-divorce-not-grief']")
        me.page.wait_for_load_state("load")
        source = me.page.content()
        assert "answer_key" not in source and "role_transition" not in source.split('id="answer-form"')[0]
        me.page.select_option("#first", "grief")
        me.page.fill("#rationale", "He lost his marriage " + HOSTILE)
        me.page.check("#safety_first")
        me.page.click("#check")
        me.page.wait_for_load_state("load")
        feedback = me.page.inner_text("#feedback")
        assert "NONE agreement" in feedback and "Trap" in feedback, feedback
        assert "Safety first" in feedback
        me.check_page(f"the feedback at {name} px")
        me.page.evaluate("document.getElementById('answer-form').scrollIntoView()")
        me.page.screenshot(path=str(shots / f"practice-{name}.png"))
