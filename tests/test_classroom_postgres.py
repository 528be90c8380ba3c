"""The classroom on PostgreSQL: Debian's server started and stopped by the test (issue: a real database).

The same migrations and store functions as on SQLite, on a server in a
temporary folder on 127.0.0.1; skipped with the reason where no server can
start (no postgresql package, no psycopg).  .ci/run installs postgresql.
"""
from __future__ import annotations

import pytest

pytest.importorskip("sqlalchemy", reason="the classroom needs SQLAlchemy (pip install '.[test]')")

from classroom_postgres import Unavailable, postgres_url

from ipt_expert.classroom import db, grader, store

VIGNETTES = ["grief-01-widower-early", "transition-01-divorce-not-grief"]


@pytest.fixture(scope="module")
def pg_engine():
    try:
        context = postgres_url()
        url = context.__enter__()
    except Unavailable as exc:
        pytest.skip(f"no PostgreSQL for the classroom's test: {exc}")
    engine = db.open_database(url)
    yield engine
    engine.dispose()
    context.__exit__(None, None, None)


def test_the_store_on_postgresql(pg_engine):
    from concurrent.futures import ThreadPoolExecutor

    assert pg_engine.dialect.name == "postgresql"
    assert db.current_revision(pg_engine) == "0001"
    db.migrate(pg_engine)
    exercise = store.create_exercise(pg_engine, "On PostgreSQL", VIGNETTES, school="strict")
    people = [store.join(pg_engine, exercise, f"Trainee {n}") for n in range(8)]
    with pytest.raises(store.NameTaken):
        store.join(pg_engine, exercise, "trainee 0")

    def answer(pair):
        trainee, _ = pair
        return [store.submit(pg_engine, exercise.id, trainee, v, "grief", "", f"{trainee.name} {v}", None)
                for v in VIGNETTES]
    with ThreadPoolExecutor(4) as pool:
        done = list(pool.map(answer, people))
    assert all(not r["replaced"] for rs in done for r in rs)
    assert store.submit(pg_engine, exercise.id, people[0][0], VIGNETTES[0], "role_transition", "", "again",
                        True) == {"replaced": True, "revision": 2}
    assert store.trainee_for(pg_engine, exercise.id, people[1][1]) == people[1][0]
    rows = store.class_answers(pg_engine, exercise)
    assert len(rows) == 16 and len({(r["trainee"], r["vignette"]) for r in rows}) == 16
    results = grader.Grader().results(exercise, rows, store.roster(pg_engine, exercise.id),
                                      store.version(pg_engine, exercise.id))
    assert results.cohort.figures["answers_graded"] == 16
    store.set_open(pg_engine, exercise.id, False)
    with pytest.raises(store.Closed):
        store.submit(pg_engine, exercise.id, people[0][0], VIGNETTES[0], "grief", "", "", None)
