"""The private parts of Streamlit the app relies on, kept here so an upgrade breaks one place.

Each is used only because no public API does the job, and ``tests/test_streamlit_internals.py``
fails when a Streamlit release changes it.
"""

from streamlit.runtime.scriptrunner import script_runner
from streamlit.runtime.scriptrunner_utils.exceptions import ScriptControlException

# What Streamlit raises inside a running script at its next element update when the user clicks,
# switches page or closes the tab (a rerun or a stop request). There is no public name for it.
ScriptInterruption = ScriptControlException


def keep_keras_state_between_runs() -> None:
    """Stop Streamlit from calling ``keras.backend.clear_session()`` after every script run.

    Streamlit does that for apps that build a new model on every run. Here models live in
    caches and trainings run in other sessions' threads, and the call is harmful: a full
    ``gc.collect()`` per run (about 0.25 s of one core with TensorFlow loaded, so 30 sessions
    drawing queue behind it), TensorFlow's kernel cache emptied before the next query, and
    Keras's global state reset under a training running in another session. No setting turns
    it off, so the module-level function it calls is replaced (idempotent, cheap on every run).
    """
    script_runner._clean_problem_modules = _keep_module_state


def _keep_module_state() -> None:
    """Replaces Streamlit's per-run clean-up of Keras (and of pyplot, which the app never imports)."""
