"""Settings of the test suite, so that plain ``pytest`` works from a clone with nothing set.

The suite never sees real keys: the test-only secret and encryption keys, no secure cookies
(the test client speaks plain HTTP), no cache, background jobs run at once, passwords hashed
the fast way. A value already in the environment wins (``DATABASE_URL`` for PostgreSQL,
``LAYAK_REQUIRE_BROWSER`` in CI), and everything else is ``config.settings`` itself."""

from __future__ import annotations

import os

TEST_ENVIRONMENT = {
    "SECRET_KEY": "test-only-secret-key",
    "LAYAK_ENCRYPTION_KEYS": "test-only-encryption-key",
    "LAYAK_SECURE_COOKIES": "false",
    "DEBUG": "false",
    "LAYAK_CACHE": "dummy",
    "LAYAK_TASKS": "immediate",
}
for _name, _value in TEST_ENVIRONMENT.items():
    os.environ.setdefault(_name, _value)

from config.settings import *  # noqa: E402, F403

# A password hashed the production way (PBKDF2, a million rounds) costs a good part of a second
# of CPU, and the suite creates people in almost every test class: the tests hash with MD5.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# The test client builds a new request handler, and so a new WhiteNoise middleware, for every
# ``Client``; outside DEBUG WhiteNoise indexes every static file when it starts (about a tenth
# of a second), which was half the time of the request-heavy tests (the permission matrices).
# In the suite it looks each file up when asked instead, as under DEBUG.
WHITENOISE_AUTOREFRESH = True
