"""The JSON API of issue 18 (beyond contract v1, extending it): revealing responses,
grouping suggestions, dot-votes, and people without a phone."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from app.domain.codes import normalize_code
from app.web.deps import FacilitatorDep, ServiceDep

router = APIRouter(prefix="/api", tags=["api"])


@router.post("/rooms/{code}/statements/{target}/reveal")
async def reveal_responses(
    code: str, target: str, viewer: FacilitatorDep, service: ServiceDep
) -> dict[str, Any]:
    """Show the board and everyone the responses to `target` (when the room hides them)."""
    return await service.reveal_responses(normalize_code(code), viewer, target)
