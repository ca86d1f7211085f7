"""N-way K-shot episodes: can a learned distance tell apart classes from one or a few examples each?

An episode picks ``n_way`` classes, ``k_shot`` labelled *support* examples of each and some *query*
examples of each (never the same image twice in an episode). Given each example's *style* (the font a
symbol was drawn from, say), the queries are always in other styles than their class's supports, as
in Omniglot's protocol, where support and query come from different people. Each query is given the class of its
nearest support example; the episode's accuracy is the share of queries named right. Over many
seeded episodes the mean accuracy comes with a 95 % interval (normal approximation over episodes,
as the few-shot literature reports it).

Everything works on embeddings ``(n, D)`` and their labels ``(n,)``: raw pixels, a Siamese
network's embeddings and a classifier's hidden layer are compared the same way.
"""

from dataclasses import dataclass

import numpy as np

from siamese.distances import pairwise_distances

CLASS_CHOICES = ("seen", "unseen", "all")


@dataclass(frozen=True, kw_only=True, eq=False)
class Episode:
    """One episode: indices into the pool, ``support`` (n_way * k_shot,) and ``query`` (n_way * queries,).

    ``support_labels`` and ``query_labels`` are the classes of those examples; ``classes`` (n_way,)
    are the episode's classes in the order they were drawn.
    """

    classes: np.ndarray
    support: np.ndarray
    support_labels: np.ndarray
    query: np.ndarray
    query_labels: np.ndarray


@dataclass(frozen=True, kw_only=True)
class FewShotResult:
    """Mean accuracy over ``episodes`` episodes and its 95 % interval ``(low, high)``."""

    accuracy: float
    interval: tuple[float, float]
    episodes: int
    n_way: int
    k_shot: int
    queries_per_class: int
    classes: tuple[int, ...]

    def to_dict(self) -> dict:
        return {
            "accuracy": round(self.accuracy, 4),
            "interval": [round(self.interval[0], 4), round(self.interval[1], 4)],
            "episodes": self.episodes,
            "way": self.n_way,
            "shot": self.k_shot,
            "queries_per_class": self.queries_per_class,
            "classes": list(self.classes),
        }


def episode_classes(labels: np.ndarray, *, choice: str, held_out: tuple[int, ...] = ()) -> tuple[int, ...]:
    """The classes episodes draw from: the ``held_out`` ones ("unseen"), the others ("seen"), or "all"."""
    if choice not in CLASS_CHOICES:
        raise ValueError(f"classes must be one of {', '.join(CLASS_CHOICES)}, got {choice!r}")
    present = sorted(int(label) for label in np.unique(labels))
    if choice == "all":
        return tuple(present)
    unseen = [label for label in present if label in set(held_out)]
    return tuple(unseen if choice == "unseen" else [label for label in present if label not in set(held_out)])


def sample_episode(
    labels: np.ndarray,
    *,
    classes: tuple[int, ...],
    n_way: int,
    k_shot: int,
    queries_per_class: int,
    generator: np.random.Generator,
    styles: np.ndarray | None = None,
) -> Episode:
    """Draw one episode from a pool whose examples have ``labels`` (n,) and, optionally, ``styles`` (n,).

    With ``styles``, a class's supports come from as few of its styles as give ``k_shot`` examples,
    and its queries (up to ``queries_per_class``) only from its other styles.
    """
    labels = np.asarray(labels)
    chosen = generator.choice(np.asarray(classes), size=n_way, replace=False)
    support, query = [], []
    for label in chosen:
        members = np.flatnonzero(labels == label)
        if styles is None:
            picked = generator.choice(members, size=k_shot + queries_per_class, replace=False)
            support.append(picked[:k_shot])
            query.append(picked[k_shot:])
        else:
            class_support, class_query = _split_by_style(members, styles[members], k_shot, queries_per_class, generator)
            support.append(class_support)
            query.append(class_query)
    support, query = np.concatenate(support), np.concatenate(query)
    return Episode(
        classes=chosen.astype(np.int64),
        support=support.astype(np.int64),
        support_labels=labels[support].astype(np.int64),
        query=query.astype(np.int64),
        query_labels=labels[query].astype(np.int64),
    )


def _split_by_style(members, member_styles, k_shot: int, queries: int, generator) -> tuple[np.ndarray, np.ndarray]:
    """Supports from the first styles (in random order) that hold ``k_shot`` examples; queries from the rest."""
    support_pool: list[int] = []
    for style in generator.permutation(np.unique(member_styles)):
        if len(support_pool) >= k_shot:
            break
        support_pool.extend(members[member_styles == style].tolist())
    support = generator.choice(np.array(support_pool), size=k_shot, replace=False)
    others = members[~np.isin(member_styles, member_styles[np.isin(members, support)])]
    return support, generator.choice(others, size=min(queries, len(others)), replace=False)


def answer_episode(embeddings: np.ndarray, episode: Episode, *, metric: str) -> tuple[np.ndarray, np.ndarray]:
    """Each query's nearest support example: ``(predicted classes (q,), distances (q, s))``."""
    distances = pairwise_distances(embeddings[episode.query], embeddings[episode.support], metric=metric)
    return episode.support_labels[np.argmin(distances, axis=1)], distances


@dataclass(frozen=True, kw_only=True, eq=False)
class ShownEpisode:
    """One episode answered, with the one query to show: ``distances`` (s,) from that query to each support."""

    episode: Episode
    query: int  # pool index of the query shown
    query_label: int
    predicted: int
    distances: np.ndarray

    @property
    def right(self) -> bool:
        return self.predicted == self.query_label


def shown_episode(
    embeddings: np.ndarray, labels: np.ndarray, *, classes: tuple[int, ...], n_way: int, k_shot: int, number: int,
    metric: str,
) -> ShownEpisode:  # fmt: skip
    """Episode ``number`` (its seed) of ``n_way`` classes with one query each; the query shown turns with
    ``number`` too, so "new episode" shows another class's query as well as other examples."""
    episode = sample_episode(
        labels, classes=classes, n_way=n_way, k_shot=k_shot, queries_per_class=1,
        generator=np.random.default_rng(number),
    )  # fmt: skip
    predicted, distances = answer_episode(embeddings, episode, metric=metric)
    shown = number % len(episode.query)
    return ShownEpisode(
        episode=episode,
        query=int(episode.query[shown]),
        query_label=int(episode.query_labels[shown]),
        predicted=int(predicted[shown]),
        distances=distances[shown],
    )


def evaluate_few_shot(
    embeddings: np.ndarray,
    labels: np.ndarray,
    *,
    classes: tuple[int, ...],
    n_way: int = 5,
    k_shot: int = 1,
    queries_per_class: int = 5,
    episodes: int = 1000,
    metric: str = "euclidean",
    seed: int = 0,
    styles: np.ndarray | None = None,
) -> FewShotResult:
    """Mean nearest-support accuracy over ``episodes`` seeded episodes of ``embeddings`` (n, D) labelled ``labels``.

    ``styles`` (n,), when given, keeps each class's queries out of its supports' styles (``sample_episode``).

    Raises
    ------
    ValueError
        When there are fewer than ``n_way`` classes, or a class has fewer than
        ``k_shot + queries_per_class`` examples (or, with ``styles``, fewer than two styles).
    """
    labels = np.asarray(labels)
    embeddings = np.asarray(embeddings, dtype=np.float32)
    shape = {"n_way": n_way, "k_shot": k_shot, "queries_per_class": queries_per_class}
    _check(labels, embeddings, classes=classes, episodes=episodes, styles=styles, **shape)
    generator = np.random.default_rng(seed)
    accuracies = np.empty(episodes)
    for number in range(episodes):
        episode = sample_episode(labels, classes=classes, generator=generator, styles=styles, **shape)
        predicted, _ = answer_episode(embeddings, episode, metric=metric)
        accuracies[number] = np.mean(predicted == episode.query_labels)
    mean = float(accuracies.mean())
    half_width = 1.96 * float(accuracies.std(ddof=1)) / np.sqrt(episodes) if episodes > 1 else 0.0
    return FewShotResult(
        accuracy=mean,
        interval=(max(0.0, mean - half_width), min(1.0, mean + half_width)),
        episodes=episodes,
        n_way=n_way,
        k_shot=k_shot,
        queries_per_class=queries_per_class,
        classes=tuple(int(label) for label in classes),
    )


def classes_with_styles(labels: np.ndarray, styles: np.ndarray, *, k_shot: int = 1) -> tuple[int, ...]:
    """The classes that can hold a style-separated episode: two styles or more, and ``k_shot + 1`` examples."""
    labels, styles = np.asarray(labels), np.asarray(styles)
    return tuple(
        int(label)
        for label in np.unique(labels)
        if np.unique(styles[labels == label]).size >= 2 and np.count_nonzero(labels == label) > k_shot
    )


def _check(labels, embeddings, *, classes, n_way, k_shot, queries_per_class, episodes, styles=None) -> None:
    queries = queries_per_class
    for name, value in (("n_way", n_way), ("k_shot", k_shot), ("queries_per_class", queries), ("episodes", episodes)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    if embeddings.ndim != 2 or len(embeddings) != len(labels):
        raise ValueError(f"embeddings must be (n, D) with one row per label; got {embeddings.shape} for {len(labels)}")
    if n_way < 2:
        raise ValueError("an episode needs at least 2 classes (n_way >= 2)")
    if len(classes) < n_way:
        raise ValueError(f"a {n_way}-way episode needs {n_way} classes to draw from; there are {len(classes)}")
    if styles is not None:
        if np.shape(styles) != labels.shape:
            raise ValueError(f"styles must be one per example: {np.shape(styles)} for {labels.shape} labels")
        unfit = sorted(set(classes) - set(classes_with_styles(labels, styles, k_shot=k_shot)))
        if unfit:
            raise ValueError(f"classes {unfit[:5]} have one style (or too few examples) for style-separated episodes")
        return
    for label in classes:
        count = int(np.count_nonzero(labels == label))
        if count < k_shot + queries:
            raise ValueError(f"class {label} has {count} examples; an episode needs {k_shot + queries} of it")
