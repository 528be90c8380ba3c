"""The classroom's pages and API, as Starlette routes that ipt_expert.web's app adds (``routes(settings)``).

Educator (the start line's token as ``Authorization: Bearer``, ``?token=`` once,
or the password): /classroom (exercises, a new one from the library's
filters), /classroom/exercises/ID (join link, code, QR code, the live
dashboard, closing and reopening, downloads), its projector view with trainees
as numbers, and one trainee's drill-down.  Trainee (no account: a display name
and a secret in a cookie): /join/CODE, one page per vignette with check's
feedback after each answer, or at the end.

API (JSON): POST /api/exercises, POST /api/join/CODE/answers,
GET /api/exercises/ID/answers.csv and /summary, and the rest listed in routes().
Database work runs in the thread pool; an answer is acknowledged (201) only
after its transaction has committed.
"""
from __future__ import annotations

import json
import threading
from functools import cached_property
from pathlib import Path

from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route

from ipt_expert.classroom import auth, grader, store
from ipt_expert.classroom.library import AREAS, DEFAULT_SCHOOL
from ipt_expert.classroom.responses import (
    LIVE_CSS,
    NO_STORE,
    PAGE_HEADERS,
    compact,
    csv_response,
    dashboard_policy,
    grader_clean,
    live_max_age,
    qr_svg,
    results_zip,
    shared_grader,
    start_page,
)

HERE = Path(__file__).resolve().parent
MAX_JSON_BYTES = 64 * 1024
TABLES = ("trainees", "vignettes", "confusion", "traps", "agreement", "skipped", "answers")


class Classroom:
    """The handlers, with the settings, the database and the (lazily loaded) grader."""

    def __init__(self, settings, engine=None):
        from ipt_expert.classroom import db

        self.settings = settings
        self.engine = engine if engine is not None else db.open_database(getattr(settings, "database_url", None))

    @property
    def grader(self) -> grader.Grader:
        return shared_grader()

    @cached_property
    def templates(self):
        import jinja2

        folders = [str(HERE / "templates")]
        web_templates = HERE.parent / "web" / "templates"
        if web_templates.is_dir():
            folders.append(str(web_templates))
        env = jinja2.Environment(loader=jinja2.FileSystemLoader(folders), autoescape=True,
                                 undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
        return env

    # helpers -----------------------------------------------------------------------------------------------

    def render(self, request, template: str, status: int = 200, **context) -> HTMLResponse:
        from ipt_expert.web.security import csrf_token

        context.setdefault("title", "ipt-expert classroom")
        html = self.templates.get_template(template).render(request=request, csrf=csrf_token(request), areas=AREAS,
                                                        **context)
        return HTMLResponse(html, status_code=status, headers={**NO_STORE, **PAGE_HEADERS})

    async def db(self, function, *args, **kwargs):
        return await run_in_threadpool(function, self.engine, *args, **kwargs)

    @staticmethod
    def secure(request) -> bool:
        return request.url.scheme == "https"

    def educator_or_none(self, request, *, page: bool = False):
        """None when the educator is asking, else the 401 response (a login page for a page)."""
        # An API call that changes something counts the Bearer header only: the cookie a browser sends by
        # itself would let another page on this machine close an exercise without any token (no CSRF there).
        cookie = page or request.method in ("GET", "HEAD")
        if auth.is_educator(request, self.settings, allow_query=page, allow_cookie=cookie):
            return None
        if page:
            return self.render(request, "classroom/login.html", status=401, next=request.url.path,
                               has_password=bool(getattr(self.settings, "educator_password_hash", None)),
                               error=None)
        return JSONResponse({"error": "educator only: send the start line's token as 'Authorization: Bearer TOKEN'"},
                            status_code=401, headers={"WWW-Authenticate": "Bearer"})

    def after_query_token(self, request):
        """A page opened with ?token=: set the cookie and drop the token from the address."""
        if "token" not in request.query_params:
            return None
        query = "&".join(f"{k}={v}" for k, v in request.query_params.multi_items() if k != "token")
        response = RedirectResponse(request.url.path + (f"?{query}" if query else ""), status_code=303)
        auth.set_educator_cookie(response, self.settings, self.secure(request))
        return response

    async def exercise_or_404(self, exercise_id: str):
        try:
            return await self.db(store.get_exercise, exercise_id)
        except store.NotFound:
            return None

    async def educator_page_exercise(self, request) -> tuple:
        """(the exercise of the path, None) for the educator; (None, the page to answer with) otherwise."""
        if (denied := self.educator_or_none(request, page=True)) is not None:
            return None, denied
        exercise = await self.exercise_or_404(request.path_params["id"])
        return (exercise, None) if exercise is not None else (None, self.not_found(request))

    async def form(self, request):
        from ipt_expert.web.security import require_csrf

        form = await request.form()
        await require_csrf(request, form)
        return form

    async def json_body(self, request) -> dict:
        if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
            raise store.StoreError("send JSON (Content-Type: application/json)")
        body = await request.body()
        if len(body) > MAX_JSON_BYTES:
            raise store.StoreError(f"the request body is over {MAX_JSON_BYTES} bytes")
        try:
            data = json.loads(body)
        except ValueError as exc:
            raise store.StoreError("the body is not valid JSON") from exc
        if not isinstance(data, dict):
            raise store.StoreError("the body is a JSON object")
        return data

    @staticmethod
    def problem(exc: store.StoreError) -> JSONResponse:
        body = {"error": exc.message}
        if exc.field:
            body["field"] = exc.field
        status = 413 if "bytes" in exc.message else exc.status
        return JSONResponse(body, status_code=status)

    async def class_results(self, exercise, anonymous: bool = False, max_age: float = 0.0):
        """(roster, results, version graded): exact for the API and downloads; up to a few seconds old for
        the live pages (max_age), so a large class is not regraded on every answer."""
        version = await self.db(store.version, exercise.id)
        roster = await self.db(store.roster, exercise.id)
        results = self.grader.recent(exercise, version, anonymous=anonymous, max_age=max_age)
        if results is None:
            rows = await self.db(store.class_answers, exercise)
            results = await run_in_threadpool(self.grader.results, exercise, rows, roster, version,
                                              anonymous=anonymous)
        return roster, results, (results.version if results is not None else tuple(version))

    def join_url(self, request, exercise) -> str:
        return str(request.url_for("classroom_join", code=exercise.join_code))

    # answers, checked and stored (pages and API) -----------------------------------------------------------

    def answer_fields(self, exercise, data: dict) -> dict:
        def text(name: str, limit: int) -> str:
            value = data.get(name, "")
            if value is None:
                value = ""
            if not isinstance(value, str):
                raise store.StoreError(f"{name} is text", name)
            if len(value) > limit:
                raise store.StoreError(f"{name} has at most {limit} characters", name)
            return value
        vignette = text("vignette", 200).strip()
        if vignette not in exercise.vignettes:
            raise store.StoreError("this vignette is not part of the exercise", "vignette")
        primary, secondary = text("primary", 40).strip(), text("secondary", 40).strip()
        areas = self.grader.areas(primary, secondary)
        rationale = " ".join(grader_clean(text("rationale", store.MAX_RATIONALE)).split())
        safety = data.get("safety_first")
        if isinstance(safety, str):
            safety = {"yes": True, "true": True, "no": False, "false": False, "": None}.get(safety.strip().lower(),
                                                                                          "bad")
        if safety not in (True, False, None):
            raise store.StoreError("safety_first is yes or no (true or false)", "safety_first")
        return {"vignette": vignette, "areas": areas, "primary": areas[0],
                "secondary": areas[1] if len(areas) > 1 else "", "extra": areas[2:],
                "rationale": rationale, "safety_first": safety}

    async def store_answer(self, exercise, trainee, fields: dict) -> dict:
        """Commit the answer, then give check's feedback (now, or at the end when the educator chose that)."""
        primary = fields["primary"]
        secondary = "+".join([fields["secondary"], *fields["extra"]]) if fields["extra"] else fields["secondary"]
        outcome = await self.db(store.submit, exercise.id, trainee, fields["vignette"], primary, secondary,
                                fields["rationale"], fields["safety_first"])
        message = ("This replaces your earlier answer to this vignette." if outcome["replaced"]
                   else "Your answer is saved.")
        feedback = None
        if exercise.feedback == "each":
            feedback = await run_in_threadpool(self.grader.feedback, fields["vignette"], fields["areas"],
                                               fields["rationale"], exercise.school, bool(fields["safety_first"]))
        return {"trainee": trainee.name, "vignette": fields["vignette"], "replaced": outcome["replaced"],
                "revision": outcome["revision"], "message": message, "feedback_at": exercise.feedback,
                "safety_first": fields["safety_first"], "feedback": feedback}

    def warm(self, exercise) -> None:
        """Formulate the new exercise's vignettes in the background, before its trainees answer."""
        threading.Thread(target=self.grader.warm, args=(exercise.vignettes, exercise.school),
                         name="classroom-warm", daemon=True).start()

    async def trainee_of(self, request, exercise):
        return await self.db(store.trainee_for, exercise.id, auth.trainee_token(request, exercise.id))

    # API ----------------------------------------------------------------------------------------------------

    async def api_exercises(self, request):
        if (denied := self.educator_or_none(request)) is not None:
            return denied
        if request.method == "GET":
            listed = await self.db(store.list_exercises)
            return JSONResponse([{**e.public(), "trainees": t, "answers": a} for e, t, a in listed])
        try:
            data = await self.json_body(request)
            vignettes = self.grader.check_vignettes(data.get("vignettes"))
            title = data.get("title")
            if not isinstance(title, str):
                raise store.StoreError("title is text", "title")
            feedback = data.get("feedback", "each")
            exercise = await self.db(store.create_exercise, title, vignettes, feedback=feedback,
                                     school=DEFAULT_SCHOOL)
        except store.StoreError as exc:
            return self.problem(exc)
        self.warm(exercise)
        return JSONResponse({"id": exercise.id, "join_code": exercise.join_code,
                             "join_url": self.join_url(request, exercise)}, status_code=201)

    async def api_exercise(self, request):
        if (denied := self.educator_or_none(request)) is not None:
            return denied
        exercise = await self.exercise_or_404(request.path_params["id"])
        if exercise is None:
            return JSONResponse({"error": "no such exercise"}, status_code=404)
        what = request.path_params.get("what", "")
        if request.method == "POST":
            if what not in ("close", "reopen"):
                return JSONResponse({"error": "not found"}, status_code=404)
            exercise = await self.db(store.set_open, exercise.id, what == "reopen")
            return JSONResponse(exercise.public())
        if what == "":
            return JSONResponse({**exercise.public(), "join_url": self.join_url(request, exercise)})
        if what == "version":
            return JSONResponse({"version": list(await self.db(store.version, exercise.id)),
                                 "open": exercise.is_open}, headers=NO_STORE)
        return await self.download(exercise, what)

    async def download(self, exercise, what: str):
        """answers.csv, gradebook.csv, summary (JSON), tables/NAME.csv."""
        if what == "answers.csv":
            rows = await self.db(store.class_answers, exercise)
            return csv_response(grader.answers_csv(rows), f"{exercise.join_code}-answers.csv")
        table, suffix = what[len("tables/"):].rpartition(".")[::2] if what.startswith("tables/") else ("", "")
        if what not in ("summary", "summary.json", "gradebook.csv", "results.zip") and not (
                table in TABLES and suffix in ("csv", "json")):
            return JSONResponse({"error": "not found"}, status_code=404)
        roster, results, _version = await self.class_results(exercise)
        if what in ("summary", "summary.json"):
            return JSONResponse(grader.summary(exercise, results), headers=NO_STORE)
        if what == "gradebook.csv":
            return csv_response(grader.gradebook_csv(exercise, roster, results), f"{exercise.join_code}-gradebook.csv")
        if results is None:
            return JSONResponse({"error": "no answer yet: nothing graded to give"}, status_code=404)
        if what == "results.zip":       # the folder `exercise grade -o` writes, as one file
            data = await run_in_threadpool(results_zip, results, exercise.title)
            return Response(data, media_type="application/zip", headers={
                "Content-Disposition": f'attachment; filename="{exercise.join_code}-results.zip"', **NO_STORE})
        files = await run_in_threadpool(grader.library.table_files, results.cohort)
        if suffix == "json":
            return Response(files[f"tables/{table}.json"], media_type="application/json", headers=NO_STORE)
        return csv_response(files[f"tables/{table}.csv"], f"{exercise.join_code}-{table}.csv")

    async def api_join(self, request):
        """POST {"trainee": name}: join, and get the secret (also set as a cookie)."""
        try:
            exercise = await self.db(store.exercise_by_join_code, request.path_params["code"])
            data = await self.json_body(request)
            name = data.get("trainee")
            if not isinstance(name, str):
                raise store.StoreError("trainee is your display name", "trainee")
            trainee, token = await self.db(store.join, exercise, name)
        except store.StoreError as exc:
            return self.problem(exc)
        response = JSONResponse({"trainee": trainee.name, "trainee_token": token, "exercise": exercise.title,
                                 "vignettes": list(exercise.vignettes)}, status_code=201)
        auth.set_trainee_cookie(response, exercise.id, token, self.secure(request))
        return response

    async def api_answers(self, request):
        """POST an answer (201 with the feedback once committed); GET one's own answers."""
        try:
            exercise = await self.db(store.exercise_by_join_code, request.path_params["code"])
        except store.NotFound as exc:
            return self.problem(exc)
        trainee = await self.trainee_of(request, exercise)
        token = None
        if request.method == "GET":
            if trainee is None:
                return JSONResponse({"error": "no trainee: join first, and send your X-Trainee-Token"},
                                    status_code=401)
            return JSONResponse(await self.own_answers(exercise, trainee), headers=NO_STORE)
        try:
            data = await self.json_body(request)
            name = data.get("trainee")
            if name is not None and not isinstance(name, str):
                raise store.StoreError("trainee is your display name", "trainee")
            if auth.trainee_token(request, exercise.id) and trainee is None:
                return JSONResponse({"error": "this trainee secret is not valid in this exercise"}, status_code=403)
            if trainee is not None and name and store.clean_name(name).casefold() != trainee.name.casefold():
                return JSONResponse({"error": "your secret belongs to another trainee name"}, status_code=403)
            fields = self.answer_fields(exercise, data)
            if trainee is None:
                if not name:
                    raise store.StoreError("give your display name as 'trainee' (the first answer joins)", "trainee")
                try:
                    trainee, token = await self.db(store.join, exercise, name)
                except store.NameTaken:
                    return JSONResponse({"error": "this name is taken in this exercise: answer with its "
                                                  "X-Trainee-Token, or choose another name"}, status_code=403)
            body = await self.store_answer(exercise, trainee, fields)
        except store.StoreError as exc:
            return self.problem(exc)
        if token:
            body["trainee_token"] = token
        response = JSONResponse(body, status_code=201)
        if token:
            auth.set_trainee_cookie(response, exercise.id, token, self.secure(request))
        return response

    async def own_answers(self, exercise, trainee) -> dict:
        rows = await self.db(store.answers_of, trainee)
        show = exercise.feedback == "each" or not exercise.is_open
        answers = []
        for row in rows:
            entry = {"vignette": row.vignette, "primary": row.primary_area, "secondary": row.secondary_area,
                     "rationale": row.rationale, "safety_first": row.safety_first, "revision": row.revision}
            if show:
                areas = [row.primary_area, *[a for a in row.secondary_area.split("+") if a]]
                entry["feedback"] = await run_in_threadpool(self.grader.feedback, row.vignette, areas, row.rationale,
                                                            exercise.school, bool(row.safety_first))
            answers.append(entry)
        return {"trainee": trainee.name, "exercise": exercise.title, "open": exercise.is_open,
                "feedback_at": exercise.feedback, "answers": answers}

    # educator pages -------------------------------------------------------------------------------------------

    async def home(self, request):
        if (denied := self.educator_or_none(request, page=True)) is not None:
            return denied
        if (redirect := self.after_query_token(request)) is not None:
            return redirect
        area = request.query_params.get("area") or None
        tag = request.query_params.get("tag") or None
        try:
            entries = self.grader.vignettes(area if area in AREAS else None, tag)
            error = None
        except grader.library.CaseError as exc:
            entries, error = self.grader.vignettes(), exc.message
        listed = await self.db(store.list_exercises)
        return self.render(request, "classroom/home.html", exercises=listed, entries=entries,
                           tags=self.grader.tags(), area=area, tag=tag, error=error)

    async def login(self, request):
        if request.method == "GET":
            return self.render(request, "classroom/login.html", next="/classroom", error=None,
                               has_password=bool(getattr(self.settings, "educator_password_hash", None)))
        form = await self.form(request)
        target = str(form.get("next") or "/classroom")
        if not target.startswith("/") or target.startswith("//"):
            target = "/classroom"
        if not auth.password_ok(self.settings, str(form.get("password") or "")):
            return self.render(request, "classroom/login.html", status=401, next=target, error="Wrong password.",
                               has_password=bool(getattr(self.settings, "educator_password_hash", None)))
        response = RedirectResponse(target, status_code=303)
        auth.set_educator_cookie(response, self.settings, self.secure(request))
        return response

    async def create_page(self, request):
        if (denied := self.educator_or_none(request, page=True)) is not None:
            return denied
        form = await self.form(request)
        try:
            vignettes = self.grader.check_vignettes(list(form.getlist("vignettes")))
            feedback = str(form.get("feedback") or "each")
            exercise = await self.db(store.create_exercise, str(form.get("title") or ""), vignettes,
                                     feedback=feedback, school=DEFAULT_SCHOOL)
            self.warm(exercise)
        except store.StoreError as exc:
            listed = await self.db(store.list_exercises)
            return self.render(request, "classroom/home.html", status=400, exercises=listed,
                               entries=self.grader.vignettes(), tags=self.grader.tags(), area=None, tag=None,
                               error=exc.message)
        return RedirectResponse(request.url_for("classroom_exercise", id=exercise.id).path, status_code=303)

    async def exercise_page(self, request):
        if (denied := self.educator_or_none(request, page=True)) is not None:
            return denied
        if (redirect := self.after_query_token(request)) is not None:
            return redirect
        exercise = await self.exercise_or_404(request.path_params["id"])
        if exercise is None:
            return self.not_found(request)
        roster, results, version = await self.class_results(exercise, max_age=live_max_age(request))
        scores = {}
        if results is not None:
            scores = {results.names.get(r["trainee"]): r for r in grader.library.table_records(results.cohort.trainees)}
        return self.render(request, "classroom/exercise.html", exercise=exercise, roster=roster, scores=scores,
                           summary=grader.summary(exercise, results), join_url=self.join_url(request, exercise),
                           qr=qr_svg(self.join_url(request, exercise)), version=compact(version),
                           cards=[self.grader.card(v) for v in exercise.vignettes])

    async def dashboard_page(self, request):
        """`exercise grade`'s dashboard, live; ?anonymous=1 for the projector (trainees as numbers)."""
        exercise, refused = await self.educator_page_exercise(request)
        if refused is not None:
            return refused
        anonymous = request.query_params.get("anonymous") == "1"
        roster, results, version = await self.class_results(exercise, anonymous=anonymous,
                                                            max_age=live_max_age(request))
        head = self.templates.get_template("classroom/dashboard-head.html").render(
            exercise=exercise, join_url=self.join_url(request, exercise), qr=qr_svg(self.join_url(request, exercise)),
            anonymous=anonymous, trainees=len(roster), version=compact(version))
        if results is None:
            html = self.templates.get_template("classroom/dashboard-empty.html").render(exercise=exercise,
                                                                                        head=Markup(head))
        else:
            title = exercise.title + (" (projector)" if anonymous else "")
            html = await run_in_threadpool(grader.library.dashboard_html, results.grades, results.cohort, title)
            html = html.replace("<body>", "<body>\n" + head, 1).replace("</head>", LIVE_CSS + "</head>", 1)
        return HTMLResponse(html, headers={**NO_STORE, **PAGE_HEADERS,
                                           "Content-Security-Policy": dashboard_policy(html)})

    async def trainee_page(self, request):
        exercise, refused = await self.educator_page_exercise(request)
        if refused is not None:
            return refused
        roster, results, _version = await self.class_results(exercise)
        number = request.path_params["number"]
        found = [t for n, t in roster if n == number]
        if not found:
            return self.not_found(request)
        trainee = found[0]
        text, mine = "", []
        if results is not None:
            name = grader.graded_name(trainee.name)
            mine = grader.library.by_trainee(results.grades).get(name, [])
            text = grader.library.trainee_feedback(results.grades, name, mine) if mine else ""
        return self.render(request, "classroom/trainee.html", exercise=exercise, trainee=trainee, number=number,
                           mine=mine, text=text)

    async def open_form(self, request):
        if (denied := self.educator_or_none(request, page=True)) is not None:
            return denied
        form = await self.form(request)
        exercise = await self.exercise_or_404(request.path_params["id"])
        if exercise is None:
            return self.not_found(request)
        await self.db(store.set_open, exercise.id, form.get("open") == "1")
        return RedirectResponse(request.url_for("classroom_exercise", id=exercise.id).path, status_code=303)

    async def download_page(self, request):
        exercise, refused = await self.educator_page_exercise(request)
        if refused is not None:
            return refused
        return await self.download(exercise, request.path_params["what"])

    def not_found(self, request):
        return self.render(request, "classroom/message.html", status=404, heading="Not found",
                           message="There is no such exercise or page here.")

    # trainee pages -----------------------------------------------------------------------------------------

    async def exercise_of_join_code(self, request) -> tuple:
        """(the exercise of the path's join code, None); (None, the join-code page saying so) when there is none."""
        try:
            return await self.db(store.exercise_by_join_code, request.path_params["code"]), None
        except store.NotFound:
            return None, self.render(request, "classroom/join-code.html", status=404,
                                     error="No exercise has this join code; check it on the projector.")

    async def join_code_form(self, request):
        code = request.query_params.get("code")
        if code:
            return RedirectResponse(request.url_for("classroom_join", code=store.normalise_join_code(code)).path,
                                    status_code=303)
        return self.render(request, "classroom/join-code.html")

    async def join_page(self, request):
        exercise, refused = await self.exercise_of_join_code(request)
        if refused is not None:
            return refused
        trainee = await self.trainee_of(request, exercise)
        if request.method == "GET":
            if trainee is not None:
                return RedirectResponse(self.vignette_path(request, exercise, 1), status_code=303)
            return self.render(request, "classroom/join.html", exercise=exercise, error=None, name="")
        form = await self.form(request)
        name = str(form.get("trainee") or "")
        try:
            trainee, token = await self.db(store.join, exercise, name)
        except store.StoreError as exc:
            return self.render(request, "classroom/join.html", status=exc.status, exercise=exercise,
                               error=exc.message, name=name[:200])
        response = RedirectResponse(self.vignette_path(request, exercise, 1), status_code=303)
        auth.set_trainee_cookie(response, exercise.id, token, self.secure(request))
        return response

    @staticmethod
    def vignette_path(request, exercise, number: int) -> str:
        return request.url_for("classroom_answer", code=exercise.join_code, number=number).path

    async def answer_page(self, request):
        exercise, refused = await self.exercise_of_join_code(request)
        if refused is not None:
            return refused
        trainee = await self.trainee_of(request, exercise)
        if trainee is None:
            return RedirectResponse(request.url_for("classroom_join", code=exercise.join_code).path, status_code=303)
        number = request.path_params["number"]
        if not 1 <= number <= len(exercise.vignettes):
            return self.not_found(request)
        vignette = exercise.vignettes[number - 1]
        mine = {row.vignette: row for row in await self.db(store.answers_of, trainee)}
        context = {"exercise": exercise, "trainee": trainee, "number": number, "card": self.grader.card(vignette),
                   "earlier": mine.get(vignette), "answered": mine, "outcome": None, "error": None}
        if request.method == "POST":
            form = await self.form(request)
            data = {"vignette": vignette, "primary": form.get("primary") or "", "secondary": form.get("secondary")
                    or "", "rationale": form.get("rationale") or "", "safety_first": form.get("safety_first") or ""}
            try:
                fields = self.answer_fields(exercise, {k: str(v) for k, v in data.items()})
                context["outcome"] = await self.store_answer(exercise, trainee, fields)
                mine = {row.vignette: row for row in await self.db(store.answers_of, trainee)}
                context.update(earlier=mine.get(vignette), answered=mine)
            except store.StoreError as exc:
                context["error"] = exc.message
                return self.render(request, "classroom/answer.html", status=exc.status, **context)
        return self.render(request, "classroom/answer.html", **context)

    async def done_page(self, request):
        try:
            exercise = await self.db(store.exercise_by_join_code, request.path_params["code"])
        except store.NotFound:
            return self.not_found(request)
        trainee = await self.trainee_of(request, exercise)
        if trainee is None:
            return RedirectResponse(request.url_for("classroom_join", code=exercise.join_code).path, status_code=303)
        mine = await self.own_answers(exercise, trainee)
        return self.render(request, "classroom/done.html", exercise=exercise, trainee=trainee, mine=mine,
                           cards={v: self.grader.card(v) for v in exercise.vignettes})


def routes(settings, engine=None) -> list:
    """The classroom's routes for ipt_expert.classroom.app.create_app (the database opened and migrated now)."""
    from starlette.staticfiles import StaticFiles

    room = Classroom(settings, engine)
    shared_grader()          # loaded before the first trainee waits for it
    return [
        Route("/classroom", room.home, name="classroom_home"),
        Route("/classroom/login", room.login, methods=["GET", "POST"], name="classroom_login"),
        Route("/classroom/exercises", room.create_page, methods=["POST"], name="classroom_create"),
        Route("/classroom/exercises/{id}", room.exercise_page, name="classroom_exercise"),
        Route("/classroom/exercises/{id}/dashboard", room.dashboard_page, name="classroom_dashboard"),
        Route("/classroom/exercises/{id}/trainees/{number:int}", room.trainee_page, name="classroom_trainee"),
        Route("/classroom/exercises/{id}/open", room.open_form, methods=["POST"], name="classroom_open"),
        Route("/classroom/exercises/{id}/download/{what:path}", room.download_page, name="classroom_download"),
        Mount("/classroom/static", StaticFiles(directory=str(HERE / "static")), name="classroom_static"),
        Route("/join", room.join_code_form, name="classroom_join_code"),
        Route("/join/{code}", room.join_page, methods=["GET", "POST"], name="classroom_join"),
        Route("/join/{code}/vignettes/{number:int}", room.answer_page, methods=["GET", "POST"],
              name="classroom_answer"),
        Route("/join/{code}/done", room.done_page, name="classroom_done"),
        Route("/api/exercises", room.api_exercises, methods=["GET", "POST"]),
        Route("/api/exercises/{id}", room.api_exercise),
        Route("/api/exercises/{id}/{what:path}", room.api_exercise, methods=["GET", "POST"]),
        Route("/api/join/{code}", room.api_join, methods=["POST"]),
        Route("/api/join/{code}/answers", room.api_answers, methods=["GET", "POST"]),
        Route("/", start_page(settings), name="classroom_start"),   # the start line's URL
    ]
