"""The classroom's database: an engine for any SQLAlchemy URL, and the migrations run on start.

SQLite is the default, in the user's data folder (platformdirs), in WAL mode
with ``synchronous=FULL``: a transaction is on disk when COMMIT returns, so an
answer acknowledged after its commit survives the server being killed.  Write
transactions on SQLite begin IMMEDIATE (the write lock taken at once, waited
for up to ``busy_timeout``), so two writers never deadlock upgrading a read
lock.  PostgreSQL works through psycopg 3 (``postgresql://`` URLs use it).
"""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
APP_NAME = "ipt-expert"
BUSY_TIMEOUT_MS = 30_000


def default_url() -> str:
    """sqlite:///…/classroom.sqlite3 in the user's data folder (created)."""
    import platformdirs

    folder = platformdirs.user_data_path(APP_NAME, appauthor=False)
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'classroom.sqlite3'}"


def normalise_url(url: str | None) -> str:
    """The URL SQLAlchemy should open: the default when None; postgresql:// through psycopg 3."""
    if not url:
        return default_url()
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def make_engine(url: str | None = None):
    from sqlalchemy import create_engine, event

    url = normalise_url(url)
    if url.startswith("sqlite"):
        if url in ("sqlite://", "sqlite:///:memory:"):
            raise ValueError("an in-memory SQLite database would lose every answer; give a file "
                             "(sqlite:///path/classroom.sqlite3)")
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
                               pool_size=8, max_overflow=8)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record):
            dbapi_connection.isolation_level = None      # SQLAlchemy's BEGIN below, not the driver's
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(connection):
            immediate = connection.get_execution_options().get("classroom_write", False)
            connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
        return engine
    return create_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True)


@contextmanager
def writing(engine):
    """A write transaction, committed on leaving (IMMEDIATE on SQLite)."""
    with engine.connect() as connection:
        connection = connection.execution_options(classroom_write=True)
        with connection.begin():
            yield connection


@contextmanager
def reading(engine):
    with engine.connect() as connection, connection.begin():
        yield connection


def migrate(engine) -> None:
    """Bring the schema to the newest migration (alembic, configured in code)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.connect() as connection:
        config.attributes["connection"] = connection.execution_options(classroom_write=True)
        command.upgrade(config, "head")
        connection.commit()


def current_revision(engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def open_database(url: str | None = None):
    """An engine on ``url`` (the default SQLite file when None), migrated to the newest schema."""
    engine = make_engine(url)
    migrate(engine)
    return engine


def describe(engine) -> str:
    """The URL without its password, for the start line and errors."""
    return engine.url.render_as_string(hide_password=True)
