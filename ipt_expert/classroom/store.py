"""Exercises, trainees and answers in the database; every change is one committed transaction.

A function that changes something returns only after its transaction has
committed, so whatever the web layer acknowledges is in the database.
A trainee is known by a random secret (only its SHA-256 is stored) that
belongs to one exercise: no secret reaches another trainee's answers or
another exercise.
"""
from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError

from ipt_expert.classroom.db import reading, writing
from ipt_expert.classroom.library import MAX_TRAINEE, clean_text
from ipt_expert.classroom.schema import answers, exercises, trainees

JOIN_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"     # no 0/O, 1/I: read off a projector
JOIN_CODE_LENGTH = 6
MAX_NAME = MAX_TRAINEE - 1      # a sheet keeps 120; a formula-like name gains a quote in the CSV
MAX_TITLE = 200
MAX_RATIONALE = 4000
FEEDBACK_MODES = ("each", "end")


class StoreError(Exception):
    """A request the store refuses; ``status`` is the HTTP status the web layer answers with."""

    status = 400

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message, self.field = message, field


class NotFound(StoreError):
    status = 404


class Closed(StoreError):
    status = 409


class NameTaken(StoreError):
    status = 409


@dataclass(frozen=True)
class Exercise:
    id: str
    join_code: str
    title: str
    vignettes: tuple
    feedback: str
    school: str
    is_open: bool
    created_at: datetime
    closed_at: datetime | None

    @classmethod
    def from_row(cls, row) -> Exercise:
        return cls(row.id, row.join_code, row.title, tuple(json.loads(row.vignettes)), row.feedback, row.school,
                   bool(row.is_open), row.created_at, row.closed_at)

    def public(self) -> dict:
        """What the API shows an educator."""
        return {"id": self.id, "join_code": self.join_code, "title": self.title, "vignettes": list(self.vignettes),
                "feedback": self.feedback, "school": self.school, "open": self.is_open}


@dataclass(frozen=True)
class Trainee:
    id: int
    exercise_id: str
    name: str


def _now() -> datetime:
    return datetime.now(timezone.utc)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def clean_name(name: str) -> str:
    """A display name as `exercise grade` reads it from a sheet: one line, control characters dropped."""
    name = clean_text(name or "")
    if not name:
        raise StoreError("give a display name (any name your educator will recognise; no e-mail)", "trainee")
    if len(name) > MAX_NAME:
        raise StoreError(f"a display name has at most {MAX_NAME} characters", "trainee")
    return name


def clean_title(title: str) -> str:
    title = clean_text(title or "")
    if not title:
        raise StoreError("give the exercise a title", "title")
    if len(title) > MAX_TITLE:
        raise StoreError(f"a title has at most {MAX_TITLE} characters", "title")
    return title


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


def normalise_join_code(code: str) -> str:
    return (code or "").strip().upper().replace("-", "").replace(" ", "")[:16]


def create_exercise(engine, title: str, vignettes: list, *, feedback: str = "each", school: str) -> Exercise:
    """A new, open exercise; ``vignettes`` are ids the caller has checked against the library."""
    title = clean_title(title)
    if feedback not in FEEDBACK_MODES:
        raise StoreError(f"feedback is one of {', '.join(FEEDBACK_MODES)}", "feedback")
    if not vignettes:
        raise StoreError("choose at least one vignette", "vignettes")
    for _attempt in range(20):
        values = {"id": secrets.token_urlsafe(12), "join_code": new_join_code(), "title": title,
                  "vignettes": json.dumps(list(vignettes)), "feedback": feedback, "school": school,
                  "is_open": True, "created_at": _now(), "closed_at": None}
        try:
            with writing(engine) as connection:
                connection.execute(insert(exercises).values(**values))
        except IntegrityError:
            continue        # a join code already in use: draw another
        return get_exercise(engine, values["id"])
    raise StoreError("could not find a free join code; try again")   # pragma: no cover


def get_exercise(engine, exercise_id: str) -> Exercise:
    with reading(engine) as connection:
        row = connection.execute(select(exercises).where(exercises.c.id == str(exercise_id)[:32])).first()
    if row is None:
        raise NotFound("no such exercise")
    return Exercise.from_row(row)


def exercise_by_join_code(engine, code: str) -> Exercise:
    with reading(engine) as connection:
        row = connection.execute(select(exercises).where(exercises.c.join_code == normalise_join_code(code))).first()
    if row is None:
        raise NotFound("no exercise has this join code; check it on the projector")
    return Exercise.from_row(row)


def list_exercises(engine) -> list:
    """Every exercise, newest first, with its counts of trainees and answers."""
    counts_t = select(trainees.c.exercise_id, func.count().label("n")).group_by(trainees.c.exercise_id).subquery()
    counts_a = select(answers.c.exercise_id, func.count().label("n")).group_by(answers.c.exercise_id).subquery()
    query = (select(exercises, func.coalesce(counts_t.c.n, 0).label("trainee_count"),
                    func.coalesce(counts_a.c.n, 0).label("answer_count"))
             .outerjoin(counts_t, counts_t.c.exercise_id == exercises.c.id)
             .outerjoin(counts_a, counts_a.c.exercise_id == exercises.c.id)
             .order_by(exercises.c.created_at.desc()))
    with reading(engine) as connection:
        return [(Exercise.from_row(row), row.trainee_count, row.answer_count) for row in connection.execute(query)]


def set_open(engine, exercise_id: str, is_open: bool) -> Exercise:
    with writing(engine) as connection:
        done = connection.execute(update(exercises).where(exercises.c.id == exercise_id)
                                  .values(is_open=is_open, closed_at=None if is_open else _now()))
        if done.rowcount == 0:
            raise NotFound("no such exercise")
    return get_exercise(engine, exercise_id)


def join(engine, exercise: Exercise, name: str) -> tuple:
    """(Trainee, secret) for a new trainee of an open exercise; a name is taken once per exercise."""
    name = clean_name(name)
    if not exercise.is_open:
        raise Closed("this exercise is closed; ask your educator to reopen it")
    token = secrets.token_urlsafe(32)
    try:
        with writing(engine) as connection:
            result = connection.execute(insert(trainees).values(
                exercise_id=exercise.id, token_hash=token_hash(token), name=name, name_key=name.casefold(),
                joined_at=_now()))
            trainee_id = result.inserted_primary_key[0]
    except IntegrityError as exc:
        raise NameTaken("someone in this exercise already uses this name; add an initial or a number",
                        "trainee") from exc
    return Trainee(trainee_id, exercise.id, name), token


def trainee_for(engine, exercise_id: str, token: str | None) -> Trainee | None:
    """The trainee whose secret this is, in this exercise only; None for no or a wrong secret."""
    if not token or len(token) > 200:
        return None
    with reading(engine) as connection:
        row = connection.execute(select(trainees.c.id, trainees.c.exercise_id, trainees.c.name).where(
            trainees.c.token_hash == token_hash(token), trainees.c.exercise_id == exercise_id)).first()
    return Trainee(row.id, row.exercise_id, row.name) if row else None


def submit(engine, exercise_id: str, trainee: Trainee, vignette: str, primary: str, secondary: str,
           rationale: str, safety_first: bool | None) -> dict:
    """Store (or, while the exercise is open, replace) a trainee's answer; committed when this returns.

    {"replaced": bool, "revision": n}.  Refused (Closed) once the exercise is closed.
    """
    if trainee.exercise_id != exercise_id:
        raise NotFound("no such trainee in this exercise")
    values = {"primary_area": primary, "secondary_area": secondary, "rationale": rationale,
              "safety_first": safety_first, "submitted_at": _now()}
    for _attempt in range(3):
        try:
            with writing(engine) as connection:
                row = connection.execute(select(exercises.c.is_open, exercises.c.vignettes)
                                         .where(exercises.c.id == exercise_id)).first()
                if row is None:
                    raise NotFound("no such exercise")
                if not row.is_open:
                    raise Closed("this exercise is closed: answers are no longer taken or replaced")
                if vignette not in json.loads(row.vignettes):
                    raise StoreError("this vignette is not part of the exercise", "vignette")
                where = (answers.c.trainee_id == trainee.id) & (answers.c.vignette == vignette)
                earlier = connection.execute(select(answers.c.id, answers.c.revision).where(where)).first()
                if earlier is None:
                    connection.execute(insert(answers).values(exercise_id=exercise_id, trainee_id=trainee.id,
                                                              vignette=vignette, revision=1, **values))
                    return {"replaced": False, "revision": 1}
                connection.execute(update(answers).where(answers.c.id == earlier.id)
                                   .values(revision=earlier.revision + 1, **values))
                return {"replaced": True, "revision": earlier.revision + 1}
        except IntegrityError:
            continue     # the same trainee's two submissions raced to insert: the retry replaces
    raise StoreError("the answer could not be stored; send it again")   # pragma: no cover


def answers_of(engine, trainee: Trainee) -> list:
    """One trainee's answers (rows with vignette, primary_area, ...), oldest first."""
    with reading(engine) as connection:
        return list(connection.execute(select(answers).where(answers.c.trainee_id == trainee.id)
                                       .order_by(answers.c.id)))


def roster(engine, exercise_id: str) -> list:
    """The exercise's trainees in the order they joined: (number, Trainee), numbered from 1."""
    with reading(engine) as connection:
        rows = connection.execute(select(trainees.c.id, trainees.c.name).where(trainees.c.exercise_id == exercise_id)
                                  .order_by(trainees.c.id))
        return [(n, Trainee(r.id, exercise_id, r.name)) for n, r in enumerate(rows, start=1)]


def class_answers(engine, exercise: Exercise) -> list:
    """Every answer of the exercise as dicts: trainees in the order they joined, vignettes in the exercise's."""
    order = {v: i for i, v in enumerate(exercise.vignettes)}
    query = (select(answers, trainees.c.name.label("trainee"))
             .join(trainees, trainees.c.id == answers.c.trainee_id)
             .where(answers.c.exercise_id == exercise.id))
    with reading(engine) as connection:
        rows = [row._asdict() for row in connection.execute(query)]
    rows.sort(key=lambda r: (r["trainee_id"], order.get(r["vignette"], len(order)), r["id"]))
    return rows


def version(engine, exercise_id: str) -> tuple:
    """Changes whenever an answer is added or replaced, or a trainee joins: the dashboard's cache key."""
    with reading(engine) as connection:
        a = connection.execute(select(func.count(), func.coalesce(func.sum(answers.c.revision), 0))
                               .where(answers.c.exercise_id == exercise_id)).one()
        t = connection.execute(select(func.count()).select_from(trainees)
                               .where(trainees.c.exercise_id == exercise_id)).scalar_one()
    return (int(a[0]), int(a[1]), int(t))
