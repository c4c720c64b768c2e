"""Schemathesis hooks for the template app's run (`tests/cases/schemathesis.rs`).

The run signs in once, as the app's admin (made at start-up from its configuration), and
sends that token with every request. Schemathesis reads the user's id from the token (the JWT `sub`) and, on
purpose, aims generated requests at it: one `DELETE /api/users/{that id}` and every
later request is a 401, one `PATCH` with `role: user` and the admin operations are 403.
Both are correct answers, but the rest of the run would test only the sign-in check. (The
last admin cannot be demoted or deleted, but the run makes admins of its own first.)

So the only cases dropped are those two, against that one account. Deleting and demoting
other accounts (the ones Schemathesis registers and creates itself) is still generated,
and the test checks at the end that the token still works as an admin's.
"""

import os

import schemathesis

SIGNED_IN = int(os.environ["FSROUTE_SCHEMATHESIS_USER_ID"])


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
