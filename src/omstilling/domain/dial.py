"""Dial links: a number as the URI the operator's softphone dials (issue 16 item 3).

A URI template names the number by placeholders: `{e164}` (+4589151234), `{digits}`
(4589151234: E.164 without the plus), `{national}` (89151234) and `{extension}` (the
employee's extension, when the advice transfers to one). The softphone (Teams, Zoiper,
Jabber, 3CX, a desk phone's CTI) or the PBX's click-to-dial page answers the link.

A template that names a value the number does not have (most often `{extension}`) gives
way to the fallback template, which may not name `{extension}`. Only schemes a phone or a
web page answers are allowed: never `javascript:` or `data:`. A template without a
placeholder, with an unknown one, or with a stray brace is refused, naming the setting.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

import phonenumbers

__all__ = [
    "DEFAULT_TEMPLATE",
    "PLACEHOLDERS",
    "SCHEMES",
    "Dialler",
    "UriTemplate",
    "number_values",
    "parse_template",
]

PLACEHOLDERS = ("e164", "digits", "national", "extension")
SCHEMES = ("tel", "sip", "sips", "callto", "im", "http", "https")
DEFAULT_TEMPLATE = "tel:{e164}"

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
# A web template's host is its own, never a placeholder: a number cannot pick the server.
_WEB = re.compile(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?([/?#]|$)|https?://\[[0-9A-Fa-f:.]+\]")
_E164 = re.compile(r"\+[1-9][0-9]{6,14}")
_EXTENSION = re.compile(r"[0-9A-Za-z*#]{1,10}")


@dataclass(frozen=True, slots=True)
class UriTemplate:
    """A checked template: `literals` and `names` alternate, a literal first and last."""

    text: str
    scheme: str
    literals: tuple[str, ...]
    names: tuple[str, ...]

    @property
    def opens_page(self) -> bool:
        """A click-to-dial web page (opened beside the console), not a softphone."""
        return self.scheme in ("http", "https")

    def expand(self, values: dict[str, str]) -> str | None:
        """The URI, the values escaped for a URI; None when one it names is missing."""
        if any(name not in values for name in self.names):
            return None
        # `+` is literal in tel:, sip: and callto:, but a space in a web query string.
        safe = "" if self.opens_page else "+"
        out = [self.literals[0]]
        for name, literal in zip(self.names, self.literals[1:], strict=True):
            out.append(quote(values[name], safe=safe))
            out.append(literal)
        return "".join(out)


def parse_template(text: str, setting: str, *, fallback: bool = False) -> UriTemplate:
    """Check a template; a ValueError names `setting` (e.g. OMSTILLING_DIAL_URI)."""

    def refuse(why: str) -> ValueError:
        return ValueError(f"{setting}: {why} (in {text!r})")

    if any(c.isspace() or ord(c) < 32 for c in text):
        raise refuse("a URI template has no spaces or control characters")
    names = tuple(m.group(1) for m in _PLACEHOLDER.finditer(text))
    if not names:
        raise refuse("no placeholder; use {e164}, {digits}, {national} or {extension}")
    unknown = [n for n in names if n not in PLACEHOLDERS]
    if unknown:
        raise refuse(
            f"unknown placeholder {{{unknown[0]}}}; use {{e164}}, {{digits}}, "
            "{national} or {extension}"
        )
    literals = tuple(_PLACEHOLDER.split(text)[0::2])
    if any("{" in part or "}" in part for part in literals):
        raise refuse("a brace outside a placeholder")
    scheme_match = _SCHEME.match(literals[0])
    scheme = scheme_match.group(1).lower() if scheme_match else ""
    if scheme not in SCHEMES:
        raise refuse(f"the URI must start with one of {', '.join(s + ':' for s in SCHEMES)}")
    if scheme in ("http", "https") and not _WEB.match(literals[0]):
        raise refuse("a web address names its host before any placeholder")
    if fallback and "extension" in names:
        raise refuse("the fallback is for numbers without an extension: no {extension}")
    return UriTemplate(text, scheme, literals, names)


def number_values(e164: str | None, extension: str | None = None) -> dict[str, str]:
    """The placeholders' values a number has; an invalid one has none."""
    values: dict[str, str] = {}
    if e164 and _E164.fullmatch(e164):
        values["e164"] = e164
        values["digits"] = e164[1:]
        try:
            parsed = phonenumbers.parse(e164, None)
            values["national"] = phonenumbers.national_significant_number(parsed)
        except phonenumbers.NumberParseException:
            pass
    if extension and _EXTENSION.fullmatch(extension):
        values["extension"] = extension
    return values


@dataclass(frozen=True, slots=True)
class Dialler:
    """The settings' two templates; `link` is what a shown number links to."""

    primary: UriTemplate
    fallback: UriTemplate

    @classmethod
    def from_texts(
        cls,
        primary: str = DEFAULT_TEMPLATE,
        fallback: str = DEFAULT_TEMPLATE,
        names: tuple[str, str] = ("OMSTILLING_DIAL_URI", "OMSTILLING_DIAL_URI_FALLBACK"),
    ) -> Dialler:
        return cls(
            parse_template(primary, names[0]), parse_template(fallback, names[1], fallback=True)
        )

    def link(
        self, e164: str | None, extension: str | None = None
    ) -> tuple[str, UriTemplate] | None:
        """(the URI, the template that made it), or None: a number that is not one."""
        values = number_values(e164, extension)
        for template in (self.primary, self.fallback):
            uri = template.expand(values)
            if uri is not None:
                return uri, template
        return None

    def uri(self, e164: str | None, extension: str | None = None) -> str | None:
        found = self.link(e164, extension)
        return found[0] if found else None
