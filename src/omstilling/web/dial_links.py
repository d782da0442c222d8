"""Every number the console shows as a link the operator's softphone dials (issue 16 item 3).

The templates call `phone_link(e164, shown, extension)`; the URI comes from the settings'
templates (`omstilling.domain.dial`). A number without a link (a hidden caller, text that
is not a number) is plain text; a withheld number is never given to a template at all.
"""

from __future__ import annotations

from typing import Any

from jinja2 import Environment
from markupsafe import Markup, escape

from omstilling.domain.dial import Dialler
from omstilling.settings import Settings

# The advice's number: one key opens it (omstilling.js); the key help says which.
PRIMARY_KEY = "Alt+R"


def dialler(settings: Settings) -> Dialler:
    return Dialler.from_texts(settings.dial_uri, settings.dial_uri_fallback)


def phone_link(
    d: Dialler,
    e164: str | None,
    shown: str | None = None,
    extension: str | None = None,
    primary: bool = False,
) -> Markup:
    """An <a> to the number's URI, or the shown text alone when it has none."""
    text = shown or e164 or ""
    found = d.link(e164, extension)
    if found is None:
        return Markup(escape(text))
    uri, template = found
    attrs = f' class="dial" href="{escape(uri)}"'
    if template.opens_page:
        # A click-to-dial page opens beside the console, which keeps its state.
        attrs += ' target="_blank" rel="noopener noreferrer"'
    if primary:
        attrs += f' data-dial="primary" aria-keyshortcuts="{PRIMARY_KEY}"'
    return Markup(f"<a{attrs}>{escape(text)}</a>")


def caller_link(d: Dialler, payload: dict[str, Any]) -> dict[str, Any]:
    """A live call's payload with `caller_uri` for its caller's number (hidden: none)."""
    shown = {k: v for k, v in payload.items() if k != "caller_e164"}
    if payload.get("type") == "queued":
        link = d.link(payload.get("caller_e164"))
        shown["caller_uri"] = link[0] if link else None
        shown["caller_opens_page"] = bool(link and link[1].opens_page)
    return shown


def install(env: Environment, settings: Settings) -> None:
    d = dialler(settings)

    def link(
        e164: str | None,
        shown: str | None = None,
        extension: str | None = None,
        primary: bool = False,
    ) -> Markup:
        return phone_link(d, e164, shown, extension, primary)

    env.globals["phone_link"] = link
    env.globals["dial_uri"] = d.uri
    env.globals["dial_key"] = PRIMARY_KEY
