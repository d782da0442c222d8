"""Server-Sent Events to the console: calls queued on the switchboard's queue."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse

from omstilling.accounts import Principal
from omstilling.live import LiveHub
from omstilling.web import dial_links
from omstilling.web.auth import page_user, role_required

router = APIRouter(include_in_schema=False)
KEEPALIVE_SECONDS = 15.0


@router.get("/console/events")
async def console_events(
    request: Request, user: Annotated[Principal, Depends(page_user)]
) -> StreamingResponse:
    role_required(user, "operator")
    hub: LiveHub = request.app.state.live_hub
    queue = hub.subscribe()
    dialler = dial_links.dialler(request.app.state.settings)

    async def stream() -> AsyncIterator[str]:
        try:
            yield "retry: 3000\n\n"
            while not await request.is_disconnected():
                try:
                    payload = await asyncio.wait_for(queue.get(), KEEPALIVE_SECONDS)
                except TimeoutError:
                    yield ": keepalive\n\n"
                    continue
                shown = dial_links.caller_link(dialler, payload)
                yield f"event: call\ndata: {json.dumps(shown, ensure_ascii=False)}\n\n"
        finally:
            hub.unsubscribe(queue)

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
