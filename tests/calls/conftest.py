"""Call tests share the acceptance organisation (randers-mini) and the handmade log."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from omstilling import orgfile
from omstilling.store.organisation import import_organisation
from tests.conftest import mini_text

DATA = Path(__file__).parent / "data"
HANDCOUNT = DATA / "handcount.log"


@pytest.fixture
def org_engine(engine: Engine) -> Engine:
    import_organisation(engine, orgfile.parse_text(mini_text()), file_revision=None, actor="test")
    return engine
