"""The retention run (R1.5, R1.6, caller numbers): one function, every kind of personal data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select

from omstilling import messages, orgfile
from omstilling.calls.models import CallRecord
from omstilling.calls.queue_log import import_files
from omstilling.messages import Change, NewMessage
from omstilling.retention import RetentionRun, run_retention
from omstilling.settings import Settings
from omstilling.store import presence as store
from omstilling.store.account_models import ConsoleAction
from omstilling.store.console_log import log_action
from omstilling.store.message_models import MessageRow
from omstilling.store.models import AbsenceRow
from omstilling.store.organisation import import_organisation
from tests.calls.conftest import HANDCOUNT
from tests.conftest import mini_text

# The handmade call log is from December 2026; the run is half a year later.
NOW = datetime(2027, 6, 1, 12, tzinfo=UTC)


@pytest.fixture
def org_engine(engine: Engine) -> Engine:
    import_organisation(engine, orgfile.parse_text(mini_text()), file_revision=None, actor="test")
    return engine


def _absence(engine: Engine, employee: str, code: str, ended_days_ago: int) -> None:
    end = NOW - timedelta(days=ended_days_ago)
    start = end - timedelta(days=2)
    store.set_absence(engine, employee, code, start, end, actor="t", now=start)


def _closed_message(engine: Engine, settings: Settings, closed_days_ago: int) -> None:
    at = NOW - timedelta(days=closed_days_ago)
    created = messages.create_message(
        engine,
        NewMessage(
            caller_name="Karen Jensen",
            caller_phone="61 71 81 91",
            text="Om sin ansøgning",
            employee="mette-jobcenter",
        ),
        actor="op",
        now=at - timedelta(hours=1),
        settings=settings,
    )
    messages.update_message(engine, created.message.id, Change(status="closed"), actor="m", now=at)


def _seed(engine: Engine, settings: Settings) -> None:
    _absence(engine, "anne-familie", "sick", 120)  # past 90 days: goes
    _absence(engine, "bo-familie", "private", 100)  # goes
    _absence(engine, "mette-jobcenter", "sick", 10)  # recent: stays
    _absence(engine, "niels-jobcenter", "vacation", 300)  # not sensitive: stays
    _closed_message(engine, settings, 45)  # past 30 days: goes
    _closed_message(engine, settings, 5)  # stays
    import_files(engine, [HANDCOUNT])  # 17 calls with numbers, all older than 90 days
    for days_ago in (120, 10):  # the console's errands: the old one goes, the recent stays
        log_action(
            engine,
            "transfer",
            at=NOW - timedelta(days=days_ago),
            user_id=None,
            unit="jobcenter",
            errand="Bo Hansens ansøgning om kontanthjælp",
        )


def _left(engine: Engine) -> tuple[int, int, int]:
    with engine.connect() as conn:
        absences = conn.execute(select(func.count()).select_from(AbsenceRow)).scalar_one()
        kept = conn.execute(select(func.count()).select_from(MessageRow)).scalar_one()
        plain = conn.execute(
            select(func.count()).where(
                CallRecord.caller.is_not(None), CallRecord.caller.not_like("h:%")
            )
        ).scalar_one()
    return absences, kept, plain


def test_one_run_purges_absences_messages_and_caller_numbers_past_their_retention(
    org_engine: Engine, db_url: str
) -> None:
    settings = Settings(database_url=db_url, caller_hash_key="k" * 32)
    _seed(org_engine, settings)
    run = run_retention(org_engine, NOW, settings)
    assert run == RetentionRun(
        absences=2,
        absence_days=90,
        messages=1,
        message_days=30,
        caller_numbers=17 + 17,  # every record and every ENTERQUEUE event
        caller_days=90,
        errands=1,
    )
    assert _left(org_engine) == (2, 1, 0)
    with org_engine.connect() as conn:
        errands = conn.execute(select(ConsoleAction.errand).order_by(ConsoleAction.at)).scalars()
        assert list(errands) == ["", "Bo Hansens ansøgning om kontanthjælp"]
    # Nothing is left to do at the same moment: a second run changes nothing.
    again = run_retention(org_engine, NOW, settings)
    assert (again.absences, again.messages, again.caller_numbers, again.errands) == (0, 0, 0, 0)


def test_the_retention_follows_the_settings_and_the_override(
    org_engine: Engine, db_url: str
) -> None:
    settings = Settings(
        database_url=db_url,
        caller_hash_key="k" * 32,
        sensitive_absence_retention_days=200,
        message_retention_days=60,
        caller_number_retention_days=400,
    )
    _seed(org_engine, settings)
    run = run_retention(org_engine, NOW, settings)
    assert (run.absences, run.messages, run.caller_numbers) == (0, 0, 0)
    assert (run.absence_days, run.message_days, run.caller_days) == (200, 60, 400)
    run = run_retention(org_engine, NOW, settings, absence_days=5)
    assert (run.absences, run.absence_days) == (3, 5)  # the recent sick code too
    assert _left(org_engine)[0] == 1  # only the vacation


@pytest.mark.parametrize("days", [0, -1])
def test_an_absence_retention_under_one_day_is_refused_before_anything_is_deleted(
    org_engine: Engine, db_url: str, days: int
) -> None:
    settings = Settings(database_url=db_url, caller_hash_key="k" * 32)
    _seed(org_engine, settings)
    with pytest.raises(ValueError, match="at least 1 day"):
        run_retention(org_engine, NOW, settings, absence_days=days)
    assert _left(org_engine) == (4, 2, 17)
