"""The sync's fixtures: a real slapd for the LDAP tests."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.sync.slapd import SLAPD, Slapd, start_slapd


@pytest.fixture
def slapd(tmp_path: Path) -> Iterator[Slapd]:
    if not shutil.which(SLAPD) and not Path(SLAPD).exists():
        pytest.fail(
            "slapd is not installed: .ci/run installs it (apt-get install slapd ldap-utils)"
        )
    folder = tmp_path / "slapd"
    folder.mkdir()
    yield from start_slapd(folder)
