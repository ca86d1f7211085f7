"""The private parts of Streamlit the app relies on: each must still be there after an upgrade."""

from pathlib import Path

import streamlit
from streamlit.runtime.scriptrunner import script_runner
from streamlit.runtime.scriptrunner_utils.exceptions import RerunException, StopException

from explorer_ui import streamlit_internals


def test_streamlits_per_run_clean_up_is_still_a_module_function_we_can_replace(monkeypatch):
    # Streamlit calls script_runner._clean_problem_modules() after every run; the app replaces it.
    original = script_runner._clean_problem_modules
    assert callable(original)
    monkeypatch.setattr(script_runner, "_clean_problem_modules", original)
    streamlit_internals.keep_keras_state_between_runs()
    assert script_runner._clean_problem_modules is streamlit_internals._keep_module_state
    # ...and Streamlit still looks it up by name at the call site after every run, so the replacement takes effect.
    assert "_log_if_error(_clean_problem_modules)" in Path(script_runner.__file__).read_text()


def test_a_rerun_or_a_stop_request_is_the_interruption_the_training_view_catches():
    assert issubclass(RerunException, streamlit_internals.ScriptInterruption)
    assert issubclass(StopException, streamlit_internals.ScriptInterruption)
    # Not an Exception: a bare "except Exception" in user code must not swallow it, and neither may the view.
    assert not issubclass(streamlit_internals.ScriptInterruption, Exception)
    assert not issubclass(KeyboardInterrupt, streamlit_internals.ScriptInterruption)


def test_the_streamlit_version_these_internals_were_checked_against():
    major, minor = (int(part) for part in streamlit.__version__.split(".")[:2])
    assert (major, minor) >= (1, 48), "horizontal containers and this clean-up hook need Streamlit 1.48 or newer"
