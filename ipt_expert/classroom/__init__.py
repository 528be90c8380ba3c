"""A class exercise in the browser: the educator's dashboard and the trainees' answers, in a database.

* library.py   every import of the rest of ipt_expert, in one place
* db.py        the engine (SQLite in WAL mode by default, any SQLAlchemy URL), migrations on start
* schema.py    the tables (alembic's migrations in migrations/ create them)
* store.py     exercises, trainees and answers: each change one committed transaction
* grader.py    feedback and the class's figures, from the same library functions as `exercise grade`
* web.py       the pages and the API (Starlette routes); responses.py what they answer with
* app.py       create_app(settings): the web layer's app with the classroom's routes (what `serve` runs)

May import: every layer below it (``io`` to ``web``); library code through library.py.
"""
