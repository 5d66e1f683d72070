"""Fragment reruns under AppTest, as a browser asks for them.

AppTest reruns the whole app on every widget change. In a browser, a change of a widget drawn
by an ``st.fragment`` sends that fragment's id with the rerun request (the id each widget's delta
carries), and the server reruns only that fragment. :func:`fragment_of` reads that id from the
messages of the last run; :func:`run_fragment` sends the widgets' values with it.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager

from streamlit.runtime.scriptrunner_utils.script_requests import RerunData
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1 import local_script_runner as runner_module


@contextmanager
def recorded_messages() -> Iterator[list]:
    """Every forward message the runs inside the block send to the browser."""
    sent: list = []
    original = runner_module.LocalScriptRunner.run

    def run(self, *args, **kwargs):
        try:
            return original(self, *args, **kwargs)
        finally:
            sent.extend(self.forward_msgs())

    runner_module.LocalScriptRunner.run = run
    try:
        yield sent
    finally:
        runner_module.LocalScriptRunner.run = original


def fragment_of(messages: list, widget_key: str) -> str:
    """The fragment id the delta of the widget with ``widget_key`` carries ("" when the widget
    was drawn outside any fragment): the id a browser sends when that widget changes."""
    for msg in reversed(messages):
        if msg.WhichOneof("type") != "delta" or msg.delta.WhichOneof("type") != "new_element":
            continue
        element = msg.delta.new_element
        kind = element.WhichOneof("type")
        widget_id = getattr(getattr(element, kind), "id", "") if kind else ""
        if isinstance(widget_id, str) and widget_id.endswith(f"-{widget_key}"):
            return msg.delta.fragment_id
    raise LookupError(f"no widget {widget_key!r} in the messages")


def run_fragment(at: AppTest, fragment_id: str) -> AppTest:
    """Rerun only ``fragment_id`` with the widgets' current values (as a browser does after a
    change of a widget inside it). The element tree afterwards holds the fragment's elements."""
    original = runner_module.RerunData
    runner_module.RerunData = functools.partial(RerunData, fragment_id=fragment_id)
    try:
        return at.run()
    finally:
        runner_module.RerunData = original
