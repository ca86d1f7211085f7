"""Every recipe the Train page offers reads the offline set well: each network with each loss, and the presets.

Runs on the embedded 5,000 digits with the page's own settings (the quick preset, or a preset scaled
to the data by ``siamese.config.preset``), and scores test pairs the way the Evaluate page does: at
the threshold chosen on validation pairs. The classic recipe is the fixed baseline of the
benchmarks, not a recipe tuned for this set, and is checked only to learn something.
"""

import pytest

from siamese.config import ARCHITECTURES, LOSSES, preset
from siamese.evaluation.scores import evaluate_model
from siamese.training.trainer import TrainingStatus, train

pytestmark = pytest.mark.slow


def _test_pair_accuracy(config, data) -> float:
    result = train(config, data)
    assert result.status == TrainingStatus.COMPLETED
    evaluation = evaluate_model(result.embedding_network, data, threshold=result.threshold, metric=config.metric)
    return evaluation.pair_accuracy


# The ViT is left out of this grid: on 4,000 digits and the quick preset's learning rate it learns
# poorly, as transformers do on little data; it has its own preset, tested below.
@pytest.mark.parametrize("architecture", [name for name in ARCHITECTURES if name != "vit"])
@pytest.mark.parametrize("loss", LOSSES)
def test_each_network_with_each_loss_reads_most_test_pairs_right(embedded_data, architecture, loss):
    config = preset("quick", train_size=len(embedded_data.y_train)).replace(
        architecture=architecture, loss=loss, metric="cosine" if loss == "cosine_bce" else "euclidean"
    )
    assert _test_pair_accuracy(config, embedded_data) >= 0.95


def test_the_best_preset_scaled_to_the_offline_set_reads_most_test_pairs_right(embedded_data):
    config = preset("best", train_size=len(embedded_data.y_train))
    assert config.epochs == 15  # 3 epochs are meant for 60,000 digits
    assert _test_pair_accuracy(config, embedded_data) >= 0.95


def test_the_vit_preset_scaled_to_the_offline_set_reads_most_test_pairs_right(embedded_data):
    config = preset("vit", train_size=len(embedded_data.y_train))
    assert config.epochs == 18 and config.patch_size == 7  # never fewer than the preset's own
    # About 0.90 here against the CNN's 0.98: the bar is what a transformer manages on 4,000 digits.
    assert _test_pair_accuracy(config, embedded_data) >= 0.85


def test_the_classic_baseline_learns(embedded_data):
    assert _test_pair_accuracy(preset("classic", train_size=len(embedded_data.y_train)), embedded_data) >= 0.9


def test_preset_epochs_follow_the_amount_of_data():
    assert preset("best", train_size=60_000).epochs == 3 and preset("best", train_size=4_000).epochs == 15
    assert preset("quick", train_size=4_000).epochs == 15 and preset("quick", train_size=60_000).epochs == 3
    assert preset("classic", train_size=4_000).epochs == preset("classic").epochs == 5
    assert preset("quick").epochs == 15  # no size given: the preset as written
