"""A class's drawings as files for the teacher: an MNIST-style ``.npz`` and a CSV list.

Both hold the drawings given (what the board shows) and the network's reading of each one. The
CSV is opened in spreadsheets, which run a cell that begins with ``=``, ``+``, ``-`` or ``@`` (or
a tab or carriage return before one) as a formula: a nickname like ``=HYPERLINK(...)`` would
become a link. Such cells are written with a leading apostrophe, which spreadsheets read as
"this is text" and do not show.
"""

import csv
import io

import numpy as np

from siamese.classroom.store import ClassDrawings
from siamese.conventions import NUM_CLASSES

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_COLUMNS = ("drawing", "digit", "predicted", "nickname", "sent_at")


def spreadsheet_safe(text: str) -> str:
    """``text`` as a CSV cell that a spreadsheet shows as text, never runs as a formula."""
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def class_npz(drawings: ClassDrawings, predicted: np.ndarray) -> bytes:
    """``.npz`` bytes: ``x_train`` (n, 28, 28) uint8, ``y_train`` (n,) the digits meant, ``predictions`` (n,).

    The file has the keys of an MNIST file (the same drawings again as ``x_test``/``y_test``), so it
    loads back through ``mnist.load_npz`` and its checks.
    """
    predicted = _checked_predictions(drawings, predicted)
    buffer = io.BytesIO()
    np.savez_compressed(
        buffer,
        x_train=drawings.images,
        y_train=drawings.digits.astype(np.uint8),
        x_test=drawings.images,
        y_test=drawings.digits.astype(np.uint8),
        predictions=predicted,
        drawing_ids=drawings.ids,
    )
    return buffer.getvalue()


def class_csv(drawings: ClassDrawings, predicted: np.ndarray) -> str:
    """One row per drawing: its number, the digit meant, the network's reading, the nickname, when it was sent."""
    predicted = _checked_predictions(drawings, predicted)
    table = io.StringIO()
    writer = csv.writer(table)
    writer.writerow(CSV_COLUMNS)
    rows = zip(drawings.ids, drawings.digits, predicted, drawings.nicknames, drawings.created_at, strict=True)
    for drawing_id, digit, guess, nickname, sent in rows:
        writer.writerow([int(drawing_id), int(digit), int(guess), spreadsheet_safe(nickname or ""), f"{sent:.3f}"])
    return table.getvalue()


def _checked_predictions(drawings: ClassDrawings, predicted: np.ndarray) -> np.ndarray:
    predicted = np.asarray(predicted)
    if predicted.shape != (len(drawings),):
        raise ValueError(f"predicted must hold one digit per drawing, ({len(drawings)},), got {predicted.shape}")
    if len(predicted) and (predicted.min() < 0 or predicted.max() >= NUM_CLASSES):
        raise ValueError("predicted must hold digits 0 to 9")
    return predicted.astype(np.int64)
