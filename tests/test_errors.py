"""One catalogue of error kinds, answered the same way by the web and the CLI."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from typer.testing import CliRunner

from omstilling.cli.common import CommandGroup
from omstilling.errors import (
    Conflict,
    DomainError,
    ErrorKind,
    Forbidden,
    Invalid,
    NoOrganisation,
    NotFound,
)
from omstilling.settings import Settings
from omstilling.web.app import create_app

RAISED = [
    (Invalid("birth_day: must be a day of the month, 1-31"), 422, 2),
    (NotFound("unit", "ghost"), 404, 2),
    (Forbidden("you may report only your own units away or back"), 403, 2),
    (Conflict("the file is older than the database's revision"), 409, 1),
    (NoOrganisation(), 503, 1),
]


def test_every_kind_has_its_own_http_status() -> None:
    statuses = [k.http_status for k in ErrorKind]
    assert len(set(statuses)) == len(statuses)
    assert {k.exit_code for k in ErrorKind} <= {1, 2}


def test_every_kind_is_raised_by_one_error_class() -> None:
    assert {type(e).kind for e, _s, _c in RAISED} == set(ErrorKind)


@pytest.mark.parametrize(("error", "status", "_code"), RAISED)
def test_the_app_answers_each_kind_with_its_status_and_text(
    engine: Engine, error: DomainError, status: int, _code: int
) -> None:
    app = create_app(Settings(database_url=str(engine.url)), engine=engine)

    @app.get("/raise")
    def _raise() -> None:
        raise error

    with TestClient(app) as client:
        r = client.get("/raise")
    assert r.status_code == status
    if status == 422:  # the documented list of {loc, msg, type} (issue 12 item 12)
        loc = ["query", "birth_day"]
        assert r.json() == {"detail": [{"loc": loc, "msg": str(error), "type": "invalid"}]}
    else:
        assert r.json() == {"detail": str(error)}


@pytest.mark.parametrize(("error", "_status", "code"), RAISED)
def test_a_command_answers_each_kind_with_its_exit_code_and_no_traceback(
    error: DomainError, _status: int, code: int
) -> None:
    cli = CommandGroup()

    @cli.command("fails")
    def fails() -> None:
        raise error

    @cli.command("other")
    def other() -> None:
        pass

    result = CliRunner().invoke(cli, ["fails"])
    assert result.exit_code == code
    assert result.output.strip() == f"error: {error}"
    assert "Traceback" not in result.output


def test_the_not_found_text_names_the_kind_and_the_id() -> None:
    err = NotFound("employee", "anne-hansen")
    assert str(err) == "unknown employee 'anne-hansen'"
    assert (err.entity, err.id) == ("employee", "anne-hansen")
    assert isinstance(err, LookupError)
