"""The shared default model while a session trains it: the others wait, and never for ever.

Each ``AppTest`` below is one browser session on the same server (they share ``st.cache_resource``).
Training itself is replaced by a stand-in the test controls; what is checked is what the sessions see.
"""

import threading
import types

import pytest
import streamlit
from streamlit.runtime.scriptrunner_utils.exceptions import StopException
from streamlit.testing.v1 import AppTest

from explorer_ui import default_model, state

FAILURE = (
    "The default model could not be trained (OSError: No space left on device). Nothing was saved; "
    "you can try again, or ask whoever runs the server to look at its log."
)


def _page(data):
    import streamlit as st

    from explorer_ui.default_model import default_model

    st.write(f"Using {default_model(data).name}.")


def _session(data, *, timeout: float = 20) -> AppTest:
    return AppTest.from_function(_page, args=(data,), default_timeout=timeout)


def _shown(app: AppTest) -> list[str]:
    return [str(item.value) for item in app.markdown]


@pytest.fixture
def fresh_server():
    streamlit.cache_resource.clear()  # no default model yet
    yield
    streamlit.cache_resource.clear()


class _Training:
    """Stands in for ``_load_or_train``: each call waits for ``finish``, then does what ``outcomes`` says."""

    def __init__(self, *outcomes):
        self.outcomes = list(outcomes)
        self.started = threading.Event()
        self.finish = threading.Event()
        self.calls = 0

    def __call__(self, data, slot):
        self.calls += 1
        outcome = self.outcomes.pop(0)
        self.started.set()
        assert self.finish.wait(timeout=30)
        if isinstance(outcome, BaseException):
            raise outcome
        return types.SimpleNamespace(name=outcome)


def _first_session_training(data, training: _Training) -> tuple[AppTest, threading.Thread]:
    first = _session(data)
    thread = threading.Thread(target=first.run, daemon=True)
    thread.start()
    assert training.started.wait(timeout=20)
    return first, thread


def test_sessions_waiting_for_a_training_that_fails_are_told_why_and_can_try_again(
    fresh_server, small_data, monkeypatch
):
    training = _Training(OSError("No space left on device"), "the model trained at the second try")
    monkeypatch.setattr(default_model, "_load_or_train", training)
    first, thread = _first_session_training(small_data, training)

    threading.Timer(1.0, training.finish.set).start()  # fails while the second session waits for it
    second = _session(small_data).run()  # before: waited for a model that never came
    thread.join(timeout=20)

    for app in (first, second):
        assert not app.exception, [item.value for item in app.exception]
        assert [item.value for item in app.error] == [FAILURE]
        assert app.button(key=state.RETRY_DEFAULT_MODEL).label == "Try again"
        assert not any(text.startswith("Using") for text in _shown(app))
    assert training.calls == 1  # the second session did not start a training of its own on the failure

    second.button(key=state.RETRY_DEFAULT_MODEL).click().run()  # finish is already set: trains at once
    assert "Using the model trained at the second try." in _shown(second) and not second.error
    first.run()  # the first session's next run shares it
    assert "Using the model trained at the second try." in _shown(first) and not first.error
    assert training.calls == 2


def test_a_new_session_after_a_failure_is_told_too_and_does_not_train_again_by_itself(
    fresh_server, small_data, monkeypatch
):
    training = _Training(OSError("No space left on device"))
    training.finish.set()
    monkeypatch.setattr(default_model, "_load_or_train", training)
    assert [item.value for item in _session(small_data).run().error] == [FAILURE]
    assert [item.value for item in _session(small_data).run().error] == [FAILURE]
    assert training.calls == 1


def test_when_the_training_session_is_interrupted_a_waiting_session_takes_the_training_over(
    fresh_server, small_data, monkeypatch
):
    """A click or a closed tab stops the training session's script: its training ends without a failure."""
    training = _Training(StopException(), "the model the second session trained")
    monkeypatch.setattr(default_model, "_load_or_train", training)
    first, thread = _first_session_training(small_data, training)

    threading.Timer(1.0, training.finish.set).start()
    second = _session(small_data).run()
    thread.join(timeout=20)

    assert not second.exception and not second.error
    assert "Using the model the second session trained." in _shown(second)
    assert training.calls == 2
