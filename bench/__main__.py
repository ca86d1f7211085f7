"""Run every benchmark, each in its own process (so peak memory is its own): ``python -m bench [name ...]``.

Each prints one JSON line; this runner prints them in order and exits non-zero
if one fails. Names: baseline, default, best, quick, query, projections,
snapshots, app, load, repeated_trainings, drawn_digits, first_views, unseen_digits, open_set, symbol_corpus,
one_shot_symbols, losses, vit, class_load, vector_index.
"""

import subprocess
import sys

BENCHMARKS = {
    "baseline": ["bench.baseline"],
    "default": ["bench.training", "default"],
    "best": ["bench.training", "best"],
    "quick": ["bench.quick"],
    "query": ["bench.query"],
    "projections": ["bench.projections"],
    "snapshots": ["bench.snapshots"],
    "app": ["bench.app"],
    "load": ["bench.load"],
    "repeated_trainings": ["bench.repeated_trainings"],
    "drawn_digits": ["bench.drawn_digits"],
    "first_views": ["bench.first_views"],
    "unseen_digits": ["bench.unseen_digits"],
    "open_set": ["bench.open_set"],
    "symbol_corpus": ["bench.symbol_corpus"],
    "one_shot_symbols": ["bench.one_shot_symbols"],
    "losses": ["bench.losses"],
    "vit": ["bench.vit"],
    "class_load": ["bench.class_load"],
    "vector_index": ["bench.vector_index"],
}


def main() -> int:
    names = sys.argv[1:] or list(BENCHMARKS)
    unknown = [name for name in names if name not in BENCHMARKS]
    if unknown:
        print(f"error: unknown benchmark {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}", file=sys.stderr)
        return 2
    failed = []
    for name in names:
        module, *arguments = BENCHMARKS[name]
        completed = subprocess.run([sys.executable, "-m", module, *arguments], stdout=subprocess.PIPE, text=True)
        lines = [line for line in completed.stdout.splitlines() if line.startswith("{")]
        print(lines[-1] if lines else f'{{"benchmark": "{name}", "error": "exit code {completed.returncode}"}}')
        if completed.returncode != 0:
            failed.append(name)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
