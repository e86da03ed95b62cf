"""schemathesis generates requests from the served OpenAPI schema: none may get a 500."""

import schemathesis
from hypothesis import HealthCheck, settings

from csbot import Bot
from csbot.server import create_app
from csbot.sessions import InMemorySessionStore

app = create_app(Bot.load(sessions=InMemorySessionStore()), admin_token="fuzz-token")
schema = schemathesis.openapi.from_asgi("/openapi.json", app)


@schema.parametrize()
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_generated_request_gets_a_server_error(case: schemathesis.Case) -> None:
    response = case.call()
    assert response.status_code < 500, (case.path, case.body, response.text)
    case.validate_response(response, checks=(schemathesis.checks.not_a_server_error,))
