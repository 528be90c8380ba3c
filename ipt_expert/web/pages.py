"""The HTML pages: the clinician's (/case) and the trainee's (/practice), server-rendered.

Every page works without script: a form posts and the whole page comes back.
With htmx (static/htmx.min.js) a change to the case form posts it and only
the workspace is swapped (htmx keeps the focus on the field with the same
id); a click on an area or a fact swaps the detail panel alone.
"""
from __future__ import annotations

import json
from pathlib import Path

import jinja2
import yaml
from starlette.exceptions import HTTPException
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from ipt_expert.web import caseform, library, work
from ipt_expert.web.security import csrf_token, require_csrf

HERE = Path(__file__).resolve().parent
NO_STORE = {"Cache-Control": "no-store"}
MAX_UPLOAD_BYTES = 512 * 1024
DOWNLOADS = {"yaml": ("application/x-yaml", "yaml"), "json": ("application/json", "json"),
             "report-html": ("text/html", "html"), "report-markdown": ("text/markdown", "md"),
             "report-json": ("application/json", "json")}
AREA_ORDER = library.AREAS

_templates = jinja2.Environment(loader=jinja2.FileSystemLoader(str(HERE / "templates")), autoescape=True,
                                undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def render(request, template: str, status: int = 200, **context) -> HTMLResponse:
    context.setdefault("title", "ipt-expert")
    html = _templates.get_template(template).render(request=request, csrf=csrf_token(request), **context)
    return HTMLResponse(html, status_code=status, headers=NO_STORE)


async def favicon(request):
    return Response((HERE / "static" / "favicon.svg").read_bytes(), media_type="image/svg+xml",
                    headers={"Cache-Control": "max-age=86400"})


async def home(request):
    return render(request, "home.html")


# -- the clinician's page ---------------------------------------------------------------------------------

def outcome(case_form: caseform.CaseForm, school: str = library.DEFAULT_SCHOOL, follow_ups: bool = True) -> dict:
    """What the page shows beside the form: the problems, or the formulation, its pictures and questions.

    ``follow_ups=False`` leaves out the questions to ask next (the interview's value of information, the
    slow part): htmx then asks for them in a second request, after the ranking is drawn.
    """
    draft = caseform.draft(case_form)
    document = library.Document(data=draft, source="the form")
    problems = library.validate_document(document)
    if problems:
        return {"problems": problems, "report": None}
    case = library.case_of(document)
    formulation = library.formulate(case, school)
    report = formulation.to_dict()
    return {"problems": [], "report": report, "pictures": library.pictures(report, "case-"),
            "follow_ups": questions(case_form, school) if follow_ups else None}


def questions(case_form: caseform.CaseForm, school: str = library.DEFAULT_SCHOOL) -> list:
    """The open questions whose answers would move the formulation most, as the interview offers them."""
    shot = library.snapshot(case_form.data, library.knowledge_base(), school)
    return [{"path": path, "text": text, "effect": effect} for path, text, effect in shot.follow_ups] \
        if shot is not None else []


def _htmx(request) -> bool:
    return request.headers.get("hx-request") == "true"


def _controlling() -> set:
    """The questions other questions depend on ('section:path'): a change to one redraws the whole form."""
    found = set()
    for section in library.script().sections:
        for question in section.questions:
            for path, _ in question.when:
                found.add(f"{section.id}:{path}")
    return found


CONTROLLING = _controlling()


def _case_context(case_form, result, request=None, **extra) -> dict:
    # an htmx request that redraws the results alone also refreshes each field's note (out of band)
    oob = request is not None and request.headers.get("hx-request") == "true" \
        and request.headers.get("hx-target") == "results"
    return {"title": "ipt-expert: case", "form": case_form, "result": result, "detail": None,
            "areas": AREA_ORDER, "upload_problems": None, "controlling": CONTROLLING, "oob": oob, **extra}


async def case_page(request):
    case_form = caseform.empty()
    result = await work.run(outcome, case_form)
    return render(request, "case.html", **_case_context(case_form, result))


async def _posted_form(request):
    form = await request.form(max_files=0, max_fields=4000)
    await require_csrf(request, form)
    return form


async def case_update(request):
    form = await _posted_form(request)
    case_form = caseform.read(form, form.get("action"))
    result = await work.run(outcome, case_form, library.DEFAULT_SCHOOL, not _htmx(request))
    return render(request, "case.html", **_case_context(case_form, result, request))


async def case_follow_ups(request):
    """The questions to ask next, alone (htmx asks for them once the ranking is drawn)."""
    form = await _posted_form(request)
    case_form = caseform.read(form)
    result = await work.run(outcome, case_form, library.DEFAULT_SCHOOL, False)
    if result["report"] is not None:
        result["follow_ups"] = await work.run(questions, case_form)
    return render(request, "case.html", **_case_context(case_form, result))


def _explain_detail(case_form, area: str) -> dict:
    document = library.Document(data=caseform.draft(case_form), source="the form")
    case = library.case_of(document)
    explained = library.explain_json(case, area)
    return {"kind": "explain", "area": explained["areas"][0], "focus": explained["focus"]}


def _whatif_detail(case_form, ref: str) -> dict:
    document = library.Document(data=caseform.draft(case_form), source="the form")
    case = library.case_of(document)
    analysis = library.whatif_json(case)
    changes = [c for c in analysis.get("changes", []) if c["change"]["ref"] == ref]
    unchanged = [p for p in analysis.get("unchanged", []) if p == ref or p.startswith(ref + ".")
                 or p.startswith(ref + "[")]
    name = next((h["name"] for h in analysis.get("hinges", []) if h["ref"] == ref), ref)
    return {"kind": "whatif", "ref": ref, "name": name, "changes": changes, "unchanged": unchanged,
            "base": analysis.get("base")}


async def case_explain(request):
    form = await _posted_form(request)
    case_form = caseform.read(form)
    area = form.get("area")
    if area not in library.AREAS:
        raise HTTPException(400, "choose one of the four areas")
    result = await work.run(outcome, case_form, library.DEFAULT_SCHOOL, not _htmx(request))
    detail = await work.run(_explain_detail, case_form, area) if result["report"] else None
    return render(request, "case.html", **_case_context(case_form, result, detail=detail))


async def case_whatif(request):
    form = await _posted_form(request)
    case_form = caseform.read(form)
    ref = caseform.fact_ref(case_form, str(form.get("fact") or ""))
    result = await work.run(outcome, case_form, library.DEFAULT_SCHOOL, not _htmx(request))
    detail = await work.run(_whatif_detail, case_form, ref) if result["report"] and ref else None
    return render(request, "case.html", **_case_context(case_form, result, detail=detail))


def _download_name(case_id: str, suffix: str, report: bool) -> str:
    safe = "".join(c for c in case_id if c.isalnum() or c in "-_") or "case"
    return f"{safe}{'-report' if report else ''}.{suffix}"


async def case_download(request):
    form = await _posted_form(request)
    case_form = caseform.read(form)
    what = form.get("download")
    if what not in DOWNLOADS:
        raise HTTPException(400, "choose what to download")
    media, suffix = DOWNLOADS[what]
    if what in ("yaml", "json"):
        data = caseform.saved(case_form)
        if what == "yaml":
            body = ("# Case file saved from `ipt-expert serve`; check it with `ipt-expert validate`.\n"
                    + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100))
        else:
            body = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
        case_id = str(data.get("id") or "case")
    else:
        document = library.Document(data=caseform.draft(case_form), source="the form")
        problems = library.validate_document(document)
        if problems:
            result = {"problems": problems, "report": None}
            return render(request, "case.html", status=422, **_case_context(case_form, result))
        redact = form.get("redact") in ("on", "1", "yes")
        fmt = {"report-html": "html", "report-markdown": "markdown", "report-json": "json"}[what]

        def report_text():
            case = library.case_of(document, redact=redact)
            return library.render_report(library.formulate(case), fmt)
        body = await work.run(report_text)
        case_id = str(document.data.get("id"))
    name = _download_name(case_id, suffix, what.startswith("report"))
    return Response(body, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="{name}"', **NO_STORE})


async def case_open(request):
    form = await request.form(max_files=1, max_fields=10)
    await require_csrf(request, form)
    upload = form.get("case_file")
    if upload is None or not hasattr(upload, "read"):
        raise HTTPException(400, "choose a case file to open")
    content = await upload.read(MAX_UPLOAD_BYTES + 1)
    name = str(upload.filename or "case file")[:120]
    problems = []
    if len(content) > MAX_UPLOAD_BYTES:
        problems = [library.CaseError(f"the file is over {MAX_UPLOAD_BYTES // 1024} KB", source=name)]
    else:
        try:
            document = library.load_case_document(content.decode("utf-8"), name)
            problems = library.validate_document(document)
        except UnicodeDecodeError:
            problems = [library.CaseError("is not UTF-8 text", source=name)]
        except library.CaseError as exc:
            problems = list(exc.problems)
    if problems:
        case_form = caseform.empty()
        result = await work.run(outcome, case_form)
        return render(request, "case.html", status=422,
                      **_case_context(case_form, result, upload_problems={"name": name, "problems": problems}))
    case_form = caseform.from_data(document.data)
    result = await work.run(outcome, case_form)
    return render(request, "case.html", **_case_context(case_form, result, opened=name))


# -- the trainee's page ----------------------------------------------------------------------------------

def _cards() -> list:
    return [entry.card for entry in library.library()]


async def practice_list(request):
    return render(request, "practice_list.html", title="ipt-expert: practice", cards=_cards())


def _card_or_404(vignette_id: str):
    for card in _cards():
        if card.id == vignette_id:
            return card
    raise HTTPException(404, f"no vignette '{vignette_id}'")


AREA_CHOICES = [("grief", "Grief"), ("role_dispute", "Role dispute"), ("role_transition", "Role transition"),
                ("interpersonal_deficits", "Interpersonal deficits")]


async def practice_vignette(request):
    card = _card_or_404(request.path_params["id"])
    feedback, error, answer = None, None, {"first": "", "second": "", "rationale": "", "safety_first": False}
    status = 200
    if request.method == "POST":
        form = await _posted_form(request)
        answer = {"first": str(form.get("first") or ""), "second": str(form.get("second") or ""),
                  "rationale": str(form.get("rationale") or "")[:2000],
                  "safety_first": form.get("safety_first") == "on"}
        areas = [a for a in (answer["first"], answer["second"]) if a]
        known = dict(AREA_CHOICES)
        if answer["first"] not in known or (answer["second"] and answer["second"] not in known):
            error, status = "Choose your first area (and a second one only if you want one).", 422
        elif answer["second"] == answer["first"]:
            error, status = "The second area is another area than the first.", 422
        else:
            feedback = await work.run(library.check_json, card.id, areas, answer["rationale"])
    return render(request, "practice.html", status=status, title=f"ipt-expert: {card.title or card.id}", card=card,
                  choices=AREA_CHOICES, feedback=feedback, error=error, answer=answer)


async def api_docs(request):
    from ipt_expert.web.api import description
    return render(request, "api_docs.html", title="ipt-expert: API", api=description())


def routes(settings) -> list:
    return [
        Route("/case", case_page, methods=["GET"]),
        Route("/case", case_update, methods=["POST"]),
        Route("/case/follow-ups", case_follow_ups, methods=["POST"]),
        Route("/case/explain", case_explain, methods=["POST"]),
        Route("/case/whatif", case_whatif, methods=["POST"]),
        Route("/case/download", case_download, methods=["POST"]),
        Route("/case/open", case_open, methods=["POST"]),
        Route("/practice", practice_list, methods=["GET"]),
        Route("/practice/{id}", practice_vignette, methods=["GET", "POST"]),
        Route("/api/docs", api_docs, methods=["GET"]),
    ]


__all__ = ["RedirectResponse", "home", "render", "routes"]
