from __future__ import annotations

import io
import json

import structlog

from connector.logging import configure_logging, get_logger, register_secret


def _emit(**fields: object) -> dict[str, object]:
    stream = io.StringIO()
    configure_logging(level="DEBUG", fmt="json", stream=stream)
    get_logger("t").info("something_happened", **fields)
    line = stream.getvalue().strip()
    assert "\n" not in line
    parsed: dict[str, object] = json.loads(line)
    return parsed


def test_json_lines_when_not_a_terminal() -> None:
    event = _emit(contact_id="123", count=2)
    assert event["event"] == "something_happened"
    assert event["contact_id"] == "123"
    assert event["level"] == "info"
    assert "timestamp" in event


def test_secrets_are_redacted_wherever_they_appear() -> None:
    token = "pat-na1-11111111-2222-3333-4444-555555555555"
    register_secret(token)
    event = _emit(
        headers={"Authorization": f"Bearer {token}", "Accept": "json"},
        access_token=token,
        detail=f"calling with {token} failed",
        nested=[{"note": f"Bearer {token}"}],
    )
    rendered = json.dumps(event)
    assert token not in rendered
    assert "Bearer pat" not in rendered
    assert event["access_token"] == "[REDACTED]"
    assert event["headers"] == {"Authorization": "[REDACTED]", "Accept": "json"}


def test_contact_pii_never_reaches_the_log_but_ids_do() -> None:
    event = _emit(
        contact_id="901",
        email="jane.doe@example.com",
        properties={"firstname": "Jane", "lastname": "Doe", "phone": "+1 555 0100", "score": "40"},
        message="could not update jane.doe@example.com",
    )
    rendered = json.dumps(event)
    for secret in ("jane.doe@example.com", "Jane", "Doe", "555 0100"):
        assert secret not in rendered
    assert event["contact_id"] == "901"
    assert event["properties"] == {
        "firstname": "[PII]",
        "lastname": "[PII]",
        "phone": "[PII]",
        "score": "40",
    }


def test_console_renderer_when_asked() -> None:
    stream = io.StringIO()
    configure_logging(level="INFO", fmt="console", stream=stream)
    get_logger("t").info("readable_event", contact_id="7")
    out = stream.getvalue()
    assert "readable_event" in out
    assert not out.lstrip().startswith("{")
    structlog.reset_defaults()


def test_level_filters_debug() -> None:
    stream = io.StringIO()
    configure_logging(level="WARNING", fmt="json", stream=stream)
    get_logger("t").info("hidden")
    get_logger("t").warning("shown")
    assert "hidden" not in stream.getvalue()
    assert "shown" in stream.getvalue()
