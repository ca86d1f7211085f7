"""``siamese-explorer``: train, evaluate, query and export from the command line.

Every user error (a missing folder, an unreadable image, a bad flag value)
prints one line starting with ``error:`` and exits with status 2; no traceback.
"""

import argparse
import dataclasses
import json
import os
import sys
from pathlib import Path

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp"}


class CliError(Exception):
    """A problem to report in one line."""


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    arguments = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's start-up chatter off the terminal
    try:
        return arguments.handler(arguments)
    except (CliError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130


def _positive_int(text: str) -> int:
    value = _number(text, int)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def _positive_float(text: str) -> float:
    value = _number(text, float)
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def _digit_list(text: str) -> tuple[int, ...]:
    parts = [part.strip() for part in text.split(",") if part.strip()]
    if not parts or not all(part.isdigit() and len(part) == 1 for part in parts):
        raise argparse.ArgumentTypeError(f"must be digits 0-9 separated by commas, like 5,6,7,8,9; got {text!r}")
    return tuple(int(part) for part in parts)


def _non_negative_float(text: str) -> float:
    value = _number(text, float)
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be zero or more, got {text}")
    return value


def _non_negative_int(text: str) -> int:
    value = _number(text, int)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be zero or more, got {text}")
    return value


def _number(text: str, kind):
    try:
        return kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None


def _add_setting(parser: argparse.ArgumentParser, setting) -> None:
    """One hyperparameter's flag, with its help from the config's own description (``config.SETTINGS``)."""
    from siamese.config import Bound

    options = {"dest": setting.name, "help": setting.help.replace("%", "%%")}
    if isinstance(setting.default, bool):
        options["action"] = argparse.BooleanOptionalAction
    elif setting.name == "held_out_digits":
        options["type"] = _digit_list
    elif setting.choices is not None:
        options["choices"] = setting.choices
        options["type"] = type(setting.choices[0])
    else:
        whole = isinstance(setting.default, int)
        options["type"] = {
            Bound.POSITIVE: _positive_int if whole else _positive_float,
            Bound.NON_NEGATIVE: _non_negative_int if whole else _non_negative_float,
            None: int if whole else float,
        }[setting.bound]
    parser.add_argument(setting.flag, **options)


def _parser() -> argparse.ArgumentParser:
    from siamese.config import PRESETS, SETTINGS
    from siamese.search.vector_index import INDEX_KINDS

    parser = argparse.ArgumentParser(prog="siamese-explorer", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    data_help = "auto (default), keras, embedded, or a path to an mnist.npz"

    train = commands.add_parser("train", help="train a model and save it to a folder")
    train.add_argument("--data", default="auto", help=data_help)
    train.add_argument("--preset", choices=sorted(PRESETS), help="start from a preset; other flags override it")
    for setting in SETTINGS:
        _add_setting(train, setting)
    train.add_argument("--out", required=True, type=Path, help="folder to save the model in")
    train.set_defaults(handler=_train)

    evaluate = commands.add_parser("evaluate", help="pair accuracy, ROC AUC and retrieval metrics on the test set")
    evaluate.add_argument("--model", required=True, type=Path)
    evaluate.add_argument("--data", default="auto", help=data_help)
    evaluate.add_argument("-k", type=_positive_int, default=5, help="neighbours for k-NN accuracy")
    evaluate.add_argument("--json", action=argparse.BooleanOptionalAction, default=False, help="print one JSON object")
    evaluate.set_defaults(handler=_evaluate)

    one_shot = commands.add_parser("one-shot", help="N-way K-shot accuracy on the test digits, with a 95%% interval")
    one_shot.add_argument("--model", required=True, type=Path)
    one_shot.add_argument("--data", default="auto", help=data_help)
    one_shot.add_argument("--way", type=_positive_int, default=5, help="classes per episode (default 5)")
    one_shot.add_argument("--shot", type=_positive_int, default=1, help="labelled examples per class (default 1)")
    one_shot.add_argument("--queries", type=_positive_int, default=5, help="queries per class (default 5)")
    one_shot.add_argument("--episodes", type=_positive_int, default=1000, help="episodes (default 1000)")
    one_shot.add_argument(
        "--classes",
        choices=("unseen", "seen", "all", "symbols"),
        help="digits the episodes draw from (default: unseen if the model held digits out, else all), or "
        "symbols: the symbol classes no model trains on, support and query always from different fonts",
    )
    one_shot.add_argument("--seed", type=_non_negative_int, default=0)
    one_shot.add_argument("--json", action=argparse.BooleanOptionalAction, default=False, help="print one JSON object")
    one_shot.set_defaults(handler=_one_shot)

    neighbours = commands.add_parser("neighbours", help="nearest training digits of drawn or scanned digits")
    neighbours.add_argument("--model", required=True, type=Path)
    neighbours.add_argument("--image", required=True, nargs="+", type=Path, help="PNG/JPEG files or folders")
    neighbours.add_argument("--data", default="auto", help=data_help)
    neighbours.add_argument("-k", type=_positive_int, default=5)
    neighbours.add_argument(
        "--index",
        choices=INDEX_KINDS,
        default="exact",
        help="exact (NumPy, the default), faiss-flat (exact, FAISS) or faiss-hnsw (approximate, for millions)",
    )
    neighbours.add_argument(
        "--json", action=argparse.BooleanOptionalAction, default=False, help="one JSON object per image and line"
    )
    neighbours.set_defaults(handler=_neighbours)

    shipped = commands.add_parser(
        "make-shipped-model", help="train the model that ships with the package again, from full MNIST"
    )
    shipped.add_argument("--data", required=True, help="full MNIST: an mnist.npz path, or keras")
    shipped.add_argument("--out", type=Path, help="folder to save it in (default: the package's own)")
    shipped.add_argument(
        "--digits-only",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="make the digits-only model that ships beside it (no symbols), for comparison",
    )
    shipped.set_defaults(handler=_make_shipped_model)

    export = commands.add_parser("export", help="files for TensorFlow's Embedding Projector")
    export.add_argument("--model", required=True, type=Path)
    export.add_argument("--out", required=True, type=Path)
    export.add_argument("--data", default="auto", help=data_help)
    export.add_argument("--limit", type=_positive_int, default=5000, help="test digits to export (default 5000)")
    export.set_defaults(handler=_export)
    return parser


def _load_data(source: str):
    from siamese.data.mnist import load_mnist

    data = load_mnist(source)
    print(f"data: {data.description}", file=sys.stderr)
    for reason in data.skipped:
        print(f"  (skipped {reason})", file=sys.stderr)
    return data


def _load_model(folder: Path):
    from siamese.storage.model_folders import load_model

    if not folder.is_dir():
        raise CliError(f"model folder {folder} does not exist")
    return load_model(folder)


def _config_from(arguments, *, train_size: int | None = None):
    from siamese.config import SYMBOL_EXAMPLES_PER_CLASS, SYMBOL_SHARE, TrainingConfig, preset

    base = preset(arguments.preset, train_size=train_size) if arguments.preset else TrainingConfig()
    # Every config field that has a flag of the same name; flags left out keep the preset's value.
    names = [field.name for field in dataclasses.fields(TrainingConfig) if hasattr(arguments, field.name)]
    changes = {name: getattr(arguments, name) for name in names if getattr(arguments, name) is not None}
    if changes.get("loss") == "cosine_bce":
        changes.setdefault("metric", "cosine")
    if changes.get("with_symbols"):  # batches of a few images per class, half of them symbols, unless told otherwise
        changes.setdefault("examples_per_class", base.examples_per_class or SYMBOL_EXAMPLES_PER_CLASS)
        changes.setdefault("symbol_share", base.symbol_share or SYMBOL_SHARE)
    return base.replace(**changes)


def _train(arguments) -> int:
    from siamese.storage.model_folders import save_model
    from siamese.storage.trained_model import TrainedModel
    from siamese.training.trainer import StopRequest, TrainingStatus, train

    _config_from(arguments)  # settings that can't be trained are refused before the data is loaded
    data = _load_data(arguments.data)
    config = _config_from(arguments, train_size=len(data.y_train))
    stop = StopRequest()
    progress = _ProgressBar()
    try:
        result = train(config, data, callbacks=[progress], stop=stop)
    except KeyboardInterrupt:
        raise CliError("interrupted before the first epoch finished; nothing saved") from None
    finally:
        progress.close()
    folder = save_model(TrainedModel.from_result(result, name=arguments.out.name), arguments.out)
    print(result.message)
    print(f"validation pair accuracy {result.validation_pair_accuracy:.4f} at threshold {result.threshold:.4f}")
    print(f"saved to {folder}")
    return 1 if result.status == TrainingStatus.NAN_LOSS else 0


class _ProgressBar:
    """A tqdm bar per run, fed by the training callbacks."""

    def __init__(self):
        self.bar = None

    def on_train_begin(self, plan, embedding_network):
        from tqdm import tqdm

        self.bar = tqdm(total=plan.epochs * plan.steps_per_epoch, unit="batch", file=sys.stderr, mininterval=1.0)

    def on_batch_end(self, progress):
        self.bar.update(1)
        self.bar.set_description(f"epoch {progress.epoch}/{progress.epochs}")
        self.bar.set_postfix(loss=f"{progress.loss:.4f}")

    def on_epoch_end(self, record, embedding_network):
        self.bar.write(
            f"epoch {record.epoch}: loss {record.train_loss:.4f}, validation loss {record.validation_loss:.4f}, "
            f"validation pair accuracy {record.validation_pair_accuracy:.4f} ({record.seconds:.1f} s)"
        )

    def on_train_end(self, result):
        self.close()

    def close(self):
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def _make_shipped_model(arguments) -> int:
    from siamese.storage.shipped_model import DIGITS_ONLY_RECIPE, RECIPE, make_shipped_model, shipped_folder

    data = _load_data(arguments.data)
    recipe = DIGITS_ONLY_RECIPE if arguments.digits_only else RECIPE
    folder = arguments.out or shipped_folder(digits_only=arguments.digits_only)
    progress = _ProgressBar()
    try:
        model = make_shipped_model(data, folder, recipe=recipe, callbacks=[progress])
    finally:
        progress.close()
    figures, unseen = model.metrics["full_mnist_test"], model.metrics["unseen_symbols"]
    print(
        f"{recipe.epochs} epochs; on MNIST's test digits: pair accuracy {figures['pair_accuracy']:.4f}, "
        f"5-NN {figures['knn_accuracy']:.4f}, precision@1 {figures['precision_at_1']:.4f}; on symbols never "
        f"trained on: 5-way 1-shot {unseen['5_way_1_shot']:.4f}, 20-way 1-shot {unseen['20_way_1_shot']:.4f}"
    )
    print(f"saved to {folder}")
    return 0


def _evaluate(arguments) -> int:
    from siamese.evaluation.scores import evaluate_model

    saved = _load_model(arguments.model)
    data = _load_data(arguments.data)
    evaluation = evaluate_model(
        saved.embedding_network, data, threshold=saved.threshold, metric=saved.config.metric, k=arguments.k
    )
    summary = evaluation.summary()
    held_out = saved.config.held_out_digits
    if held_out:
        from siamese.evaluation.unseen_digits import seen_unseen_figures

        figures = seen_unseen_figures(
            evaluation.test_embeddings,
            data.y_test,
            evaluation.train_embeddings,
            data.y_train,
            held_out=held_out,
            threshold=saved.threshold,
            metric=saved.config.metric,
        )
        summary = {**summary, "held_out_digits": list(held_out), **figures.to_dict()}
    if arguments.json:
        print(json.dumps(summary))
    else:
        for name, value in summary.items():
            print(f"{name:>16}  {value}")
    return 0


def _one_shot(arguments) -> int:
    from siamese.evaluation.few_shot import episode_classes
    from siamese.networks.models import embed

    saved = _load_model(arguments.model)
    if arguments.classes == "symbols":
        return _one_shot_symbols(arguments, saved)
    data = _load_data(arguments.data)
    held_out = saved.config.held_out_digits
    choice = arguments.classes or ("unseen" if held_out else "all")
    classes = episode_classes(data.y_test, choice=choice, held_out=held_out)
    result = _episodes(arguments, embed(saved.embedding_network, data.x_test), data.y_test, classes, saved)
    summary = {**result.to_dict(), "class_choice": choice, "held_out_digits": list(held_out)}
    _print_one_shot(result, summary, f"{choice} digits {list(classes)}", as_json=arguments.json)
    return 0


def _episodes(arguments, embeddings, labels, classes, saved, *, styles=None):
    """``evaluate_few_shot`` with the episode settings of the ``one-shot`` command's flags."""
    from siamese.evaluation.few_shot import evaluate_few_shot

    return evaluate_few_shot(
        embeddings,
        labels,
        classes=classes,
        n_way=arguments.way,
        k_shot=arguments.shot,
        queries_per_class=arguments.queries,
        episodes=arguments.episodes,
        metric=saved.config.metric,
        seed=arguments.seed,
        styles=styles,
    )


def _one_shot_symbols(arguments, saved) -> int:
    """Episodes of the symbol classes no model trains on; each class's queries in other fonts than its supports."""
    from siamese.data.symbol_classes import Split
    from siamese.data.symbol_corpus import load_symbol_corpus
    from siamese.evaluation.few_shot import classes_with_styles
    from siamese.networks.models import embed

    print("symbols: the evaluation classes of the symbol corpus (made once, then cached)", file=sys.stderr)
    unseen = load_symbol_corpus().only(Split.EVALUATION)
    classes = classes_with_styles(unseen.labels, unseen.fonts, k_shot=arguments.shot)
    embeddings = embed(saved.embedding_network, unseen.images)
    result = _episodes(arguments, embeddings, unseen.labels, classes, saved, styles=unseen.fonts)
    families = sorted({unseen.classes[label].family for label in classes})
    summary = {**result.to_dict(), "class_choice": "symbols", "classes": len(classes), "families": families}
    _print_one_shot(result, summary, f"{len(classes)} symbol classes never trained on", as_json=arguments.json)
    return 0


def _print_one_shot(result, summary: dict, what: str, *, as_json: bool) -> None:
    if as_json:
        print(json.dumps(summary))
        return
    low, high = result.interval
    print(
        f"{result.n_way}-way {result.k_shot}-shot on {what}: accuracy "
        f"{result.accuracy:.4f} (95% interval {low:.4f}-{high:.4f}) over {result.episodes} episodes"
    )


def _image_paths(paths: list[Path]) -> list[Path]:
    found = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES))
        else:
            found.append(path)
    return found


def _neighbours(arguments) -> int:
    from siamese.search.neighbour_index import NeighbourIndex

    saved = _load_model(arguments.model)
    data = _load_data(arguments.data)
    index = NeighbourIndex.build(
        saved.embedding_network, data.x_train, data.y_train, metric=saved.config.metric, index=arguments.index
    )
    failures = 0
    for path in _image_paths(arguments.image):
        try:
            answer = _query_file(index, path, arguments.k)
        except ValueError as error:
            failures += 1
            _print_failure(path, error, as_json=arguments.json)
            continue
        _print_answer(answer, as_json=arguments.json)
    return 1 if failures else 0


def _query_file(index, path: Path, k: int) -> dict:
    from siamese.data.drawing import image_from_file, preprocess_drawing

    steps = preprocess_drawing(image_from_file(path))
    if not steps.ok:
        raise ValueError(steps.message)
    result = index.query(steps.centred, k=k)
    return {
        "image": str(path),
        "predicted": result.predicted,
        "vote_share": round(result.vote_share, 4),
        "neighbours": [
            {"index": int(i), "label": int(label), "distance": round(float(distance), 4)}
            for i, label, distance in zip(result.indices, result.labels, result.distances, strict=True)
        ],
    }


def _print_failure(path: Path, error: Exception, *, as_json: bool) -> None:
    if as_json:
        print(json.dumps({"image": str(path), "error": str(error)}))
    else:
        print(f"error: {path}: {error}", file=sys.stderr)


def _print_answer(answer: dict, *, as_json: bool) -> None:
    if as_json:
        print(json.dumps(answer))
        return
    print(f"{answer['image']}: predicted {answer['predicted']} ({answer['vote_share']:.0%} of the votes)")
    for neighbour in answer["neighbours"]:
        print(f"  train #{neighbour['index']:<6} digit {neighbour['label']}  distance {neighbour['distance']:.4f}")


def _export(arguments) -> int:
    from siamese.evaluation.export import write_projector_files
    from siamese.networks.models import embed

    saved = _load_model(arguments.model)
    data = _load_data(arguments.data)
    count = min(arguments.limit, len(data.y_test))
    images, labels = data.x_test[:count], data.y_test[:count]
    written = write_projector_files(embed(saved.embedding_network, images), labels, images, arguments.out)
    for path in written.values():
        print(path)
    print(f"load them at projector.tensorflow.org: Load > vectors.tsv, then metadata.tsv ({count} points)")
    return 0
