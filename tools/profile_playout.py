"""Where a random playout spends its time, by machine instruction: `perf` samples of the
JIT code, mapped onto its disassembly.

Numba's machine code has no symbols that `perf` can read, so this script finds the
compiled `playout_batch` (board kernels inlined) in memory, dumps its bytes, runs the
playouts under `perf record -e cpu-clock` (a software clock: works in VMs without a
PMU), and prints the hottest 128-byte blocks with their instructions. Found the merged
chain's liberty walk taking 27% of 19x19 playouts (README, Speed).

    python tools/profile_playout.py [--size 19] [--playouts 60000] [--top 4]

Needs `perf` and `objdump` (binutils). Prints the blocks, then one JSON object.
"""
from __future__ import annotations

import argparse
import collections
import ctypes
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

CODE_BYTES = 16384
CHILD = r'''
import ctypes, json, sys
from tengen.engine.board import BLACK, Board, new_record
from tengen.engine.playout import new_rng, playout_batch
size, n, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
b = Board(size); rng = new_rng(size); rec = new_record(size)
playout_batch(b.B, b.meta, b.zob, BLACK, 1, rng, rec)  # compile or load
cres = next(iter(playout_batch.overloads.values()))
addr = cres.library.get_pointer_to_function(cres.fndesc.llvm_func_name)
open(out + ".bin", "wb").write(ctypes.string_at(addr, %d))
json.dump({"addr": addr}, open(out + ".json", "w"))
playout_batch(b.B, b.meta, b.zob, BLACK, n, rng, rec)
''' % CODE_BYTES


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=19)
    ap.add_argument("--playouts", type=int, default=60000)
    ap.add_argument("--top", type=int, default=4, help="hottest blocks to print")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = str(Path(tmp) / "code")
        data = str(Path(tmp) / "perf.data")
        subprocess.run(["perf", "record", "-q", "-e", "cpu-clock", "-F", "4000", "-o", data,
                        sys.executable, "-c", CHILD, str(args.size), str(args.playouts), base],
                       check=True, capture_output=True)
        addr = json.load(open(base + ".json"))["addr"]
        ips = subprocess.run(["perf", "script", "-i", data, "-F", "ip"], check=True,
                             capture_output=True, text=True).stdout.split()
        asm = subprocess.run(["objdump", "-D", "-b", "binary", "-mi386:x86-64",
                              base + ".bin"], check=True, capture_output=True, text=True).stdout
    offs = [int(x, 16) - addr for x in ips if re.fullmatch(r"[0-9a-f]+", x)]
    inside = [o for o in offs if 0 <= o < CODE_BYTES]
    blocks = collections.Counter(o // 128 * 128 for o in inside)
    hits = collections.Counter(inside)
    lines = {}
    for line in asm.splitlines():
        m = re.match(r"\s*([0-9a-f]+):\s*(?:[0-9a-f]{2} )+\s*(.*)", line)
        if m:
            lines[int(m.group(1), 16)] = m.group(2)
    for start, n in blocks.most_common(args.top):
        print(f"--- block {start:#x}: {100 * n / max(len(inside), 1):.1f}% of the playout's samples")
        for off in sorted(o for o in lines if start <= o < start + 128):
            print(f"{off:6x} {hits.get(off, 0):5d}  {lines[off]}")
    print(json.dumps({"samples": len(offs), "in_playout": len(inside),
                      "blocks": {f"{b:#x}": round(n / max(len(inside), 1), 3)
                                 for b, n in blocks.most_common(10)}}))


if __name__ == "__main__":
    main()
