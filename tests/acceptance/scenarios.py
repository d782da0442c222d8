"""The acceptance scenarios of ../shared/acceptance/advice-scenarios.yaml and their matcher."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from tests.conftest import ACCEPTANCE

SCENARIOS_FILE = ACCEPTANCE / "advice-scenarios.yaml"


def load_scenarios() -> tuple[Path, list[dict[str, Any]]]:
    """The fixture path and the scenarios; empty when the acceptance folder is absent."""
    if not SCENARIOS_FILE.exists():
        return ACCEPTANCE / "randers-mini.yaml", []
    doc = yaml.safe_load(SCENARIOS_FILE.read_text(encoding="utf-8"))
    return ACCEPTANCE / doc["fixture"], list(doc["scenarios"])


def mismatches(expect: dict[str, Any], answer: dict[str, Any]) -> list[str]:
    """Every way `answer` fails the partial match of `expect` (see the YAML's header)."""
    problems: list[str] = []
    for key, want in expect.items():
        if key == "to":
            got = answer.get("to") or {}
            for k, v in want.items():
                if got.get(k) != v:
                    problems.append(f"to.{k}: want {v!r}, got {got.get(k)!r}")
        elif key == "needs":
            if set(answer.get("needs", [])) != set(want):
                problems.append(f"needs: want {want!r}, got {answer.get('needs')!r}")
        elif key == "rules":
            missing = [r for r in want if r not in answer.get("rules", [])]
            if missing:
                problems.append(f"rules: missing {missing}, got {answer.get('rules')!r}")
        elif key == "say_contains":
            problems += [
                f"say lacks {s!r}: {answer['say']!r}" for s in want if s not in answer["say"]
            ]
        elif key == "say_excludes":
            problems += [f"say has {s!r}: {answer['say']!r}" for s in want if s in answer["say"]]
        elif key == "absence_shown_as":
            got = (answer.get("absence") or {}).get("shown_as")
            if got != want:
                problems.append(f"absence.shown_as: want {want!r}, got {got!r}")
        elif key == "alternatives_include":
            actions = [a.get("action") for a in answer.get("alternatives", [])]
            problems += [f"alternatives lack {a!r}: {actions}" for a in want if a not in actions]
        elif key == "notices_include":
            ids = [n.get("id") for n in answer.get("notices", [])]
            problems += [f"notices lack {n!r}: {ids}" for n in want if n not in ids]
        elif answer.get(key) != want:
            problems.append(f"{key}: want {want!r}, got {answer.get(key)!r}")
    return problems
