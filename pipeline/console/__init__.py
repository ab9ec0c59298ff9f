"""The web console: static pages and small ES modules under /console, no build step.

The browser calls the same /v1 API with the signed-in person's own party token (kept in
sessionStorage). In a local run (COMPLAINTS_ENV=local) a development sign-in mints party
tokens for demo people with the local key set; in production the marketplace's login issues
the tokens and these routes do not exist."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field

from pipeline.api.party_tokens import GRANTS, PartyTokenError
from pipeline.db import reports
from pipeline.db.pool import read
from pipeline.domain.text import text
from pipeline.settings import Settings
from schemas.categories import CATEGORIES

STATIC = Path(__file__).parent / "static"
#: Demo staff: two arbitrators (an appeal needs another pair of eyes) and an operator.
DEMO_STAFF: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("staff_1", ("review", "arbitrate", "supervise")),
    ("staff_2", ("review", "arbitrate", "supervise")),
    ("ops_1", ("operate",)),
)
DEMO_PEOPLE_PER_ROLE = 5
TOKEN_SECONDS = 8 * 3600


class SignIn(BaseModel):
    role: Literal["buyer", "merchant", "staff"]
    sub: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.:-]{1,128}$")]
    grants: list[str] = []


def dev_router() -> APIRouter:
    router = APIRouter(prefix="/console/dev", include_in_schema=False)

    @router.post("/token")
    def mint(body: SignIn, request: Request) -> dict[str, str]:
        """A party token for anyone named (local runs only: the local key set signs it)."""
        from pipeline.api.app import party_tokens

        signer = party_tokens(request.app.state.settings)
        if signer is None:
            raise HTTPException(404, text("no party token key set is configured"))
        if not set(body.grants) <= GRANTS:
            raise HTTPException(
                422, text("grants must be among {grants}", grants=", ".join(sorted(GRANTS)))
            )
        try:
            token = signer.mint(body.role, body.sub, frozenset(body.grants), TOKEN_SECONDS)
        except (PartyTokenError, TypeError, AttributeError) as exc:
            raise HTTPException(422, text("cannot sign this token: {why}", why=str(exc))) from None
        return {"token": token}

    @router.get("/people")
    def people(request: Request) -> dict[str, list[dict[str, Any]]]:
        """Demo people: the latest complaints' buyers and merchants, and the demo staff."""
        rows = read(
            request.app.state.pool, lambda conn: reports.demo_people(conn, DEMO_PEOPLE_PER_ROLE)
        )
        found = [{"role": role, "sub": sub, "grants": []} for role, sub in rows]
        staff = [{"role": "staff", "sub": s, "grants": list(g)} for s, g in DEMO_STAFF]
        return {"people": found + staff}

    return router


def categories_js() -> str:
    """An ES module of the category table: codes in table order and names per language."""
    names = {
        "zh-CN": {row.name: row.name_zh for row in CATEGORIES},
        "en": {row.name: row.name_en for row in CATEGORIES},
    }
    dump = partial(json.dumps, ensure_ascii=False)
    return (
        "// The category table (schemas/categories.py) of the process serving the console.\n"
        f"export const CATEGORIES = {dump([row.name for row in CATEGORIES])};\n"
        f"export const CATEGORY_NAMES = {dump(names)};\n"
    )


def mount(app: FastAPI, settings: Settings) -> None:
    if settings.env == "local":
        app.include_router(dev_router())

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        return RedirectResponse("/console/")

    @app.get("/console/js/categories.js", include_in_schema=False)
    def categories() -> Response:
        """The category table's codes and names, as the pages import them."""
        return Response(categories_js(), media_type="text/javascript; charset=utf-8")

    app.mount("/console", StaticFiles(directory=STATIC, html=True), name="console")
