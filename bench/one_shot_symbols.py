"""One-shot on symbols no model was trained on, measured as the one-shot literature measures Omniglot.

The evaluation classes of the symbol corpus (every Greek and Cyrillic letter, and a quarter of every
other family: ``siamese.data.symbol_classes``), those with at least two fonts: 5-way and 20-way, 1-shot and
5-shot, 2,000 seeded episodes each, one query per class per episode drawn from fonts its supports do
not use. Three embeddings answer the same episodes by their nearest support:

- the shipped model (``--model DIR`` for another folder);
- raw pixels (Euclidean);
- a softmax classifier of the same network trained on the same digits and background symbol classes,
  with the same recipe (``siamese.evaluation.classifier_baseline``), its last hidden layer as the embedding
  (``--no-classifier`` skips it: it trains for about as long as the shipped model did).

Figures are also given for the Greek and Cyrillic classes alone.
"""

import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from bench.common import full_mnist, report  # noqa: E402
from siamese.data.mnist import without_embedded_subset  # noqa: E402
from siamese.data.symbol_classes import Split  # noqa: E402
from siamese.data.symbol_corpus import load_symbol_corpus  # noqa: E402
from siamese.evaluation.classifier_baseline import train_classifier_baseline  # noqa: E402
from siamese.evaluation.few_shot import classes_with_styles, evaluate_few_shot  # noqa: E402
from siamese.networks.models import embed  # noqa: E402
from siamese.storage.model_folders import load_model  # noqa: E402
from siamese.storage.shipped_model import load_shipped_model  # noqa: E402

EPISODES = 2000
SETTINGS = ((5, 1), (20, 1), (5, 5), (20, 5))


def scores(embeddings, unseen, classes, *, metric: str) -> dict:
    figures = {}
    for way, shot in SETTINGS:
        fit = set(classes_with_styles(unseen.labels, unseen.fonts, k_shot=shot))
        usable = tuple(label for label in classes if label in fit)
        result = evaluate_few_shot(
            embeddings, unseen.labels, classes=usable, n_way=way, k_shot=shot, queries_per_class=1,
            episodes=EPISODES, metric=metric, styles=unseen.fonts,
        )  # fmt: skip
        figures[f"{way}_way_{shot}_shot"] = [round(result.accuracy, 4), [round(v, 4) for v in result.interval]]
    return figures


def main() -> None:
    model_folder = sys.argv[sys.argv.index("--model") + 1] if "--model" in sys.argv else None
    model = load_model(model_folder) if model_folder else load_shipped_model()
    symbols = load_symbol_corpus()
    unseen = symbols.only(Split.EVALUATION)
    every = classes_with_styles(unseen.labels, unseen.fonts)
    greek_cyrillic = tuple(label for label in every if unseen.classes[label].family in ("greek", "cyrillic"))
    embedders = {
        "model": (embed(model.embedding_network, unseen.images), model.config.metric),
        "pixels": (unseen.images.reshape(len(unseen), -1), "euclidean"),
    }
    values = {"classes": len(every), "greek_cyrillic_classes": len(greek_cyrillic), "episodes": EPISODES}
    if "--no-classifier" not in sys.argv:
        started = time.perf_counter()
        classifier, _ = train_classifier_baseline(model.config, without_embedded_subset(full_mnist()), symbols=symbols)
        values["classifier_training_seconds"] = round(time.perf_counter() - started)
        embedders["classifier"] = (embed(classifier, unseen.images), model.config.metric)
    for name, (embeddings, metric) in embedders.items():
        values[name] = scores(embeddings, unseen, every, metric=metric)
        values[f"{name}_greek_cyrillic"] = scores(embeddings, unseen, greek_cyrillic, metric=metric)
    report(values)


if __name__ == "__main__":
    main()
