"""The accessibility statement (issue 17 item 6): linked from every page, sent to the
statement's address when the municipality has one, otherwise a Danish page saying it is
not registered yet, with the last automated check and what is known not to be accessible."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import ValidationError

from omstilling import orgfile
from omstilling.settings import Settings
from omstilling.store.db import ensure_schema, make_engine
from omstilling.store.organisation import import_organisation
from omstilling.web.app import create_app
from omstilling.web.public import accessibility
from tests.conftest import mini_text

WAS = "https://www.was.digst.dk/omstilling-kommune-dk"


def make_app(tmp_path: Path, **settings: str) -> FastAPI:
    url = f"sqlite:///{tmp_path}/a.db"
    engine = make_engine(url)
    ensure_schema(engine)
    import_organisation(engine, orgfile.parse_text(mini_text()), file_revision=None, actor="t")
    return create_app(Settings(database_url=url, **settings), engine=engine)


def test_without_a_statement_the_page_says_so_in_danish_with_the_last_check(
    tmp_path: Path,
) -> None:
    with TestClient(make_app(tmp_path), follow_redirects=False) as client:
        r = client.get("/tilgaengelighed")
    assert r.status_code == 200
    assert 'lang="da"' in r.text
    assert "endnu ikke registreret" in r.text
    assert "WAS-Tool" in r.text
    assert "OMSTILLING_ACCESSIBILITY_STATEMENT_URL" in r.text
    check = accessibility.last_check()
    assert check is not None, "the browser tests write accessibility_check.json"
    assert check["date_text"] in r.text
    assert check["tool"] in r.text
    assert "ikke fra en måling af kommunens egen installation" in r.text
    for known in accessibility.KNOWN_ISSUES:
        assert known.split(":")[0] in r.text


def test_with_a_statement_it_redirects_there(tmp_path: Path) -> None:
    app = make_app(tmp_path, accessibility_statement_url=WAS)
    with TestClient(app, follow_redirects=False) as client:
        r = client.get("/tilgaengelighed")
    assert r.status_code == 303
    assert r.headers["location"] == WAS


@pytest.mark.parametrize("path", ["/offentlig", "/login", "/tilgaengelighed", "/offentlig/soeg"])
def test_every_public_page_links_the_statement(tmp_path: Path, path: str) -> None:
    with TestClient(make_app(tmp_path), follow_redirects=False) as client:
        r = client.get(path)
    assert r.status_code == 200
    assert '<a href="/tilgaengelighed">Tilgængelighedserklæring</a>' in r.text


def test_the_setting_must_be_a_web_address() -> None:
    with pytest.raises(ValidationError):
        Settings(accessibility_statement_url="was.digst.dk/x")
    assert Settings(accessibility_statement_url="").accessibility_statement_url is None


def test_a_missing_or_broken_check_file_is_said_plainly(tmp_path: Path) -> None:
    assert accessibility.last_check(tmp_path / "none.json") is None
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({"date": "not a date"}), encoding="utf-8")
    assert accessibility.last_check(broken) is None
