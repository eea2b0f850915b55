"""A FastAPI backend that talks to Backend.AI: one Client for the whole app, opened and closed
by the lifespan, errors turned into HTTP answers.

    BACKEND_ENDPOINT=... BACKEND_ACCESS_KEY=... BACKEND_SECRET_KEY=... \
        uvicorn --factory examples.fastapi_app:create_app
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse

import backendai_async as bai


def create_app(config: bai.ClientConfig | None = None) -> FastAPI:
    """The app; ``config`` defaults to the ``BACKEND_*`` environment variables."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with bai.Client(config or bai.ClientConfig.from_env(), agent_signature="fastapi-example") as client:
            app.state.backendai = client
            yield

    app = FastAPI(lifespan=lifespan)

    def client_of(request: Request) -> bai.Client:
        client: bai.Client = request.app.state.backendai
        return client

    @app.exception_handler(bai.BackendAIError)
    async def backend_error(request: Request, err: bai.BackendAIError) -> JSONResponse:
        status = err.status if isinstance(err, bai.ServerError) and err.status else 502
        if isinstance(err, bai.RequestTimeoutError):
            status = 504
        return JSONResponse({"error": err.type.name, "title": err.title, "message": err.message}, status_code=status)

    @app.get("/version")
    async def version(request: Request) -> dict[str, Any]:
        client = client_of(request)
        manager = await client.get_manager_version()
        return {"manager": manager, "api": client.api_version}

    @app.post("/sessions/{name}")
    async def start(name: str, request: Request) -> dict[str, Any]:
        result = await client_of(request).create_if_not_exists(
            "cr.backend.ai/stable/python:3.9-ubuntu20.04", name, {"cpu": 1, "mem": "1g"}, timeout=60
        )
        return {"id": result.get("sessionId"), "created": result["created"], "status": result.get("status")}

    @app.get("/sessions/{name}")
    async def info(name: str, request: Request) -> dict[str, Any]:
        if len(name) < 4:
            raise HTTPException(status_code=422, detail="session names have at least 4 characters")
        result = await client_of(request).get_info(name)
        return {"status": result.get("status"), "image": result.get("image")}

    @app.delete("/sessions/{name}", status_code=204)
    async def stop(name: str, request: Request) -> None:
        await client_of(request).destroy(name)

    return app
