"""How long the symbol corpus takes to make from nothing (the target is a minute here), and what it holds.

``load_symbol_corpus`` into an empty temporary cache folder: drawing every class of
``siamese/symbol_classes.json`` in one process per CPU core, then saving the ``.npz``; then the same
call again, which only reads the file back.
"""

import tempfile
import time

from bench.common import report
from siamese.data.symbol_classes import Split
from siamese.data.symbol_corpus import load_symbol_corpus


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        corpus = load_symbol_corpus(folder)
        made = time.perf_counter() - started
        started = time.perf_counter()
        load_symbol_corpus(folder)
        read = time.perf_counter() - started
    report({
        "make_seconds": round(made, 1),
        "read_seconds": round(read, 2),
        "drawings": len(corpus),
        "classes": len(corpus.classes),
        "fonts": len(corpus.font_names),
        **{f"{split.value}_classes": int((corpus.splits == split.value).sum()) for split in Split},
    })  # fmt: skip


if __name__ == "__main__":
    main()
