"""The class board's database: the rules, the abuse cases, durability and damaged files.

Every test of the rules runs against SQLite and, where ``$SIAMESE_TEST_DATABASE_URL`` names a
PostgreSQL server (``.ci/run`` starts one), against PostgreSQL too.
"""

import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
import threading

import numpy as np
import pytest

from siamese.classroom.codes import (
    CODE_ALPHABET,
    display_code,
    key_hash,
    new_class_code,
    new_student_token,
    normalise_code,
    student_token,
)
from siamese.classroom.store import (
    MAX_DRAWINGS_PER_STUDENT,
    ClassRuleError,
    ClassStore,
    ClassStoreError,
    sqlite_url,
)
from tests.conftest import REPOSITORY, postgres_url


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    if request.param == "sqlite":
        return ClassStore(sqlite_url(tmp_path / "classes.sqlite"))
    return ClassStore(postgres_url())


def _drawing(seed: int = 0) -> np.ndarray:
    image = np.zeros((28, 28), dtype=np.uint8)
    image[6:22, 12 + seed % 4 : 16 + seed % 4] = 255
    return image


def test_codes_are_unambiguous_and_typed_forgivingly():
    code = new_class_code()
    assert len(code) == 6 and set(code) <= set(CODE_ALPHABET)
    assert not set("O0I1L5S8B") & set(CODE_ALPHABET)
    assert normalise_code(f" {display_code(code).lower()} ") == code
    with pytest.raises(ValueError, match="6 letters and digits"):
        normalise_code("ABC-DE0")


def test_a_class_takes_drawings_and_tells_its_counts(store):
    code, key = store.start_class()
    first = store.add_drawing(code, student="s1", digit=3, image=_drawing(), now=100.0)
    second = store.add_drawing(code, student="s2", digit=7, image=_drawing(1), nickname="Ana", now=100.5)
    assert second > first
    info = store.class_info(code)
    assert (info.is_open, info.drawings, info.students) == (True, 2, 2)
    drawings = store.drawings(code)
    assert drawings.digits.tolist() == [3, 7] and drawings.nicknames == (None, "Ana")
    np.testing.assert_array_equal(drawings.images[0], _drawing())
    assert store.is_teacher(code, key)


def test_a_wrong_code_and_a_forged_key_are_refused(store):
    code, key = store.start_class()
    with pytest.raises(ClassRuleError, match="no class with that code"):
        store.add_drawing("ZZZZZZ", student="s", digit=1, image=_drawing())
    assert store.class_info("ZZZZZZ") is None
    forged = key[:-1] + ("A" if key[-1] != "A" else "B")
    assert not store.is_teacher(code, forged) and not store.is_teacher(code, "")
    for action in (lambda: store.clear(code, forged), lambda: store.close_class(code, forged)):
        with pytest.raises(ClassRuleError, match="does not open this class"):
            action()
    for action in (lambda: store.reopen_class(code, forged), lambda: store.delete_class(code, forged)):
        with pytest.raises(ClassRuleError, match="does not open this class"):
            action()
    assert store.class_info(code).is_open


def test_only_a_hash_of_the_teacher_key_is_kept(tmp_path):
    store = ClassStore(sqlite_url(tmp_path / "classes.sqlite"))
    code, key = store.start_class()
    contents = (tmp_path / "classes.sqlite").read_bytes() + (tmp_path / "classes.sqlite-wal").read_bytes()
    assert key.encode() not in contents and key_hash(key).encode() in contents


def test_nicknames_are_short_plain_text(store):
    code, _ = store.start_class()
    with pytest.raises(ClassRuleError, match="at most 24"):
        store.add_drawing(code, student="s", digit=1, image=_drawing(), nickname="x" * 10_000)
    store.add_drawing(code, student="s", digit=1, image=_drawing(), nickname="<script>alert(1)</script>"[:24])
    assert store.drawings(code).nicknames == ("<script>alert(1)</script"[:24],)


def test_a_blank_canvas_or_an_unknown_digit_is_refused(store):
    code, _ = store.start_class()
    with pytest.raises(ClassRuleError, match="empty"):
        store.add_drawing(code, student="s", digit=1, image=np.zeros((28, 28), np.uint8))
    for digit in (-1, 10, True):
        with pytest.raises(ClassRuleError, match="0 to 9"):
            store.add_drawing(code, student="s", digit=digit, image=_drawing())
    assert store.class_info(code).drawings == 0


def test_one_drawing_a_second_and_at_most_200_per_student(store):
    code, _ = store.start_class()
    store.add_drawing(code, student="quick", digit=1, image=_drawing(), now=10.0)
    with pytest.raises(ClassRuleError, match="one drawing a second"):
        store.add_drawing(code, student="quick", digit=1, image=_drawing(), now=10.4)
    store.add_drawing(code, student="someone else", digit=1, image=_drawing(), now=10.4)  # others are not held up
    for number in range(1, MAX_DRAWINGS_PER_STUDENT):
        store.add_drawing(code, student="quick", digit=number % 10, image=_drawing(number), now=11.0 + number)
    with pytest.raises(ClassRuleError, match="sent 200 drawings"):
        store.add_drawing(code, student="quick", digit=1, image=_drawing(), now=10_000.0)
    assert store.class_info(code).drawings == MAX_DRAWINGS_PER_STUDENT + 1


def test_nothing_is_taken_after_the_class_is_closed(store):
    code, key = store.start_class()
    store.add_drawing(code, student="s", digit=4, image=_drawing(), now=1.0)
    store.close_class(code, key)
    with pytest.raises(ClassRuleError, match="closed this class"):
        store.add_drawing(code, student="s", digit=4, image=_drawing(), now=5.0)
    info = store.class_info(code)
    assert not info.is_open and info.drawings == 1  # the board is kept


def test_two_teachers_clearing_at_once_leave_an_empty_board(store):
    code, key = store.start_class()
    for number in range(30):
        store.add_drawing(code, student=f"s{number}", digit=number % 10, image=_drawing(number))
    cleared, failures = [], []

    def clear():
        try:
            cleared.append(store.clear(code, key))
        except Exception as error:  # any failure is the test's to report
            failures.append(repr(error))

    threads = [threading.Thread(target=clear) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert failures == [] and sorted(cleared) == [0, 30]  # one cleared the board, the other found it empty
    assert store.class_info(code).drawings == 0


def test_a_teacher_deletes_one_drawing(store):
    code, key = store.start_class()
    keep = store.add_drawing(code, student="a", digit=1, image=_drawing(), now=1.0)
    drop = store.add_drawing(code, student="b", digit=2, image=_drawing(), now=1.0)
    assert store.delete_drawing(code, key, drop) and not store.delete_drawing(code, key, drop)
    assert store.drawings(code).ids.tolist() == [keep]


def test_a_closed_class_is_reopened_by_its_teacher(store):
    code, key = store.start_class()
    store.close_class(code, key, now=50.0)
    assert store.class_info(code).closed_at == 50.0
    store.reopen_class(code, key)
    info = store.class_info(code)
    assert info.is_open and info.closed_at is None
    store.add_drawing(code, student="s", digit=4, image=_drawing(), now=60.0)  # students can send again
    assert store.class_info(code).drawings == 1


def test_a_teacher_deletes_the_class_and_its_drawings_at_once(store):
    code, key = store.start_class()
    other, _ = store.start_class()
    for number in range(3):
        store.add_drawing(code, student=f"s{number}", digit=number, image=_drawing(number))
    store.add_drawing(other, student="s", digit=1, image=_drawing())
    assert store.delete_class(code, key) == 3
    assert store.class_info(code) is None and not store.is_teacher(code, key)
    with pytest.raises(ClassRuleError, match="no class with that code"):
        store.add_drawing(code, student="s9", digit=1, image=_drawing())
    assert store.class_info(other).drawings == 1  # another class is untouched


def test_closed_classes_are_forgotten_after_the_retention_and_open_ones_never(store):
    day = 86_400.0
    (old, old_key), (recent, recent_key), (still_open, _) = (store.start_class(now=0.0) for _ in range(3))
    for code in (old, recent, still_open):
        store.add_drawing(code, student="s", digit=1, image=_drawing(), now=1.0)
    store.close_class(old, old_key, now=10 * day)
    store.close_class(recent, recent_key, now=35 * day)
    # (A shared PostgreSQL may hold other tests' classes, so only these three are looked at.)
    assert store.forget_closed_classes(closed_before=41 * day - 30 * day) >= 1  # 30 days' retention, on day 41
    assert store.class_info(old) is None and not store.is_teacher(old, old_key)
    assert store.class_info(recent).drawings == 1 and store.class_info(still_open).drawings == 1
    store.forget_closed_classes(closed_before=36 * day)  # later on: the recently closed one goes too
    assert store.class_info(recent) is None and store.class_info(still_open).drawings == 1


def test_forgotten_classes_leave_no_drawing_behind(tmp_path):
    path = tmp_path / "classes.sqlite"
    store = ClassStore(sqlite_url(path))
    code, key = store.start_class()
    for number in range(5):
        store.add_drawing(code, student=f"s{number}", digit=number, image=_drawing(number), nickname="Ana")
    store.close_class(code, key, now=0.0)
    store.forget_closed_classes(closed_before=1.0)
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT count(*) FROM drawings").fetchone()[0] == 0
        assert connection.execute("SELECT count(*) FROM classes").fetchone()[0] == 0


def test_student_tokens_are_random_and_only_well_formed_ones_are_taken():
    tokens = {new_student_token() for _ in range(100)}
    assert len(tokens) == 100 and all(student_token(token) == token for token in tokens)
    for forged in ("", "x' OR 1=1 --", "A" * 32, "0" * 31, "0" * 33, None, 12):
        assert student_token(forged) is None


# ---------------------------------------------------------------- damaged databases (SQLite files)
def test_a_file_that_is_not_a_database_is_refused_and_left_as_it_is(tmp_path):
    path = tmp_path / "classes.sqlite"
    junk = os.urandom(4096)
    path.write_bytes(junk)
    with pytest.raises(ClassStoreError, match="is not a database"):
        ClassStore(sqlite_url(path))
    assert path.read_bytes() == junk


def test_a_database_of_something_else_is_not_touched(tmp_path):
    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE invoices (id INTEGER)")
    with pytest.raises(ClassStoreError, match="not a class database"):
        ClassStore(sqlite_url(path))
    with sqlite3.connect(path) as connection:
        assert [row[0] for row in connection.execute("SELECT name FROM sqlite_master")] == ["invoices"]


def test_a_database_from_a_newer_version_is_refused(tmp_path):
    path = tmp_path / "classes.sqlite"
    ClassStore(sqlite_url(path))
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE schema_version SET version = 99")
    with pytest.raises(ClassStoreError, match="newer version"):
        ClassStore(sqlite_url(path))


def test_a_read_only_database_says_so_when_written(tmp_path):
    path = tmp_path / "classes.sqlite"
    code, _ = ClassStore(sqlite_url(path)).start_class()
    # Opened read-only, as a file without write permission is (root may write to any file, so the
    # test asks SQLite itself for a read-only connection).
    read_only = ClassStore(f"sqlite:///file:{path}?mode=ro&uri=true")
    assert read_only.class_info(code).is_open  # reading still works
    with pytest.raises(ClassStoreError, match="is read-only"):
        read_only.add_drawing(code, student="s", digit=1, image=_drawing())


def test_a_locked_database_says_so(tmp_path):
    path = tmp_path / "classes.sqlite"
    store = ClassStore(sqlite_url(path))
    code, _ = store.start_class()
    holder = sqlite3.connect(path, timeout=0)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(ClassStoreError, match="is locked"):
            store.add_drawing(code, student="s", digit=1, image=_drawing())
    finally:
        holder.rollback()
        holder.close()
    store.add_drawing(code, student="s", digit=1, image=_drawing())  # and it works again once released


# ---------------------------------------------------------------- durability
WRITER = textwrap.dedent(
    """
    import sys
    import numpy as np
    from siamese.classroom.store import ClassStore
    store = ClassStore(sys.argv[1])
    code = sys.argv[2]
    image = np.zeros((28, 28), np.uint8)
    image[5:20, 10:14] = 255
    number = 0
    while True:
        number += 1
        drawing = store.add_drawing(code, student=f"s{number}", digit=number % 10, image=image)
        print(drawing, flush=True)  # acknowledged only after the commit returned
    """
)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_server_killed_mid_storm_loses_no_acknowledged_drawing(tmp_path, backend):
    url = sqlite_url(tmp_path / "classes.sqlite") if backend == "sqlite" else postgres_url()
    code, _ = ClassStore(url).start_class()
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, url, code], cwd=REPOSITORY, stdout=subprocess.PIPE, text=True
    )
    acknowledged = []
    for line in writer.stdout:
        acknowledged.append(int(line))
        if len(acknowledged) == 150:
            writer.kill()  # SIGKILL: no clean-up of any kind
            break
    writer.wait(timeout=30)
    stored = set(ClassStore(url).drawings(code).ids.tolist())
    assert set(acknowledged) <= stored
    if backend == "sqlite":
        shutil.copy(tmp_path / "classes.sqlite", tmp_path / "copy.sqlite")  # the file is a sound database
        with sqlite3.connect(tmp_path / "copy.sqlite") as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
