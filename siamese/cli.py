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


def _parser() -> argparse.ArgumentParser:
    from siamese.config import ARCHITECTURES, LEARNING_RATE_SCHEDULES, LOSSES, OPTIMIZERS, PAIR_MINING, PRESETS
    from siamese.conventions import METRICS

    parser = argparse.ArgumentParser(prog="siamese-explorer", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    data_help = "auto (default), keras, embedded, or a path to an mnist.npz"

    train = commands.add_parser("train", help="train a model and save it to a folder")
    train.add_argument("--data", default="auto", help=data_help)
    train.add_argument("--preset", choices=sorted(PRESETS), help="start from a preset; other flags override it")
    train.add_argument("--arch", dest="architecture", choices=ARCHITECTURES)
    train.add_argument("--loss", choices=LOSSES)
    train.add_argument("--margin", type=_positive_float)
    train.add_argument("--metric", choices=METRICS, help="the distance between embeddings")
    train.add_argument("--pair-mining", choices=PAIR_MINING)
    train.add_argument("--pairs-per-image", type=_positive_int)
    train.add_argument("--embedding-dim", type=_positive_int)
    train.add_argument(
        "--normalize",
        dest="normalize_embeddings",
        action=argparse.BooleanOptionalAction,
        help="unit-length embeddings (--no-normalize: raw ones)",
    )
    train.add_argument("--optimizer", choices=OPTIMIZERS)
    train.add_argument("--epochs", type=_positive_int)
    train.add_argument("--batch-size", type=_positive_int)
    train.add_argument("--learning-rate", type=_positive_float)
    train.add_argument("--learning-rate-schedule", choices=LEARNING_RATE_SCHEDULES)
    train.add_argument("--augment-shift", type=_non_negative_int, help="random shift of training images, in pixels")
    train.add_argument(
        "--restore-best-weights",
        action=argparse.BooleanOptionalAction,
        help="end with the epoch of lowest validation loss (--no-restore-best-weights: the last epoch)",
    )
    train.add_argument("--seed", type=_non_negative_int)
    train.add_argument("--out", required=True, type=Path, help="folder to save the model in")
    train.set_defaults(handler=_train)

    evaluate = commands.add_parser("evaluate", help="pair accuracy, ROC AUC and retrieval metrics on the test set")
    evaluate.add_argument("--model", required=True, type=Path)
    evaluate.add_argument("--data", default="auto", help=data_help)
    evaluate.add_argument("-k", type=_positive_int, default=5, help="neighbours for k-NN accuracy")
    evaluate.add_argument("--json", action=argparse.BooleanOptionalAction, default=False, help="print one JSON object")
    evaluate.set_defaults(handler=_evaluate)

    neighbours = commands.add_parser("neighbours", help="nearest training digits of drawn or scanned digits")
    neighbours.add_argument("--model", required=True, type=Path)
    neighbours.add_argument("--image", required=True, nargs="+", type=Path, help="PNG/JPEG files or folders")
    neighbours.add_argument("--data", default="auto", help=data_help)
    neighbours.add_argument("-k", type=_positive_int, default=5)
    neighbours.add_argument(
        "--json", action=argparse.BooleanOptionalAction, default=False, help="one JSON object per image and line"
    )
    neighbours.set_defaults(handler=_neighbours)

    export = commands.add_parser("export", help="files for TensorFlow's Embedding Projector")
    export.add_argument("--model", required=True, type=Path)
    export.add_argument("--out", required=True, type=Path)
    export.add_argument("--data", default="auto", help=data_help)
    export.add_argument("--limit", type=_positive_int, default=5000, help="test digits to export (default 5000)")
    export.set_defaults(handler=_export)
    return parser


def _load_data(source: str):
    from siamese.mnist import load_mnist

    data = load_mnist(source)
    print(f"data: {data.description}", file=sys.stderr)
    for reason in data.skipped:
        print(f"  (skipped {reason})", file=sys.stderr)
    return data


def _load_model(folder: Path):
    from siamese.storage import load_model

    if not folder.is_dir():
        raise CliError(f"model folder {folder} does not exist")
    return load_model(folder)


def _config_from(arguments):
    from siamese.config import TrainingConfig, preset

    base = preset(arguments.preset) if arguments.preset else TrainingConfig()
    # Every config field that has a flag of the same name; flags left out keep the preset's value.
    names = [field.name for field in dataclasses.fields(TrainingConfig) if hasattr(arguments, field.name)]
    changes = {name: getattr(arguments, name) for name in names if getattr(arguments, name) is not None}
    if changes.get("loss") == "cosine_bce":
        changes.setdefault("metric", "cosine")
    return base.replace(**changes)


def _train(arguments) -> int:
    from siamese.storage import save_model
    from siamese.trained_model import TrainedModel
    from siamese.training import StopRequest, TrainingStatus, train

    config = _config_from(arguments)
    data = _load_data(arguments.data)
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


def _evaluate(arguments) -> int:
    from siamese.evaluation import evaluate_model

    saved = _load_model(arguments.model)
    data = _load_data(arguments.data)
    evaluation = evaluate_model(
        saved.embedding_network, data, threshold=saved.threshold, metric=saved.config.metric, k=arguments.k
    )
    summary = evaluation.summary()
    if arguments.json:
        print(json.dumps(summary))
    else:
        for name, value in summary.items():
            print(f"{name:>16}  {value}")
    return 0


def _image_paths(paths: list[Path]) -> list[Path]:
    found = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES))
        else:
            found.append(path)
    return found


def _neighbours(arguments) -> int:
    from siamese.neighbour_index import NeighbourIndex

    saved = _load_model(arguments.model)
    data = _load_data(arguments.data)
    index = NeighbourIndex.build(saved.embedding_network, data.x_train, data.y_train, metric=saved.config.metric)
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
    from siamese.drawing import image_from_file, preprocess_drawing

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
    from siamese.export import write_projector_files
    from siamese.models import embed

    saved = _load_model(arguments.model)
    data = _load_data(arguments.data)
    count = min(arguments.limit, len(data.y_test))
    images, labels = data.x_test[:count], data.y_test[:count]
    written = write_projector_files(embed(saved.embedding_network, images), labels, images, arguments.out)
    for path in written.values():
        print(path)
    print(f"load them at projector.tensorflow.org: Load > vectors.tsv, then metadata.tsv ({count} points)")
    return 0
