"""The holder's quota detail, statements and daily monitor pages."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
