"""The Stop path without a browser: a click interrupts the page while a training runs."""

from streamlit.testing.v1 import AppTest

from explorer_ui import live_training


def _train_page_script():
    """What the Train page does when Train is pressed, once (every page first keeps Keras's state between runs)."""
    from explorer_ui import state
    from explorer_ui.live_training import run_training
    from explorer_ui.streamlit_internals import keep_keras_state_between_runs
    from siamese.config import TrainingConfig
    from siamese.data.mnist import load_mnist

    keep_keras_state_between_runs()
    if not state.runs():
        run_training(TrainingConfig(epochs=3, batch_size=64), load_mnist("embedded"))


class _Interrupted:
    """A progress bar whose third update meets Streamlit's rerun, as after a Stop click or a page switch."""

    def __init__(self):
        self.updates = 0

    def progress(self, *args, **kwargs):
        import streamlit as st

        self.updates += 1
        if self.updates == 3:
            st.rerun()  # asks for a rerun and meets it at once, as a click's rerun is met at the next element


def test_an_interruption_stops_training_after_its_batch_and_keeps_the_run_and_model(monkeypatch):
    bar = _Interrupted()
    monkeypatch.setattr(live_training.st, "progress", lambda *args, **kwargs: bar)
    app = AppTest.from_function(_train_page_script, default_timeout=180).run()
    runs = app.session_state["runs"]
    assert len(runs) == 1 and bar.updates >= 3  # one run, recorded before the page ran again
    result = runs[0].result
    assert result.status.value == "stopped"
    planned = runs[0].steps_per_epoch * result.config.epochs
    assert 0 < len(result.history.batch_losses) < planned  # ended after the batch it was in, not at the end
    assert app.session_state["model"] is runs[0].model is not None  # the partly trained model is kept and used
