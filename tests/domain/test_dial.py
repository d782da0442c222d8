"""Dial links: the URI templates' rules (issue 16 item 3)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from omstilling.domain.dial import Dialler, number_values, parse_template
from omstilling.settings import Settings

NUMBER = "+4589151234"


@pytest.mark.parametrize(
    ("primary", "fallback", "extension", "expected"),
    [
        ("tel:{e164}", "tel:{e164}", None, "tel:+4589151234"),
        ("tel:{e164}", "tel:{e164}", "3101", "tel:+4589151234"),
        ("sip:{extension}@pbx.example", "tel:{e164}", "3101", "sip:3101@pbx.example"),
        ("sip:{extension}@pbx.example", "tel:{e164}", None, "tel:+4589151234"),
        (
            "sip:{extension}@pbx.example",
            "sip:0{national}@pbx.example",
            None,
            "sip:089151234@pbx.example",
        ),
        ("callto:{e164}", "tel:{e164}", None, "callto:+4589151234"),
        (
            "sips:{digits}@pbx.example;user=phone",
            "tel:{e164}",
            None,
            "sips:4589151234@pbx.example;user=phone",
        ),
        ("im:{e164}", "tel:{e164}", None, "im:+4589151234"),
        # A web page's query: the plus is escaped, or it would read as a space.
        (
            "https://pbx.example/dial?to={e164}&x=1",
            "tel:{e164}",
            None,
            "https://pbx.example/dial?to=%2B4589151234&x=1",
        ),
        (
            "http://10.0.0.5:8080/c2d/{national}",
            "tel:{e164}",
            None,
            "http://10.0.0.5:8080/c2d/89151234",
        ),
        ("TEL:{e164}", "tel:{e164}", None, "TEL:+4589151234"),
    ],
)
def test_a_number_becomes_the_uri_its_template_makes(
    primary: str, fallback: str, extension: str | None, expected: str
) -> None:
    assert Dialler.from_texts(primary, fallback).uri(NUMBER, extension) == expected


def test_a_foreign_number_keeps_its_country_in_e164_and_digits() -> None:
    assert number_values("+46812345678") == {
        "e164": "+46812345678",
        "digits": "46812345678",
        "national": "812345678",
    }


@pytest.mark.parametrize("bad", [None, "", "89151234", "anonymous", "+45 89 15 12 34", "+0123"])
def test_what_is_not_an_e164_number_gets_no_link(bad: str | None) -> None:
    assert Dialler.from_texts().uri(bad) is None


def test_only_an_extension_dials_by_extension_when_the_template_asks_for_it() -> None:
    d = Dialler.from_texts("sip:{extension}@pbx.example", "tel:{e164}")
    assert d.uri(None, "3101") == "sip:3101@pbx.example"
    assert Dialler.from_texts().uri(None, "3101") is None


def test_an_odd_extension_is_not_put_in_a_uri() -> None:
    d = Dialler.from_texts("sip:{extension}@pbx.example", "tel:{e164}")
    assert d.uri(NUMBER, "31 01@evil") == "tel:+4589151234"


@pytest.mark.parametrize(
    ("template", "why"),
    [
        ("tel:89151234", "no placeholder"),
        ("tel:{number}", "unknown placeholder {number}"),
        ("tel:{E164}", "unknown placeholder {E164}"),
        ("tel:{}", "unknown placeholder {}"),
        ("tel:{e164", "no placeholder"),
        ("tel:{e164}}", "a brace outside a placeholder"),
        ("javascript:alert({e164})", "must start with one of"),
        ("data:text/html,{e164}", "must start with one of"),
        ("{e164}", "must start with one of"),
        ("//pbx.example/{e164}", "must start with one of"),
        ("https://{digits}.evil.example/", "names its host"),
        ("tel: {e164}", "no spaces"),
    ],
)
def test_a_bad_template_is_refused_naming_the_setting(template: str, why: str) -> None:
    with pytest.raises(ValueError, match="OMSTILLING_DIAL_URI") as caught:
        Dialler.from_texts(template)
    assert why in str(caught.value)


def test_the_fallback_may_not_name_an_extension() -> None:
    with pytest.raises(ValueError, match=r"OMSTILLING_DIAL_URI_FALLBACK: .*no \{extension\}"):
        Dialler.from_texts("sip:{extension}@pbx.example", "sip:{extension}@other.example")


@pytest.mark.parametrize(
    ("env", "name"),
    [
        ({"OMSTILLING_DIAL_URI": "tel:89151234"}, "OMSTILLING_DIAL_URI"),
        ({"OMSTILLING_DIAL_URI": "sip:{lokal}@pbx"}, "OMSTILLING_DIAL_URI"),
        ({"OMSTILLING_DIAL_URI_FALLBACK": "javascript:{e164}"}, "OMSTILLING_DIAL_URI_FALLBACK"),
    ],
)
def test_settings_refuse_a_bad_template_at_start_up_with_its_name(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], name: str
) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ValidationError, match=f"{name}: "):
        Settings(_env_file=None)  # type: ignore[call-arg]


def test_settings_default_to_tel() -> None:
    s = Settings(_env_file=None)  # type: ignore[call-arg]
    assert (s.dial_uri, s.dial_uri_fallback) == ("tel:{e164}", "tel:{e164}")


@given(st.text(max_size=40))
def test_a_template_is_refused_or_makes_a_uri_of_an_allowed_scheme(text: str) -> None:
    try:
        template = parse_template(text, "OMSTILLING_DIAL_URI")
    except ValueError as exc:
        assert str(exc).startswith("OMSTILLING_DIAL_URI: ")
        return
    uri = template.expand(number_values(NUMBER, "3101"))
    assert uri is not None
    assert uri.split(":", 1)[0].lower() in ("tel", "sip", "sips", "callto", "im", "http", "https")
    assert not any(c.isspace() for c in uri)
