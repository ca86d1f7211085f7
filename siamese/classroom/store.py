"""The class board's database: classes and their students' drawings, through SQLAlchemy Core.

SQLite by default (one file, WAL mode, full sync), or any SQLAlchemy URL, e.g. PostgreSQL for a
school running several app servers behind one load balancer. The schema is versioned in a table
of its own and created or upgraded when the store opens. Every write is one transaction and every
method that writes returns only after it committed, so a drawing acknowledged to a student
survives the server being killed.

The rules students meet are checked inside the same transaction as the write, so they hold across
servers: the class must exist and be open, one drawing a second and ``MAX_DRAWINGS_PER_STUDENT``
per student. Teacher actions need the class's teacher key (``class_codes``). A closed class can be
reopened; ``forget_closed_classes`` deletes the classes closed long enough ago, with their drawings.

Problems are ``ClassStoreError`` (the database cannot be used: not a database, locked, read-only,
from a newer version; one line for the page) or ``ClassRuleError`` (a request the rules refuse).
"""

import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from siamese.classroom.codes import display_code, key_hash, key_matches, new_class_code, new_teacher_key
from siamese.conventions import IMAGE_SHAPE, NUM_CLASSES

SCHEMA_VERSION = 1
MAX_DRAWINGS_PER_STUDENT = 200
SECONDS_BETWEEN_DRAWINGS = 1.0
MAX_NICKNAME_LENGTH = 24

_metadata = sa.MetaData()
_schema = sa.Table("schema_version", _metadata, sa.Column("version", sa.Integer, nullable=False))
_classes = sa.Table(
    "classes",
    _metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("code", sa.String(16), nullable=False, unique=True),
    sa.Column("teacher_key_hash", sa.String(64), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("closed_at", sa.Float, nullable=True),
)
_drawings = sa.Table(
    "drawings",
    _metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("class_id", sa.Integer, sa.ForeignKey("classes.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("student", sa.String(64), nullable=False),
    sa.Column("nickname", sa.String(MAX_NICKNAME_LENGTH), nullable=True),
    sa.Column("digit", sa.Integer, nullable=False),
    sa.Column("image", sa.LargeBinary, nullable=False),  # 28 x 28 uint8, row by row
    sa.Column("created_at", sa.Float, nullable=False),
)


class ClassStoreError(Exception):
    """The database can't be used; the message is one line for the page."""


class ClassRuleError(ValueError):
    """A request the class's rules refuse (closed class, too fast, wrong key...), said for the student."""


@dataclass(frozen=True, kw_only=True)
class ClassInfo:
    code: str
    is_open: bool
    closed_at: float | None  # seconds since the epoch; None while the class is open
    drawings: int
    students: int

    @property
    def shown_code(self) -> str:
        return display_code(self.code)


@dataclass(frozen=True, kw_only=True, eq=False)
class ClassDrawings:
    """A class's drawings, oldest first: ``ids``, ``digits`` (n,) int64, ``images`` (n, 28, 28) uint8, ..."""

    ids: np.ndarray
    students: np.ndarray
    nicknames: tuple[str | None, ...]
    digits: np.ndarray
    images: np.ndarray
    created_at: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)


def sqlite_url(path: str | Path) -> str:
    return f"sqlite:///{Path(path)}"


class ClassStore:
    """One database of classes; safe to share between threads (and, on PostgreSQL, between servers)."""

    def __init__(self, url: str):
        self.url = url
        self.where = _describe(url)
        try:
            self.engine = _engine(url)
            self._create_or_upgrade()
        except SQLAlchemyError as error:
            raise ClassStoreError(_problem(self.where, error)) from error

    # ---------------------------------------------------------------- the teacher's side
    def start_class(self, *, now: float | None = None) -> tuple[str, str]:
        """A new open class: ``(code, teacher key)``; the key is shown once and only its hash is kept."""
        key = new_teacher_key()
        for _ in range(10):  # a clash of random codes is rare; try another
            code = new_class_code()
            try:
                with self._writing() as connection:
                    connection.execute(
                        _classes.insert().values(code=code, teacher_key_hash=key_hash(key), created_at=_now(now))
                    )
                return code, key
            except IntegrityError:
                continue
        raise ClassStoreError("no free class code was found; try again")

    def is_teacher(self, code: str, key: str) -> bool:
        row = self._class_row(code)
        return row is not None and key_matches(key, row.teacher_key_hash)

    def close_class(self, code: str, key: str, *, now: float | None = None) -> None:
        with self._writing() as connection:
            row = self._teacher_row(connection, code, key)
            connection.execute(_classes.update().where(_classes.c.id == row.id).values(closed_at=_now(now)))

    def clear(self, code: str, key: str) -> int:
        """Delete every drawing of the class; returns how many went (0 when another teacher cleared first)."""
        with self._writing() as connection:
            row = self._teacher_row(connection, code, key)
            return connection.execute(_drawings.delete().where(_drawings.c.class_id == row.id)).rowcount

    def delete_drawing(self, code: str, key: str, drawing_id: int) -> bool:
        with self._writing() as connection:
            row = self._teacher_row(connection, code, key)
            deleted = connection.execute(
                _drawings.delete().where(_drawings.c.class_id == row.id, _drawings.c.id == int(drawing_id))
            )
            return deleted.rowcount == 1

    def reopen_class(self, code: str, key: str) -> None:
        """Students can send again; the class is no longer due to be forgotten."""
        with self._writing() as connection:
            row = self._teacher_row(connection, code, key)
            connection.execute(_classes.update().where(_classes.c.id == row.id).values(closed_at=None))

    def delete_class(self, code: str, key: str) -> int:
        """Delete the class and every drawing of it now; returns how many drawings went."""
        with self._writing() as connection:
            row = self._teacher_row(connection, code, key)
            return _delete_classes(connection, [row.id])

    def forget_closed_classes(self, *, closed_before: float) -> int:
        """Delete the classes closed before the time ``closed_before`` and their drawings; returns how many classes.

        The retention rule: a closed class and its drawings are kept for a while (the teacher may
        reopen or export it), then forgotten. Open classes are never forgotten.
        """
        with self._writing() as connection:
            ids = (
                connection.execute(
                    sa.select(_classes.c.id).where(
                        _classes.c.closed_at.is_not(None), _classes.c.closed_at < closed_before
                    )
                )
                .scalars()
                .all()
            )
            _delete_classes(connection, ids)
            return len(ids)

    # ---------------------------------------------------------------- the students' side
    def class_info(self, code: str) -> ClassInfo | None:
        row = self._class_row(code)
        if row is None:
            return None
        with self._reading() as connection:
            counts = connection.execute(
                sa.select(sa.func.count(), sa.func.count(sa.distinct(_drawings.c.student))).where(
                    _drawings.c.class_id == row.id
                )
            ).one()
        return ClassInfo(
            code=row.code,
            is_open=row.closed_at is None,
            closed_at=row.closed_at,
            drawings=counts[0],
            students=counts[1],
        )

    def add_drawing(
        self,
        code: str,
        *,
        student: str,
        digit: int,
        image: np.ndarray,
        nickname: str | None = None,
        now: float | None = None,
    ) -> int:
        """Store one drawing, committed; returns its id. ``ClassRuleError`` when the rules refuse it."""
        image = _checked_image(image)
        if isinstance(digit, bool) or not isinstance(digit, (int, np.integer)) or not 0 <= digit < NUM_CLASSES:
            raise ClassRuleError("choose the digit you meant, 0 to 9")
        nickname = _checked_nickname(nickname)
        now = _now(now)
        with self._writing() as connection:
            row = connection.execute(sa.select(_classes).where(_classes.c.code == code)).first()
            if row is None:
                raise ClassRuleError("there is no class with that code")
            if row.closed_at is not None:
                raise ClassRuleError("your teacher has closed this class")
            count, last = connection.execute(
                sa.select(sa.func.count(), sa.func.max(_drawings.c.created_at)).where(
                    _drawings.c.class_id == row.id, _drawings.c.student == student
                )
            ).one()
            if count >= MAX_DRAWINGS_PER_STUDENT:
                raise ClassRuleError(f"you have sent {MAX_DRAWINGS_PER_STUDENT} drawings, the most one student can")
            if last is not None and now - last < SECONDS_BETWEEN_DRAWINGS:
                raise ClassRuleError("one drawing a second, please: wait a moment and send it again")
            inserted = connection.execute(
                _drawings.insert().values(
                    class_id=row.id,
                    student=student,
                    nickname=nickname,
                    digit=int(digit),
                    image=image.tobytes(),
                    created_at=now,
                )
            )
            return int(inserted.inserted_primary_key[0])

    def drawings(self, code: str) -> ClassDrawings:
        row = self._class_row(code)
        if row is None:
            raise ClassRuleError("there is no class with that code")
        with self._reading() as connection:
            rows = connection.execute(
                sa.select(_drawings).where(_drawings.c.class_id == row.id).order_by(_drawings.c.id)
            ).all()
        images = np.frombuffer(b"".join(r.image for r in rows), dtype=np.uint8).reshape(-1, *IMAGE_SHAPE)
        return ClassDrawings(
            ids=np.array([r.id for r in rows], dtype=np.int64),
            students=np.array([r.student for r in rows], dtype=object),
            nicknames=tuple(r.nickname for r in rows),
            digits=np.array([r.digit for r in rows], dtype=np.int64),
            images=images.copy(),
            created_at=np.array([r.created_at for r in rows], dtype=np.float64),
        )

    # ---------------------------------------------------------------- internals
    def _class_row(self, code: str):
        with self._reading() as connection:
            return connection.execute(sa.select(_classes).where(_classes.c.code == code)).first()

    def _teacher_row(self, connection, code: str, key: str):
        row = connection.execute(sa.select(_classes).where(_classes.c.code == code)).first()
        if row is None or not key_matches(key, row.teacher_key_hash):
            raise ClassRuleError("that teacher key does not open this class")
        return row

    @contextmanager
    def _transaction(self):
        """A connection in one transaction, committed on leaving; database errors become one line."""
        try:
            with self.engine.begin() as connection:
                yield connection
        except IntegrityError:
            raise  # a clashing class code: start_class tries another
        except SQLAlchemyError as error:
            raise ClassStoreError(_problem(self.where, error)) from error

    _writing = _reading = _transaction

    def _create_or_upgrade(self) -> None:
        with self.engine.begin() as connection:
            inspector = sa.inspect(connection)
            if not inspector.has_table("schema_version"):
                if inspector.get_table_names():
                    raise ClassStoreError(f"{self.where} holds other tables; it is not a class database")
                _metadata.create_all(connection)
                connection.execute(_schema.insert().values(version=SCHEMA_VERSION))
                return
            version = connection.execute(sa.select(_schema.c.version)).scalar()
            if version is None or version > SCHEMA_VERSION:
                raise ClassStoreError(f"{self.where} was made by a newer version of the app (schema {version})")
            # Upgrades from older schema versions go here, one step each, when there are any.


def _delete_classes(connection, class_ids) -> int:
    """Delete classes and their drawings (explicitly: a SQLite connection may not enforce the cascade)."""
    if not class_ids:
        return 0
    drawings = connection.execute(_drawings.delete().where(_drawings.c.class_id.in_(class_ids))).rowcount
    connection.execute(_classes.delete().where(_classes.c.id.in_(class_ids)))
    return drawings


def _engine(url: str) -> sa.Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:" and not path.startswith("file:"):  # a file: URI names its own mode
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"timeout": 5.0})

        @sa.event.listens_for(engine, "connect")
        def _sqlite_settings(connection, _record):
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")  # readers never wait for the writer
            cursor.execute("PRAGMA synchronous=FULL")  # a commit is on disk before it is acknowledged
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=5000")
            cursor.close()

        return engine
    return sa.create_engine(url, pool_pre_ping=True)


def _problem(where: str, error: Exception) -> str:
    """One line saying why the database can't be used."""
    text = str(getattr(error, "orig", error)).lower()
    if "not a database" in text or "file is encrypted" in text or "malformed" in text:
        return f"{where} is not a database (the file is left as it is)"
    if "locked" in text or "busy" in text:
        return f"{where} is locked by another program; try again in a moment"
    if "readonly" in text or "read-only" in text or "read only" in text:
        return f"{where} is read-only, so no drawing can be stored"
    if "unable to open" in text or "could not connect" in text or "connection refused" in text:
        return f"{where} can't be opened or reached"
    first_line = (
        str(getattr(error, "orig", error)).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    )
    return f"{where} can't be used: {first_line[:200]}"


def _describe(url: str) -> str:
    if url.startswith("sqlite"):
        return f"the class database {url.split('///', 1)[-1]}"
    return f"the class database at {sa.engine.make_url(url).render_as_string(hide_password=True)}"


def _checked_image(image: np.ndarray) -> np.ndarray:
    image = np.asarray(image)
    if image.shape != IMAGE_SHAPE:
        raise ClassRuleError("a drawing must be a 28 x 28 picture")
    if image.dtype != np.uint8:
        if not np.isfinite(image).all() or image.min() < 0 or image.max() > 1:
            raise ClassRuleError("a drawing's pixels must be in [0, 1]")
        image = np.rint(image * 255).astype(np.uint8)
    if image.max() == 0:
        raise ClassRuleError("the canvas is empty: draw a digit first")
    return image


def _checked_nickname(nickname: str | None) -> str | None:
    if nickname is None:
        return None
    if not isinstance(nickname, str):
        raise ClassRuleError("a nickname must be text")
    nickname = " ".join(nickname.split())
    if len(nickname) > MAX_NICKNAME_LENGTH:
        raise ClassRuleError(f"a nickname can have at most {MAX_NICKNAME_LENGTH} characters")
    return nickname or None


def _now(now: float | None) -> float:
    return time.time() if now is None else float(now)
