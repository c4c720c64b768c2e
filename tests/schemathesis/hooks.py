"""Schemathesis hooks for the template app's run (`tests/cases/schemathesis.rs`).

The run signs in once, as the app's admin (made at start-up from its configuration), and
the auth provider below sends that token with every request. Schemathesis reads the
user's id from the token (the JWT `sub`) and, on purpose, aims generated requests at it:
one `DELETE /api/users/{that id}` and every later request is a 401, one `PATCH` with
`role: user` and the admin operations are 403. Both are correct answers, but the rest of
the run would test only the sign-in check. (The last admin cannot be demoted or deleted,
but the run makes admins of its own first.)

So the only cases dropped are those two, against that one account. Deleting and demoting
other accounts (the ones Schemathesis registers and creates itself) is still generated,
and the test checks at the end that the token still works as an admin's.

`POST /api/auth/logout-all` ends every token of the account that sends it, so it is sent
with the token of a throw-away account, registered and signed in for that request: with
the admin's, every later request would be a 401.
"""

import json
import os
import urllib.request
import uuid

import schemathesis

SIGNED_IN = int(os.environ["FSROUTE_SCHEMATHESIS_USER_ID"])
TOKEN = os.environ["FSROUTE_SCHEMATHESIS_TOKEN"]
BASE_URL = os.environ["FSROUTE_SCHEMATHESIS_BASE_URL"]


def _post(path, body):
    request = urllib.request.Request(
        BASE_URL + path,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read() or b"null")


def _throw_away_token():
    account = {
        "email": f"throw-away-{uuid.uuid4().hex}@example.com",
        "name": "Throw-away",
        "password": "a throw-away password",
    }
    _post("/api/auth/register", account)
    del account["name"]
    return _post("/api/auth/login", account)["token"]


@schemathesis.auth()
class SignedIn:
    def get(self, case, context):
        return TOKEN

    def set(self, case, data, context):
        if context.operation.path == "/api/auth/logout-all":
            data = _throw_away_token()
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


def _is_signed_in_user(value):
    # The server reads `01` and `+1` as 1 too; anything Python reads as that number counts.
    try:
        return int(str(value)) == SIGNED_IN
    except ValueError:
        return False


@schemathesis.hook
def filter_case(context, case):
    if case.operation.path != "/api/users/{id}":
        return True
    if not _is_signed_in_user((case.path_parameters or {}).get("id")):
        return True
    method = case.operation.method.upper()
    if method == "DELETE":
        return False
    body = case.body
    demotes = isinstance(body, dict) and body.get("role") == "user"
    return not (method in ("PUT", "PATCH") and demotes)
