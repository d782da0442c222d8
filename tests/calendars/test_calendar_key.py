"""The employee key `calendar` (issue 15, spec/organisation-file.md): read, validated, stored
as a secret, exported as `set`, and `set` on import keeps the stored address."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, select

from omstilling import orgfile
from omstilling.orgfile.read import OrgFileError
from omstilling.store.calendar_feeds import FEEDS, stored_addresses
from omstilling.store.models import AuditEntry
from omstilling.store.organisation import import_organisation, load_organisation
from tests.conftest import mini_text

SECRET = "https://outlook.office365.com/owa/calendar/abc/s3cr3t-token/calendar.ics"
OTHER = "https://calendar.google.com/calendar/ical/x/private-0ther/basic.ics"
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def with_calendar(text: str, value: str, who: str = "mette-jobcenter") -> str:
    anchor = f"      - id: {who}\n"
    assert anchor in text
    return text.replace(anchor, f"{anchor}        calendar: {value}\n", 1)


def imported(engine: Engine, text: str) -> object:
    return import_organisation(
        engine, orgfile.parse_text(text), file_revision=None, actor="test", now=NOW
    )


def export(engine: Engine) -> str:
    with engine.connect() as conn:
        org = load_organisation(conn)
    assert org is not None
    return orgfile.dump(org, org.revision)


def test_the_address_is_stored_and_the_export_says_only_set(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    imported(engine, with_calendar(mini_text(), SECRET))
    with engine.connect() as conn:
        assert stored_addresses(conn) == {"mette-jobcenter": SECRET}
        org = load_organisation(conn)
        audit = conn.execute(select(AuditEntry.before, AuditEntry.after)).all()
    assert org is not None and org.employees["mette-jobcenter"].calendar == "set"
    assert org.employees["niels-jobcenter"].calendar is None
    text = export(engine)
    assert "calendar: set" in text and "s3cr3t" not in text
    assert "s3cr3t" not in repr(audit)  # the audit trail keeps only "set"
    assert "s3cr3t" not in caplog.text


def test_importing_the_export_keeps_the_address_and_changes_nothing(engine: Engine) -> None:
    imported(engine, with_calendar(mini_text(), SECRET))
    exported = export(engine)
    summary = import_organisation(
        engine, orgfile.parse_text(exported), file_revision=None, actor="test", now=NOW
    )
    assert summary.changes == [] and not summary.written  # type: ignore[attr-defined]
    with engine.connect() as conn:
        assert stored_addresses(conn) == {"mette-jobcenter": SECRET}
    assert export(engine) == exported


def test_a_new_address_replaces_the_stored_one_and_counts_as_a_change(engine: Engine) -> None:
    imported(engine, with_calendar(mini_text(), SECRET))
    summary = imported(engine, with_calendar(mini_text(), OTHER))
    assert [c.describe() for c in summary.changes] == [  # type: ignore[attr-defined]
        "employee mette-jobcenter: changed calendar"
    ]
    with engine.connect() as conn:
        assert stored_addresses(conn) == {"mette-jobcenter": OTHER}
        audit = conn.execute(select(AuditEntry.after)).all()
    assert "private-0ther" not in repr(audit)


def test_leaving_the_key_out_removes_the_feed(engine: Engine) -> None:
    imported(engine, with_calendar(mini_text(), SECRET))
    imported(engine, mini_text())
    with engine.connect() as conn:
        assert stored_addresses(conn) == {}
        org = load_organisation(conn)
    assert org is not None and org.employees["mette-jobcenter"].calendar is None


def test_set_without_a_stored_address_warns_and_sets_nothing(engine: Engine) -> None:
    summary = imported(engine, with_calendar(mini_text(), "set"))
    assert any("no calendar address is stored" in w for w in summary.warnings)  # type: ignore[attr-defined]
    with engine.connect() as conn:
        assert conn.execute(select(FEEDS)).all() == []
    again = imported(engine, with_calendar(mini_text(), "set"))
    assert again.changes == []  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("ftp://example.org/cal.ics", "must be an http:// or https:// address"),
        ("file:///etc/passwd", "must be an http:// or https:// address"),
        ("webcal://example.org/cal.ics", "must be an http:// or https:// address"),
        ("http://127.0.0.1:8080/s3cr3t.ics", "loopback or link-local"),
        ("http://[::1]/s3cr3t.ics", "loopback or link-local"),
        ("http://169.254.169.254/latest/meta-data", "loopback or link-local"),
        ("http://[fe80::1]/cal.ics", "loopback or link-local"),
        ("http://localhost/s3cr3t.ics", "localhost"),
        ("https:///no-host", "names no host"),
        ("42", "must be an address or 'set'"),
    ],
)
def test_a_bad_address_is_refused_naming_where_never_repeating_it(value: str, problem: str) -> None:
    with pytest.raises(OrgFileError) as exc:
        orgfile.parse_text(with_calendar(mini_text(), value))
    errors = [e for e in exc.value.errors if ".calendar" in e]
    assert len(errors) == 1 and problem in errors[0], exc.value.errors
    assert errors[0].startswith("units[")
    assert "s3cr3t" not in str(exc.value) and "meta-data" not in str(exc.value)


def test_private_ranges_are_allowed() -> None:
    """A municipality's calendar server is usually on a private address."""
    address = "https://10.20.30.40/dav/mette/"
    org = orgfile.parse_text(with_calendar(mini_text(), address))
    assert org.employees["mette-jobcenter"].calendar == address
