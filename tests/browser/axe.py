"""axe-core in the real browser (issue 17 item 4): the WCAG 2.1 A and AA rules, nothing else.

`axe-playwright-python` bundles axe-core's script; nothing is downloaded at run time. The
script is evaluated through the DevTools protocol, which the pages' Content-Security-Policy
does not govern, so the pages are checked under their real policy.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from omstilling.web.public.accessibility import CHECK_FILE

TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
OPTIONS = {"runOnly": {"type": "tag", "values": list(TAGS)}, "resultTypes": ["violations"]}


def axe_version() -> str:
    from axe_playwright_python.base import AXE_SCRIPT

    first = AXE_SCRIPT.split("\n", 1)[0]  # "/*! axe v4.12.1"
    return first.rsplit("v", 1)[-1].strip()


@dataclass
class Walk:
    """Every page checked in one run, as whom, and what axe found."""

    pages: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def check(self, page: Any, name: str) -> None:
        """Run axe on what `page` shows now; `name` says which page, as whom, in what state."""
        from axe_playwright_python.sync_playwright import Axe

        page.wait_for_load_state("networkidle")
        results = Axe().run(page, options=OPTIONS)
        self.pages.append(name)
        for v in results.response["violations"]:
            for node in v["nodes"]:
                target = " ".join(str(t) for t in node["target"])
                summary = node.get("failureSummary", "").replace("\n", " ")
                self.problems.append(
                    f"{v['id']} ({v['impact']}) on {name} [{page.url}] at {target}: "
                    f"{node['html'][:160]} -- {summary}"
                )

    def record(self, path: Path = CHECK_FILE) -> None:
        """The check's date and result for the accessibility page (item 6); rewritten only
        when something but the time of day changed, so a rerun the same day leaves no diff."""
        data = {
            "date": date.today().isoformat(),
            "tool": f"axe-core {axe_version()}",
            "rules": list(TAGS),
            "pages": len(self.pages),
            "checked": self.pages,
            "violations": len(self.problems),
            "source": "tests/browser/test_accessibility.py",
        }
        text = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
