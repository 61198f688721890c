"""Auth failures against the sandbox: clear fixes, named scopes, and no token anywhere."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
import structlog
from structlog.testing import capture_logs

from connector.errors import AuthError
from connector.hubspot.models import RecordUpdate
from connector.logging import configure_logging
from connector.sandbox import Sandbox
from tests.conftest import MakeSandbox
from tests.hubspot.conftest import MakeGateway

WRONG_TOKEN = "pat-na1-0badc0de-1111-2222-3333-444455556666"
READONLY_TOKEN = "pat-eu1-5ca1ab1e-7777-8888-9999-000011112222"
READONLY_SCOPES = frozenset({"crm.objects.contacts.read"})


@pytest.fixture(name="rendered_logs")
def _rendered_logs() -> Iterator[io.StringIO]:
    """The connector's real log pipeline (redaction + JSON rendering) into a buffer."""
    saved = structlog.get_config()
    stream = io.StringIO()
    configure_logging(level="DEBUG", fmt="json", stream=stream)
    yield stream
    structlog.configure(**saved)


def test_wrong_token_says_how_to_fix_it_and_never_shows_the_token(
    sandbox: Sandbox, make_gateway: MakeGateway, rendered_logs: io.StringIO
) -> None:
    gateway = make_gateway(sandbox, access_token=WRONG_TOKEN)
    with pytest.raises(AuthError) as info:
        gateway.list_contacts(properties=["email"], limit=1)
    error = info.value
    message = str(error)
    assert "HUBSPOT_ACCESS_TOKEN" in message
    assert "pat-" in message
    assert error.status == 401
    assert error.details.category == "INVALID_AUTHENTICATION"
    assert error.details.correlation_id
    assert error.details.endpoint == "contacts.list"
    for text in (message, repr(error), repr(error.details), repr(gateway._config)):
        assert WRONG_TOKEN not in text
    assert error.__cause__ is None  # the SDK exception (with raw headers) is not chained
    assert gateway.stats().calls_by_status == {"401": 1}  # 401 is not retried
    output = rendered_logs.getvalue()
    assert "hubspot_call_failed" in output
    assert WRONG_TOKEN not in output


def test_missing_scope_raises_an_auth_error_naming_the_scopes(
    make_sandbox: MakeSandbox, make_gateway: MakeGateway, rendered_logs: io.StringIO
) -> None:
    sandbox = make_sandbox(contacts=20, extra_tokens={READONLY_TOKEN: READONLY_SCOPES})
    gateway = make_gateway(sandbox, access_token=READONLY_TOKEN)
    ids = sandbox.store.all_ids("contacts")[:2]
    assert len(gateway.read_contacts(ids, ["email"])) == 2  # the scope it has works

    with capture_logs() as captured, pytest.raises(AuthError) as info:
        gateway.update_contacts([RecordUpdate(id=ids[0], properties={"hs_lead_status": "OPEN"})])
    error = info.value
    assert error.status == 403
    assert "crm.objects.contacts.write" in error.missing_scopes
    assert "crm.objects.contacts.write" in str(error)
    assert error.details.category == "MISSING_SCOPES"

    with pytest.raises(AuthError) as owners:
        gateway.list_owners()
    assert owners.value.missing_scopes == ("crm.objects.owners.read",)

    assert captured, "the failure was logged"
    assert all(READONLY_TOKEN not in repr(entry) for entry in captured)
    assert READONLY_TOKEN not in rendered_logs.getvalue()
    assert READONLY_TOKEN not in str(error) + str(owners.value)


def test_a_private_app_token_tells_its_scopes_and_a_wrong_token_tells_nothing(
    make_sandbox: MakeSandbox, make_gateway: MakeGateway, rendered_logs: io.StringIO
) -> None:
    sandbox = make_sandbox(contacts=5, extra_tokens={READONLY_TOKEN: READONLY_SCOPES})
    assert make_gateway(sandbox, access_token=READONLY_TOKEN).granted_scopes() == READONLY_SCOPES
    # A token HubSpot will not describe (here: unknown) leaves the check to the calls themselves.
    assert make_gateway(sandbox, access_token=WRONG_TOKEN).granted_scopes() is None
    assert READONLY_TOKEN not in rendered_logs.getvalue()
    assert WRONG_TOKEN not in rendered_logs.getvalue()
