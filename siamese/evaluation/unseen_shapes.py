"""Where a network puts shapes it never saw: onto its digit clusters, or in a place of their own.

A network trained on ten digits only learns what tells those ten apart, and anything else it is
shown lands on or near one of them. One trained on hundreds of kinds of shape learns what tells
shapes apart in general, and an unseen shape gets a place of its own. ``place_unseen`` measures it
(each shape's distance to the nearest digit's centre, to compare with the network's own threshold
for "same") and maps digits and shapes together, so two networks can be shown side by side.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from siamese.conventions import predict_same
from siamese.evaluation.projection import Projection, project
from siamese.search.open_set import digit_centres, nearest_centre_distance


@dataclass(frozen=True, kw_only=True, eq=False)
class Placement:
    """Digits and unseen shapes on one map, and how far the shapes lie from the digits.

    ``digit_points`` (n, 2) and ``shape_points`` (m, 2) float32 share ``projection``, which can place
    more shapes; ``centres`` (10, D) are the digits' centres and ``distances`` (m,) each shape's
    distance to the nearest of them.
    """

    digit_points: np.ndarray
    digit_labels: np.ndarray
    shape_points: np.ndarray
    distances: np.ndarray
    centres: np.ndarray
    projection: Projection

    def share_within(self, threshold: float) -> float:
        """The share of the shapes that lie within ``threshold`` of a digit's centre: taken for that digit."""
        return float(np.mean(predict_same(self.distances, threshold)))

    def distances_of(self, embeddings: np.ndarray) -> np.ndarray:
        """``(k,)``: other shapes' ``(k, D)`` distances to the nearest digit centre."""
        return nearest_centre_distance(embeddings, self.centres, metric=self.projection.metric)


def place_unseen(
    digit_embeddings: np.ndarray, digit_labels: np.ndarray, shape_embeddings: np.ndarray, *, metric: str
) -> Placement:
    """Map ``(n, D)`` digit and ``(m, D)`` unseen-shape embeddings together (PCA of both) and measure the shapes."""
    digit_labels = np.asarray(digit_labels)
    centres = digit_centres(digit_embeddings, digit_labels, metric=metric)
    projection = project(np.concatenate([digit_embeddings, shape_embeddings]), metric=metric)
    return Placement(
        digit_points=projection.points[: len(digit_embeddings)],
        digit_labels=digit_labels,
        shape_points=projection.points[len(digit_embeddings) :],
        distances=nearest_centre_distance(shape_embeddings, centres, metric=metric),
        centres=centres,
        projection=projection,
    )
