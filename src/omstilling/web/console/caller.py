"""The caller panel: who is calling on the call being served (issue 16 item 2, R1.3).

Operators only. The call is named by the PBX's call id; its number comes from the
PBX's own records, never from the browser, so the panel cannot be asked about any
number one likes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from omstilling.accounts import Principal
from omstilling.calls.caller import HISTORY_DAYS, caller_history, caller_of
from omstilling.domain.danish import format_phone
from omstilling.domain.labels import MESSAGE_STATUS
from omstilling.store.console_log import CALL_ID
from omstilling.web.auth import page_user, role_required
from omstilling.web.console.pages import local_now, render
from omstilling.web.deps import directory

router = APIRouter(include_in_schema=False)
PageUser = Annotated[Principal, Depends(page_user)]

# What the console logged, as the panel says it.
ACTION_WORDS = {
    "transfer": "Stillet om",
    "give_number": "Nummer givet",
    "take_message": "Besked taget",
    "answered": "Besvaret her",
}


@router.get("/console/kalder", response_class=HTMLResponse)
def caller_panel(request: Request, user: PageUser, call_id: str = "") -> HTMLResponse:
    role_required(user, "operator")
    org = directory(request).organisation()
    if org is None or not CALL_ID.fullmatch(call_id):
        return render(request, "_caller.html", user, known=False, call_id="")
    now = local_now(request, org)
    with request.app.state.engine.connect() as conn:
        known, number = caller_of(conn, call_id)
        history = caller_history(conn, org, number, now=now, exclude=call_id)
    return render(
        request,
        "_caller.html",
        user,
        known=known,
        call_id=call_id,
        number=number,
        shown=format_phone(number) if number else None,
        h=history,
        days=HISTORY_DAYS,
        tz=now.tzinfo,
        words=ACTION_WORDS,
        status=MESSAGE_STATUS,
    )
