"""Messages end to end on both engines, with a real SMTP server (R1.6, R3.5, R3.6, R3.8)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select, text

from omstilling import messages
from omstilling.clock import utc
from omstilling.messages import Change, NewMessage
from omstilling.settings import Settings
from omstilling.store import presence
from omstilling.store.message_models import MessageDelivery, MessageEvent, MessageRow
from tests.messages.conftest import NOW, SmtpServer, import_doc, mini_doc, settings_for

PHONE = "20 30 40 50"


def take(engine: Engine, settings: Settings, now=NOW, **kw: object) -> messages.Created:
    fields: dict[str, object] = {
        "caller_name": "Karen Jensen",
        "caller_phone": PHONE,
        "text": "Vil gerne tale om sin ansøgning om kontanthjælp.",
        "employee": "mette-jobcenter",
    }
    fields.update(kw)
    return messages.create_message(
        engine,
        NewMessage(**fields),
        actor="operatør-lis",
        now=now,
        settings=settings,  # type: ignore[arg-type]
    )


def deliveries(engine: Engine, message_id: int) -> list[MessageDelivery]:
    with engine.connect() as conn:
        return list(
            conn.execute(
                select(MessageDelivery.__table__)
                .where(MessageDelivery.message_id == message_id)
                .order_by(MessageDelivery.id)
            ).all()
        )


def test_r3_5_the_employee_is_mailed_with_the_message(
    org_engine: Engine, db_url: str, smtp: SmtpServer
) -> None:
    settings = settings_for(db_url, smtp.url)
    created = take(org_engine, settings, task="kontanthjaelp")
    assert created.message.caller_phone == "+4520304050"
    assert created.say == "Mette Dahl ringer dig op senest i morgen kl. 14.30."
    report = messages.deliver_pending(org_engine, settings, NOW)
    assert report.sent == 1
    [mail] = smtp.inbox.wait_for(1)
    assert mail.to == ["mette.dahl@example.dk"]
    assert "Karen Jensen" in mail.subject
    assert "20 30 40 50" in mail.body and "kontanthjælp" in mail.body
    assert "Om: Kontanthjælp" in mail.body
    assert "tirsdag den 1. december kl. 14.30" in mail.body
    assert f"/beskeder/{created.message.id}" in mail.body
    assert deliveries(org_engine, created.message.id)[0].status == "sent"


def test_r3_8_a_sensitive_units_mail_holds_only_a_link(
    org_engine: Engine, db_url: str, smtp: SmtpServer
) -> None:
    settings = settings_for(db_url, smtp.url)
    created = take(
        org_engine,
        settings,
        employee="anne-familie",
        task="underretning",
        caller_name="Birthe Sørensen",
        text="Bekymret for naboens børn, ringer om en underretning.",
    )
    messages.deliver_pending(org_engine, settings, NOW)
    [mail] = smtp.inbox.wait_for(1)
    assert mail.to == ["anne.andersen@example.dk"]
    everything = mail.subject + mail.body
    for secret in ("Birthe", "Sørensen", "20 30 40 50", "4520304050", "naboens", "Underretning"):
        assert secret not in everything
    assert f"https://omstilling.randers.example.dk/beskeder/{created.message.id}" in mail.body
    assert "mandag den 30. november" not in mail.body  # the due time is Tuesday's close
    assert "tirsdag den 1. december kl. 15.00" in mail.body


def test_r3_5_employee_absent_past_the_due_time_the_leader_gets_it(
    org_engine: Engine, db_url: str, smtp: SmtpServer
) -> None:
    settings = settings_for(db_url, smtp.url)
    presence.set_absence(
        org_engine, "mette-jobcenter", "vacation", NOW, NOW + timedelta(days=7),
        actor="t", now=NOW,
    )  # fmt: skip
    take(org_engine, settings)
    messages.deliver_pending(org_engine, settings, NOW)
    [mail] = smtp.inbox.wait_for(1)
    assert mail.to == ["jens.krog@example.dk"]
    assert "Mette Dahl, som er fraværende" in mail.subject
    assert "Karen Jensen" in mail.body  # Jobcenter is not sensitive


def test_r3_5_a_short_absence_still_reaches_the_employee(
    org_engine: Engine, db_url: str, smtp: SmtpServer
) -> None:
    settings = settings_for(db_url, smtp.url)
    presence.set_absence(
        org_engine, "mette-jobcenter", "meeting", NOW, NOW + timedelta(hours=1),
        actor="t", now=NOW,
    )  # fmt: skip
    take(org_engine, settings)
    messages.deliver_pending(org_engine, settings, NOW)
    assert smtp.inbox.wait_for(1)[0].to == ["mette.dahl@example.dk"]


def test_r3_5_without_a_leader_the_units_owner_gets_it(
    org_engine: Engine, db_url: str, smtp: SmtpServer
) -> None:
    settings = settings_for(db_url, smtp.url)
    presence.set_absence(org_engine, "anne-familie", "sick", NOW, None, actor="t", now=NOW)
    take(org_engine, settings, employee="anne-familie")
    messages.deliver_pending(org_engine, settings, NOW)
    [mail] = smtp.inbox.wait_for(1)
    assert mail.to == ["bo.eriksen@example.dk"]
    assert "Karen" not in mail.subject + mail.body  # Familie is sensitive


def test_r3_5_nobody_to_mail_falls_back_to_the_shared_address(
    engine: Engine, db_url: str, smtp: SmtpServer
) -> None:
    import_doc(engine, mini_doc())  # Familie without an owner, and no leader
    settings = settings_for(db_url, smtp.url, message_fallback_email="omstilling@example.dk")
    take(engine, settings, employee=None, unit="familie")
    messages.deliver_pending(engine, settings, NOW)
    assert smtp.inbox.wait_for(1)[0].to == ["omstilling@example.dk"]


def test_r1_6_mail_server_down_the_message_waits_and_is_delivered_when_it_is_back(
    org_engine: Engine, db_url: str, smtp_later: SmtpServer
) -> None:
    settings = settings_for(db_url, smtp_later.url)
    created = take(org_engine, settings)
    report = messages.deliver_pending(org_engine, settings, NOW)
    assert (report.sent, report.retrying) == (0, 1)
    listed = messages.get_message(org_engine, created.message.id)
    assert listed.delivery == "pending" and listed.message.status == "new"
    [row] = deliveries(org_engine, created.message.id)
    assert row.attempts == 1 and row.last_error

    smtp_later.start()
    # Not before its next try...
    assert messages.deliver_pending(org_engine, settings, NOW + timedelta(seconds=10)).sent == 0
    # ...then it goes through.
    assert messages.deliver_pending(org_engine, settings, NOW + timedelta(seconds=31)).sent == 1
    assert smtp_later.inbox.wait_for(1)[0].to == ["mette.dahl@example.dk"]
    assert messages.get_message(org_engine, created.message.id).delivery == "sent"


def test_r1_6_retries_back_off(org_engine: Engine, db_url: str, smtp_later: SmtpServer) -> None:
    settings = settings_for(db_url, smtp_later.url)
    created = take(org_engine, settings)
    now, waits = NOW, []
    for _ in range(4):
        assert messages.deliver_pending(org_engine, settings, now).retrying == 1
        [row] = deliveries(org_engine, created.message.id)
        waits.append(round((utc(row.next_attempt_at) - now).total_seconds()))
        now = now + timedelta(seconds=waits[-1])
    assert waits == [30, 60, 120, 240]
    assert deliveries(org_engine, created.message.id)[0].attempts == 4


def test_r1_6_a_refused_address_fails_for_good_and_stays_in_the_list(
    org_engine: Engine, db_url: str, smtp: SmtpServer
) -> None:
    smtp.inbox.refuse.add("mette.dahl@example.dk")
    settings = settings_for(db_url, smtp.url)
    created = take(org_engine, settings)
    assert messages.deliver_pending(org_engine, settings, NOW).failed == 1
    later = NOW + timedelta(hours=2)
    assert messages.deliver_pending(org_engine, settings, later).failed == 0
    listed = messages.list_messages(org_engine, now=later, employee="mette-jobcenter")
    assert [(x.message.id, x.delivery) for x in listed] == [(created.message.id, "failed")]


def test_r1_6_life_cycle_new_seen_called_back_closed(org_engine: Engine, db_url: str) -> None:
    settings = settings_for(db_url, None)
    m = take(org_engine, settings).message
    t = NOW + timedelta(hours=1)
    m = messages.update_message(org_engine, m.id, Change(status="seen"), actor="mette", now=t)
    assert m.status == "seen"
    m = messages.update_message(
        org_engine, m.id, Change(status="called_back", outcome="not_reached"), actor="mette", now=t
    )
    assert (m.status, m.outcome, m.callback_done_at) == ("called_back", "not_reached", None)
    assert m.overdue(m.callback_due + timedelta(minutes=1))  # not reached: still owed
    t2 = t + timedelta(hours=2)
    m = messages.update_message(org_engine, m.id, Change(outcome="reached"), actor="mette", now=t2)
    assert m.outcome == "reached" and m.callback_done_at == t2
    assert not m.overdue(m.callback_due + timedelta(days=1))
    m = messages.update_message(org_engine, m.id, Change(status="closed"), actor="mette", now=t2)
    assert m.status == "closed" and m.closed_at == t2
    with pytest.raises(messages.InvalidTransition):
        messages.update_message(org_engine, m.id, Change(status="seen"), actor="mette", now=t2)
    with org_engine.connect() as conn:
        actions = conn.execute(
            select(MessageEvent.action, MessageEvent.actor)
            .where(MessageEvent.message_id == m.id)
            .order_by(MessageEvent.id)
        ).all()
    assert [a for a, _ in actions] == ["created", "seen", "called_back", "called_back", "closed"]
    assert actions[0][1] == "operatør-lis"


def test_r3_6_anyone_in_the_unit_may_take_over_a_colleagues_message(
    org_engine: Engine, db_url: str
) -> None:
    settings = settings_for(db_url, None)
    m = take(org_engine, settings).message
    m = messages.take_over(org_engine, m.id, "niels-jobcenter", actor="niels", now=NOW)
    assert m.employee == "niels-jobcenter" and m.unit == "jobcenter"
    assert [x.message.id for x in messages.list_messages(
        org_engine, now=NOW, employee="niels-jobcenter"
    )] == [m.id]  # fmt: skip
    with pytest.raises(messages.NotInUnit, match="pia-misbrug"):
        messages.take_over(org_engine, m.id, "pia-misbrug", actor="pia", now=NOW)
    with pytest.raises(messages.NotFound):
        messages.take_over(org_engine, m.id, "ghost", actor="x", now=NOW)
    # A unit's message is taken by one of its people.
    u = take(org_engine, settings, employee=None, unit="jobcenter").message
    assert messages.take_over(org_engine, u.id, "sara-jobcenter", actor="s", now=NOW).employee


def test_r1_6_an_overdue_callback_mails_the_leader_once(
    org_engine: Engine, db_url: str, smtp: SmtpServer
) -> None:
    settings = settings_for(db_url, smtp.url)
    late = take(org_engine, settings).message
    kept = take(org_engine, settings, caller_name="Ole Hansen").message
    messages.update_message(org_engine, kept.id, Change(outcome="reached"), actor="m", now=NOW)
    messages.deliver_pending(org_engine, settings, NOW)
    smtp.inbox.wait_for(2)
    after = late.callback_due + timedelta(minutes=5)
    assert (
        messages.list_messages(org_engine, now=after, unit="jobcenter", overdue=True)[0].message.id
        == late.id
    )
    report = messages.run_once(org_engine, settings, after)
    assert report.escalated == 1 and report.sent == 1
    mails = smtp.inbox.wait_for(3)
    escalation = mails[-1]
    assert escalation.to == ["jens.krog@example.dk"]
    assert escalation.subject.startswith("Overskredet frist: besked til Mette Dahl")
    assert messages.run_once(org_engine, settings, after + timedelta(hours=1)).escalated == 0
    assert len(smtp.inbox.mails) == 3
    # A new promise re-arms the escalation.
    new_due = after + timedelta(days=1)
    messages.update_message(org_engine, late.id, Change(callback_due=new_due), actor="m", now=after)
    assert messages.escalate_overdue(org_engine, settings, new_due + timedelta(minutes=1)) == 1


def test_r1_6_closed_messages_are_purged_after_retention_text_and_phone_included(
    org_engine: Engine, db_url: str, smtp: SmtpServer
) -> None:
    settings = settings_for(db_url, smtp.url)
    old = take(org_engine, settings, caller_phone="61 71 81 91", text="Gammel sag om bolig").message
    recent = take(org_engine, settings, text="Nyere sag").message
    still_open = take(org_engine, settings, text="Åben sag").message
    messages.deliver_pending(org_engine, settings, NOW)
    messages.update_message(org_engine, old.id, Change(status="closed"), actor="m", now=NOW)
    later = NOW + timedelta(days=31)
    messages.update_message(
        org_engine, recent.id, Change(status="closed"), actor="m", now=later - timedelta(days=2)
    )
    assert messages.purge_closed_messages(org_engine, later, 30) == 1
    with org_engine.connect() as conn:
        ids = set(conn.execute(select(MessageRow.id)).scalars())
        assert ids == {recent.id, still_open.id}
        assert (
            conn.execute(select(func.count()).where(MessageEvent.message_id == old.id)).scalar_one()
            == 0
        )
        assert (
            conn.execute(
                select(func.count()).where(MessageDelivery.message_id == old.id)
            ).scalar_one()
            == 0
        )
        # Nowhere in our tables: neither the number nor the text.
        for table in ("messages", "message_events", "message_deliveries"):
            for row in conn.execute(text(f"SELECT * FROM {table}")):
                dumped = " ".join(str(v) for v in row)
                assert "4561718191" not in dumped and "Gammel sag" not in dumped


def test_r1_6_statistics_feed(org_engine: Engine, db_url: str) -> None:
    settings = settings_for(db_url, None)
    on_time = take(org_engine, settings).message
    late = take(org_engine, settings).message
    take(org_engine, settings, employee=None, unit="familie")
    t = NOW + timedelta(hours=3)
    messages.update_message(org_engine, on_time.id, Change(outcome="resolved"), actor="m", now=t)
    messages.update_message(org_engine, on_time.id, Change(status="closed"), actor="m", now=t)
    after = late.callback_due + timedelta(days=2)
    messages.update_message(
        org_engine, late.id, Change(outcome="reached"), actor="m",
        now=late.callback_due + timedelta(hours=1),
    )  # fmt: skip
    summary = messages.messages_summary(
        org_engine, NOW.date(), NOW.date() + timedelta(days=6), now=after
    )
    figures = ("taken", "closed", "callbacks_due", "callbacks_on_time", "overdue")
    assert [summary[k] for k in figures] == [3, 1, 3, 1, 2]
    units = {u["unit"]: u for u in summary["units"]}
    assert units["jobcenter"]["taken"] == 2 and units["jobcenter"]["overdue"] == 1
    assert units["familie"]["overdue"] == 1 and units["familie"]["name"] == "Familie"
    assert summary["employees"] == [
        {"unit": "jobcenter", "employee": "mette-jobcenter", "messages": 2}
    ]
    # A period before anything happened counts nothing.
    empty = messages.messages_summary(
        org_engine, NOW.date() - timedelta(days=30), NOW.date() - timedelta(days=1), now=after
    )
    assert empty["taken"] == 0 and empty["units"] == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("text", "Borgerens cpr er 031185-1234"),
        ("caller_name", "Karen 0311851234"),
        ("about", "031185 1234"),
        ("caller_phone", "0311851234"),
    ],
)
def test_a_cpr_number_anywhere_is_refused_and_never_echoed(
    org_engine: Engine, db_url: str, field: str, value: str
) -> None:
    with pytest.raises(messages.MessageError) as caught:
        take(org_engine, settings_for(db_url, None), **{field: value})
    assert caught.value.field == field and "CPR" in str(caught.value)
    assert "1234" not in str(caught.value)
    with org_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(MessageRow)).scalar_one() == 0
