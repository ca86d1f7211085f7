"""Training batches: what ``model.fit`` is fed, for every kind of pair mining."""

import numpy as np
import pytest

from siamese.config import TrainingConfig
from siamese.conventions import SAME
from siamese.data.batches import TrainingBatches, ValidationBatches, class_balanced_order, shared_order
from siamese.data.pairs import make_pairs


def _labels():
    return np.repeat(np.arange(10), 13)  # 130 images, 13 of each digit


def _images(labels):
    # Each image carries its own index in one pixel, so a batch can be traced back to its images.
    images = np.zeros((len(labels), 28, 28), dtype=np.float32)
    images[:, 0, 0] = np.arange(len(labels)) / len(labels)
    return images


def _indices(images, batch):
    return np.rint(batch[:, 0, 0] * len(images)).astype(int)


def test_online_batches_are_full_and_cover_each_image_at_most_once_per_epoch():
    labels = _labels()
    images = _images(labels)
    batches = TrainingBatches(images, labels, TrainingConfig(batch_size=32), epoch=1)
    assert len(batches) == len(labels) // 32  # only full batches: in-batch losses see 32 images
    seen = []
    for number in range(len(batches)):
        inputs, targets = batches[number]
        assert inputs.shape == (32, 28, 28)
        indices = _indices(images, inputs)
        np.testing.assert_array_equal(targets, labels[indices])  # the targets are the images' digits
        seen.extend(indices.tolist())
    assert len(seen) == len(set(seen))
    other_epoch = TrainingBatches(images, labels, TrainingConfig(batch_size=32), epoch=2)
    assert not np.array_equal(_indices(images, other_epoch[0][0]), _indices(images, batches[0][0]))


@pytest.mark.parametrize("pair_mining", ["fixed", "fresh"])
def test_pair_batches_label_each_pair_by_its_digits(pair_mining):
    labels = _labels()
    images = _images(labels)
    config = TrainingConfig(pair_mining=pair_mining, batch_size=20)
    batches = TrainingBatches(images, labels, config, epoch=1)
    assert len(batches) == 2 * len(labels) // 20
    for number in range(len(batches)):
        (left, right), targets = batches[number]
        same = labels[_indices(images, left)] == labels[_indices(images, right)]
        np.testing.assert_array_equal(targets == SAME, same)
    second = TrainingBatches(images, labels, config, epoch=2)[0]
    pairs_second = set(zip(_indices(images, second[0][0]), _indices(images, second[0][1]), strict=True))
    # Fixed pairs are the same pairs every epoch (in another order); fresh pairs are new ones.
    all_first = {
        pair
        for number in range(len(batches))
        for pair in zip(*(_indices(images, tower) for tower in batches[number][0]), strict=True)
    }
    if pair_mining == "fixed":
        assert pairs_second <= all_first
    else:
        assert not pairs_second <= all_first


def test_triplet_batches_hold_an_anchor_a_positive_and_a_negative():
    labels = _labels()
    images = _images(labels)
    config = TrainingConfig(pair_mining="fresh", loss="triplet", batch_size=26)
    (anchor, positive, negative), targets = TrainingBatches(images, labels, config, epoch=1)[0]
    anchor_digits, positive_digits, negative_digits = (
        labels[_indices(images, tower)] for tower in (anchor, positive, negative)
    )
    np.testing.assert_array_equal(anchor_digits, positive_digits)
    assert np.all(anchor_digits != negative_digits)
    assert np.all(_indices(images, anchor) != _indices(images, positive))
    np.testing.assert_array_equal(targets, 0.0)


def test_validation_batches_keep_the_last_partial_batch_and_release_their_images():
    labels = _labels()
    images = _images(labels)
    pairs = make_pairs(labels, seed=1)
    validation = ValidationBatches(images, labels, pairs, TrainingConfig(pair_mining="fixed", batch_size=64))
    assert len(validation) == -(-len(pairs) // 64)
    assert sum(len(validation[number][1]) for number in range(len(validation))) == len(pairs)
    validation.release()
    assert len(validation) == 0 and validation.images.size == 0


@pytest.mark.parametrize("pair_mining", ["online", "fixed"])
def test_augment_shift_moves_training_images_only_and_repeatably(pair_mining):
    generator = np.random.default_rng(0)
    images = np.zeros((64, 28, 28), dtype=np.float32)
    images[:, 8:20, 8:20] = generator.uniform(0.1, 1.0, size=(64, 12, 12))  # a 2 px shift keeps every pixel
    labels = np.repeat(np.arange(8), 8)
    plain_config = TrainingConfig(pair_mining=pair_mining, batch_size=16)
    shifted_config = plain_config.replace(augment_shift=2)
    plain = TrainingBatches(images, labels, plain_config, epoch=1)
    shifted = TrainingBatches(images, labels, shifted_config, epoch=1)
    (x_plain, y_plain), (x_shifted, y_shifted) = plain[0], shifted[0]
    x_plain = x_plain if isinstance(x_plain, tuple) else (x_plain,)
    x_shifted = x_shifted if isinstance(x_shifted, tuple) else (x_shifted,)
    np.testing.assert_array_equal(y_shifted, y_plain)
    for before, after in zip(x_plain, x_shifted, strict=True):
        assert after.shape == before.shape and after.dtype == before.dtype
        np.testing.assert_allclose(after.sum(axis=(1, 2)), before.sum(axis=(1, 2)), rtol=1e-5)
        assert not np.array_equal(after, before)
        for one_before, one_after in zip(before, after, strict=True):
            rows, columns = np.nonzero(one_after)
            top, left = rows.min() - 8, columns.min() - 8
            assert abs(top) <= 2 and abs(left) <= 2
            np.testing.assert_array_equal(np.roll(one_before, (top, left), axis=(0, 1)), one_after)
    again = TrainingBatches(images, labels, shifted_config, epoch=1)[0][0]
    np.testing.assert_array_equal(again if isinstance(again, tuple) else (again,), x_shifted)
    pairs = make_pairs(labels, seed=1)
    validation_plain = ValidationBatches(images, labels, pairs, plain_config)[0][0]
    validation_shifted = ValidationBatches(images, labels, pairs, shifted_config)[0][0]
    np.testing.assert_array_equal(validation_shifted, validation_plain)


def test_class_balanced_batches_give_every_image_partners_of_its_class():
    labels = np.concatenate([np.repeat(np.arange(10), 13), np.repeat(np.arange(10, 40), 5)])  # digits, then symbols
    order = class_balanced_order(labels, per_class=4, generator=np.random.default_rng(0))
    assert len(order) == len(set(order.tolist()))  # each image at most once an epoch
    runs = labels[order].reshape(-1, 4)
    assert (runs == runs[:, :1]).all()  # runs of four images of one class
    assert len(order) == 10 * 12 + 30 * 4  # what does not fill a run of four waits for another epoch
    config = TrainingConfig(batch_size=16, examples_per_class=4)
    images = _images(labels)
    batches = TrainingBatches(images, labels, config, epoch=1)
    for number in range(len(batches)):
        inputs, targets = batches[number]
        np.testing.assert_array_equal(targets, labels[_indices(images, inputs)])
        partners = (targets[:, None] == targets[None, :]).sum(axis=1) - 1
        assert partners.min() >= 3


def test_a_symbol_share_gives_every_batch_its_half_of_symbols_and_each_digit_once():
    labels = np.concatenate([np.repeat(np.arange(10), 40), np.repeat(np.arange(10, 30), 6)])  # few symbols
    order = shared_order(labels, per_class=4, batch_size=16, symbol_share=0.5, generator=np.random.default_rng(1))
    batches = labels[order].reshape(-1, 16)
    assert (batches[:, :8] < 10).all() and (batches[:, 8:] >= 10).all()  # two digit runs, two symbol runs
    digits = order[labels[order] < 10]
    assert len(digits) == len(set(digits.tolist())) == 400  # one pass over the digits sets the epoch
    assert len(order[labels[order] >= 10]) == 400 > 120  # the symbols' 120 drawings are reused
    runs = labels[order].reshape(-1, 4)
    assert (runs == runs[:, :1]).all()
