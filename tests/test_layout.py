"""The package's floors (docs/architecture.md): each room imports only the rooms below
it, no module imports another's private (``_name``) names, and no import cycles. Lazy
imports inside functions count: they are arrows all the same."""
import ast
from collections import defaultdict
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "tengen"
BASE = {"base"}
RULES = BASE | {"engine.rules"}
# room -> the rooms it may import (itself always)
ALLOWED = {
    "base": set(),
    "engine.rules": BASE,
    "engine.rollout": RULES,
    "engine.judge": RULES | {"engine.rollout"},
    "engine.player": RULES | {"engine.judge"},
    "engine.search": RULES | {"engine.rollout", "engine.judge", "engine.player"},
    "engine.gtp": RULES | {"engine.judge", "engine.player"},
    "nets": RULES,
    "players": RULES | {"engine.rollout", "engine.judge", "engine.player", "engine.search",
                        "nets"},
    "selfplay": RULES | {"engine.rollout", "engine.judge", "engine.player", "engine.search",
                         "nets", "players"},
    "match": RULES,
    "analysis": RULES | {"engine.rollout", "engine.judge", "engine.player", "engine.search",
                         "nets", "players"},
    "loop": RULES | {"engine.rollout", "engine.judge", "engine.player", "engine.search",
                     "nets", "players", "selfplay", "match"},
    "cli": None,  # the command line may import anything
}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def room(module: str) -> str:
    p = module.split(".")[1:]
    if not p or p[0] in ("errors", "run_folder", "numba_cache", "atomic"):
        return "base"
    if p[0] == "engine":
        if len(p) > 1 and p[1] in ("rollout", "judge", "search", "gtp", "player"):
            return f"engine.{p[1]}"
        return "engine.rules"
    if p[0] in ("cli", "__main__"):
        return "cli"
    return p[0]


def imports():
    """(module, imported module, names) for every tengen import in the package."""
    out = []
    for f in PACKAGE.rglob("*.py"):
        mod = module_name(f)
        for node in ast.walk(ast.parse(f.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and \
                    node.module.split(".")[0] == "tengen":
                out.append((mod, node.module, [a.name for a in node.names]))
            elif isinstance(node, ast.Import):
                out += [(mod, a.name, []) for a in node.names if a.name.split(".")[0] == "tengen"]
    return out


def test_every_room_imports_only_the_rooms_below_it():
    bad = []
    for mod, target, _ in imports():
        a, b = room(mod), room(target)
        assert a in ALLOWED, f"{mod}: room {a} is not in the table"
        if a != b and ALLOWED[a] is not None and b not in ALLOWED[a]:
            bad.append(f"{mod} ({a}) imports {target} ({b})")
    assert not bad, "\n".join(bad)


def test_no_private_names_cross_modules():
    bad = [f"{mod} imports {n} from {target}" for mod, target, names in imports()
           for n in names if n.startswith("_") and not n.startswith("__")]
    assert not bad, "\n".join(bad)


def test_no_import_cycles():
    graph = defaultdict(set)
    known = {module_name(f) for f in PACKAGE.rglob("*.py")}
    for mod, target, names in imports():
        # "from tengen.x import y" where y is a submodule is an arrow to tengen.x.y
        targets = [f"{target}.{n}" for n in names if f"{target}.{n}" in known] or [target]
        graph[mod].update(t for t in targets if t != mod and t in known)
    # package __init__ files are imported on the way to their modules: leave those arrows
    state, cycles = {}, []

    def visit(m, stack):
        state[m] = 1
        for t in graph[m]:
            if state.get(t) == 1:
                cycles.append(stack[stack.index(t):] + [t])
            elif t not in state:
                visit(t, stack + [t])
        state[m] = 2
    for m in sorted(graph):
        if m not in state:
            visit(m, [m])
    assert not cycles, "\n".join(" -> ".join(c) for c in cycles)
