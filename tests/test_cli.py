"""The command-line tool, run in-process (and once as a real subprocess for tracebacks)."""

import json
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from siamese.cli import main

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def model_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli") / "model"
    code = main(["train", "--data", "embedded", "--preset", "quick", "--epochs", "6", "--out", str(folder)])
    assert code == 0
    return folder


def test_train_writes_the_model_folder(model_folder, capsys):
    assert sorted(p.name for p in model_folder.iterdir()) == [
        "config.json",
        "embedding.keras",
        "history.json",
        "metrics.json",
    ]
    assert json.loads((model_folder / "config.json").read_text())["epochs"] == 6


def test_evaluate_prints_every_metric_as_json(model_folder, capsys):
    assert main(["evaluate", "--model", str(model_folder), "--data", "embedded", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    for key in ("pair_accuracy", "threshold", "roc_auc", "knn_accuracy", "precision_at_1", "map_at_r"):
        assert 0.0 <= summary[key] <= 1.0 or key == "threshold"
    assert summary["pair_accuracy"] > 0.8 and summary["knn_accuracy"] > 0.8


def _write_digit_png(path, image, *, invert=False):
    pixels = (np.kron(image, np.ones((8, 8))) * 255).astype(np.uint8)
    Image.fromarray(255 - pixels if invert else pixels).save(path)
    return path


def test_neighbours_predicts_real_digits_and_reports_bad_files_on_their_own_line(
    model_folder, embedded_data, tmp_path, capsys
):
    folder = tmp_path / "images"
    folder.mkdir()
    digits = {}
    for index in range(6):
        label = int(embedded_data.y_test[index])
        path = _write_digit_png(folder / f"test_{index}.png", embedded_data.x_test[index], invert=index % 2 == 1)
        digits[str(path)] = label
    (folder / "broken.png").write_bytes(b"not a png")
    Image.new("L", (50, 50), 255).save(folder / "blank.png")

    code = main(
        [
            "neighbours",
            "--model",
            str(model_folder),
            "--data",
            "embedded",
            "-k",
            "3",
            "--json",
            "--image",
            str(folder),
        ]
    )
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == 1  # some images failed, the others ran
    answers = {line["image"]: line for line in lines if "predicted" in line}
    errors = {line["image"]: line["error"] for line in lines if "error" in line}
    assert set(answers) == set(digits)
    assert "not a readable image" in errors[str(folder / "broken.png")]
    assert "empty" in errors[str(folder / "blank.png")]
    correct = sum(answers[path]["predicted"] == label for path, label in digits.items())
    assert correct >= 5
    first = next(iter(answers.values()))
    assert len(first["neighbours"]) == 3 and set(first["neighbours"][0]) == {"index", "label", "distance"}
    assert 0 < first["vote_share"] <= 1


def test_neighbours_index_flag_picks_the_search_and_faiss_finds_the_same_digits(
    model_folder, embedded_data, tmp_path, capsys
):
    images = [str(_write_digit_png(tmp_path / f"digit_{i}.png", embedded_data.x_test[i])) for i in range(4)]
    answers = {}
    for kind in ("exact", "faiss-flat", "faiss-hnsw"):
        arguments = ["neighbours", "--model", str(model_folder), "--data", "embedded", "-k", "5", "--json"]
        assert main([*arguments, "--index", kind, "--image", *images]) == 0
        answers[kind] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [answer["image"] for answer in answers["exact"]] == images
    for kind in ("faiss-flat", "faiss-hnsw"):
        for exact, found in zip(answers["exact"], answers[kind], strict=True):
            assert [n["index"] for n in found["neighbours"]] == [n["index"] for n in exact["neighbours"]]
            for ours, theirs in zip(found["neighbours"], exact["neighbours"], strict=True):
                assert ours["distance"] == pytest.approx(theirs["distance"], abs=1e-4)
            assert found["predicted"] == exact["predicted"]


def test_export_writes_projector_files(model_folder, tmp_path, capsys):
    out = tmp_path / "projector"
    assert main(["export", "--model", str(model_folder), "--data", "embedded", "--limit", "50", "--out", str(out)]) == 0
    assert len((out / "vectors.tsv").read_text().splitlines()) == 50
    assert len((out / "metadata.tsv").read_text().splitlines()) == 50
    assert (out / "sprite.png").exists()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["evaluate", "--model", "/nonexistent/model"], "model folder /nonexistent/model does not exist"),
        (["train", "--epochs", "0", "--out", "x"], "must be a positive integer"),
        (["train", "--margin", "-1", "--out", "x"], "must be a positive number"),
        (["train", "--learning-rate", "abc", "--out", "x"], "not a number"),
        (["train", "--data", "/nonexistent.npz", "--out", "x"], "does not exist"),
        (["train", "--data", "embedded", "--batch-size", "100000", "--out", "x"], "larger than"),
        (["train", "--with-symbols", "--pair-mining", "fixed", "--out", "x"], "need pair_mining='online'"),
        (["train", "--examples-per-class", "5", "--batch-size", "32", "--out", "x"], "multiple of"),
        (["one-shot", "--model", "/nonexistent/model", "--classes", "symbols"], "does not exist"),
        (["neighbours", "--model", "m", "--image", "x.png", "--index", "annoy"], "invalid choice: 'annoy'"),
    ],
)
def test_user_errors_print_one_line_and_exit_non_zero(arguments, message, capsys):
    try:
        code = main(arguments)
    except SystemExit as exit_request:  # argparse rejects bad flag values itself
        code = exit_request.code
    assert code == 2
    error = capsys.readouterr().err
    assert message in error
    assert "Traceback" not in error


def test_one_shot_on_digits_answers_what_the_library_answers(model_folder, embedded_data, capsys):
    """The command's figure is the library's own on the same embeddings and seed, and its flags reach it."""
    from siamese.evaluation.few_shot import evaluate_few_shot
    from siamese.networks.models import embed
    from siamese.storage.model_folders import load_model

    arguments = ["one-shot", "--model", str(model_folder), "--data", "embedded", "--way", "3", "--shot", "2"]
    assert main([*arguments, "--episodes", "150", "--seed", "4", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    saved = load_model(model_folder)
    expected = evaluate_few_shot(
        embed(saved.embedding_network, embedded_data.x_test), embedded_data.y_test, classes=tuple(range(10)),
        n_way=3, k_shot=2, episodes=150, metric=saved.config.metric, seed=4,
    )  # fmt: skip
    assert summary["class_choice"] == "all" and (summary["way"], summary["shot"], summary["episodes"]) == (3, 2, 150)
    assert summary["accuracy"] == round(expected.accuracy, 4) > 1 / 3


def test_one_shot_on_symbols_answers_in_json(model_folder, small_symbol_corpus, monkeypatch, capsys):
    """Episodes of symbol classes no model trains on, supports and queries in different fonts."""
    monkeypatch.setattr("siamese.data.symbol_corpus.load_symbol_corpus", lambda *args, **kwargs: small_symbol_corpus)
    arguments = ["one-shot", "--model", str(model_folder), "--classes", "symbols", "--way", "5", "--episodes", "200"]
    assert main([*arguments, "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["class_choice"] == "symbols" and summary["way"] == 5 and summary["episodes"] == 200
    assert "greek" in summary["families"] and summary["classes"] >= 5
    assert 0.2 < summary["accuracy"] <= 1.0  # a digit network still does better than guessing one in five
    assert summary["interval"][0] <= summary["accuracy"] <= summary["interval"][1]


def test_no_traceback_reaches_the_terminal():
    completed = subprocess.run(
        [sys.executable, "-m", "siamese", "evaluate", "--model", "/nonexistent/model"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 2
    assert completed.stderr.strip().splitlines()[-1] == "error: model folder /nonexistent/model does not exist"
    assert "Traceback" not in completed.stderr


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ([], {"normalize_embeddings": True, "restore_best_weights": True, "metric": "euclidean"}),
        (["--no-normalize"], {"normalize_embeddings": False}),
        (["--preset", "classic", "--normalize"], {"normalize_embeddings": True, "batch_size": 32}),
        (["--preset", "classic"], {"normalize_embeddings": False, "restore_best_weights": False}),
        (["--no-restore-best-weights", "--metric", "cosine"], {"restore_best_weights": False, "metric": "cosine"}),
        (["--loss", "cosine_bce"], {"metric": "cosine"}),
        (["--with-symbols"], {"with_symbols": True, "examples_per_class": 4, "symbol_share": 0.5}),
        (["--with-symbols", "--symbol-share", "0"], {"with_symbols": True, "symbol_share": 0.0}),
        (["--with-symbols", "--examples-per-class", "8"], {"with_symbols": True, "examples_per_class": 8}),
        (["--no-with-symbols"], {"with_symbols": False, "examples_per_class": 0}),
        (["--loss", "infonce", "--temperature", "0.05"], {"loss": "infonce", "temperature": 0.05}),
    ],
)
def test_every_boolean_flag_can_be_turned_on_and_off(flags, expected):
    from siamese.cli import _config_from, _parser

    config = _config_from(_parser().parse_args(["train", *flags, "--out", "x"]))
    assert {name: getattr(config, name) for name in expected} == expected
