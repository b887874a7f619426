"""The roles a person can hold (issue #2). Permissions refer to these codes.

The codes are defined in ``layak.core.roles`` so that layers below accounts (core, regions) can
name a role too (issue #14); this name stays for the code and the migrations that import it here.
"""

from __future__ import annotations

from layak.core.roles import Role as Role

__all__ = ["Role"]
