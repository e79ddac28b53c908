"""Does the value network know who is winning in the games tengen actually plays?

For every position of arena records (tengen against GNU Go, with the referee's result),
compare a net's value for the side to move with the final outcome: MSE by phase, split
by whose turn it was (tengen's positions are the ones its search evaluates), and a
calibration table (mean outcome per band of predicted value). A compressed value (a won
game read as 0.4) shows as bands whose mean outcome lies far outside the band.

    python tools/value_on_records.py benchmarks/results/ablation_19x19/lam05_v1600 \
        --nets sl runs/gpu-distill/teacher.pt

Values are cached per net and folder set in ``--cache`` (default runs/value_on_records),
so the tables can be redrawn without the forward passes.

``--rollouts N`` adds the rollouts beside the nets, on every ``--every``-th position:
each position's outcome read as 2p - 1 from N playouts (p: the side to move's win share),
and the search's leaf mix (1 - lambda) * value + lambda * rollouts for a few lambdas, so
the table says which evaluation knows the games tengen plays, by phase.

    python tools/value_on_records.py benchmarks/results/time_policy/pachi-5k-after --rollouts 32 --every 5
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

from tengen.engine.board import BLACK, WHITE
from tengen.engine.game import IllegalMove
from tengen.engine.sgf import SgfError, read_sgf
from tengen.nets.data import game_positions
from tengen.selfplay.value_eval import mse_by_phase, rows_planes

BANDS = (-1.0, -0.6, -0.2, 0.2, 0.6, 1.0001)


def record_rows(folders: list[str], size: int = 19):
    """Every position of every decided record, with move number, whether tengen (the
    arena's engine) was to move, and the game's index in the list."""
    rows, meta, games = [], [], []
    for folder in folders:
        for sgf in sorted(Path(folder).glob("game-*.sgf")):
            info = json.loads(sgf.with_suffix(".json").read_text())
            if info.get("failure") or info.get("reason") not in ("score", "resign"):
                continue  # a crash or a forfeit says nothing about the position
            try:
                rec = read_sgf(sgf)
                if rec.size != size:
                    print(f"skipped {sgf}: {rec.size}x{rec.size}", file=sys.stderr)
                    continue
                positions = list(game_positions(rec, size))
            except (SgfError, IllegalMove, OSError) as e:
                print(f"skipped {sgf}: {e}", file=sys.stderr)
                continue
            engine_colour = BLACK if info["black"] == "engine" else WHITE
            for i, r in enumerate(positions):
                if r[5] == 0:
                    continue
                rows.append(r)
                meta.append((i + 1, int(r[3] == engine_colour), len(games)))
            games.append(str(sgf))
    return rows, np.array(meta, np.int64).reshape(-1, 3), games


def values_for(net: str, rows, size: int = 19) -> np.ndarray:
    import torch

    from tengen.nets import net_path
    from tengen.nets.checkpoint import load_checkpoint
    from tengen.selfplay.value_train import predict_values
    torch.set_num_threads(1)
    model, _ = load_checkpoint(str(net_path(net)))
    model.eval()
    return predict_values(model, rows_planes(rows, size), len(rows), batch=256)


def rollout_values(games: list[str], meta: np.ndarray, every: int, count: int,
                   seed: int = 1, size: int = 19) -> tuple[np.ndarray, np.ndarray]:
    """(row indices, 2p - 1) on the rows whose move number is a multiple of ``every``:
    each game replayed as ``game_positions`` reads it, ``count`` playouts a position."""
    from tqdm import tqdm

    from tengen.engine.rollout.policy import RolloutPolicy
    policy = RolloutPolicy(seed=seed)
    wanted = {(int(g), int(m)): k for k, (m, _, g) in enumerate(meta) if m % every == 0}
    index, values = [], []
    bar = tqdm(total=len(wanted), desc="rollouts", unit="pos")
    for gi, sgf in enumerate(games):
        rec = read_sgf(sgf)
        g = rec.to_game_state(upto=0, superko=False)
        for i, m in enumerate(rec.moves):
            k = wanted.get((gi, i + 1))
            if k is not None:
                g.to_play = m.pla
                wins = 0
                for _ in range(count):  # one by one: the win share, not the mean margin
                    margin, _, _ = policy.run(g, 1)
                    wins += (margin > 0) == (m.pla == BLACK)
                index.append(k)
                values.append(2 * wins / count - 1)
                bar.update(1)
            g.play(m.loc, m.pla)
    bar.close()
    return np.array(index, np.int64), np.array(values, np.float32)


def calibration(v: np.ndarray, z: np.ndarray) -> list[dict]:
    out = []
    for lo, hi in zip(BANDS[:-1], BANDS[1:]):
        sel = (v >= lo) & (v < hi)
        out.append({"band": f"[{lo:+.1f}, {min(hi, 1.0):+.1f})", "positions": int(sel.sum()),
                    "mean_value": round(float(v[sel].mean()), 3) if sel.any() else None,
                    "mean_outcome": round(float(z[sel].mean()), 3) if sel.any() else None})
    return out


def best_scale(v: np.ndarray, z: np.ndarray) -> tuple[float, float]:
    """The a minimising MSE of tanh(a * atanh(v)) against z (a > 1: the net is
    underconfident), and that MSE."""
    logit = np.arctanh(np.clip(v, -0.999, 0.999))
    grid = np.exp(np.linspace(np.log(0.25), np.log(8), 61))
    errs = [float(((np.tanh(a * logit) - z) ** 2).mean()) for a in grid]
    k = int(np.argmin(errs))
    return round(float(grid[k]), 2), round(errs[k], 4)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("folders", nargs="+", help="arena result folders")
    p.add_argument("--nets", nargs="+", default=["sl"], help="checkpoints or sl / rl")
    p.add_argument("--cache", default="runs/value_on_records")
    p.add_argument("--json", help="write the tables here")
    p.add_argument("--rollouts", type=int, default=0, help="playouts a position (0: none)")
    p.add_argument("--every", type=int, default=5, help="rollouts on every N-th move")
    p.add_argument("--mix", default="", help="comma-separated weights w: also the leaf value "
                   "(1 - w) * first net + w * second net, as tengen gtp --value-mix w reads it")
    args = p.parse_args()
    if args.mix and len(args.nets) < 2:
        p.error("--mix needs two --nets: the shipped one first, the value net second")
    rows, meta, games = record_rows(args.folders)
    z = np.array([float(r[5]) for r in rows], np.float32)
    print(f"{len(games)} decided games, {len(rows)} positions")
    report = {"games": len(games), "positions": len(rows), "nets": {}}
    values = {}
    for net in args.nets:
        # keyed by the checkpoint's bytes: "sl" names whichever net is shipped now
        cache = _cache_path(args, net, games)
        if cache.exists():
            values[net] = np.load(cache)
        else:
            values[net] = values_for(net, rows)
            cache.parent.mkdir(parents=True, exist_ok=True)
            tmp = cache.with_suffix(".tmp.npy")
            np.save(tmp, values[net])
            tmp.replace(cache)
    first, second = args.nets[0], args.nets[-1]
    for w in (float(x) for x in args.mix.split(",") if x):
        values[f"mix {w:g}"] = (1 - w) * values[first] + w * values[second]
    for net, v in values.items():
        mine = meta[:, 1] == 1
        entry = {"all": mse_by_phase(v, z, meta[:, 0]),
                 "tengen_to_move": mse_by_phase(v[mine], z[mine], meta[mine, 0]),
                 "gnugo_to_move": mse_by_phase(v[~mine], z[~mine], meta[~mine, 0]),
                 "calibration": calibration(v, z), "best_scale": best_scale(v, z)}
        report["nets"][net] = entry
        print(f"\n{net}: MSE {entry['all']['mse']} (moves 1-50 {entry['all']['moves_1_50']['mse']}, "
              f"51-150 {entry['all']['moves_51_150']['mse']}, 151+ {entry['all']['moves_151_plus']['mse']}); "
              f"tengen to move {entry['tengen_to_move']['mse']}, the opponent to move "
              f"{entry['gnugo_to_move']['mse']}; best scale a = {entry['best_scale'][0]} "
              f"-> MSE {entry['best_scale'][1]}")
        print("| predicted value | positions | mean value | mean outcome |\n|---|---|---|---|")
        for c in entry["calibration"]:
            print(f"| {c['band']} | {c['positions']} | {c['mean_value']} | {c['mean_outcome']} |")
    report["late_by_result"] = late_by_result(np.load(_cache_path(args, args.nets[0], games)),
                                              z, meta, args.nets[0])
    if args.rollouts:
        report["rollouts"] = rollout_table(args, rows, games, meta, z)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1))
    return 0


def late_by_result(v: np.ndarray, z: np.ndarray, meta: np.ndarray, net: str,
                   after: int = 150) -> list[dict]:
    """After move ``after``, the first net's mean value for tengen in the games it won and
    in those it lost, on its turns and the opponent's: a net that reads lost games as won
    says so here."""
    mine = meta[:, 1] == 1
    v_t, z_t = np.where(mine, v, -v), np.where(mine, z, -z)  # both for tengen
    late = meta[:, 0] > after
    out = []
    print(f"\n{net} after move {after}, for tengen:\n| games | turn | positions | mean value | "
          f"outcome | MSE |\n|---|---|---|---|---|---|")
    for result, won in (("won", z_t > 0), ("lost", z_t < 0)):
        for turn, sel_turn in (("tengen's", mine), ("the opponent's", ~mine)):
            sel = late & won & sel_turn
            if not sel.any():
                continue
            row = {"games": result, "turn": turn, "positions": int(sel.sum()),
                   "mean_value": round(float(v_t[sel].mean()), 3),
                   "mse": round(float(((v[sel] - z[sel]) ** 2).mean()), 3)}
            out.append(row)
            print(f"| {result} | {turn} | {row['positions']} | {row['mean_value']:+.2f} | "
                  f"{'+1' if result == 'won' else '-1'} | {row['mse']} |")
    return out


FILL = ((0.0, 0.15), (0.15, 0.25), (0.25, 0.35), (0.35, 0.45), (0.45, 0.55), (0.55, 1.01))


def rollout_table(args, rows, games, meta, z) -> dict:
    """MSE by phase of the rollouts and of the search's mixes with the first net, on the
    positions the rollouts read (tengen to move, and all); and by how full the board is,
    the mix (lambda in tenths) that knows the outcome best there."""
    idx, r = rollout_values(games, meta, args.every, args.rollouts)
    v = np.load(_cache_path(args, args.nets[0], games))[idx]
    zz, moves, mine = z[idx], meta[idx, 0], meta[idx, 1] == 1
    table = {"positions": int(len(idx)), "playouts": args.rollouts, "every": args.every,
             "net": args.nets[0], "rows": {}}
    print(f"\n{len(idx)} positions, {args.rollouts} playouts each (MSE against the outcome)")
    print("| evaluation | all | moves 1-50 | 51-150 | 151+ | tengen to move |\n|---|---|---|---|---|---|")
    for lam in (0.0, 0.25, 0.5, 0.75, 1.0):
        x = (1 - lam) * v + lam * r
        row = {"all": mse_by_phase(x, zz, moves), "tengen_to_move": mse_by_phase(x[mine], zz[mine], moves[mine])}
        table["rows"][f"lambda={lam}"] = row
        a = row["all"]
        name = {0.0: "value net alone", 1.0: "rollouts alone"}.get(lam, f"mix, lambda {lam}")
        print(f"| {name} | {a['mse']} | {a['moves_1_50']['mse']} | {a['moves_51_150']['mse']} | "
              f"{a['moves_151_plus']['mse']} | {row['tengen_to_move']['mse']} |")
    area = rows[0][0].size
    fill = np.array([np.count_nonzero(rows[k][0] & 3) / area for k in idx])
    table["by_fill"] = []
    print("\n| stones on the board | positions | games | moves | best lambda (MSE) | "
          "value net alone | lambda 0.5 | rollouts alone |\n|---|---|---|---|---|---|---|---|")
    for lo, hi in FILL:
        sel = (fill >= lo) & (fill < hi)
        if not sel.any():
            continue
        errs = {lam: float((((1 - lam) * v[sel] + lam * r[sel] - zz[sel]) ** 2).mean())
                for lam in np.round(np.linspace(0, 1, 11), 1)}
        best = min(errs, key=errs.get)
        row = {"fill": [lo, min(hi, 1.0)], "positions": int(sel.sum()),
               "games": len(set(meta[idx][sel, 2].tolist())),
               "moves": [int(moves[sel].min()), int(moves[sel].max())], "best_lambda": best,
               "mse": {str(k): round(e, 4) for k, e in errs.items()}}
        table["by_fill"].append(row)
        print(f"| {lo:.0%}-{min(hi, 1.0):.0%} | {row['positions']} | {row['games']} | "
              f"{row['moves'][0]}-{row['moves'][1]} | {best} ({errs[best]:.3f}) | "
              f"{errs[0.0]:.3f} | {errs[0.5]:.3f} | {errs[1.0]:.3f} |")
    return table


def _cache_path(args, net, games) -> Path:
    from tengen.nets import net_path
    key = hashlib.sha1("\n".join(games).encode()).hexdigest()[:10]
    weights = hashlib.sha1(net_path(net).read_bytes()).hexdigest()[:8]
    return Path(args.cache) / f"{Path(net).stem}-{weights}-{key}.npy"


if __name__ == "__main__":
    sys.exit(main())
