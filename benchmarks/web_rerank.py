"""The clinician's page: how long the server takes to redraw the formulation after an answer.

    python benchmarks/web_rerank.py              # 30 cases of 50 facts, 5 repeats each
    python benchmarks/web_rerank.py --facts 100

For synthetic 50-fact cases (synthetic.py), posted as the page posts them (every field of the form),
it times, per case, the median of the repeats of:

* re-rank: the posted form read back into a case (the interview's readings), validated and formulated;
* redraw: POST /case as htmx sends it after an answer (CSRF check, the re-rank, the flags, the three
  SVG pictures, the page rendered), through the app in process;
* follow-ups: POST /case/follow-ups, the second request htmx makes once the ranking is drawn: the
  interview's questions to ask next (value of information, a what-if per unknown field);
* no script: POST /case without htmx, where one answer brings everything at once.

Not a test: it prints the medians and the 90th percentiles over the cases (the target: re-rank <= 50 ms).
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from synthetic import synthetic_case


def posted_form(case_form, token: str) -> dict:
    """What the browser posts for this form: each field's text, the record counts, the hidden rest."""
    data = {"csrf_token": token, "rest": case_form.rest_json()}
    for section in case_form.sections:
        if section.record:
            data["persons" if section.record == "person" else "events"] = str(len(section.records))
    for field in case_form.fields():
        data[field.name] = field.raw
    return data


def median_ms(function, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def summary(values: list) -> str:
    values = sorted(values)
    p90 = values[min(len(values) - 1, int(round(0.9 * (len(values) - 1))))]
    return f"median {statistics.median(values):6.1f} ms   90th percentile {p90:6.1f} ms   max {values[-1]:6.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--facts", type=int, default=50)
    parser.add_argument("--cases", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    warnings.simplefilter("ignore")
    from starlette.datastructures import FormData
    from starlette.testclient import TestClient

    from ipt_expert.classroom.app import create_app
    from ipt_expert.web import caseform, library
    from ipt_expert.web.settings import WebSettings

    library.knowledge_base()                       # loaded once per server process, at the first request
    import tempfile
    folder = tempfile.mkdtemp()
    client = TestClient(create_app(WebSettings(database_url=f"sqlite:///{folder}/classroom.sqlite3")))
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/case").text).group(1)
    rerank, redraw, follow, whole = [], [], [], []
    facts = []
    for seed in range(args.cases):
        case = synthetic_case(args.facts, seed)
        form = posted_form(caseform.from_data(case), token)
        form_data = FormData(list(form.items()))

        def rank_only(form_data=form_data):
            case_form = caseform.read(form_data)
            document = library.Document(data=caseform.draft(case_form), source="the form")
            assert not library.validate_document(document)
            return library.formulate(library.case_of(document))

        formulation = rank_only()
        facts.append(len(case.get("persons", [])) + len(case.get("events", [])) + 7)
        rank_only()                                   # warm
        rerank.append(median_ms(rank_only, args.repeats))

        def post(path: str, htmx: bool, form=form, formulation=formulation):
            headers = {"HX-Request": "true", "HX-Target": "results"} if htmx else {}
            response = client.post(path, data=form, headers=headers)
            assert response.status_code == 200 and formulation.candidates[0].name in response.text
        redraw.append(median_ms(lambda: post("/case", True), args.repeats))
        follow.append(median_ms(lambda: post("/case/follow-ups", True), args.repeats))
        whole.append(median_ms(lambda: post("/case", False), args.repeats))
    print(f"{args.cases} synthetic cases of about {args.facts} facts (median {statistics.median(facts):.0f}), "
          f"{args.repeats} repeats each, one process")
    print(f"re-rank (form -> case -> formulate):          {summary(rerank)}")
    print(f"redraw, POST /case from htmx (page rendered): {summary(redraw)}")
    print(f"then POST /case/follow-ups (value of info.):  {summary(follow)}")
    print(f"no script: POST /case, everything at once:    {summary(whole)}")


if __name__ == "__main__":
    main()
