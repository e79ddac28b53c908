"""How a benchmark reports: a Markdown table for people (it pastes into docs/speed.md), one
JSON object as the last line for scripts, and with ``--json FILE`` the same object written
to a file (atomically: a temporary file, then a rename).

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/
    from report import add_json_arg, report

    ap = argparse.ArgumentParser()
    add_json_arg(ap)
    args = ap.parse_args()
    ...
    report(result, args.json)                     # a row a figure
    report(result, args.json, rows=[{"batch": 1, "sims/s": 115.7}, ...])   # a table of your own
"""
from __future__ import annotations

import argparse
import json
import os
from pathlib import Path


def add_json_arg(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--json", metavar="FILE", help="also write the result (one JSON object) here")


def cell(v) -> str:
    if isinstance(v, bool) or v is None:
        return str(v)
    if isinstance(v, float):
        return f"{v:,.1f}" if abs(v) >= 100 else f"{v:.4g}"
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, (dict, list, tuple)):
        return json.dumps(v)
    return str(v)


def table(rows: list[dict], columns: list[str] | None = None) -> str:
    """A Markdown table, one row a dict; the columns in order of first appearance."""
    columns = columns or list(dict.fromkeys(k for r in rows for k in r))
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(r.get(c, "")) for c in columns) + " |" for r in rows]
    return "\n".join(lines)


def report(result: dict, json_path: str | None = None, rows: list[dict] | None = None,
           columns: list[str] | None = None) -> None:
    """Print the table (by default a row for each figure of ``result``), then ``result`` as
    one JSON line; write it to ``json_path`` too when given."""
    if rows is None:
        rows = [{"figure": k, "value": v} for k, v in result.items()]
    print(table(rows, columns))
    line = json.dumps(result)
    print(line, flush=True)
    if json_path:
        path = Path(json_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(line + "\n")
        os.replace(tmp, path)
