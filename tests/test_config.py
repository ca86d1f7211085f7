import json
import math

import pytest

from siamese.config import CLASSIC, PRESETS, TrainingConfig, preset


def test_config_roundtrips_through_json(tmp_path):
    config = TrainingConfig(architecture="cnn", embedding_dim=32, loss="triplet", margin=0.5, seed=7)
    config.save(tmp_path / "config.json")
    assert TrainingConfig.load(tmp_path / "config.json") == config
    assert json.loads((tmp_path / "config.json").read_text())["architecture"] == "cnn"


def test_config_is_frozen():
    with pytest.raises(AttributeError):
        TrainingConfig().epochs = 3


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"epochs": 0}, "epochs"),
        ({"epochs": -2}, "epochs"),
        ({"batch_size": 0}, "batch_size"),
        ({"margin": 0.0}, "margin"),
        ({"margin": -1.0}, "margin"),
        ({"embedding_dim": 0}, "embedding_dim"),
        ({"learning_rate": math.nan}, "learning_rate"),
        ({"learning_rate": 0}, "learning_rate"),
        ({"architecture": "transformer"}, "architecture"),
        ({"loss": "hinge"}, "loss"),
        ({"metric": "manhattan"}, "metric"),
        ({"validation_fraction": 0.9}, "validation_fraction"),
        ({"seed": -1}, "seed"),
        ({"loss": "cosine_bce", "metric": "euclidean"}, "cosine"),
        ({"epochs": 2.5}, "epochs"),
        ({"learning_rate_schedule": "step"}, "learning_rate_schedule"),
        ({"augment_shift": -1}, "augment_shift"),
        ({"augment_shift": 1.5}, "augment_shift"),
        ({"augment_shift": 20}, "augment_shift"),
    ],
)
def test_impossible_values_raise_a_value_error_naming_the_field(change, message):
    with pytest.raises(ValueError, match=message):
        TrainingConfig(**change)


def test_configs_saved_before_schedules_and_augmentation_load_without_them():
    values = TrainingConfig().to_dict()
    del values["learning_rate_schedule"], values["augment_shift"]
    config = TrainingConfig.from_dict(values)
    assert config.learning_rate_schedule == "constant" and config.augment_shift == 0


def test_unknown_keys_in_a_saved_config_are_refused():
    with pytest.raises(ValueError, match="unknown config keys: depth"):
        TrainingConfig.from_dict({"depth": 3})


def test_unreadable_config_file_gives_value_error(tmp_path):
    (tmp_path / "config.json").write_text("{not json")
    with pytest.raises(ValueError, match="not a readable config.json"):
        TrainingConfig.load(tmp_path / "config.json")


def test_classic_preset_is_the_notebook_recipe():
    assert CLASSIC.architecture == "mlp" and CLASSIC.embedding_dim == 128
    assert CLASSIC.loss == "contrastive" and CLASSIC.margin == 1.0 and CLASSIC.metric == "euclidean"
    assert CLASSIC.pair_mining == "fixed" and CLASSIC.batch_size == 32 and CLASSIC.optimizer == "adam"


def test_presets_are_reachable_by_name():
    assert set(PRESETS) == {"quick", "classic", "best", "vit"}
    assert preset("best").architecture == "cnn" and preset("vit").architecture == "vit"
    with pytest.raises(ValueError, match="unknown preset"):
        preset("fastest")


def test_a_config_saved_with_the_earlier_field_name_distance_still_loads():
    values = TrainingConfig(metric="cosine").to_dict()
    values["distance"] = values.pop("metric")
    assert TrainingConfig.from_dict(values).metric == "cosine"


def test_every_field_is_set_by_keyword():
    with pytest.raises(TypeError):
        TrainingConfig("cnn")


def test_held_out_digits_are_a_sorted_set_and_at_least_two_digits_stay_seen():
    assert TrainingConfig(held_out_digits=[9, 5, 5]).held_out_digits == (5, 9)
    assert TrainingConfig.from_dict(TrainingConfig(held_out_digits=(3,)).to_dict()).held_out_digits == (3,)
    with pytest.raises(ValueError, match="digits from 0 to 9"):
        TrainingConfig(held_out_digits=[10])
    with pytest.raises(ValueError, match="at least two"):
        TrainingConfig(held_out_digits=range(10))
    with pytest.raises(ValueError, match="list of digits"):
        TrainingConfig(held_out_digits="56789")


def test_every_setting_has_one_description_that_the_page_and_the_cli_both_show():
    from siamese.cli import _parser
    from siamese.config import SETTINGS

    train = next(action for action in _parser()._subparsers._group_actions[0].choices.values() if action.prog.endswith(
        "train"))  # fmt: skip
    helps = {action.dest: action.help for action in train._actions}
    for setting in SETTINGS:
        assert setting.label and len(setting.help) > 20, setting.name
        assert helps[setting.name] == setting.help.replace("%", "%%"), setting.name
    assert {setting.name for setting in SETTINGS} == {field for field in TrainingConfig().to_dict()}


def test_each_loss_is_described_with_the_setting_it_uses():
    assert TrainingConfig(loss="contrastive", margin=0.5).loss_with_setting == "contrastive (margin 0.5)"
    assert TrainingConfig(loss="triplet", margin=0.2).loss_with_setting == "triplet (margin 0.2)"
    infonce = TrainingConfig(loss="infonce", temperature=0.1, margin=3.0)
    assert infonce.loss_with_setting == "infonce (temperature 0.1)"  # its margin plays no part
    cosine = TrainingConfig(loss="cosine_bce", metric="cosine")
    assert cosine.loss_with_setting == "cosine_bce (learned scale and bias)"
