"""A text longer than its column is refused by name, on both engines (issue 12, found by
the bad-file tests): PostgreSQL aborted the whole import with a traceback that quoted the
row; SQLite stored it. Nothing is written either way."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import Engine

from omstilling import orgfile
from omstilling.store.db import ensure_schema, make_engine
from omstilling.store.org_write import TooLong
from omstilling.store.organisation import (
    current_revision,
    import_organisation,
    load_organisation,
    save_edit,
)
from tests.conftest import mini_text


def doc(**jobcenter: Any) -> dict[str, Any]:
    data = yaml.safe_load(mini_text())
    unit = next(u for u in data["units"] if u["id"] == "jobcenter")
    unit.update(jobcenter)
    return dict(data)


def test_an_import_with_a_name_past_its_column_is_refused_whole(engine: Engine) -> None:
    long_name = "Jobcenter " + "x" * 300
    with pytest.raises(TooLong) as caught:
        import_organisation(
            engine, orgfile.parse_data(doc(name=long_name)).organisation,
            file_revision=None, actor="t",
        )  # fmt: skip
    assert "units[jobcenter].name: at most 300 characters, got 310" in str(caught.value)
    assert long_name not in str(caught.value)
    with engine.connect() as conn:
        assert current_revision(conn) is None


def test_an_edit_past_a_column_is_refused_and_the_organisation_stays(engine: Engine) -> None:
    import_organisation(
        engine, orgfile.parse_data(doc()).organisation, file_revision=None, actor="t"
    )
    with engine.connect() as conn:
        before = load_organisation(conn)
        revision = current_revision(conn)
    assert before is not None
    employee = next(iter(before.employees.values()))
    import dataclasses

    changed = dataclasses.replace(employee, title="T" * 301)
    org = orgfile.validate(
        type(before)(
            before.municipality,
            list(before.units.values()),
            [changed if e.id == employee.id else e for e in before.employees.values()],
            list(before.tasks.values()),
            list(before.mailings.values()),
        )
    ).organisation
    with pytest.raises(TooLong, match=r"employees\[.*\]\.title: at most 300"):
        save_edit(engine, org, actor="t")
    with engine.connect() as conn:
        assert current_revision(conn) == revision


def test_the_cli_import_says_so_in_one_line_and_exits_2(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'w.db'}"
    ensure_schema(make_engine(url))
    path = tmp_path / "org.yaml"
    path.write_text(yaml.safe_dump(doc(address="Vej " + "9" * 400), allow_unicode=True))
    done = subprocess.run(
        [sys.executable, "-m", "omstilling", "import", str(path), "--db", url],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 2, done.stdout + done.stderr
    assert "units[jobcenter].address: at most 300 characters" in done.stderr
    assert "Traceback" not in done.stderr


def test_validate_names_every_text_past_its_column_as_an_import_would(tmp_path: Path) -> None:
    """`omstilling validate` used to say "valid" for a file `import` then refused."""
    data = doc(address="Vej " + "9" * 400)
    employee = next(u for u in data["units"] if u["id"] == "jobcenter")["employees"][0]
    employee["title"] = "T" * 301
    path = tmp_path / "org.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    done = subprocess.run(
        [sys.executable, "-m", "omstilling", "validate", str(path)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 2, done.stdout + done.stderr
    assert "units[jobcenter].address: at most 300 characters, got 404" in done.stderr
    assert f"employees[{employee['id']}].title: at most 300 characters, got 301" in done.stderr
    assert "valid (" not in done.stdout and "9" * 400 not in done.stderr
    path.write_text(mini_text())
    ok = subprocess.run(
        [sys.executable, "-m", "omstilling", "validate", str(path)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert ok.returncode == 0 and "valid (" in ok.stdout


def test_the_unit_editor_shows_a_text_past_its_column_and_saves_nothing(engine: Engine) -> None:
    from omstilling import accounts
    from omstilling.settings import Settings
    from omstilling.web.app import create_app
    from tests.web.session import PASSWORD, csrf, sign_in

    import_organisation(
        engine, orgfile.parse_data(doc()).organisation, file_revision=None, actor="t"
    )
    accounts.add_user(engine, "red", "editor", PASSWORD, unit_id="jobcenter")
    app = create_app(Settings(database_url=str(engine.url)), engine=engine)
    with sign_in(app, "red") as red:
        r = red.post(
            "/enheder/jobcenter/grunddata",
            data={"description": "Job", "address": "A" * 301, "csrf_token": csrf(red)},
        )
    assert r.status_code == 422 and "For lang" in r.text and "at most 300" in r.text
