"""The classroom's database and store (issue: a class exercise in the browser).

Migrations build the schema schema.py describes; an answer is replaced only
while the exercise is open, and says so; a trainee's secret reaches only
their own answers in their own exercise; the class's figures are `exercise
grade`'s on the exported CSV; the CSV's cells are neutralised as `exercise
grade`'s are.
"""
from __future__ import annotations

import csv
import io
import json

import pytest

pytest.importorskip("sqlalchemy", reason="the classroom needs SQLAlchemy (pip install '.[test]')")
pytest.importorskip("alembic", reason="the classroom needs alembic (pip install '.[test]')")

from ipt_expert.classroom import db, grader, store

VIGNETTES = ["grief-01-widower-early", "transition-01-divorce-not-grief", "two-area-02-death-and-sister-dispute"]


@pytest.fixture(scope="module")
def the_grader():
    return grader.Grader()


@pytest.fixture
def engine(tmp_path):
    engine = db.open_database(f"sqlite:///{tmp_path / 'class.sqlite3'}")
    yield engine
    engine.dispose()


def test_migrations_build_the_schema_described(engine):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from ipt_expert.classroom.schema import metadata

    assert db.current_revision(engine) == "0001"
    db.migrate(engine)                                   # a second start changes nothing
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), metadata)
        assert [d for d in diff if d[0] not in ("add_constraint", "remove_constraint")] == []
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2       # FULL


def test_default_database_is_in_the_user_data_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    url = db.normalise_url(None)
    assert url.startswith("sqlite:///") and str(tmp_path) in url and url.endswith("classroom.sqlite3")
    assert db.normalise_url("postgresql://u@h/d") == "postgresql+psycopg://u@h/d"
    with pytest.raises(ValueError):
        db.make_engine("sqlite://")


def test_an_answer_is_replaced_only_while_open(engine, the_grader):
    exercise = store.create_exercise(engine, "Week 3", VIGNETTES, school="strict")
    assert len(exercise.join_code) == store.JOIN_CODE_LENGTH and exercise.is_open
    assert store.exercise_by_join_code(engine, exercise.join_code.lower()).id == exercise.id
    alice, _secret = store.join(engine, exercise, "Alice")
    with pytest.raises(store.NameTaken):
        store.join(engine, exercise, "  alice ")          # one name, once per exercise
    assert store.submit(engine, exercise.id, alice, VIGNETTES[0], "grief", "", "first", None) == \
        {"replaced": False, "revision": 1}
    assert store.submit(engine, exercise.id, alice, VIGNETTES[0], "role_transition", "", "second", True) == \
        {"replaced": True, "revision": 2}
    [row] = store.answers_of(engine, alice)
    assert (row.primary_area, row.rationale, row.safety_first) == ("role_transition", "second", True)
    with pytest.raises(store.StoreError):
        store.submit(engine, exercise.id, alice, "not-in-the-exercise", "grief", "", "", None)
    store.set_open(engine, exercise.id, False)
    with pytest.raises(store.Closed):
        store.submit(engine, exercise.id, alice, VIGNETTES[0], "grief", "", "third", None)
    with pytest.raises(store.Closed):
        store.join(engine, store.get_exercise(engine, exercise.id), "Bob")
    assert store.answers_of(engine, alice)[0].rationale == "second"
    store.set_open(engine, exercise.id, True)
    assert store.submit(engine, exercise.id, alice, VIGNETTES[0], "grief", "", "third", None)["replaced"]


def test_a_secret_reaches_only_its_own_trainee_and_exercise(engine):
    one = store.create_exercise(engine, "One", VIGNETTES, school="strict")
    two = store.create_exercise(engine, "Two", VIGNETTES, school="strict")
    alice, alice_secret = store.join(engine, one, "Alice")
    bob, bob_secret = store.join(engine, one, "Bob")
    assert store.trainee_for(engine, one.id, alice_secret) == alice
    assert store.trainee_for(engine, one.id, bob_secret) == bob
    assert store.trainee_for(engine, two.id, alice_secret) is None
    assert store.trainee_for(engine, one.id, alice_secret + "x") is None
    assert store.trainee_for(engine, one.id, "") is None
    with pytest.raises(store.NotFound):
        store.submit(engine, two.id, alice, VIGNETTES[0], "grief", "", "", None)
    store.submit(engine, one.id, bob, VIGNETTES[0], "grief", "", "bob's", None)
    assert store.answers_of(engine, alice) == []


def test_names_and_titles_are_cleaned_and_bounded(engine):
    with pytest.raises(store.StoreError):
        store.clean_name(" \x00\u202e ")
    with pytest.raises(store.StoreError):
        store.clean_name("x" * 200)
    assert store.clean_name("Ann\u202e\tLee") == "Ann Lee"
    with pytest.raises(store.StoreError):
        store.create_exercise(engine, "x" * 300, VIGNETTES, school="strict")
    with pytest.raises(store.StoreError):
        store.create_exercise(engine, "t", VIGNETTES, school="strict", feedback="never")


def test_class_figures_are_exercise_grades_on_the_exported_csv(engine, the_grader, run_cli, tmp_path):
    exercise = store.create_exercise(engine, "Week 3", VIGNETTES, school="strict")
    choices = [("grief", "role_transition", "grief"), ("grief", "grief", "role_dispute"),
               ("interpersonal_deficits", "role_transition", "grief"), ("grief", "role_transition", "grief")]
    names = ["Alice", "=HYPERLINK(\"http://x\")", "<b>Bob</b>", "Dee"]
    for name, chosen in zip(names, choices, strict=True):
        trainee, _ = store.join(engine, exercise, name)
        for vignette, area in zip(VIGNETTES, chosen, strict=True):
            store.submit(engine, exercise.id, trainee, vignette, area, "", f"@SUM(1) {name}", None)
    rows = store.class_answers(engine, exercise)
    roster = store.roster(engine, exercise.id)
    results = the_grader.results(exercise, rows, roster, store.version(engine, exercise.id))
    exported = grader.answers_csv(rows)
    cells = [cell for row in csv.reader(io.StringIO(exported)) for cell in row]
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)       # neutralised
    sheet = tmp_path / "answers.csv"
    sheet.write_text(exported, encoding="utf-8")
    out = tmp_path / "graded"
    result = run_cli("exercise", "grade", str(sheet), "-o", str(out))
    assert result.code == 0, result.err
    on_disk = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    ours = grader.summary(exercise, results)
    for key in ("trainees", "vignettes", "answers_graded", "mean_percent", "median_percent", "full_share",
                "mean_cohen_kappa", "school"):
        assert ours[key] == on_disk[key], key
    agreement = list(csv.DictReader(io.StringIO((out / "tables" / "agreement.csv").read_text(encoding="utf-8"))))
    assert [str(row["fleiss_kappa"]) for row in ours["agreement"]] == [row["fleiss_kappa"] for row in agreement]
    assert [str(row["gwet_ac1"]) for row in ours["agreement"]] == [row["gwet_ac1"] for row in agreement]
    book = list(csv.DictReader(io.StringIO(grader.gradebook_csv(exercise, roster, results))))
    assert [row["trainee"] for row in book] == ["Alice", "'=HYPERLINK(\"http://x\")", "<b>Bob</b>", "Dee"]
    points = dict(zip(results.cohort.trainees["trainee"], results.cohort.trainees["score"], strict=True))
    for row in book:
        assert float(row["score"]) == round(100 * points[row["trainee"]] / len(VIGNETTES), 1)
        assert row["out_of"] == "3" and row["answered"] == "3"
    assert float(book[0]["score"]) == round(100 * 2.75 / 3, 1)      # the two-area key half named: 0.75
    anonymous = the_grader.results(exercise, rows, roster, store.version(engine, exercise.id), anonymous=True)
    assert list(anonymous.cohort.trainees["trainee"].sort_values()) == [f"Trainee {n}" for n in range(1, 5)]
    assert anonymous.cohort.figures["mean_percent"] == results.cohort.figures["mean_percent"]


def test_feedback_is_checks(the_grader, kb):
    from ipt_expert.case.loading import load_case
    from ipt_expert.io.resources import shipped_vignettes_dir
    from ipt_expert.reasoning.formulation import formulate
    from ipt_expert.training.check import check_answer

    case = load_case(str(shipped_vignettes_dir() / f"{VIGNETTES[0]}.yaml"))
    expected = check_answer(case, formulate(case, kb, "strict"), ["grief"], "his wife died")
    ours = the_grader.feedback(VIGNETTES[0], the_grader.areas("grief", ""), "his wife died", "strict")
    assert ours["credit"] == expected.credit and ours["verdict"] == expected.verdict
    with pytest.raises(store.StoreError):
        the_grader.areas("griefish", "")
    with pytest.raises(store.StoreError):
        the_grader.check_vignettes(["../../etc/passwd"])


def test_live_pages_may_show_results_a_few_seconds_old(engine, the_grader):
    exercise = store.create_exercise(engine, "Live", VIGNETTES, school="strict")
    alice, _ = store.join(engine, exercise, "Alice")
    store.submit(engine, exercise.id, alice, VIGNETTES[0], "grief", "", "", None)
    first_version = store.version(engine, exercise.id)
    first = the_grader.results(exercise, store.class_answers(engine, exercise), store.roster(engine, exercise.id),
                               first_version)
    assert first.version == first_version
    store.submit(engine, exercise.id, alice, VIGNETTES[1], "grief", "", "", None)
    now = store.version(engine, exercise.id)
    assert now != first_version
    assert the_grader.recent(exercise, now) is None                       # exact: regrade
    assert the_grader.recent(exercise, now, max_age=60) is first          # live: a few seconds old will do
    fresh = the_grader.results(exercise, store.class_answers(engine, exercise), store.roster(engine, exercise.id), now)
    assert fresh.cohort.figures["answers_graded"] == 2


def test_the_grader_has_an_engine_of_its_own(the_grader):
    """The classroom's grader and the web pages run in one process, each under its own lock: an experta
    engine shared between them could be reset by one thread while the other fires it."""
    from ipt_expert.reasoning.engine import reasoner_for
    from ipt_expert.web import library as web_library

    shared = web_library.knowledge_base()
    assert the_grader.kb.rules is shared.rules               # the same rules, not read twice
    assert reasoner_for(the_grader.kb) is not reasoner_for(shared)
