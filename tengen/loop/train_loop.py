"""``tengen train-loop``: generations of self-play data, a candidate network trained on
it, a gate that promotes the candidate only when the search player with it beats the
current best, and a match of every promoted engine against a fixed anchor, so that
strength is measured where people use it (the search at fixed visits), on one scale.

The route is AlphaGo's (Nature 2016, Figure 4: the value network in the search is where
its strength came from): the data are value-data games (the priors net plays to move
U-1, move U is random, the net at ``rl_temperature`` plays to the end); the candidate is
a separate value network trained on the last ``window`` generations' data, starting from
the current best one; the search keeps the priors net for its priors and takes leaf
values from the value net (``tengen gtp --value-net``), or with ``value_mix`` < 1 the
average of its values and the priors net's own (``--value-mix``).

``route zero`` is AlphaGo Zero's instead: the best engine's search plays itself
(``search_data``: playout cap randomization, the full searches' visit counts kept), one
network learns those visit counts and the outcomes (``zero_train``), starting from the
best one, and the candidate replaces the whole network (priors and values) in the search.

Every stage writes ``gen-NNN/<stage>.json`` atomically when it is over, and each stage
resumes by itself (value-data by batch, training from ``latest.pt``, matches by game),
so a rerun after ``kill -9`` at any point continues where it was. Which net is best
follows from the stage files alone; nothing else holds state.
"""
from __future__ import annotations

import csv
import io
import json
import math
import os
import shlex
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from tengen.atomic import write_bytes, write_text
from tengen.loop.meter import StageMeter
from tengen.run_folder import claim


@dataclass
class TrainLoopConfig:
    out: str = "runs/loop"
    generations: int = 10  # stop after this many (rerun with more to go on)
    net: str = ""  # the priors net: the search's priors and the data's policy ("" = shipped)
    size: int = 19
    komi: float = 7.5
    seed: int = 1
    # "value": AlphaGo's route (a value net beside the priors net); "zero": AlphaGo Zero's
    # (the search plays itself and one net learns its visit counts and outcomes)
    route: str = "value"  # value (AlphaGo's) or zero (AlphaGo Zero's)
    # (a) data: AlphaGo's value-data games
    games: int = 4096  # value-data games a generation
    data_batch: int = 64  # games stepped together (one file)
    positions_per_game: int = 16
    max_u: int = 450  # the random move's number is drawn from 1..max_u
    rl_temperature: float = 0.25  # the continuation's temperature (colder: a stronger one)
    workers: int = 2  # value-data worker processes (or Ray actors)
    ray: str = ""  # play the data on a Ray cluster: auto, ray://host:port or local ("" = local processes)
    backend: str = "int8"  # the workers' network runtime: torch, onnx or int8
    window: int = 4  # the candidate trains on the last N generations' data
    resign: float = 0.0  # a data game stops once the last candidate gives a side less (0: never)
    resign_after: int = 6  # ... for this many plies in a row
    played_out: float = 0.1  # ... except this fraction, played on to measure false resignations
    # route zero's games (playout cap randomization): a move's search is a full one (its
    # visit counts a training target) with probability full_share, else a fast one
    full_visits: int = 200  # route zero: a full search's visits (its move a target)
    fast_visits: int = 40  # route zero: a fast search's visits (its move only played)
    full_share: float = 0.25  # route zero: the chance that a move gets a full search
    zero_value_weight: float = 0.25  # route zero: the value loss's weight beside the policy's
    zero_symmetry: bool = False  # route zero: the data's searches in random symmetries
    # (b) training of the candidate value net
    steps: int = 1500
    batch_size: int = 64
    lr: float = 0.003
    warmup_steps: int = 30
    val_every: int = 5  # every N-th data batch is held out
    eval_every: int = 250
    checkpoint_every: int = 100
    threads: int = 0  # torch threads in training (0 = torch's default)
    kgs_train: str = ""  # a KGS shard folder (build-data) ...
    kgs_mix: float = 0.0  # ... whose positions make this share of every training batch
    # > 0: training positions drawn afresh from each game's continuation before this move
    # (train-value --positions-before), ``train_per_game`` of them a game (0: all); the
    # data's kept positions are mostly near-finished boards the engine's games never reach
    train_before: int = 0
    train_per_game: int = 0
    device: str = "cpu"  # the learner's device: cpu, cuda or auto
    # (c) gate: candidate against the current best, the search at fixed visits
    gate_visits: int = 400
    # the candidate's share of the search's leaf value, the rest the priors net's own
    # (``tengen gtp --value-mix``); a promoted engine keeps the mix its gate played
    value_mix: float = 1.0
    gate_games: int = 100  # the cap; the SPRT stops earlier
    gate_elo0: float = 0.0  # SPRT: H0 Elo
    gate_elo1: float = 35.0  # SPRT: H1 Elo (+35 is a 55% score)
    promote_at: float = 0.55  # at the cap without an SPRT decision: promote at this score
    # (d) anchor: every promoted engine (and generation 0's) against a fixed opponent
    anchor: str = ""  # a ladder rung name (katago-b6c96-v1, ...) or a GTP command ("" = none)
    peers: str = ""  # the ladder's peers folder, for a rung name
    anchor_games: int = 40
    anchor_visits: int = 400
    jobs: int = 2  # match games in parallel
    engine_args: str = "--resign 0.03 --threads 1"  # more `tengen gtp` flags for every match engine
    move_timeout: float = 300.0  # seconds a match move may take before it is a fault
    # "train": stop once the next candidate is trained, before its gate (a lent GPU
    # machine makes the data and the candidate; the matches, whose engine commands name
    # this machine's paths, stay where the loop lives: experiments/gpu_loop.py);
    # "data": stop once the next generation's data are played, before its training (which
    # on two cores wants the machine to itself: shared, it ran 5.6 times slower)
    until: str = ""

    def __post_init__(self):
        if self.until not in ("", "data", "train"):
            raise ValueError(f"--until {self.until!r}: '' (every stage), 'data' or 'train'")
        if self.route not in ("value", "zero"):
            raise ValueError(f"--route {self.route!r}: 'value' or 'zero'")


# what may change between reruns of one loop without changing what it produces (peers:
# where the ladder's engines are; the anchor's name says which engine plays)
FREE = ("generations", "workers", "ray", "jobs", "threads", "device", "move_timeout", "out",
        "until", "peers")
# what may change for the stages not yet over: each over stage's file records what it
# used (gen-NNN/data/config.json, gate.json), and a begun value-data run refuses others;
# a gate's bounds and cap decide when it stops, never what a game plays
PER_GENERATION = ("resign", "resign_after", "played_out", "kgs_train", "kgs_mix",
                  "full_visits", "fast_visits", "full_share", "zero_value_weight",
                  "zero_symmetry",
                  "train_before", "train_per_game",
                  "gate_games", "gate_elo0", "gate_elo1", "promote_at", "value_mix")


class Loop:
    def __init__(self, cfg: TrainLoopConfig, progress: bool = True):
        self.cfg, self.progress = cfg, progress
        self.out = Path(cfg.out)
        self.out.mkdir(parents=True, exist_ok=True)
        started = any(self.out.glob("gen-*"))
        # the priors net by its weights, not its path: a file replaced between reruns
        # would change every later stage's engine
        from tengen.nets.checkpoint import load_checkpoint
        from tengen.selfplay.value_data import net_id
        settings = {**asdict(cfg), "priors_id": net_id(load_checkpoint(self.priors_net())[0])}
        saved = self.out / "config.json"
        try:  # an unreadable file is claim's to report
            adopt = started and saved.exists() and "priors_id" not in json.loads(saved.read_text())
        except ValueError:
            adopt = False
        claim(self.out, settings, FREE + PER_GENERATION + (("priors_id",) if adopt else ()),
              "train-loop", started=started)

    # -- the stages -------------------------------------------------------------------
    def stage(self, gen: int, name: str, fn) -> dict:
        """Run ``fn`` unless its result file exists; the file, written last, marks it done."""
        marker = self.gen_dir(gen) / f"{name}.json"
        if marker.exists():
            return json.loads(marker.read_text())
        self.say(f"generation {gen}: {name}")
        # what every run of the stage spent (a killed run's share up to its last half
        # minute): the cost of a generation, however often it was resumed
        with StageMeter(self.gen_dir(gen) / f"{name}.cost") as meter:
            result = fn()
        result.update(meter.totals())
        write_text(marker, json.dumps(result, indent=1))
        return result

    def gen_dir(self, gen: int) -> Path:
        d = self.out / f"gen-{gen:03d}"
        d.mkdir(exist_ok=True)
        return d

    def data(self, gen: int, judge_net: str | None, best: str | None = None) -> dict:
        """Value-data games; ``judge_net``: the last generation's candidate, whose values
        decide resignation (trained on such games, it is the one calibrated on them:
        1.1% false resignations at 0.05 where the priors net's own value output gave
        7.6%, docs/experiments/train-loop.md); None: the priors net's own."""
        from tengen.nets.checkpoint import load_checkpoint
        from tengen.selfplay.value_data import ValueDataConfig, generate
        from tengen.selfplay.workers import make_workers
        c = self.cfg
        if c.route == "zero":
            return self.search_data(gen, best)
        vcfg = ValueDataConfig(out=str(self.gen_dir(gen) / "data"), games=c.games,
                               batch=c.data_batch, size=c.size, komi=c.komi, max_u=c.max_u,
                               positions_per_game=c.positions_per_game,
                               rl_temperature=c.rl_temperature, seed=c.seed * 1000 + gen,
                               resign=c.resign, resign_after=c.resign_after,
                               played_out=c.played_out)
        priors = load_checkpoint(self.priors_net())[0]
        judge = load_checkpoint(judge_net)[0] if judge_net and c.resign > 0 else None
        workers = make_workers(c.ray, c.workers, backend=c.backend)
        try:
            return generate(vcfg, priors, None, workers, progress=self.progress, judge=judge)
        finally:
            workers.close()

    def search_data(self, gen: int, best: str | None) -> dict:
        """Route zero: the best engine's search against itself."""
        from tengen.selfplay.search_data import generate
        from tengen.selfplay.workers import make_workers
        from tengen.selfplay.zero_config import SearchDataConfig
        c = self.cfg
        scfg = SearchDataConfig(out=str(self.gen_dir(gen) / "data"), games=c.games,
                                batch=c.data_batch, size=c.size, komi=c.komi,
                                full_visits=c.full_visits, fast_visits=c.fast_visits,
                                full_share=c.full_share, resign=c.resign,
                                resign_after=c.resign_after, played_out=c.played_out,
                                random_symmetry=c.zero_symmetry, seed=c.seed * 1000 + gen)
        workers = make_workers(c.ray, c.workers, backend=c.backend)
        try:
            return generate(scfg, best or self.priors_net(), workers, progress=self.progress)
        finally:
            workers.close()

    def train(self, gen: int, best: str | None) -> dict:
        from tengen.selfplay.value_train import ValueTrainConfig, train_value
        c = self.cfg
        folders, missing = self.window(gen)
        out = self.gen_dir(gen) / "train"
        if c.route == "zero":
            return self.train_zero(gen, best, folders, missing)
        tcfg = ValueTrainConfig(out=str(out), data=",".join(folders),
                                net=best or self.priors_net(), steps=c.steps,
                                batch_size=c.batch_size, lr=c.lr, warmup_steps=c.warmup_steps,
                                val_every=c.val_every, eval_every=c.eval_every,
                                checkpoint_every=c.checkpoint_every, threads=c.threads,
                                seed=c.seed * 1000 + gen, device=c.device,
                                kgs_train=c.kgs_train, kgs_mix=c.kgs_mix,
                                positions_before=c.train_before,
                                positions_per_game=c.train_per_game)
        train_value(tcfg, progress=self.progress)
        from tengen.nets.checkpoint import read_checkpoint
        meta = read_checkpoint(str(out / "best.pt"))["meta"]  # also when the run was over
        candidate = self.gen_dir(gen) / "candidate.pt"
        write_bytes(candidate, (out / "best.pt").read_bytes())
        return {"candidate": candidate.name, "data": [_rel(f, self.out) for f in folders],
                "start": _rel(best, self.out) if best else "priors net", "step": meta["step"],
                "kgs_mix": c.kgs_mix, "kgs_train": c.kgs_train,
                **({"train_before": c.train_before, "train_per_game": c.train_per_game}
                   if c.train_before or c.train_per_game else {}),
                **({"data_missing": [_rel(f, self.out) for f in missing]} if missing else {}),
                **{k: meta[k] for k in ("val_mse", "val_mse_u") if k in meta}}

    def train_zero(self, gen: int, best: str | None, folders: list[str],
                   missing: list[str]) -> dict:
        """Route zero: the whole net, from the best one, on the window's search data."""
        from tengen.nets.checkpoint import read_checkpoint
        from tengen.selfplay.zero_config import ZeroTrainConfig
        from tengen.selfplay.zero_train import train_zero
        c = self.cfg
        out = self.gen_dir(gen) / "train"
        train_zero(ZeroTrainConfig(out=str(out), data=",".join(folders),
                                   net=best or self.priors_net(), steps=c.steps,
                                   batch_size=c.batch_size, lr=c.lr,
                                   warmup_steps=c.warmup_steps, val_every=c.val_every,
                                   eval_every=c.eval_every, checkpoint_every=c.checkpoint_every,
                                   threads=c.threads, seed=c.seed * 1000 + gen,
                                   device=c.device, kgs_train=c.kgs_train, kgs_mix=c.kgs_mix,
                                   value_weight=c.zero_value_weight),
                   progress=self.progress)
        meta = read_checkpoint(str(out / "best.pt"))["meta"]
        candidate = self.gen_dir(gen) / "candidate.pt"
        write_bytes(candidate, (out / "best.pt").read_bytes())
        return {"candidate": candidate.name, "route": "zero",
                "data": [_rel(f, self.out) for f in folders],
                "start": _rel(best, self.out) if best else "priors net", "step": meta["step"],
                "kgs_mix": c.kgs_mix, "kgs_train": c.kgs_train,
                **({"data_missing": [_rel(f, self.out) for f in missing]} if missing else {}),
                **{k: meta[k] for k in ("val_loss", "val_policy_ce", "val_top1", "val_mse")
                   if k in meta}}

    def window(self, gen: int) -> tuple[list[str], list[str]]:
        """(the data folders the candidate trains on, the window's folders that are gone).

        A loop carried to another machine keeps its small files (stage files, nets, match
        records) and may leave its data behind: an earlier generation's missing data only
        narrow the window, said aloud and recorded in train.json; this generation's own
        missing data stop the loop, since training without them would train on nothing new."""
        from tengen.selfplay.value_train import batch_files  # what training will read
        folders = [str(self.gen_dir(g) / "data")
                   for g in range(max(1, gen - self.cfg.window + 1), gen + 1)]
        have = [f for f in folders if batch_files(f)]
        if folders[-1] not in have:
            raise FileNotFoundError(
                f"{folders[-1]} holds no value-data batches although generation {gen}'s data "
                f"stage is over; delete {self.gen_dir(gen) / 'data.json'} to play them again")
        missing = [f for f in folders if f not in have]
        if missing:
            self.say(f"generation {gen}: its window lacks {', '.join(missing)} (deleted or "
                     f"not carried over); training on {len(have)} generation(s) of data")
        return have, missing

    def gate(self, gen: int, best: str | None, candidate: str, best_mix: float = 1.0) -> dict:
        from tengen.match.arena import ArenaConfig, run_match
        from tengen.match.refereed_game import GameConfig
        c = self.cfg
        acfg = ArenaConfig(engine=self.engine(candidate, c.gate_visits, c.value_mix),
                           opponent=self.engine(best, c.gate_visits, best_mix),
                           games=c.gate_games,
                           out=str(self.gen_dir(gen) / "gate"), jobs=c.jobs,
                           seed=c.seed * 100_000 + gen * 1000 + 1,
                           sprt=(c.gate_elo0, c.gate_elo1),
                           game=GameConfig(size=c.size, komi=c.komi,
                                           move_timeout=c.move_timeout))
        s = run_match(acfg, progress=self.progress)
        decision = s["sprt"]["decision"]
        promoted = decision == "H1" or (decision is None and s["games"] > 0
                                        and s["win_rate"] >= c.promote_at)
        return {"promoted": bool(promoted), "sprt": decision,
                "sprt_bounds": [c.gate_elo0, c.gate_elo1], "cap": c.gate_games,
                "promote_at": c.promote_at, "value_mix": c.value_mix, **_tally(s)}

    def anchor(self, gen: int, best: str | None, best_mix: float = 1.0) -> dict:
        from tengen.match.arena import run_match
        cfg = self.anchor_config(gen, best, best_mix)
        s = run_match(cfg, progress=self.progress)
        return {"anchor": self.cfg.anchor, **_tally(s)}

    def anchor_config(self, gen: int, best: str | None, best_mix: float = 1.0):
        from tengen.match.arena import ArenaConfig
        from tengen.match.ladder import RUNGS, LadderConfig, rung_config
        from tengen.match.refereed_game import GameConfig
        c = self.cfg
        engine = self.engine(best, c.anchor_visits, best_mix)
        seed = c.seed * 100_000 + gen * 1000 + 501
        if c.anchor in RUNGS:
            lcfg = LadderConfig(peers=c.peers, out=str(self.gen_dir(gen) / "anchor"),
                                engine=engine, move_time=None, games=c.anchor_games,
                                jobs=c.jobs, seed=seed, size=c.size, komi=c.komi)
            acfg = rung_config(lcfg, RUNGS[c.anchor])
            acfg.game.move_timeout = c.move_timeout
            return acfg
        return ArenaConfig(engine=engine, opponent=c.anchor, games=c.anchor_games,
                           out=str(self.gen_dir(gen) / "anchor"), jobs=c.jobs, seed=seed,
                           game=GameConfig(size=c.size, komi=c.komi,
                                           move_timeout=c.move_timeout))

    # -- engines and nets -------------------------------------------------------------
    def priors_net(self) -> str:
        from tengen.nets import SHIPPED_NET, net_path
        return os.path.abspath(net_path(self.cfg.net or SHIPPED_NET))

    def engine(self, value_net: str | None, visits: int, mix: float = 1.0) -> str:
        """The search player people run, at fixed visits (the time cap far away).
        ``value_net``: route zero's whole net (priors and values), else the value net
        beside the priors net (None: the priors net alone)."""
        c = self.cfg
        zero = c.route == "zero" and value_net
        parts = [sys.executable, "-m", "tengen", "gtp",
                 "--net", os.path.abspath(value_net) if zero else self.priors_net(),
                 "--visits", str(visits), "--move-time", "100000", "--seed", "{seed}"]
        if value_net and not zero:
            parts += ["--value-net", os.path.abspath(value_net)]
            if mix != 1.0:
                parts += ["--value-mix", repr(mix)]
        return " ".join(shlex.quote(p) if p != "{seed}" else p for p in parts) + \
            (" " + c.engine_args if c.engine_args else "")

    # -- the loop ---------------------------------------------------------------------
    def run(self) -> list[dict]:
        c = self.cfg
        best: str | None = None  # None: the priors net's own value head (the shipped engine)
        best_mix = 1.0  # the value mix best's gate played it with
        candidate: str | None = None  # the last generation's, promoted or not
        rows: list[dict] = []
        for gen in range(1, c.generations + 1):
            data = self.stage(gen, "data", lambda: self.data(gen, candidate, best))
            if c.until == "data" and not (self.gen_dir(gen) / "train.json").exists():
                self.say(f"generation {gen}: data played; stopping before its training")
                break
            train = self.stage(gen, "train", lambda: self.train(gen, best))
            candidate = str(self.gen_dir(gen) / train["candidate"])
            if c.until == "train" and not (self.gen_dir(gen) / "gate.json").exists():
                self.say(f"generation {gen}: candidate trained; stopping before its gate")
                break
            gate = self.stage(gen, "gate", lambda: self.gate(gen, best, candidate, best_mix))
            if gen == 1:  # generation 0's anchor match waits for the first gate's verdict
                rows.append(self.row(0, None, None, self.anchored(0, best), best))
            if gate["promoted"]:
                best, best_mix = candidate, gate.get("value_mix", 1.0)
            anchor = self.anchored(gen, best, best_mix) if gate["promoted"] else None
            rows.append(self.row(gen, data, train, anchor, best, gate))
            self.write_report(rows)
        self.write_report(rows)
        return rows

    def anchored(self, gen: int, best: str | None, best_mix: float = 1.0) -> dict | None:
        if not self.cfg.anchor:
            return None
        return self.stage(gen, "anchor", lambda: self.anchor(gen, best, best_mix))

    def row(self, gen, data, train, anchor, best, gate=None) -> dict:
        stages = {"data": data, "train": train, "gate": gate, "anchor": anchor}
        cpu = sum(r.get("cpu_s", 0) for r in stages.values() if r)
        wall = sum(r.get("wall_s", 0) for r in stages.values() if r)
        row = {"generation": gen, "best": _rel(best, self.out) if best else "priors net",
               "data_games": data["games"] if data else 0,
               "val_mse": round(train["val_mse"], 4) if train and "val_mse" in train else "",
               "cpu_hours": round(cpu / 3600, 3), "wall_hours": round(wall / 3600, 3)}
        # the cost: each stage's CPU hours (every run of it), data games per wall hour
        for name, r in stages.items():
            row[f"{name}_cpu_hours"] = round(r["cpu_s"] / 3600, 3) if r and "cpu_s" in r else ""
        row["data_games_per_hour"] = (round(data["games"] / (data["wall_s"] / 3600), 1)
                                      if data and data.get("wall_s") else "")
        row["moves_per_game"] = data.get("moves_per_game", "") if data else ""
        for prefix, r in (("gate", gate), ("anchor", anchor)):
            for k in ("games", "wins", "win_rate", "wilson_low", "wilson_high", "elo",
                      "elo_low", "elo_high"):
                row[f"{prefix}_{k}"] = r[k] if r else ""
        row["promoted"] = bool(gate and gate["promoted"])
        return row

    def write_report(self, rows: list[dict]) -> None:
        if not rows:
            return
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
        write_text(self.out / "generations.csv", buf.getvalue())
        plot_elo(rows, self.out / "elo.png")

    def say(self, text: str) -> None:
        if self.progress:
            print(f"train-loop: {text}", file=sys.stderr)


def _tally(s: dict) -> dict:
    keys = ("games", "wins", "losses", "draws", "forfeits", "win_rate", "wilson_low",
            "wilson_high", "elo", "elo_low", "elo_high")
    return {k: s[k] for k in keys}


def _rel(path: str, root: Path) -> str:
    try:
        return str(Path(path).relative_to(root))
    except ValueError:
        return path


def elo_chain(rows: list[dict]) -> list[tuple[float, float, float]]:
    """The best engine's Elo over generation 0's by adding each promotion's gate Elo,
    its interval the promotions' half-widths added in quadrature: (elo, low, high) per
    row. Biased upward: only the gates that passed are added (a no-better candidate
    passes some, with its luck), so the anchor row is the unbiased measure."""
    out, elo, below, above = [], 0.0, 0.0, 0.0
    for r in rows:
        if r["promoted"]:
            elo += r["gate_elo"]
            below += (r["gate_elo"] - r["gate_elo_low"]) ** 2
            above += (r["gate_elo_high"] - r["gate_elo"]) ** 2
        out.append((elo, elo - math.sqrt(below), elo + math.sqrt(above)))
    return out


def plot_elo(rows: list[dict], path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from tengen.atomic import save_figure
    gens = [r["generation"] for r in rows]
    hours = [sum(r["cpu_hours"] for r in rows[:i + 1]) for i in range(len(rows))]
    chain = elo_chain(rows)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    for ax, xs, label in ((axes[0], gens, "generation"), (axes[1], hours, "CPU hours")):
        ax.errorbar(xs, [e for e, _, _ in chain],
                    yerr=[[e - lo for e, lo, _ in chain], [hi - e for e, _, hi in chain]],
                    marker="o", capsize=3,
                    label="best engine, by passed gates (over gen 0; biased up)")
        anch = [(x, r) for x, r in zip(xs, rows) if r["anchor_games"] != ""]
        if anch:
            ax.errorbar([x for x, _ in anch], [r["anchor_elo"] for _, r in anch],
                        yerr=[[r["anchor_elo"] - r["anchor_elo_low"] for _, r in anch],
                              [r["anchor_elo_high"] - r["anchor_elo"] for _, r in anch]],
                        marker="s", capsize=3, ls="--", label="best engine against the anchor")
        ax.axhline(0, color="grey", lw=0.8)
        ax.set_xlabel(label)
    axes[0].set_ylabel("Elo (95% interval)")
    axes[0].legend(loc="best", fontsize=8)
    fig.tight_layout()
    save_figure(fig, path)
    plt.close(fig)


def train_loop(cfg: TrainLoopConfig, progress: bool = True) -> list[dict]:
    return Loop(cfg, progress).run()


__all__ = ["TrainLoopConfig", "train_loop", "elo_chain"]
