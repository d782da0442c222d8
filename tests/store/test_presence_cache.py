"""The active codes in memory with a version (issue 13 item 4), on both engines."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
import yaml
from sqlalchemy import Engine, delete, insert, select, update

from omstilling import orgfile
from omstilling.store import presence as store
from omstilling.store.models import AbsenceRow, PresenceChange, PresenceState
from omstilling.store.organisation import import_organisation
from tests.conftest import mini_text

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


@pytest.fixture
def people(engine: Engine) -> list[str]:
    doc = yaml.safe_load(mini_text())
    org = orgfile.parse_data(doc).organisation
    import_organisation(engine, org, file_revision=None, actor="t")
    return sorted(org.employees)[:8]


def answers(presence: store.Presence, people: list[str], at: datetime) -> list[object]:
    return [
        (a.code, a.start, a.until) if (a := presence.active_absence(e, at)) else None
        for e in people
    ]


def test_many_questions_one_load_while_the_version_stays(engine: Engine, people: list[str]) -> None:
    store.set_absence(engine, people[0], "meeting", T0, T0 + timedelta(hours=1), actor="t", now=T0)
    cache = store.PresenceCache(engine, max_age=0.0)
    for minute in range(0, 50, 5):
        at = T0 + timedelta(minutes=minute)
        assert cache.at(at).active_absence(people[0], at) is not None
    assert cache.loads == 1


def test_a_write_in_this_process_is_seen_at_once(engine: Engine, people: list[str]) -> None:
    cache = store.PresenceCache(engine, max_age=3600.0)  # only a write makes it look again
    assert cache.at(T0).active_absence(people[1], T0) is None
    store.set_absence(engine, people[1], "sick", T0, None, actor="t", now=T0)
    assert cache.at(T0).active_absence(people[1], T0) is not None
    store.clear_absence(engine, people[1], now=T0 + timedelta(minutes=1))
    after = T0 + timedelta(minutes=2)
    assert cache.at(after).active_absence(people[1], after) is None


def test_a_write_is_seen_at_once_on_a_machine_that_just_started(
    engine: Engine, people: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """time.monotonic() counts from the machine's boot: "never checked" as 0.0 was only
    minutes ago on a fresh machine, and a write went unseen for max_age (it failed in CI
    machines' first hour)."""
    monkeypatch.setattr(store.time, "monotonic", lambda: 600.0)  # ten minutes after boot
    test_a_write_in_this_process_is_seen_at_once(engine, people)


def test_another_process_write_is_seen_by_its_version(engine: Engine, people: list[str]) -> None:
    """Rows and version written as another process would: no in-process notice."""
    cache = store.PresenceCache(engine, max_age=0.0)
    assert cache.at(T0).active_absence(people[2], T0) is None
    with engine.begin() as conn:
        conn.execute(
            insert(AbsenceRow).values(
                employee_id=people[2],
                code="course",
                starts_at=T0,
                until=None,
                note="",
                created_at=T0,
                created_by="other",
            )
        )
        conn.execute(update(PresenceState).values(version=PresenceState.version + 1))
    found = cache.at(T0 + timedelta(seconds=1)).active_absence(people[2], T0)
    assert found is not None and found.code == "course"
    assert cache.loads == 2


def test_a_moment_before_the_loaded_one_is_read_and_not_kept(
    engine: Engine, people: list[str]
) -> None:
    store.set_absence(engine, people[3], "meeting", T0, T0 + timedelta(hours=1), actor="t", now=T0)
    cache = store.PresenceCache(engine, max_age=0.0)
    later = T0 + timedelta(hours=3)
    assert cache.at(later).active_absence(people[3], later) is None
    assert cache.at(T0).active_absence(people[3], T0) is not None  # from the database
    assert cache.loads == 1


def test_the_cache_answers_as_a_fresh_load_after_random_writes(
    engine: Engine, people: list[str]
) -> None:
    """Random codes, clears, units away and back at random moments; after each, the
    cache and a fresh `load_presence` agree for every employee at several moments."""
    rng = random.Random(7)
    cache = store.PresenceCache(engine, max_age=0.0)
    now = T0
    units = ["jobcenter", "borgerservice"]
    for _ in range(40):
        now += timedelta(minutes=rng.randint(1, 40))
        who = rng.choice(people)
        kind = rng.random()
        if kind < 0.5:
            start = now + timedelta(minutes=rng.randint(-30, 60))
            until = start + timedelta(minutes=rng.randint(5, 180)) if rng.random() < 0.7 else None
            code = rng.choice(["meeting", "sick", "course", "available", "home"])
            store.set_absence(engine, who, code, start, until, actor="t", now=now)
        elif kind < 0.7:
            store.clear_absence(engine, who, now=now)
        elif kind < 0.85:
            until = now + timedelta(minutes=rng.randint(10, 120))
            store.unit_away(engine, rng.choice(units), now, until, actor="t", now=now)
        else:
            store.unit_back(engine, rng.choice(units), now)
        for ahead in (0, 7, 45):
            at = now + timedelta(minutes=ahead)
            cached = cache.at(at)
            with engine.connect() as conn:
                fresh = store.load_presence(conn, at)
            assert answers(cached, people, at) == answers(fresh, people, at)
            for unit in units:
                assert (cached.active_unit_away(unit, at) is None) == (
                    fresh.active_unit_away(unit, at) is None
                )


def test_a_change_reads_again_only_the_codes_it_touched(engine: Engine, people: list[str]) -> None:
    """Issue 15: a calendar poll writes all the time; each write made every process read
    every code again (180,000 of them at 5,000 feeds). The change log names whose codes
    moved, and the cache reads only theirs."""
    for who in people[:4]:
        store.set_absence(engine, who, "meeting", T0, T0 + timedelta(hours=2), actor="t", now=T0)
    cache = store.PresenceCache(engine, max_age=0.0)
    before = cache.at(T0)
    store.set_absence(engine, people[1], "sick", T0, None, actor="t", now=T0)
    store.unit_away(engine, "jobcenter", T0, T0 + timedelta(hours=1), actor="t", now=T0)
    after = cache.at(T0 + timedelta(minutes=1))
    assert (cache.loads, cache.updates) == (1, 1)
    assert answers(after, people, T0)[:4] == [
        ("meeting", T0, T0 + timedelta(hours=2)),
        ("sick", T0, None),
        ("meeting", T0, T0 + timedelta(hours=2)),
        ("meeting", T0, T0 + timedelta(hours=2)),
    ]
    assert after.active_unit_away("jobcenter", T0) is not None
    # The copy before the change is as it was (it may still be in a request's hands).
    assert answers(before, people, T0)[1] == ("meeting", T0, T0 + timedelta(hours=2))
    assert before.active_unit_away("jobcenter", T0) is None


def test_a_cache_behind_the_kept_log_reads_everything(engine: Engine, people: list[str]) -> None:
    """A version the log no longer reaches (pruned, or moved by a writer that keeps no
    log, as another program might) is never patched over: the cache reads all again."""
    cache = store.PresenceCache(engine, max_age=0.0)
    cache.at(T0)
    store.set_absence(engine, people[0], "course", T0, None, actor="t", now=T0)
    with engine.begin() as conn:
        conn.execute(delete(PresenceChange))  # as pruned
    found = cache.at(T0).active_absence(people[0], T0)
    assert found is not None and found.code == "course"
    assert (cache.loads, cache.updates) == (2, 0)


def test_too_many_changed_employees_read_everything(
    engine: Engine, people: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store, "MOST_CHANGED", 2)
    cache = store.PresenceCache(engine, max_age=0.0)
    cache.at(T0)
    for who in people[:3]:
        store.set_absence(engine, who, "home", T0, None, actor="t", now=T0)
    assert [a and a[0] for a in answers(cache.at(T0), people, T0)[:3]] == ["home"] * 3
    assert (cache.loads, cache.updates) == (2, 0)


def test_the_log_keeps_its_last_versions_only(
    engine: Engine, people: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store, "KEEP_CHANGES", 50)
    for n in range(230):
        store.set_absence(engine, people[n % 8], "meeting", T0, None, actor="t", now=T0)
    with engine.connect() as conn:
        version = store.presence_version(conn)
        kept = conn.execute(select(PresenceChange.version)).scalars().all()
    assert 1 < min(kept) <= version - 49 and max(kept) == version
    assert len(kept) < 150  # pruned every 100 versions, never below the last 50


def _another_process_sets(engine: Engine, who: str, code: str) -> None:
    """A code written as another process writes it: rows, version and change log, and no
    notice in this process."""
    with engine.begin() as conn:
        conn.execute(
            insert(AbsenceRow).values(
                employee_id=who,
                code=code,
                starts_at=T0,
                until=None,
                note="",
                created_at=T0,
                created_by="other",
            )
        )
        store.moved_on(conn, employees=[who])


def _until(check: Callable[[], bool], seconds: float = 10.0) -> None:
    import time

    deadline = time.monotonic() + seconds
    while not check() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert check(), "not in time"


def test_the_server_reads_another_process_change_off_the_question_path(
    engine: Engine, people: list[str]
) -> None:
    """With max_age > 0 (the server) another process's change is read on the cache's own
    thread: the question that finds the version moved is answered from the codes as they
    were, and the codes brought up to date are swapped in (issue 15: a poll's batch read in
    a question's path held up the questions behind it)."""
    import time

    cache = store.PresenceCache(engine, max_age=0.05)
    assert cache.at(T0).active_absence(people[4], T0) is None
    _another_process_sets(engine, people[4], "course")
    time.sleep(0.06)
    assert cache.at(T0).active_absence(people[4], T0) is None  # as they were, at once
    _until(lambda: cache.updates == 1)
    found = cache.at(T0).active_absence(people[4], T0)
    assert found is not None and found.code == "course"
    assert cache.loads == 1  # only her codes were read again
    # A write through this process is still seen by the very next question.
    store.set_absence(engine, people[5], "home", T0, None, actor="t", now=T0)
    assert cache.at(T0).active_absence(people[5], T0) is not None


def test_a_moment_past_the_window_is_answered_at_once_and_loaded_anew_aside(
    engine: Engine, people: list[str]
) -> None:
    """The codes loaded for a moment hold every code that matters at any later one: past
    the window the server answers from them and loads the codes for the new moment on the
    cache's own thread (a whole load is seconds at 180,000 codes)."""
    cache = store.PresenceCache(engine, max_age=0.05, window=timedelta(hours=1))
    store.set_absence(engine, people[6], "course", T0, T0 + timedelta(hours=5), actor="t", now=T0)
    cache.at(T0)
    later = T0 + timedelta(hours=3)
    found = cache.at(later).active_absence(people[6], later)
    assert found is not None and found.code == "course"
    _until(lambda: cache.loads == 2)
    assert cache.at(later).active_absence(people[6], later) is not None
    with engine.connect() as conn:
        fresh = store.load_presence(conn, later)
    assert answers(cache.at(later), people, later) == answers(fresh, people, later)
