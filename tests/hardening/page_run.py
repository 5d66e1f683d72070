"""One run of the dashboard's page over Streamlit's websocket, spoken to as a client without a
browser (the secured-front tests and ``benchmarks/front_attacks.py``)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState


def rerun(widgets: Sequence[WidgetState] = ()) -> bytes:
    """The message that runs the first page (with these widget states)."""
    msg = BackMsg()
    msg.rerun_script.query_string = ""
    msg.rerun_script.page_script_hash = ""
    msg.rerun_script.widget_states.widgets.extend(widgets)
    return msg.SerializeToString()


async def read_run(ws: Any, session: str = "") -> tuple[str, list[Any]]:
    """Read what the server sends until the run ends: (the Streamlit session id, or ``session``
    when none was sent; the new elements of the run, those of a run cut short by ``st.rerun()``
    left out)."""
    elements: list[Any] = []
    finished = False
    while True:
        fwd = ForwardMsg()
        fwd.ParseFromString(await asyncio.wait_for(ws.recv(), timeout=120))
        kind = fwd.WhichOneof("type")
        if kind == "new_session":
            session = fwd.new_session.initialize.session_id or session
        elif kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
            elements.append(fwd.delta.new_element)
        elif kind == "script_finished":
            finished = fwd.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN
            if not finished:
                elements = []  # what counts is the run that follows
        elif kind == "session_status_changed" and finished:
            if not fwd.session_status_changed.script_is_running:
                return session, elements
