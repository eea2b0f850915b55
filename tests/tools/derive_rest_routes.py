"""Derive the REST routes a Backend.AI manager accepts, with their parameter keys, from its source.

    python tests/tools/derive_rest_routes.py SITE_PACKAGES GENERATION > tests/unit/data/rest_routes/GEN.json

``SITE_PACKAGES`` is the ``site-packages`` of an installed manager (the integration stack's venvs:
``$BAI_STACK_HOME/venvs/<gen>/lib/python*/site-packages``). The source is read with ``ast``, never
imported, so any Python 3.10+ reads any release:

- 19.09 (``ai/backend/gateway``) and 22.09 (``ai/backend/manager/api``): ``create_app()`` sets
  ``app["prefix"]`` and calls ``add_route(METHOD, PATH, handler)``; a handler's parameters are the
  ``t.Key``/``tx.AliasedKey`` names of its ``@check_api_params(t.Dict(...))`` (trafaret; unknown keys
  are refused unless ``allow_extra``);
- 26.x (``ai/backend/manager/api/rest/<module>/registry.py``): ``RouteRegistry.create(PREFIX)`` and
  ``reg.add(METHOD, PATH, handler.method)``; the handler's ``BodyParam[Model]``/``QueryParam[Model]``
  parameters name pydantic models whose fields (and ``alias``/``AliasChoices``) are the keys (unknown
  keys are ignored).

Output: ``{"generation", "unknown_keys": "refused"|"ignored", "routes": [{"method", "path", "params":
{"keys": [...], "required": [[one of these keys], ...], "location": "body"|"query"|"any", "extra": unknown
keys allowed} or null (not read from a schema)}]}``.
"""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path
from typing import Any

METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "*"}


def _const(node: ast.AST | None) -> Any:
    return node.value if isinstance(node, ast.Constant) else None


def _strings(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, (ast.List, ast.Tuple)):
        return [e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
    return []


def _call_name(node: ast.Call) -> str:
    f = node.func
    return f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""


# -- trafaret (19.09, 22.09) -------------------------------------------------------------------


def _trafaret_keys(checker: ast.AST) -> dict[str, Any]:
    """Keys of the outermost ``t.Dict({...})`` in ``checker``."""
    keys: list[str] = []
    required: list[str] = []
    found = False
    for node in ast.walk(checker):
        if (
            isinstance(node, ast.Call)
            and _call_name(node) == "Dict"
            and node.args
            and isinstance(node.args[0], ast.Dict)
        ):
            found = True
            for key in node.args[0].keys:
                names, optional = [], False
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    names = [key.value]
                elif isinstance(key, ast.Call) and _call_name(key) in ("Key", "AliasedKey", "MultiKey"):
                    names = _strings(key.args[0]) if key.args else []
                    optional = any(k.arg in ("optional", "default") for k in key.keywords)
                elif isinstance(key, ast.BinOp) and isinstance(key.left, ast.Call):  # t.Key("a") >> "b"
                    names = _strings(key.left.args[0]) if key.left.args else []
                    optional = any(k.arg in ("optional", "default") for k in key.left.keywords)
                keys += names
                if names and not optional:
                    required.append(names)
            break  # the outermost dict only (nested dicts are values, not parameters)
    if not found:
        return {}
    extra = any(isinstance(n, ast.Attribute) and n.attr == "allow_extra" for n in ast.walk(checker))
    return {"keys": sorted(set(keys)), "required": sorted(required), "location": "any", "extra": extra}


def _old_layout(package: Path) -> list[dict[str, Any]]:
    routes: list[dict[str, Any]] = []
    for source in sorted(package.glob("*.py")):
        tree = ast.parse(source.read_text(encoding="utf-8"))
        checkers: dict[str, ast.AST] = {}
        module_vars: dict[str, ast.AST] = {
            t.id: node.value
            for node in tree.body
            if isinstance(node, ast.Assign)
            for t in node.targets
            if isinstance(t, ast.Name)
        }
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for deco in node.decorator_list:
                    if isinstance(deco, ast.Call) and _call_name(deco) == "check_api_params" and deco.args:
                        arg = deco.args[0]
                        if isinstance(arg, ast.Name) and arg.id in module_vars:
                            arg = module_vars[arg.id]
                        checkers[node.name] = arg
        for func in tree.body:
            if not (isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)) and func.name == "create_app"):
                continue
            prefix = source.stem.replace("_", "-")  # what the server mounts a module at by default
            for node in ast.walk(func):
                if (
                    isinstance(node, ast.Assign)
                    and isinstance(node.targets[0], ast.Subscript)
                    and _const(node.targets[0].slice) == "prefix"
                ):
                    prefix = _const(node.value)
            resources: dict[str, str] = {}  # r = app.router.add_resource(PATH); r.add_route(METHOD, handler)
            for node in ast.walk(func):
                if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
                    for inner in ast.walk(node.value):
                        if isinstance(inner, ast.Call) and _call_name(inner) == "add_resource" and inner.args:
                            resources[node.targets[0].id] = _const(inner.args[0])
            for node in ast.walk(func):
                if not (isinstance(node, ast.Call) and _call_name(node) == "add_route"):
                    continue
                owner = node.func.value if isinstance(node.func, ast.Attribute) else None
                args = list(node.args)
                if len(args) == 2 and isinstance(owner, ast.Name) and owner.id in resources:
                    args = [args[0], ast.Constant(resources[owner.id]), args[1]]
                if len(args) >= 3:
                    method, path, handler = _const(args[0]), _const(args[1]), args[2]
                    if method not in METHODS or not isinstance(path, str):
                        continue
                    name = handler.id if isinstance(handler, ast.Name) else None
                    full = "/" + "/".join(p.strip("/") for p in (prefix, path) if p.strip("/"))
                    params = _trafaret_keys(checkers[name]) if name in checkers else None
                    routes.append({"method": method, "path": full, "handler": name, "params": params or None})
    return routes


# -- pydantic (26.x) -----------------------------------------------------------------------------


def _models(root: Path) -> dict[str, tuple[list[str], dict[str, Any]]]:
    """class name -> (base names, {"keys", "required"}) for every class with annotated fields."""
    models: dict[str, tuple[list[str], dict[str, Any]]] = {}
    for source in root.rglob("*.py"):
        try:
            tree = ast.parse(source.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError):
            continue
        for cls in tree.body:
            if not isinstance(cls, ast.ClassDef):
                continue
            keys: list[str] = []
            required: list[str] = []
            for stmt in cls.body:
                if not (isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name)):
                    continue
                name = stmt.target.id
                if name.startswith("_") or name == "model_config":
                    continue
                names = [name]
                optional = stmt.value is not None
                if isinstance(stmt.value, ast.Call) and _call_name(stmt.value) == "Field":
                    call = stmt.value
                    optional = bool(call.args and _const(call.args[0]) is not Ellipsis) or any(
                        k.arg in ("default", "default_factory") for k in call.keywords
                    )
                    for kw in call.keywords:
                        if kw.arg in ("alias", "validation_alias"):
                            value = kw.value
                            # BaseRequestModel sets validate_by_name: the field's own name is accepted too
                            if isinstance(value, ast.Call) and _call_name(value) == "AliasChoices":
                                names = [name, *(s for a in value.args for s in _strings(a))]
                            elif _strings(value):
                                names = [name, *_strings(value)]
                keys += names
                if not optional:
                    required.append(names)
            bases = [
                b.id if isinstance(b, ast.Name) else b.attr if isinstance(b, ast.Attribute) else "" for b in cls.bases
            ]
            models.setdefault(cls.name, (bases, {"keys": keys, "required": required}))
    return models


def _model_params(name: str, models: dict[str, tuple[list[str], dict[str, Any]]]) -> dict[str, list[Any]] | None:
    if name not in models:
        return None
    bases, own = models[name]
    keys, required = list(own["keys"]), list(own["required"])
    for base in bases:
        inherited = _model_params(base, models) if base not in ("BaseRequestModel", "BaseModel") else None
        if inherited:
            keys += inherited["keys"]
            required += inherited["required"]
    return {"keys": sorted(set(keys)), "required": sorted(required)}


# registries that setup.py mounts inside another one (``add_subregistry``), by module
_SUB_REGISTRIES = {"session_template": "template", "cluster_template": "template"}


def _new_layout(site: Path) -> list[dict[str, Any]]:
    rest = site / "ai/backend/manager/api/rest"
    models = _models(site / "ai/backend/common/dto")
    models.update({k: v for k, v in _models(rest).items() if k not in models})
    routes: list[dict[str, Any]] = []
    for registry in sorted(rest.glob("*/registry.py")):
        handlers: dict[str, ast.AsyncFunctionDef | ast.FunctionDef] = {}
        for source in registry.parent.glob("*.py"):
            for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    handlers.setdefault(node.name, node)
        tree = ast.parse(registry.read_text(encoding="utf-8"))
        prefix = ""
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _call_name(node) == "create" and node.args:
                prefix = _const(node.args[0]) or ""
        if registry.parent.name in _SUB_REGISTRIES:
            prefix = f"{_SUB_REGISTRIES[registry.parent.name]}/{prefix}"
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and _call_name(node) == "add" and len(node.args) >= 3):
                continue
            method, path, handler = _const(node.args[0]), _const(node.args[1]), node.args[2]
            if method not in METHODS or not isinstance(path, str):
                continue
            name = handler.attr if isinstance(handler, ast.Attribute) else getattr(handler, "id", None)
            full = "/" + "/".join(p.strip("/") for p in (prefix, path) if p.strip("/"))
            routes.append(
                {"method": method, "path": full, "handler": name, "params": _handler_params(handlers.get(name), models)}
            )
    return routes


def _handler_params(func: ast.AST | None, models: dict[str, tuple[list[str], dict[str, Any]]]) -> dict[str, Any] | None:
    if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    found: dict[str, Any] = {"keys": [], "required": [], "location": None, "extra": True}
    for arg in func.args.args + func.args.kwonlyargs:
        ann = arg.annotation
        if not (isinstance(ann, ast.Subscript) and isinstance(ann.value, ast.Name)):
            continue
        location = {"BodyParam": "body", "QueryParam": "query"}.get(ann.value.id)
        model = ann.slice.id if isinstance(ann.slice, ast.Name) else None
        params = _model_params(model, models) if location and model else None
        if params is not None:
            found["keys"] += params["keys"]
            found["required"] += params["required"]
            found["location"] = location if found["location"] in (None, location) else "any"
    if found["location"] is None:
        return None
    return found


def main() -> None:
    site, generation = Path(sys.argv[1]), sys.argv[2]
    if (site / "ai/backend/manager/api/rest").is_dir():
        routes, unknown = _new_layout(site), "ignored"
    elif (site / "ai/backend/gateway").is_dir():
        routes, unknown = _old_layout(site / "ai/backend/gateway"), "refused"
    else:
        routes, unknown = _old_layout(site / "ai/backend/manager/api"), "refused"
    routes.sort(key=lambda r: (r["path"], r["method"]))
    json.dump({"generation": generation, "unknown_keys": unknown, "routes": routes}, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
