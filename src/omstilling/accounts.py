"""Accounts, roles, sessions and API tokens.

Passwords are hashed with argon2id. A session cookie and an API token are random
secrets of which only the SHA-256 is stored, so a copy of the database signs
nobody in. Login attempts are recorded and rate limited.
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, cast

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Connection, Engine, delete, func, insert, select, update

from omstilling.clock import utc
from omstilling.domain.citizen import free_text, looks_like_cpr
from omstilling.domain.labels import ACCOUNT_ROLE, AccountRole
from omstilling.domain.organisation import Organisation
from omstilling.errors import Invalid
from omstilling.store.account_models import ApiToken, LoginAttempt, SessionRow, UserRow

log = logging.getLogger("omstilling.auth")

Role = AccountRole  # the roles and their Danish names: domain.labels.ACCOUNT_ROLE
ROLES: tuple[Role, ...] = ACCOUNT_ROLE.values
SCOPES = (
    "advice:read",
    "directory:write",
    "presence:write",
    "messages:write",
    "calls:write",
    "reports:read",
    "quality:write",
)
ROLE_SCOPES: dict[str, frozenset[str]] = {
    "operator": frozenset({"advice:read", "presence:write", "messages:write"}),
    # Employees read the directory and handle their own absence and messages; the
    # endpoints check "own" themselves.
    "employee": frozenset({"advice:read"}),
    "editor": frozenset({"advice:read", "directory:write", "presence:write"}),
    # Managers follow up on the service: statistics, and test calls they record (R1.7).
    "manager": frozenset({"advice:read", "reports:read", "quality:write"}),
    "admin": frozenset(SCOPES),
}
MIN_PASSWORD = 12
MAX_FAILURES_PER_USER = 5  # per (user name, address)
MAX_FAILURES_PER_CLIENT = 20  # per address, whatever the names
MAX_FAILURES_GLOBAL = 500  # in the whole system: a flood from many addresses
BACKOFF_START = timedelta(seconds=30)
FAILURE_WINDOW = timedelta(minutes=15)

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters


# What a login attempt is recorded and logged as when its user name holds a CPR number.
CPR_SHAPED_NAME = "(shaped like a CPR number)"


class AccountError(Invalid):
    pass


class RateLimited(Exception):
    """Too many recent failures from this address: try again after `retry_after` seconds."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(f"too many failed logins; try again in {retry_after} s")


def _sha(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Principal:
    """Who is asking: a signed-in user or an API token, with what they may do."""

    kind: Literal["user", "token"]
    name: str
    scopes: frozenset[str]
    role: str | None = None
    user_id: int | None = None
    unit_id: str | None = None
    employee_id: str | None = None
    display_name: str = ""
    agent: str | None = None  # the PBX agent the operator answers on (PJSIP/3101)
    csrf_token: str | None = None
    session_hash: str | None = field(default=None, repr=False)

    def has(self, scope: str) -> bool:
        return scope in self.scopes

    @property
    def edits_every_unit(self) -> bool:
        """An admin, or a system with a directory:write token (an HR or directory
        integration): may edit every unit. Not an admin for anything else."""
        return self.role == "admin" or (self.kind == "token" and "directory:write" in self.scopes)

    def may_edit_unit(self, org: Organisation, unit_id: str) -> bool:
        """Admins edit everything; a unit editor their unit and the units below it."""
        if self.edits_every_unit:
            return True
        if self.role != "editor" or self.unit_id is None or unit_id not in org.units:
            return False
        return any(u.id == self.unit_id for u in org.ancestors(unit_id))

    def may_report_unit(self, org: Organisation, unit_id: str) -> bool:
        """Reporting a unit away or back is presence: it takes presence:write (a token with
        only directory:write may edit the directory, not say who is at work); an editor
        reports only their own units."""
        if not self.has("presence:write"):
            return False
        return self.role != "editor" or self.may_edit_unit(org, unit_id)

    def may_set_absence(self, org: Organisation, employee_id: str) -> bool:
        """Operators and admins for anyone; an editor within their units; anyone for self."""
        if self.employee_id is not None and self.employee_id == employee_id:
            return True
        if self.role == "editor":
            e = org.employees.get(employee_id)
            return e is not None and self.may_edit_unit(org, e.unit)
        return self.has("presence:write")


# --- users ----------------------------------------------------------------------------------


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password must be at least {MIN_PASSWORD} characters")


def add_user(
    engine: Engine,
    username: str,
    role: str,
    password: str | None,
    *,
    unit_id: str | None = None,
    employee_id: str | None = None,
    display_name: str = "",
    agent: str | None = None,
    now: datetime | None = None,
) -> int:
    username = username.strip()
    agent = checked_agent(agent)
    if not username:
        raise AccountError("the user name is empty")
    free_text("username", username)
    free_text("display_name", display_name)
    if role not in ROLES:
        raise AccountError(f"unknown role '{role}'; roles: {', '.join(ROLES)}")
    if role == "editor" and not unit_id:
        raise AccountError("a unit editor needs --unit")
    if role == "employee" and not employee_id:
        raise AccountError("an employee account needs --employee")
    if password is not None:
        check_password_strength(password)
    with engine.begin() as conn:
        if conn.execute(select(UserRow.id).where(UserRow.username == username)).first():
            raise AccountError(f"the user '{username}' exists already")
        result = conn.execute(
            insert(UserRow).values(
                username=username,
                password_hash=_hasher.hash(password) if password is not None else None,
                role=role,
                unit_id=unit_id,
                employee_id=employee_id,
                display_name=display_name or username,
                agent=agent,
                disabled=False,
                created_at=now or datetime.now(UTC),
            )
        )
        return int(cast("int", result.inserted_primary_key[0]))  # type: ignore[index]


# A PBX agent as Asterisk names it in queue_log and live events: PJSIP/3101, SIP/ops-2,
# Local/3101@from-queue; nothing else (it is compared with what the PBX sends).
AGENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9/._@:+-]{0,99}")


def checked_agent(agent: str | None) -> str | None:
    """The agent id as given (trimmed), None for none; refused when it is not one."""
    agent = (agent or "").strip()
    if not agent:
        return None
    if not AGENT.fullmatch(agent):
        raise AccountError(
            "agent: not a PBX agent id (letters, digits and / . _ @ : + -, e.g. PJSIP/3101)"
        )
    return agent


@dataclass(frozen=True)
class UserInfo:
    """What the admin page lists of an account (never its password hash)."""

    id: int
    username: str
    display_name: str
    role: str
    unit_id: str | None
    employee_id: str | None
    agent: str | None
    disabled: bool
    sso_only: bool


def list_users(engine: Engine) -> list[UserInfo]:
    u = UserRow
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                u.id,
                u.username,
                u.display_name,
                u.role,
                u.unit_id,
                u.employee_id,
                u.agent,
                u.disabled,
                u.password_hash.is_(None).label("sso_only"),
            ).order_by(u.role, u.username)
        ).all()
    return [
        UserInfo(
            r.id,
            r.username,
            r.display_name or r.username,
            r.role,
            r.unit_id,
            r.employee_id,
            r.agent,
            bool(r.disabled),
            bool(r.sso_only),
        )
        for r in rows
    ]


def set_agent(engine: Engine, username: str, agent: str | None) -> None:
    """Set (or with None, clear) the PBX agent a user answers calls on."""
    agent = checked_agent(agent)
    with engine.begin() as conn:
        n = conn.execute(
            update(UserRow).where(UserRow.username == username).values(agent=agent)
        ).rowcount
    if not n:
        raise AccountError(f"unknown user '{username}'")


def set_password(engine: Engine, username: str, password: str) -> None:
    check_password_strength(password)
    with engine.begin() as conn:
        n = conn.execute(
            update(UserRow)
            .where(UserRow.username == username)
            .values(password_hash=_hasher.hash(password))
        ).rowcount
    if not n:
        raise AccountError(f"unknown user '{username}'")


def _failures(conn: Connection, now: datetime, *where: Any) -> tuple[int, datetime | None]:
    """How many failed logins in the window match, and when the last one was."""
    count, last = conn.execute(
        select(func.count(), func.max(LoginAttempt.at)).where(
            LoginAttempt.success.is_(False), LoginAttempt.at > now - FAILURE_WINDOW, *where
        )
    ).one()
    return int(count or 0), None if last is None else utc(last)


def _backoff(excess: int) -> timedelta:
    wait: timedelta = BACKOFF_START * 2 ** min(excess, 16)
    return min(wait, FAILURE_WINDOW)


def login_wait(conn: Connection, username: str, client: str, now: datetime) -> timedelta:
    """How long this user name from this address must still wait before it may try again.

    Failures count per (user name, address) and per address, never per account alone:
    guessing someone's password from one address must not lock them out from their own
    (ASVS V2.2.1). Past each limit the wait doubles with every further failure, up to the
    window. When the whole system sees a flood of failures, every address that has failed
    itself waits too; an address without failures of its own never waits.
    """
    pair, pair_last = _failures(
        conn, now, LoginAttempt.username == username, LoginAttempt.client == client
    )
    per_client, client_last = _failures(conn, now, LoginAttempt.client == client)
    waits = [timedelta(0)]
    if pair >= MAX_FAILURES_PER_USER and pair_last is not None:
        waits.append(pair_last + _backoff(pair - MAX_FAILURES_PER_USER) - now)
    if per_client >= MAX_FAILURES_PER_CLIENT and client_last is not None:
        waits.append(client_last + _backoff(per_client - MAX_FAILURES_PER_CLIENT) - now)
    if pair_last is not None and _failures(conn, now)[0] >= MAX_FAILURES_GLOBAL:
        waits.append(pair_last + BACKOFF_START - now)
    return max(waits)


def authenticate(
    engine: Engine, username: str, password: str, client: str, now: datetime | None = None
) -> int:
    """The user's id, or AccountError; RateLimited after too many recent failures."""
    now = utc(now or datetime.now(UTC))
    username = username.strip()
    if looks_like_cpr(username):
        # Typed into the wrong field: no account has such a name (add_user refuses it), and
        # the attempt is recorded and logged under a stand-in, never the number itself.
        username = CPR_SHAPED_NAME
    with engine.begin() as conn:
        wait = login_wait(conn, username, client, now)
        if wait > timedelta(0):
            log.warning("login throttled: user=%r client=%s wait=%s", username, client, wait)
            raise RateLimited(max(1, math.ceil(wait.total_seconds())))
        user = conn.execute(
            select(UserRow.id, UserRow.password_hash, UserRow.disabled).where(
                UserRow.username == username
            )
        ).first()
        ok = False
        if user is not None and user.password_hash and not user.disabled:
            try:
                ok = _hasher.verify(user.password_hash, password)
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                ok = False
        else:
            # Spend the same time as a real check, so timing does not tell who exists.
            _hasher.hash(password)
        conn.execute(
            insert(LoginAttempt).values(
                username=username[:300], client=client[:100], at=now, success=ok
            )
        )
    # Outside the transaction: a failed attempt must stay recorded.
    log.info("login %s: user=%r client=%s", "ok" if ok else "failed", username, client)
    if not ok or user is None:
        raise AccountError("wrong user name or password")
    return int(user.id)


# --- sessions -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionPolicy:
    idle: timedelta = timedelta(hours=2)
    absolute: timedelta = timedelta(hours=12)


def create_session(engine: Engine, user_id: int, now: datetime | None = None) -> str:
    """A new session for the user; the returned token goes in the cookie, once."""
    now = utc(now or datetime.now(UTC))
    token = secrets.token_urlsafe(32)
    with engine.begin() as conn:
        conn.execute(
            insert(SessionRow).values(
                token_hash=_sha(token),
                user_id=user_id,
                csrf_token=secrets.token_urlsafe(24),
                created_at=now,
                last_seen=now,
            )
        )
    return token


def end_session(engine: Engine, token: str) -> None:
    with engine.begin() as conn:
        conn.execute(delete(SessionRow).where(SessionRow.token_hash == _sha(token)))


def session_principal(
    engine: Engine, token: str, policy: SessionPolicy, now: datetime | None = None
) -> Principal | None:
    """The signed-in user of a session cookie, or None when unknown or timed out."""
    now = utc(now or datetime.now(UTC))
    h = _sha(token)
    # Read, then write in a transaction of its own that begins with the write: on
    # SQLite a transaction that has read cannot go on to write once another
    # connection has committed in between ("database is locked" at once, without
    # waiting), and live PBX events commit many times a second.
    with engine.connect() as conn:
        row = conn.execute(
            select(
                SessionRow.csrf_token,
                SessionRow.created_at,
                SessionRow.last_seen,
                UserRow.id,
                UserRow.username,
                UserRow.role,
                UserRow.unit_id,
                UserRow.employee_id,
                UserRow.display_name,
                UserRow.agent,
                UserRow.disabled,
            )
            .join(UserRow, UserRow.id == SessionRow.user_id)
            .where(SessionRow.token_hash == h)
        ).first()
    if row is None:
        return None
    if (
        row.disabled
        or now - utc(row.last_seen) > policy.idle
        or now - utc(row.created_at) > policy.absolute
    ):
        with engine.begin() as conn:
            conn.execute(delete(SessionRow).where(SessionRow.token_hash == h))
        return None
    if now - utc(row.last_seen) > timedelta(minutes=1):
        with engine.begin() as conn:
            conn.execute(update(SessionRow).where(SessionRow.token_hash == h).values(last_seen=now))
    return Principal(
        kind="user",
        name=row.username,
        scopes=ROLE_SCOPES.get(row.role, frozenset()),
        role=row.role,
        user_id=row.id,
        unit_id=row.unit_id,
        employee_id=row.employee_id,
        display_name=row.display_name or row.username,
        agent=row.agent,
        csrf_token=row.csrf_token,
        session_hash=h,
    )


# --- API tokens -------------------------------------------------------------------------------


def create_token(engine: Engine, name: str, scopes: list[str], now: datetime | None = None) -> str:
    """A new bearer token; only its hash is stored, so it is shown once."""
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        raise AccountError(f"unknown scope(s) {', '.join(unknown)}; scopes: {', '.join(SCOPES)}")
    if not scopes:
        raise AccountError("a token needs at least one --scope")
    free_text("name", name)
    token = "omst_" + secrets.token_urlsafe(32)
    with engine.begin() as conn:
        conn.execute(
            insert(ApiToken).values(
                name=name,
                token_hash=_sha(token),
                scopes=sorted(set(scopes)),
                created_at=utc(now or datetime.now(UTC)),
            )
        )
    return token


def token_principal(engine: Engine, token: str, now: datetime | None = None) -> Principal | None:
    now = utc(now or datetime.now(UTC))
    h = _sha(token)
    with engine.connect() as conn:  # read, then write on its own (see session_principal)
        row = conn.execute(
            select(ApiToken.id, ApiToken.name, ApiToken.scopes, ApiToken.last_used).where(
                ApiToken.token_hash == h, ApiToken.revoked_at.is_(None)
            )
        ).first()
    if row is None:
        return None
    if row.last_used is None or now - utc(row.last_used) > timedelta(minutes=1):
        with engine.begin() as conn:
            conn.execute(update(ApiToken).where(ApiToken.id == row.id).values(last_used=now))
    return Principal(kind="token", name=row.name, scopes=frozenset(row.scopes))


def revoke_token(engine: Engine, name: str, now: datetime | None = None) -> int:
    with engine.begin() as conn:
        return int(
            conn.execute(
                update(ApiToken)
                .where(ApiToken.name == name, ApiToken.revoked_at.is_(None))
                .values(revoked_at=utc(now or datetime.now(UTC)))
            ).rowcount
            or 0
        )
