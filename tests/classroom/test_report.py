"""The class board's figures, against plain loops on small hand-made embeddings."""

import types

import numpy as np
import pytest

from siamese.classroom.report import class_report, with_class_references


def _index(embeddings, labels, metric="euclidean"):
    """Just what the report reads of a NeighbourIndex."""
    return types.SimpleNamespace(
        reference_embeddings=np.asarray(embeddings, dtype=np.float32),
        reference_labels=np.asarray(labels),
        metric=metric,
    )


@pytest.fixture
def mnist():
    """Ten tight clusters of training digits on a line: digit d around (10 d, 0)."""
    generator = np.random.default_rng(1)
    labels = np.repeat(np.arange(10), 20)
    points = np.column_stack([10.0 * labels, np.zeros(len(labels))]) + generator.normal(0, 0.5, (200, 2))
    return _index(points, labels)


def test_the_report_reads_each_drawing_by_its_nearest_training_digits(mnist):
    # Three students. Two 3s drawn like 3s; a 7 drawn like a 1 (misread); a 9 drawn far off the line.
    embeddings = np.array([[30.2, 0.1], [29.7, -0.2], [10.3, 0.0], [90.0, 6.0]], dtype=np.float32)
    digits = np.array([3, 3, 7, 9])
    report = class_report(embeddings, digits, np.array(["a", "b", "a", "c"]), mnist)
    assert report.predicted.tolist() == [3, 3, 1, 9]
    assert (report.drawings, report.students, report.accuracy) == (4, 3, 0.75)
    assert report.misread.tolist() == [2]
    assert report.per_digit_accuracy[3] == 1.0 and report.per_digit_accuracy[7] == 0.0
    assert np.isnan(report.per_digit_accuracy[0]) and report.per_digit_count.tolist()[3] == 2
    expected = np.zeros((10, 10), dtype=int)
    for meant, read in zip(digits, report.predicted, strict=True):
        expected[meant, read] += 1
    np.testing.assert_array_equal(report.confusion, expected)
    # The 9 lies about 6 units off its cluster whose own digits lie about 0.6 from its centre;
    # the 7 (drawn on the 1s) lies 60 units from the 7s: that is the digit written most differently.
    assert report.most_different_digit == 7 and report.strangeness[9] > 5 and report.strangeness[3] < 2


def test_other_students_drawings_as_references_fix_a_class_habit(mnist):
    # Everyone writes 7 like MNIST's 1 (around (10, 5), above the 1s); MNIST alone misreads them all.
    generator = np.random.default_rng(2)
    sevens = np.array([10.0, 5.0]) + generator.normal(0, 0.3, (6, 2))
    students = np.array(["a", "b", "c", "d", "e", "f"])
    adaptation = with_class_references(sevens.astype(np.float32), np.full(6, 7), students, mnist, k=3)
    assert adaptation.before == 0.0 and adaptation.after == 1.0 and adaptation.evaluated == 6


def test_a_students_own_drawings_never_help_them(mnist):
    # One student's two 7s near the 1s: with only their own drawings as class references nothing changes.
    sevens = np.array([[10.0, 5.0], [10.1, 5.1]], dtype=np.float32)
    adaptation = with_class_references(sevens, np.array([7, 7]), np.array(["a", "a"]), mnist, k=3)
    assert adaptation.before == adaptation.after == 0.0


def test_an_empty_class_has_an_empty_report(mnist):
    report = class_report(np.zeros((0, 2), np.float32), np.zeros(0, int), np.zeros(0), mnist)
    assert report.drawings == 0 and report.most_different_digit is None and np.isnan(report.accuracy)
