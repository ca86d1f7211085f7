"""The layers, checked by reading every import: the library never reaches up, pages stay light, benchmarks
stand apart from the tests."""

import ast
from pathlib import Path

import pytest

from tests.conftest import REPOSITORY


def _imports(path: Path, *, top_level_only: bool = False) -> set[str]:
    """The modules a file imports (``a.b`` for ``from a.b import c``), anywhere in it or at its top level only."""
    tree = ast.parse(path.read_text())
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    found = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def _files(*folders: str) -> list[Path]:
    return [path for folder in folders for path in sorted((REPOSITORY / folder).rglob("*.py"))]


def _root(module: str) -> str:
    return module.split(".")[0]


@pytest.mark.parametrize("path", _files("siamese"), ids=lambda path: str(path.relative_to(REPOSITORY)))
def test_the_library_never_imports_the_app_or_the_tests(path):
    assert not {_root(module) for module in _imports(path)} & {"streamlit", "explorer_ui", "pages", "tests", "bench"}


@pytest.mark.parametrize("path", [REPOSITORY / "app.py", *_files("pages")], ids=lambda path: path.name)
def test_pages_import_no_tensorflow_at_their_top(path):
    assert not {_root(module) for module in _imports(path, top_level_only=True)} & {"keras", "tensorflow"}


@pytest.mark.parametrize("path", _files("bench"), ids=lambda path: path.name)
def test_benchmarks_never_import_the_tests(path):
    assert "tests" not in {_root(module) for module in _imports(path)}


@pytest.mark.parametrize("path", _files("explorer_ui"), ids=lambda path: path.name)
def test_the_app_helpers_never_import_pages_tests_or_benchmarks(path):
    assert not {_root(module) for module in _imports(path)} & {"pages", "tests", "bench", "app"}


def test_the_checks_see_a_forbidden_import(tmp_path):
    """The walker finds an import inside a function as well as at the top."""
    sample = tmp_path / "sample.py"
    sample.write_text("import numpy\n\ndef later():\n    from streamlit import session_state\n")
    assert _imports(sample) == {"numpy", "streamlit"} and _imports(sample, top_level_only=True) == {"numpy"}
