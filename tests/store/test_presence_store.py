"""Absence codes and unit-wide absences in the database (R3.9, R3.11), on both engines."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, func, select

from omstilling import orgfile
from omstilling.domain.presence import Presence
from omstilling.store import presence as store
from omstilling.store.models import AbsenceRow
from omstilling.store.organisation import import_organisation
from tests.conftest import mini_text

CPH = ZoneInfo("Europe/Copenhagen")
NOW = datetime(2026, 11, 30, 10, 0, tzinfo=CPH)


@pytest.fixture
def org_engine(engine: Engine) -> Engine:
    import_organisation(engine, orgfile.parse_text(mini_text()), file_revision=None, actor="test")
    return engine


def presence_at(engine: Engine, at: datetime) -> Presence:
    with engine.connect() as conn:
        return store.load_presence(conn, at)


def test_r3_11_a_code_is_active_from_start_until_its_end(org_engine: Engine) -> None:
    store.set_absence(
        org_engine,
        "mette-jobcenter",
        "meeting",
        NOW,
        NOW + timedelta(hours=2),
        "Teammøde",
        actor="t",
        now=NOW,
    )
    p = presence_at(org_engine, NOW)
    a = p.active_absence("mette-jobcenter", NOW + timedelta(minutes=5))
    assert a is not None and a.code == "meeting" and a.note == "Teammøde"
    assert a.until == NOW + timedelta(hours=2)
    assert p.active_absence("mette-jobcenter", NOW + timedelta(hours=2)) is None


def test_r3_11_a_new_code_ends_the_one_running(org_engine: Engine) -> None:
    store.set_absence(org_engine, "mette-jobcenter", "vacation", NOW, None, actor="t", now=NOW)
    later = NOW + timedelta(hours=1)
    store.set_absence(org_engine, "mette-jobcenter", "available", later, None, actor="t", now=later)
    p = presence_at(org_engine, later)
    assert p.active_absence("mette-jobcenter", later + timedelta(minutes=1)).code == "available"
    assert p.active_absence("mette-jobcenter", NOW + timedelta(minutes=1)).code == "vacation"


def test_clear_ends_the_code_now_and_keeps_history(org_engine: Engine) -> None:
    store.set_absence(org_engine, "mette-jobcenter", "lunch", NOW, None, actor="t", now=NOW)
    cleared = NOW + timedelta(minutes=20)
    assert store.clear_absence(org_engine, "mette-jobcenter", now=cleared) == 1
    p = presence_at(org_engine, cleared)
    assert p.active_absence("mette-jobcenter", cleared) is None
    assert p.active_absence("mette-jobcenter", NOW + timedelta(minutes=10)) is not None


def test_unknown_employee_and_unit_are_named(org_engine: Engine) -> None:
    with pytest.raises(store.NotFound, match="unknown employee 'ghost'"):
        store.set_absence(org_engine, "ghost", "meeting", NOW, None, actor="t", now=NOW)
    with pytest.raises(store.NotFound, match="unknown unit 'nowhere'"):
        store.unit_away(org_engine, "nowhere", NOW, NOW + timedelta(hours=1), actor="t", now=NOW)


def test_unknown_code_and_until_before_from_are_refused(org_engine: Engine) -> None:
    with pytest.raises(ValueError, match="unknown absence code"):
        store.set_absence(org_engine, "mette-jobcenter", "sleeping", NOW, None, actor="t", now=NOW)
    with pytest.raises(ValueError, match="until must be after from"):
        store.set_absence(org_engine, "mette-jobcenter", "meeting", NOW, NOW, actor="t", now=NOW)


def test_r3_9_unit_away_ends_at_until_or_when_reported_back(org_engine: Engine) -> None:
    store.unit_away(
        org_engine, "jobcenter", NOW, NOW + timedelta(hours=3), "Personalemøde", actor="t", now=NOW
    )
    assert presence_at(org_engine, NOW).active_unit_away("jobcenter", NOW) is not None
    back = NOW + timedelta(hours=1)
    assert store.unit_back(org_engine, "jobcenter", back) == 1
    p = presence_at(org_engine, back)
    assert p.active_unit_away("jobcenter", back) is None
    assert p.active_unit_away("jobcenter", back - timedelta(minutes=1)) is not None


def test_r1_5_sick_and_private_history_is_purged_after_retention(org_engine: Engine) -> None:
    old = NOW - timedelta(days=120)
    store.set_absence(
        org_engine, "anne-familie", "sick", old, old + timedelta(days=2), actor="t", now=old
    )
    store.set_absence(
        org_engine, "bo-familie", "private", old, old + timedelta(days=1), actor="t", now=old
    )
    store.set_absence(
        org_engine, "mette-jobcenter", "vacation", old, old + timedelta(days=5), actor="t", now=old
    )
    recent = NOW - timedelta(days=10)
    store.set_absence(
        org_engine,
        "anne-familie",
        "sick",
        recent,
        recent + timedelta(days=1),
        actor="t",
        now=recent,
    )
    assert store.purge_sensitive_absences(org_engine, now=NOW, days=90) == 2
    with org_engine.connect() as conn:
        codes = conn.execute(select(AbsenceRow.code, func.count()).group_by(AbsenceRow.code)).all()
    assert dict(codes) == {"sick": 1, "vacation": 1}
