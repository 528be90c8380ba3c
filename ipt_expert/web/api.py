"""The JSON API: a case document in, the same JSON as the CLI's `-f json` out.

A case document is the body itself (YAML or JSON, as a case file), or a JSON
object ``{"case": {...}, "school": ..., "redact": ..., "area": ..., "set": [...]}``
wrapping it with the command's options (which may also be query parameters).
An invalid case is 422 with every problem located (line, field, message), a
body over the limit 413, and a failure never shows a traceback.
"""
from __future__ import annotations

from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.schemas import SchemaGenerator

from ipt_expert.web import library, work

SHORT_AREAS = {"dispute": "role_dispute", "transition": "role_transition", "deficits": "interpersonal_deficits"}
SCHEMAS = SchemaGenerator({"openapi": "3.0.0",
                           "info": {"title": "ipt-expert API", "version": "1",
                                    "description": "The local API of `ipt-expert serve`: the CLI's JSON over HTTP."}})


class Problem(Exception):
    """A request the API refuses: status and JSON body."""

    def __init__(self, status: int, message: str, **extra):
        super().__init__(message)
        self.status, self.body = status, {"error": message, **extra}


def problems_json(problems: list) -> list:
    return [{"line": p.line, "field": p.field, "message": p.message} for p in problems]


def _invalid(problems: list, what: str = "the case") -> Problem:
    count = len(problems)
    return Problem(422, f"{what} has {count} problem{'s' if count != 1 else ''}", problems=problems_json(problems))


async def read_document(request) -> tuple:
    """(the case's Document, the options): the body, or the "case" of a JSON envelope."""
    body = await request.body()
    if not body.strip():
        raise Problem(400, "send a case document (YAML or JSON) as the body")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Problem(400, "the body is not UTF-8 text") from exc
    try:
        document = library.load_case_document(text, "request")
    except library.CaseError as exc:
        raise _invalid(exc.problems) from exc
    options = dict(request.query_params)
    data = document.data
    if isinstance(data, dict) and isinstance(data.get("case"), dict):
        options.update({k: v for k, v in data.items() if k != "case"})
        document = library.Document(
            data=data["case"], source="request",
            lines={path[1:]: line for path, line in document.lines.items() if path[:1] == ("case",)},
            written={path[1:]: word for path, word in document.written.items() if path[:1] == ("case",)})
    return document, options


def _school(options: dict) -> str:
    school = options.get("school") or library.DEFAULT_SCHOOL
    if school not in library.GRIEF_SCHOOLS:
        raise Problem(400, f"school is one of: {', '.join(library.GRIEF_SCHOOLS)}", field="school")
    return school


def _flag(options: dict, name: str) -> bool:
    value = options.get(name, False)
    return value is True or (isinstance(value, str) and value.lower() in ("1", "true", "yes", "on"))


def _case(document, options: dict):
    try:
        return library.case_of(document, redact=_flag(options, "redact"))
    except library.CaseError as exc:
        raise _invalid(exc.problems) from exc


def _area(options: dict):
    area = options.get("area")
    if area is None or area == "":
        return None
    if not isinstance(area, str):
        raise Problem(400, f"area is one of: {', '.join(library.AREAS)} (or dispute, transition, deficits)",
                      field="area")
    area = SHORT_AREAS.get(area, area)
    if area not in library.AREAS:
        raise Problem(400, f"area is one of: {', '.join(library.AREAS)} (or dispute, transition, deficits)",
                      field="area")
    return area


def guarded(handler):
    async def endpoint(request):
        try:
            return await handler(request)
        except Problem as exc:
            return JSONResponse(exc.body, status_code=exc.status)
    endpoint.__doc__ = handler.__doc__
    endpoint.__name__ = handler.__name__
    return endpoint


@guarded
async def formulate(request):
    """
    summary: 'Rank the four problem areas for a case (`ipt-expert formulate -f json`).'
    description: 'Body is a case document (YAML or JSON), or {"case": {...}, "school": "strict|broad", "redact": true}.'
    responses:
      200: {description: "the formulation, as `formulate -f json`"}
      422: {description: "the case has problems: {error, problems: [{line, field, message}]}"}
      413: {description: "the body is over the limit"}
    """
    document, options = await read_document(request)
    school = _school(options)
    case = _case(document, options)
    return JSONResponse(await work.run(library.formulate_json, case, school))


@guarded
async def explain(request):
    """
    summary: 'HOW the areas were ranked and WHY NOT another area first (`ipt-expert explain -f json`).'
    description: 'Body is a case document, or
      {"case": {...}, "area": "grief|dispute|transition|deficits", "school": ...}.'
    responses:
      200: {description: "the explanation, as `explain -f json`"}
      422: {description: "the case has problems"}
    """
    document, options = await read_document(request)
    school, area = _school(options), _area(options)
    case = _case(document, options)
    return JSONResponse(await work.run(library.explain_json, case, area, school))


@guarded
async def whatif(request):
    """
    summary: 'Sensitivity of the formulation (`ipt-expert whatif -f json`), or the formulation under changes (--set).'
    description: 'Body is a case document, or
      {"case": {...}, "set": ["persons[father].closeness=outer"], "school": ...}.'
    responses:
      200: {description: "the analysis, or with set the changed formulation, as `whatif -f json`"}
      400: {description: "an assignment that cannot be made"}
      422: {description: "the case has problems"}
    """
    document, options = await read_document(request)
    school = _school(options)
    assignments = options.get("set") or []
    if isinstance(assignments, str):
        assignments = [assignments]
    if not isinstance(assignments, list) or not all(isinstance(a, str) for a in assignments):
        raise Problem(400, "set is a list of FIELD=VALUE texts", field="set")
    case = _case(document, options)
    try:
        result = await work.run(library.whatif_json, case, assignments, school)
    except library.CaseError as exc:
        raise Problem(400, exc.message, field="set") from exc
    return JSONResponse(result)


@guarded
async def validate(request):
    """
    summary: 'Every problem of a case document at once (`ipt-expert validate -f json`).'
    description: 'Always 200 for a document that was read; "valid" says whether it is a valid case.'
    responses:
      200: {description: '{"files": [{"file", "valid", "problems": [{line, field, message}]}], "problems": N}'}
    """
    body = await request.body()
    try:
        document = library.load_case_document(body.decode("utf-8", "replace"), "request")
        problems = library.validate_document(document)
    except library.CaseError as exc:
        problems = list(exc.problems)
    report = [{"file": "request", "valid": not problems, "problems": problems_json(problems)}]
    return JSONResponse({"files": report, "problems": len(problems)})


def _card(entry) -> dict:
    return entry.card.to_dict()


@guarded
async def vignettes(request):
    """
    summary: 'The vignette library as `vignettes list` shows it
      (id, title, setting, difficulty, narrative; never the key).'
    parameters:
      - {name: area, in: query, required: false, schema: {type: string}}
      - {name: tag, in: query, required: false, schema: {type: string}}
    responses:
      200: {description: "a list of vignette cards"}
    """
    area, tag = request.query_params.get("area") or None, request.query_params.get("tag") or None
    try:
        entries = library.select(library.library(), SHORT_AREAS.get(area, area), tag)
    except library.CaseError as exc:
        raise Problem(400, exc.message) from exc
    return JSONResponse([_card(e) for e in entries])


@guarded
async def vignette(request):
    """
    summary: 'One vignette''s card (`vignettes show -f json`); never its key or coded inventory.'
    responses:
      200: {description: "the card"}
      404: {description: "no such vignette (with a did-you-mean)"}
    """
    wanted = request.path_params["id"]
    entries = {e.card.id: e for e in library.library()}
    if wanted not in entries:
        raise Problem(404, f"no vignette '{wanted}'{library.did_you_mean(wanted, entries)}")
    return JSONResponse(_card(entries[wanted]))


def _answer_areas(value) -> list:
    if isinstance(value, list):
        value = ",".join(str(v) for v in value)
    if not isinstance(value, str) or not value.strip():
        raise Problem(400, "answer is one area or two (e.g. \"grief\" or \"role_dispute,role_transition\")",
                      field="answer")
    try:
        return library.parse_areas(value, source="answer")
    except library.CaseError as exc:
        raise Problem(400, exc.message, field="answer") from exc


@guarded
async def check(request):
    """
    summary: 'A trainee''s answer against a vignette''s key (`ipt-expert check -f json`).'
    description: 'Body: {"vignette": ID, "answer": "grief" or ["role_dispute", "role_transition"],
      "rationale": TEXT, "school": ...}'
    responses:
      200: {description: "the feedback, as `check -f json`"}
      400: {description: "a missing or unknown vignette or area"}
    """
    import json

    try:
        data = json.loads(await request.body())
    except ValueError as exc:
        raise Problem(400, "send a JSON object: {\"vignette\", \"answer\", \"rationale\"}") from exc
    if not isinstance(data, dict):
        raise Problem(400, "send a JSON object: {\"vignette\", \"answer\", \"rationale\"}")
    vignette_id = data.get("vignette")
    ids = {e.card.id for e in library.library()}
    if not isinstance(vignette_id, str) or vignette_id not in ids:
        raise Problem(404 if isinstance(vignette_id, str) else 400,
                      "vignette is the id of a shipped vignette (GET /api/vignettes lists them)", field="vignette")
    rationale = data.get("rationale") or ""
    if not isinstance(rationale, str):
        raise Problem(400, "rationale is text", field="rationale")
    areas = _answer_areas(data.get("answer"))
    return JSONResponse(await work.run(library.check_json, vignette_id, areas, rationale, _school(data)))


def description() -> dict:
    """The OpenAPI description of these routes (from their docstrings; the classroom's are its own)."""
    return SCHEMAS.get_schema(routes=_routes())


async def openapi(request):
    return JSONResponse(description())


def _routes() -> list:
    return [
        Route("/api/formulate", formulate, methods=["POST"]),
        Route("/api/explain", explain, methods=["POST"]),
        Route("/api/whatif", whatif, methods=["POST"]),
        Route("/api/validate", validate, methods=["POST"]),
        Route("/api/vignettes", vignettes, methods=["GET"]),
        Route("/api/vignettes/{id}", vignette, methods=["GET"]),
        Route("/api/check", check, methods=["POST"]),
    ]


def routes(settings) -> list:
    return [*_routes(), Route("/api/openapi.json", openapi, methods=["GET"], include_in_schema=False)]
