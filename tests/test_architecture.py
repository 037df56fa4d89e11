"""The layering rules of docs/ARCHITECTURE.md, checked on the source instead of trusted."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "tongban"
# `web` is the composition root: it wires every context's routers into the app.
CONTEXTS = sorted(p.name for p in SRC.iterdir() if (p / "__init__.py").exists() and p.name not in ("migrations", "web"))
WITH_DOMAIN = [context for context in CONTEXTS if (SRC / context / "domain.py").exists()]
ROUTERS = ("api", "pages")
FRAMEWORKS = ("sqlalchemy", "fastapi", "starlette", "jinja2", "httpx")


def imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def modules(context: str) -> list[Path]:
    return sorted((SRC / context).glob("*.py"))


@pytest.mark.parametrize("context", CONTEXTS)
def test_no_context_imports_another_contexts_routers(context: str) -> None:
    others = [f"tongban.{other}.{room}" for other in CONTEXTS if other != context for room in ROUTERS]
    for path in modules(context):
        assert not imports(path) & set(others), f"{path.relative_to(SRC)} imports a router of another context"


@pytest.mark.parametrize("context", WITH_DOMAIN)
def test_the_domain_has_no_database_and_no_web(context: str) -> None:
    domain = SRC / context / "domain.py"
    used = {name.split(".")[0] for name in imports(domain)}
    assert not used & set(FRAMEWORKS), f"{context}/domain.py imports {used & set(FRAMEWORKS)}"


@pytest.mark.parametrize("context", CONTEXTS)
def test_routers_do_not_touch_tables(context: str) -> None:
    for room in ROUTERS:
        path = SRC / context / f"{room}.py"
        if path.exists():
            assert not any(name.endswith(".models") for name in imports(path)), f"{context}/{room}.py reads models"
