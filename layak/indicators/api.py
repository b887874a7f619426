"""API of this module under /api/v1/."""

from ninja import Router

router = Router(tags=["indicators"])
