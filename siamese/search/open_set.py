"""Name a drawing among a student's taught symbols and the ten digits, or say "none of these".

The rule (``identify``): a drawing is the taught symbol whose example lies nearest, if that example
is within ``OpenSetRule.symbol_threshold`` and nearer than every training digit; otherwise it is a
digit (the vote of its nearest training digits) if it lies within ``digit_threshold`` of that kind
of digit's centre (the mean of its training embeddings) *and* at least ``digit_votes`` of its
``VOTE_NEIGHBOURS`` nearest ``KnownShapes`` are digits; otherwise it is none of these.

The known shapes are what the network learnt, both kinds: training digits, digits drawn from fonts,
and the background symbols it trained on. A distance limit alone lets a "G" pass for a 6 or a "σ" for
a 0: the limit must be wide enough for every way of writing a 6, and there is no telling from one
distance whether the space beyond a digit is empty. The symbols the network learnt fill that space;
a drawing whose neighbours are mostly learnt symbols is not a digit, however near a digit it lies.

Both limits are fitted (``calibrate_open_set``) on what the network never trained on. The symbol
limit comes from symbol classes the network never saw (the corpus's ``calibration`` split), used the
way the page is: a few classes taught with drawings in some fonts, asked about in other fonts and
about untaught classes; it is the distance that best tells the two apart. The digit limit keeps 99 %
of validation digits and of digits drawn from fonts. A threshold fitted on digit pairs would say
nothing about how far apart unseen symbols fall.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from siamese.conventions import NUM_CLASSES, check_metric, predict_same
from siamese.distances import pairwise_distances
from siamese.search.neighbour_search import nearest_neighbours

CALIBRATION_EPISODES = 400
VOTE_NEIGHBOURS = 10
# A drawing counts as digit-like when digits are at least as common among its nearest known shapes as
# among all of them (about a quarter: 3 of 10). A drawing among digits has far more, one among the
# symbols the network learnt far fewer. A stricter margin (1.5: 4 of 10) turned away clean pen-drawn
# 0s and 9s that lie near learnt symbols drawn with the same pen (BENCHMARKS.md).
VOTE_MARGIN = 1.0
KNOWN_DIGITS_EACH = 400  # training digits of each kind among the known shapes: the same with any data source
# Digits drawn from each pen-stroke font, of each kind, among the known shapes: drawings on the canvas
# are pen strokes, like the symbols the network learnt, and need digits drawn that way to be near.
KNOWN_FONT_DRAWINGS = 10
KNOWN_FONT_SEED = 1  # not the seed of the drawn digits the rule is checked on (``drawn_font_digits``' default)
DIGIT_ACCEPTANCE = 0.99  # the share of drawn and validation digits the digit limit must keep
TAUGHT_PER_EPISODE = 3
EXAMPLES_PER_SYMBOL = 3
QUERIES_PER_SYMBOL = 3


@dataclass(frozen=True, kw_only=True)
class OpenSetRule:
    """The two limits of ``identify``, in the model's ``metric``, and how well they did where fitted."""

    symbol_threshold: float
    digit_threshold: float
    metric: str
    digit_votes: int = 0  # of VOTE_NEIGHBOURS known shapes (``KnownShapes.votes_needed``); 0: the limit alone
    taught_named_right: float = float("nan")  # on the calibration episodes
    untaught_rejected: float = float("nan")
    digits_accepted: float = float("nan")

    def to_dict(self) -> dict:
        return {key: (round(value, 6) if isinstance(value, float) else value) for key, value in vars(self).items()}

    @classmethod
    def from_dict(cls, values: dict) -> OpenSetRule:
        return cls(**{key: values[key] for key in cls.__dataclass_fields__ if key in values})


@dataclass(frozen=True, kw_only=True)
class Neighbour:
    """One of the nearest examples to a query: a taught drawing or a training digit."""

    kind: str  # "symbol" or "digit"
    name: str  # the symbol's name, or the digit as text
    index: int  # into the symbol set's drawings, or into the training digits
    distance: float


@dataclass(frozen=True, kw_only=True)
class Identification:
    """The answer to a query: ``symbol`` (a taught name), else ``digit``, else neither ("none of these").

    ``centre_distance`` is the query's distance to the nearest digit centre, ``digit_votes`` how many of
    its ``VOTE_NEIGHBOURS`` nearest known shapes are digits, ``rule`` the limits used.
    """

    symbol: str | None
    digit: int | None
    nearest: tuple[Neighbour, ...]
    centre_distance: float
    digit_votes: int
    rule: OpenSetRule

    @property
    def is_none_of_these(self) -> bool:
        return self.symbol is None and self.digit is None


@dataclass(frozen=True, kw_only=True)
class KnownShapes:
    """The shapes the network learnt, embedded, each marked digit or symbol; see the module's rule.

    ``embeddings`` (n, D) float32; ``is_digit`` (n,) bool; ``sources`` (n,) str: where each came
    from ("mnist", a font's name, "symbols"), so that a drawn digit can be checked without its own font.
    """

    embeddings: np.ndarray
    is_digit: np.ndarray
    sources: np.ndarray
    metric: str

    def __len__(self) -> int:
        return len(self.is_digit)

    def votes_needed(self, *, k: int = VOTE_NEIGHBOURS) -> int:
        """How many of a drawing's ``k`` nearest known shapes must be digits: ``VOTE_MARGIN`` times their share."""
        return min(k, math.ceil(VOTE_MARGIN * k * float(np.mean(self.is_digit))))

    def digit_votes(
        self, queries: np.ndarray, *, k: int = VOTE_NEIGHBOURS, excluding: np.ndarray | None = None
    ) -> np.ndarray:
        """``(q,) int``: how many of each query's ``k`` nearest known shapes are digits.

        ``excluding`` ``(q,) str`` leaves out, for each query, the known shapes of that source.
        """
        queries = np.atleast_2d(np.asarray(queries, dtype=np.float32))
        left_out = np.full(len(queries), "") if excluding is None else np.asarray(excluding, dtype=str)
        votes = np.zeros(len(queries), dtype=np.int64)
        for source in np.unique(left_out):  # one search per source left out ("" leaves none out)
            asking = left_out == source
            kept = np.flatnonzero(self.sources != source)
            references = self.embeddings if len(kept) == len(self) else self.embeddings[kept]
            _, nearest = nearest_neighbours(queries[asking], references, k=k, metric=self.metric)
            votes[asking] = self.is_digit[kept[nearest]].sum(axis=1)
        return votes


def known_shapes(
    digit_embeddings: np.ndarray,
    digit_sources: np.ndarray,
    symbol_embeddings: np.ndarray,
    *,
    metric: str,
) -> KnownShapes:
    """``KnownShapes`` from digits ``(m, D)`` (each with its source) and learnt symbols ``(s, D)``."""
    check_metric(metric)
    return KnownShapes(
        embeddings=np.concatenate([digit_embeddings, symbol_embeddings]).astype(np.float32),
        is_digit=np.r_[np.ones(len(digit_embeddings), bool), np.zeros(len(symbol_embeddings), bool)],
        sources=np.r_[np.asarray(digit_sources, dtype=str), np.full(len(symbol_embeddings), "symbols")],
        metric=metric,
    )


def known_digit_rows(labels: np.ndarray, *, each: int = KNOWN_DIGITS_EACH, seed: int = 0) -> np.ndarray:
    """``(<= 10 * each,)`` sorted rows of ``labels`` (training digits): up to ``each`` of every digit, seeded."""
    generator = np.random.default_rng(seed)
    labels = np.asarray(labels)
    rows = [generator.permutation(np.flatnonzero(labels == digit))[:each] for digit in range(NUM_CLASSES)]
    return np.sort(np.concatenate(rows))


def digit_centres(embeddings: np.ndarray, labels: np.ndarray, *, metric: str) -> np.ndarray:
    """``(10, D) float32``: each digit's mean embedding (scaled to unit length for the cosine distance).

    A digit with no embedding gets a row of NaN, which is never the nearest centre.
    """
    check_metric(metric)
    embeddings = np.asarray(embeddings, dtype=np.float32)
    centres = np.full((NUM_CLASSES, embeddings.shape[1]), np.nan, dtype=np.float32)
    for digit in range(NUM_CLASSES):
        members = embeddings[np.asarray(labels) == digit]
        if len(members):
            centres[digit] = members.mean(axis=0)
    if metric == "cosine":
        centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    return centres


def nearest_centre_distance(embeddings: np.ndarray, centres: np.ndarray, *, metric: str) -> np.ndarray:
    """``(n,) float32``: each embedding's distance to the nearest digit centre."""
    known = ~np.isnan(centres).any(axis=1)
    return pairwise_distances(np.atleast_2d(embeddings), centres[known], metric=metric).min(axis=1)


def identify(
    query_embedding: np.ndarray,
    symbols,
    symbol_embeddings: np.ndarray,
    digit_index,
    *,
    rule: OpenSetRule,
    centres: np.ndarray,
    known: KnownShapes,
    k: int = 5,
) -> Identification:
    """Name one drawing from its embedding ``(D,)`` (see the module's rule).

    ``symbols`` is a ``SymbolSet`` whose drawings have ``symbol_embeddings`` ``(n, D)``; ``digit_index``
    a ``NeighbourIndex`` of the training digits, whose ``centres`` ``(10, D)`` come from ``digit_centres``;
    ``known`` the shapes the network learnt (``known_shapes``). The ``k`` nearest examples of both kinds
    are kept to show.
    """
    metric = digit_index.metric
    digits = digit_index.neighbours_of(query_embedding, k=min(k, len(digit_index.reference_labels)))
    nearest = [
        Neighbour(kind="digit", name=str(label), index=int(index), distance=float(distance))
        for index, label, distance in zip(digits.indices, digits.labels, digits.distances, strict=True)
    ]
    if len(symbols):
        distances = pairwise_distances(query_embedding[None], symbol_embeddings, metric=metric)[0]
        nearest += [
            Neighbour(kind="symbol", name=symbols.names[symbols.labels[index]], index=int(index), distance=float(d))
            for index, d in enumerate(distances)
        ]
    nearest.sort(key=lambda neighbour: (neighbour.distance, neighbour.kind != "symbol"))
    nearest = tuple(nearest[:k])
    centre_distance = float(nearest_centre_distance(query_embedding, centres, metric=metric)[0])
    symbol = None
    if nearest[0].kind == "symbol" and predict_same(nearest[0].distance, rule.symbol_threshold):
        symbol = nearest[0].name
    votes = int(known.digit_votes(query_embedding)[0])
    digit_like = predict_same(centre_distance, rule.digit_threshold) and votes >= rule.digit_votes
    digit = digits.predicted if symbol is None and digit_like else None
    return Identification(
        symbol=symbol, digit=digit, nearest=nearest, centre_distance=centre_distance, digit_votes=votes, rule=rule
    )


def calibrate_open_set(
    symbol_embeddings: np.ndarray,
    symbol_labels: np.ndarray,
    symbol_styles: np.ndarray,
    digit_embeddings: np.ndarray,
    digit_labels: np.ndarray,
    *,
    reference_embeddings: np.ndarray,
    reference_labels: np.ndarray,
    known: KnownShapes,
    digit_sources: np.ndarray | None = None,
    metric: str,
    seed: int = 0,
) -> OpenSetRule:
    """Fit both limits on embeddings of classes the network never saw, and say how the whole rule does there.

    Parameters
    ----------
    symbol_embeddings, symbol_labels, symbol_styles : (n, D), (n,), (n,)
        Drawings of unseen symbol classes, their class and the font (style) each was drawn from.
    digit_embeddings, digit_labels : (m, D), (m,)
        Digits that should be read as digits (validation digits, digits drawn from fonts).
    reference_embeddings, reference_labels : (r, D), (r,)
        The training digits, whose centres the digit limit is measured from.
    known : the shapes the network learnt (``known_shapes``), for the digit vote.
    digit_sources : (m,) str, optional
        Where each digit came from: a digit is voted on without the known shapes of its own source
        (a font's digits are not their own neighbours).
    """
    check_metric(metric)
    centres = digit_centres(reference_embeddings, reference_labels, metric=metric)
    digit_distances = nearest_centre_distance(digit_embeddings, centres, metric=metric)
    # Digits come first in a digit app: the limit keeps DIGIT_ACCEPTANCE of the digits it is shown; the
    # symbols it then rejects are what the network makes of them, not a trade the limit was tuned for.
    digit_threshold = float(np.quantile(digit_distances, DIGIT_ACCEPTANCE))
    digit_votes = known.votes_needed()
    votes = known.digit_votes(digit_embeddings, excluding=digit_sources)
    digits_accepted = float(np.mean(predict_same(digit_distances, digit_threshold) & (votes >= digit_votes)))
    taught, untaught = _teaching_episodes(symbol_embeddings, symbol_labels, symbol_styles, metric=metric, seed=seed)
    right_distances = np.where(taught[:, 1] > 0, taught[:, 0], np.inf)  # named right only if nearest is its class
    symbol_threshold, named_right, rejected = _balanced_threshold(accept=right_distances, reject=untaught)
    return OpenSetRule(
        symbol_threshold=symbol_threshold,
        digit_threshold=digit_threshold,
        metric=metric,
        digit_votes=digit_votes,
        taught_named_right=named_right,
        untaught_rejected=rejected,
        digits_accepted=digits_accepted,
    )


def _teaching_episodes(embeddings, labels, styles, *, metric: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Episodes like the page's: ``TAUGHT_PER_EPISODE`` classes taught with ``EXAMPLES_PER_SYMBOL`` drawings.

    Returns ``taught`` (q, 2): each taught query's nearest-example distance and 1 if that example is of
    its class (queries drawn in fonts its examples do not use); and ``untaught`` (u,): each query of an
    untaught class's nearest-example distance.
    """
    generator = np.random.default_rng(seed)
    classes = np.unique(labels)
    taught_rows, untaught_rows = [], []
    for _ in range(CALIBRATION_EPISODES):
        chosen = generator.choice(classes, size=TAUGHT_PER_EPISODE + 1, replace=False)
        examples, example_labels, queries, query_labels = [], [], [], []
        for label in chosen[:TAUGHT_PER_EPISODE]:
            members = generator.permutation(np.flatnonzero(labels == label))
            picked = members[:EXAMPLES_PER_SYMBOL]
            others = members[~np.isin(styles[members], styles[picked])]
            examples.append(picked)
            example_labels += [label] * len(picked)
            queries.append(others[:QUERIES_PER_SYMBOL])
            query_labels += [label] * len(others[:QUERIES_PER_SYMBOL])
        stranger = generator.permutation(np.flatnonzero(labels == chosen[-1]))[:QUERIES_PER_SYMBOL]
        examples, example_labels = np.concatenate(examples), np.array(example_labels)
        queries = np.concatenate(queries)
        to_taught = pairwise_distances(embeddings[queries], embeddings[examples], metric=metric)
        nearest = to_taught.argmin(axis=1)
        right = example_labels[nearest] == np.array(query_labels)
        taught_rows.append(np.column_stack([to_taught.min(axis=1), right]))
        untaught_rows.append(pairwise_distances(embeddings[stranger], embeddings[examples], metric=metric).min(axis=1))
    return np.concatenate(taught_rows), np.concatenate(untaught_rows)


def _balanced_threshold(*, accept: np.ndarray, reject: np.ndarray) -> tuple[float, float, float]:
    """The limit that best splits distances to ``accept`` (at most it) from those to ``reject`` (above it).

    Best means the highest mean of the two rates (balanced accuracy); returns the limit (halfway to the
    next distance) and the two rates there. ``inf`` in ``accept`` counts as never accepted.
    """
    accept, reject = np.sort(np.asarray(accept, dtype=np.float64)), np.sort(np.asarray(reject, dtype=np.float64))
    candidates = np.unique(np.concatenate([accept[np.isfinite(accept)], reject]))
    accepted = np.searchsorted(accept, candidates, side="right") / max(len(accept), 1)
    rejected = 1.0 - np.searchsorted(reject, candidates, side="right") / max(len(reject), 1)
    best = int(np.argmax(accepted + rejected))
    following = candidates[best + 1] if best + 1 < len(candidates) else candidates[best]
    return float((candidates[best] + following) / 2), float(accepted[best]), float(rejected[best])


def calibrate_model(
    embedding_network, data, config, calibration, *, known: KnownShapes, font_digits=None
) -> OpenSetRule:
    """``calibrate_open_set`` for a network: embeds what it needs and fits the rule.

    ``data`` is the ``MnistData`` it reads digits from (its training digits are the references, and
    the validation split of ``config`` gives digits to accept); ``calibration`` is a ``SymbolCorpus``
    of classes the network never saw; ``known`` its ``embed_known_shapes``; ``font_digits`` (images,
    labels, fonts) are drawn digits to accept too (default: ``symbol_corpus.drawn_font_digits()``).
    """
    from siamese.data.symbol_corpus import drawn_font_digits
    from siamese.networks.models import embed
    from siamese.training.trainer import training_split

    _, _, x_validation, y_validation = training_split(config, data)
    drawn_images, drawn_labels, drawn_fonts = font_digits if font_digits is not None else drawn_font_digits()
    digits = np.concatenate([x_validation, drawn_images])
    seen = ~np.isin(data.y_train, config.held_out_digits)  # held-out digits have no centre: never "a digit"
    return calibrate_open_set(
        embed(embedding_network, calibration.images),
        calibration.labels,
        calibration.fonts,
        embed(embedding_network, digits),
        np.concatenate([y_validation, drawn_labels]),
        reference_embeddings=embed(embedding_network, data.x_train[seen]),
        reference_labels=data.y_train[seen],
        known=known,
        digit_sources=np.r_[np.full(len(y_validation), "validation"), drawn_fonts],
        metric=config.metric,
    )


def embed_known_shapes(embedding_network, data, config, learnt_symbols: np.ndarray, *, font_digits=None) -> KnownShapes:
    """``KnownShapes`` for a network: up to ``KNOWN_DIGITS_EACH`` of each training digit of ``data`` it
    learnt (not held out), digits drawn from fonts (``font_digits``: images, labels, fonts; default
    ``KNOWN_FONT_DRAWINGS`` of each digit in each pen-stroke font) and ``learnt_symbols`` ``(s, 28, 28)``,
    the background symbols."""
    from siamese.data.symbol_corpus import drawn_font_digits
    from siamese.networks.models import embed

    if font_digits is None:
        font_digits = drawn_font_digits(drawings_per_font=KNOWN_FONT_DRAWINGS, seed=KNOWN_FONT_SEED)
    drawn_images, drawn_labels, drawn_fonts = font_digits
    rows = known_digit_rows(data.y_train)
    rows = rows[~np.isin(data.y_train[rows], config.held_out_digits)]
    drawn = ~np.isin(drawn_labels, config.held_out_digits)
    return known_shapes(
        embed(embedding_network, np.concatenate([data.x_train[rows], drawn_images[drawn]])),
        np.r_[np.full(len(rows), "mnist"), drawn_fonts[drawn]],
        embed(embedding_network, learnt_symbols),
        metric=config.metric,
    )
