"""The package's layering, read from the source with `ast`, so it cannot rot silently."""

import ast
import pathlib
import subprocess
import sys

import pytest

import glassbox

SRC = pathlib.Path(glassbox.__file__).parent


def _module_name(path: pathlib.Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def import_time_imports(path: pathlib.Path) -> set[str]:
    """Modules imported when `path` is imported: module-level statements only (not function bodies,
    not `if TYPE_CHECKING:` blocks), with relative imports resolved."""
    tree = ast.parse(path.read_text())
    package = _module_name(path) if path.name == "__init__.py" else _module_name(path).rpartition(".")[0]
    out: set[str] = set()

    def visit(statements: list[ast.stmt]) -> None:
        for stmt in statements:
            if isinstance(stmt, ast.Import):
                out.update(alias.name for alias in stmt.names)
            elif isinstance(stmt, ast.ImportFrom):
                base = stmt.module or ""
                if stmt.level:
                    anchor = package.split(".")[: len(package.split(".")) - stmt.level + 1]
                    base = ".".join(anchor + ([base] if base else []))
                out.add(base)
                out.update(f"{base}.{alias.name}" for alias in stmt.names)
            elif isinstance(stmt, ast.If) and not _is_type_checking(stmt.test):
                visit(stmt.body)
                visit(stmt.orelse)
            elif isinstance(stmt, (ast.Try,)):
                visit(stmt.body)
                for handler in stmt.handlers:
                    visit(handler.body)

    visit(tree.body)
    return out


MODULES = {_module_name(p): p for p in SRC.rglob("*.py")}


def _in(package: str, module: str) -> bool:
    return module == package or module.startswith(package + ".")


def _imports_of(package: str) -> dict[str, set[str]]:
    return {name: import_time_imports(path) for name, path in MODULES.items() if _in(package, name)}


@pytest.mark.parametrize("forbidden", ["glassbox.compiler", "glassbox.inspect", "glassbox.export", "glassbox.cli"])
def test_the_runtime_does_not_import_the_compiler_or_the_tools_built_on_it(forbidden: str) -> None:
    for module, imports in _imports_of("glassbox.model").items():
        bad = sorted(i for i in imports if _in(forbidden, i))
        assert not bad, f"{module} imports {bad} at import time"


@pytest.mark.parametrize("package,forbidden", [
    ("glassbox.rasp", ["glassbox.compiler", "glassbox.craft", "glassbox.model", "glassbox.inspect",
                       "glassbox.export", "glassbox.toy", "torch"]),
    ("glassbox.craft", ["glassbox.compiler", "glassbox.model", "glassbox.inspect", "glassbox.export", "torch"]),
    ("glassbox.compiler", ["glassbox.inspect", "glassbox.export", "glassbox.cli", "glassbox.toy"]),
    ("glassbox.toy", ["glassbox.compiler", "glassbox.model", "glassbox.inspect", "glassbox.export"]),
])
def test_lower_layers_do_not_import_higher_ones(package: str, forbidden: list[str]) -> None:
    for module, imports in _imports_of(package).items():
        bad = sorted(i for i in imports for f in forbidden if _in(f, i))
        assert not bad, f"{module} imports {bad} at import time"


def test_no_import_cycle_among_compiler_passes() -> None:
    graph = {m: {i for i in imports if i in MODULES and _in("glassbox.compiler", i) and i != m
                 and i != "glassbox.compiler"}
             for m, imports in _imports_of("glassbox.compiler").items() if m != "glassbox.compiler"}
    visiting: list[str] = []
    done: set[str] = set()

    def visit(node: str) -> None:
        if node in done:
            return
        assert node not in visiting, f"import cycle: {' -> '.join(visiting[visiting.index(node):] + [node])}"
        visiting.append(node)
        for nxt in graph.get(node, ()):
            visit(nxt)
        visiting.pop()
        done.add(node)

    for node in graph:
        visit(node)


def test_rasp_helpers_shared_across_its_modules_are_public() -> None:
    """A name one rasp module uses from another (`core.x`, `from .core import x`) has no leading underscore."""
    rasp_modules = {name.rpartition(".")[2] for name in MODULES if _in("glassbox.rasp", name)}
    for name, path in MODULES.items():
        if not _in("glassbox.rasp", name):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in rasp_modules:
                assert not (node.attr.startswith("_") and not node.attr.startswith("__")), \
                    f"{name} uses the private {node.value.id}.{node.attr}"
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("glassbox.rasp"):
                private = [a.name for a in node.names if a.name.startswith("_")]
                assert not private, f"{name} imports private {private} from {node.module}"


def test_the_layering_reader_sees_imports() -> None:
    """The checks above can fail: the reader finds module-level imports and skips TYPE_CHECKING ones."""
    imports = import_time_imports(MODULES["glassbox.model.compiled"])
    assert "torch" in imports and "glassbox.model.hooks" in imports
    assert not any(_in("glassbox.compiler", i) for i in imports)
    assert any(_in("glassbox.compiler", i) for i in import_time_imports(MODULES["glassbox.compiler.compiling"]))


def test_import_glassbox_is_torch_free() -> None:
    code = ("import sys, glassbox, glassbox.rasp, glassbox.programs, glassbox.toy; "
            "assert 'torch' not in sys.modules, 'torch was imported'; "
            "glassbox.compile_rasp_to_model; assert 'torch' in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("module", ["glassbox", "glassbox.rasp", "glassbox.programs", "glassbox.toy"])
def test_public_api_is_explicit_and_importable(module: str) -> None:
    mod = __import__(module, fromlist=["__all__"])
    assert mod.__all__, f"{module} has no __all__"
    for name in mod.__all__:
        assert getattr(mod, name) is not None, f"{module}.{name}"
    assert "compiler" not in mod.__all__ and "craft" not in mod.__all__


def test_every_error_and_the_model_class_come_from_glassbox() -> None:
    from glassbox import errors
    from glassbox.model.compiled import CompiledModel

    assert glassbox.CompiledModel is CompiledModel
    for name in ("GlassboxError", "CompileError", "InputError", "ArtifactError", "RaspError",
                 "EvaluationError", "ConfigError"):
        assert getattr(glassbox, name) is getattr(errors, name) and name in glassbox.__all__
        assert issubclass(getattr(errors, name), errors.GlassboxError)
