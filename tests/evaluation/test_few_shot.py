"""N-way K-shot episodes, checked against a plain Python loop on a small case."""

import numpy as np
import pytest

from siamese.evaluation.few_shot import (
    answer_episode,
    episode_classes,
    evaluate_few_shot,
    sample_episode,
    shown_episode,
)


def _clusters(seed=0, per_class=12, classes=6, noise=1.2):
    generator = np.random.default_rng(seed)
    centres = generator.standard_normal((classes, 4)) * 2.0
    labels = np.repeat(np.arange(classes), per_class)
    return (centres[labels] + noise * generator.standard_normal((len(labels), 4))).astype(np.float32), labels


def _loop_accuracy(embeddings, labels, *, classes, n_way, k_shot, queries, episodes, seed):
    """The same episodes (same generator calls) answered with plain Python: nearest support by Euclidean distance."""
    generator = np.random.default_rng(seed)
    accuracies = []
    for _ in range(episodes):
        episode = sample_episode(
            labels, classes=classes, n_way=n_way, k_shot=k_shot, queries_per_class=queries, generator=generator
        )
        right = 0
        for query, truth in zip(episode.query, episode.query_labels, strict=True):
            best, best_label = float("inf"), None
            for support, label in zip(episode.support, episode.support_labels, strict=True):
                distance = sum((a - b) ** 2 for a, b in zip(embeddings[query], embeddings[support], strict=True)) ** 0.5
                if distance < best:
                    best, best_label = distance, label
            right += best_label == truth
        accuracies.append(right / len(episode.query))
    return float(np.mean(accuracies)), float(np.std(accuracies, ddof=1))


@pytest.mark.parametrize(("n_way", "k_shot"), [(5, 1), (3, 5), (2, 2)])
def test_accuracy_and_interval_match_a_plain_loop(n_way, k_shot):
    embeddings, labels = _clusters()
    classes = tuple(range(6))
    result = evaluate_few_shot(
        embeddings, labels, classes=classes, n_way=n_way, k_shot=k_shot, queries_per_class=3, episodes=60, seed=4
    )
    mean, spread = _loop_accuracy(
        embeddings, labels, classes=classes, n_way=n_way, k_shot=k_shot, queries=3, episodes=60, seed=4
    )
    assert result.accuracy == pytest.approx(mean)
    half = 1.96 * spread / np.sqrt(60)
    assert result.interval == pytest.approx((mean - half, min(mean + half, 1.0)))
    assert 1 / n_way < result.accuracy < 1.0  # the clusters overlap: better than guessing, not perfect


def test_an_episode_never_shows_an_image_twice_and_keeps_to_its_classes():
    _, labels = _clusters(per_class=8)
    episode = sample_episode(
        labels, classes=(1, 3, 4, 5), n_way=3, k_shot=2, queries_per_class=4, generator=np.random.default_rng(2)
    )
    used = np.concatenate([episode.support, episode.query])
    assert len(set(used.tolist())) == len(used) == 3 * (2 + 4)
    assert set(episode.classes.tolist()) <= {1, 3, 4, 5} and len(set(episode.classes.tolist())) == 3
    assert set(labels[used].tolist()) == set(episode.classes.tolist())
    np.testing.assert_array_equal(labels[episode.support], episode.support_labels)


def test_episodes_are_seeded():
    embeddings, labels = _clusters()
    first = evaluate_few_shot(embeddings, labels, classes=tuple(range(6)), episodes=30, seed=9)
    assert evaluate_few_shot(embeddings, labels, classes=tuple(range(6)), episodes=30, seed=9) == first
    assert evaluate_few_shot(embeddings, labels, classes=tuple(range(6)), episodes=30, seed=10) != first


def test_well_separated_classes_are_always_named_right_and_cosine_works():
    embeddings, labels = _clusters(noise=0.01)
    result = evaluate_few_shot(embeddings, labels, classes=tuple(range(6)), episodes=20, metric="cosine")
    assert result.accuracy == 1.0 and result.interval == (1.0, 1.0)


def test_seen_unseen_and_all_classes():
    labels = np.repeat(np.arange(10), 3)
    assert episode_classes(labels, choice="unseen", held_out=(5, 6, 7, 8, 9)) == (5, 6, 7, 8, 9)
    assert episode_classes(labels, choice="seen", held_out=(5, 6, 7, 8, 9)) == (0, 1, 2, 3, 4)
    assert episode_classes(labels, choice="all", held_out=(5,)) == tuple(range(10))
    with pytest.raises(ValueError, match="classes must be one of"):
        episode_classes(labels, choice="new")


def test_impossible_episodes_are_refused_with_the_reason():
    embeddings, labels = _clusters(per_class=4)
    with pytest.raises(ValueError, match="5-way episode needs 5 classes to draw from; there are 3"):
        evaluate_few_shot(embeddings, labels, classes=(0, 1, 2))
    with pytest.raises(ValueError, match="has 4 examples; an episode needs 6"):
        evaluate_few_shot(embeddings, labels, classes=tuple(range(6)), k_shot=1, queries_per_class=5)
    with pytest.raises(ValueError, match="n_way must be a positive integer"):
        evaluate_few_shot(embeddings, labels, classes=tuple(range(6)), n_way=0)


def test_answers_name_the_nearest_support(rng):
    embeddings = np.array([[0.0, 0.0], [10.0, 0.0], [0.5, 0.0], [9.0, 0.0]], dtype=np.float32)
    labels = np.array([0, 1, 0, 1])
    episode = sample_episode(labels, classes=(0, 1), n_way=2, k_shot=1, queries_per_class=1, generator=rng)
    predicted, distances = answer_episode(embeddings, episode, metric="euclidean")
    np.testing.assert_array_equal(predicted, episode.query_labels)
    assert distances.shape == (2, 2)


def test_the_shown_episode_names_its_query_s_nearest_support_and_turns_with_its_number():
    embeddings, labels = _clusters(noise=2.5)
    shown_queries = set()
    for number in range(12):
        shown = shown_episode(embeddings, labels, classes=tuple(range(6)), n_way=4, k_shot=2, number=number,
                              metric="euclidean")  # fmt: skip
        supports = shown.episode.support
        assert shown.query in shown.episode.query and shown.query_label == labels[shown.query]
        loop = [sum((a - b) ** 2 for a, b in zip(embeddings[shown.query], embeddings[s], strict=True)) ** 0.5
                for s in supports]  # fmt: skip
        np.testing.assert_allclose(shown.distances, loop, rtol=1e-5)
        assert shown.predicted == labels[supports[int(np.argmin(loop))]]
        assert shown.right == (shown.predicted == shown.query_label)
        shown_queries.add(shown.query)
    assert len(shown_queries) > 6  # "new episode" shows other queries, not one class over and over
