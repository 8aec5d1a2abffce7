"""The import rules of DESIGN.md ("Layers"), checked on the source with `ast` (no import runs).

Every `import` and `from ... import` counts, at module level or inside a function: a lazy
import is still a dependency. Relative imports are resolved to absolute module names.

- `inventory` imports no other project app (nor `config`); only its faces (admin, api,
  views, tasks, report definitions, commands) may use the report engine, as any app's faces may.
- `cash` and `loyalty` never import `sales`; between domain apps imports go downward only.
- Domain modules (models, services, selectors) import no admin, api, views or reports.
- The report engine (the `reports` app: xlsx, pdf, jobs, registry, models, views, admin of the
  report centre) imports no domain app: apps register with it from their `AppConfig.ready()`.
- Apps import nothing from `config` (the project shell imports them).
- No import circles between project modules (lazy imports included).
"""

import ast
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROJECT_APPS = ("accounts", "inventory", "cash", "loyalty", "purchasing", "sales", "reports", "config")
DOMAIN_APPS = ("inventory", "cash", "loyalty", "purchasing", "sales", "accounts")
# Which domain apps each one may import (DESIGN.md: inventory <- cash <- sales, inventory <- loyalty <- sales).
MAY_IMPORT = {
    "inventory": set(),
    "cash": {"inventory"},
    "loyalty": {"inventory"},
    "purchasing": {"inventory", "cash"},
    "sales": {"inventory", "cash", "loyalty"},
    "accounts": {"inventory"},
}
DOMAIN_PARTS = ("models", "services", "selectors")
FACE_PARTS = ("admin", "api", "views", "reports")
# Faces: a module whose name (any part) starts with one of these.
FACE_PREFIXES = ("admin", "api", "views", "tasks", "reports", "report_", "management", "apps", "demo")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(module: str, source: str, *, is_package: bool = False) -> list[tuple[str, int]]:
    """(absolute module name, line) of every import in `source`, names imported from a module included."""
    package = module.split(".") if is_package else module.split(".")[:-1]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            found.append((target, node.lineno))
            # `from inventory import admin` imports the module inventory.admin.
            found += [(f"{target}.{alias.name}", node.lineno) for alias in node.names if alias.name != "*"]
    return found


@cache
def _sources() -> dict[str, list[tuple[str, int]]]:
    sources = {}
    for app in PROJECT_APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            module = _module_name(path)
            sources[module] = _imports(module, path.read_text(), is_package=path.name == "__init__.py")
    return sources


def _app(name: str) -> str:
    return name.split(".", 1)[0]


def _is_domain(module: str) -> bool:
    return _app(module) in DOMAIN_APPS and any(part in DOMAIN_PARTS for part in module.split(".")[1:])


def _is_face_target(target: str) -> bool:
    """An admin, api, views or reports module of any app (or the report engine itself)."""
    parts = target.split(".")
    if parts[0] == "reports":
        return True
    return parts[0] in PROJECT_APPS and any(p.startswith(FACE_PARTS) for p in parts[1:])


def _is_face(module: str) -> bool:
    return any(part.startswith(FACE_PREFIXES) for part in module.split(".")[1:])


def _violations(sources: dict[str, list[tuple[str, int]]]) -> list[str]:
    problems = []
    for module, imports in sources.items():
        app = _app(module)
        for target, line in imports:
            other = _app(target)
            where = f"{module}:{line} imports {target}"
            if other not in PROJECT_APPS or other == app:
                if _is_domain(module) and _is_face_target(target):
                    problems.append(f"{where}: domain code imports a face")
                continue
            if app == "reports" and other in DOMAIN_APPS:
                problems.append(f"{where}: the report engine imports no domain app")
            if app in DOMAIN_APPS and other == "config":
                problems.append(f"{where}: apps do not import the project shell (config)")
            if app in DOMAIN_APPS and other in DOMAIN_APPS and other not in MAY_IMPORT[app]:
                problems.append(f"{where}: {app} may not import {other}")
            if app in DOMAIN_APPS and other == "reports" and not _is_face(module):
                problems.append(f"{where}: only faces use the report engine")
            if _is_domain(module) and _is_face_target(target):
                problems.append(f"{where}: domain code imports a face")
    return problems


def _circles(sources: dict[str, list[tuple[str, int]]]) -> list[set[str]]:
    """Strongly connected groups of modules (Tarjan); importing one's own package is not a circle."""
    graph: dict[str, set[str]] = {module: set() for module in sources}
    for module, imports in sources.items():
        for target, _line in imports:
            parts = target.split(".")
            while parts and ".".join(parts) not in sources:
                parts.pop()
            found = ".".join(parts)
            if parts and found != module and not module.startswith(found + "."):
                graph[module].add(found)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    circles = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                circles.append(group)

    for node in graph:
        if node not in index:
            visit(node)
    return circles


def test_no_import_circles():
    # None left: the ledger starts the re-costing job through a hook set in ready(), not by importing tasks.
    assert _circles(_sources()) == []


def test_a_new_import_circle_is_caught():
    sources = dict(_sources())
    sources["inventory.selectors"] = [*sources["inventory.selectors"], ("inventory.admin_mixins", 1)]
    assert any({"inventory.selectors", "inventory.admin_mixins"} <= c for c in _circles(sources))


def test_the_import_rules_of_the_design_hold():
    assert _violations(_sources()) == []


def test_the_checker_sees_every_app_and_resolves_relative_imports():
    sources = _sources()
    assert {_app(m) for m in sources} == set(PROJECT_APPS)
    assert "inventory.scoping" in {target for target, _line in sources["inventory.admin_mixins"]}  # `from .scoping`
    assert "inventory.models" in {target for target, _line in sources["inventory.services.common"]}  # `from ..models`


@pytest.mark.parametrize(
    ("module", "line", "rule"),
    [
        ("inventory.services.common", "from sales.models import Receipt", "inventory may not import sales"),
        ("inventory.services.common", "from reports.xlsx import Column", "only faces use the report engine"),
        ("inventory.selectors", "from .admin import ProductAdmin", "domain code imports a face"),
        ("sales.services.receipts", "from ..api.views import ReceiptView", "domain code imports a face"),
        ("cash.apps", "from sales import models", "cash may not import sales"),
        ("loyalty.apps", "import sales.models", "loyalty may not import sales"),
        ("reports.jobs", "from inventory.models import Shop", "the report engine imports no domain app"),
        ("reports.admin", "from sales.admin_reports import z_report_print", "the report engine imports no domain app"),
        ("inventory.api", "from config.api import NewestFirstCursor", "apps do not import the project shell"),
    ],
)
def test_a_forbidden_import_is_caught(module, line, rule):
    """The real sources plus one line in one module (in memory): the check names it."""
    sources = dict(_sources())
    path = ROOT / (module.replace(".", "/") + ".py")
    sources[module] = _imports(module, path.read_text() + "\n" + line + "\n")
    last_line = len(path.read_text().splitlines()) + 2
    problems = _violations(sources)
    assert [p for p in problems if p.startswith(f"{module}:{last_line} ") and rule in p], problems
    assert _violations(_sources()) == []


# --- the ledger kernel is the only writer of ledger rows and balances ----------------------------

KERNEL = "inventory.services.kernel"
WRITES = {"create", "bulk_create", "update", "delete", "get_or_create", "update_or_create", "bulk_update", "save"}


def _ledger_writes(module: str, source: str, models: set[str]) -> list[str]:
    """Lines of `source` that write a ledger model: build one, call a write on it, or insert rows into it."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id in models:
            found.append(f"{module}:{node.lineno} builds a {func.id}")
        elif isinstance(func, ast.Attribute) and func.attr in WRITES:
            names = {n.id for n in ast.walk(func.value) if isinstance(n, ast.Name)}
            if names & models:
                found.append(f"{module}:{node.lineno} {func.attr}() on {sorted(names & models)}")
        if getattr(func, "id", getattr(func, "attr", None)) == "rows_insert" and node.args:
            target = node.args[0]
            if isinstance(target, ast.Name) and target.id in models:
                found.append(f"{module}:{node.lineno} rows_insert({target.id})")
    return found


def _ledger_models() -> set[str]:
    from inventory.ledgers import ledgers

    return {m.__name__ for ledger in ledgers() for m in (ledger.entry_model, ledger.balance_model)}


def test_only_the_kernel_writes_ledger_rows_and_balances():
    models = _ledger_models()
    assert {"StockLedgerEntry", "StockBalance"} <= models
    offenders = []
    for app in PROJECT_APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            module = _module_name(path)
            if "migrations" not in path.parts and module != KERNEL:
                offenders += _ledger_writes(module, path.read_text(), models)
    assert offenders == []


@pytest.mark.parametrize(
    "line",
    [
        "StockBalance.objects.filter(pk=1).update(cost_amount=0)",
        "StockLedgerEntry.objects.bulk_create([StockLedgerEntry(quantity=0)])",
        "rows_insert(StockLedgerEntry, [], [])",
    ],
)
def test_a_ledger_write_outside_the_kernel_is_caught(line):
    path = ROOT / "inventory/services/recost.py"
    assert _ledger_writes("inventory.services.recost", path.read_text() + "\n" + line + "\n", _ledger_models())


def test_every_admin_page_has_the_excel_export_and_the_input_guard():
    """Whenever an app registers its admin (autodiscovery, or a ledger's pages from ready()), the
    site-wide promises hold: every list exports to Excel and every form refuses control characters."""
    from django.contrib import admin

    from inventory.admin_export import ExcelExportMixin
    from inventory.admin_mixins import ControlCharactersAdminMixin

    missing = [
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if not isinstance(model_admin, ExcelExportMixin) or not isinstance(model_admin, ControlCharactersAdminMixin)
    ]
    assert missing == []
