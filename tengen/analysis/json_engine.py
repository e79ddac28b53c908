"""``tengen analysis``: KataGo's JSON analysis protocol (docs/Analysis_Engine.md in
KataGo's repository), so that review tools written for KataGo (KaTrain, LizGoban's
analysis mode, scripts) can drive tengen.

One JSON query a line on stdin; one JSON response a line on stdout for every turn asked
for, in the order the analyses finish. ``parallel`` positions are searched at once, each
by its own search player, all on one shared network whose forward passes batch the
positions together. End of input: the queued analyses finish, then the engine exits.

What tengen cannot do is said, not hidden: rules that count territory are analysed by
area (tengen's only rules) with a ``warning``; settings it does not have
(``avoidMoves``, most ``overrideSettings``) come back as warnings naming them. Scores
and ownership come from the network's outputs where it has them, else from the search's
rollouts: ``docs/play.md`` says what they are worth.
"""
from __future__ import annotations

import json
import queue
import sys
import threading
import time
from dataclasses import dataclass, field

import numpy as np

from tengen import __version__
from tengen.engine.board import BLACK, WHITE
from tengen.engine.coords import gtp_to_loc, loc_to_gtp, locs_to_indices
from tengen.engine.game import GameState, IllegalMove

AREA_RULES = {"tromp-taylor", "chinese", "chinese-ogs", "chinese-kgs", "aga", "area",
              "new-zealand", "nz", "stone-scoring", "bga", "french"}
# query fields read; the rest of KataGo's are answered with a warning
KNOWN = {"id", "moves", "initialStones", "initialPlayer", "rules", "komi", "boardXSize",
         "boardYSize", "analyzeTurns", "maxVisits", "includeOwnership", "includePolicy",
         "includeMovesOwnership",
         "overrideSettings", "reportDuringSearchEvery", "priority", "priorities", "action",
         "terminateId", "turnNumbers"}
OVERRIDES = {"reportAnalysisWinratesAs", "maxTime", "maxVisits"}
MAX_SIZE = 25


class QueryError(ValueError):
    def __init__(self, message: str, field_name: str | None = None):
        super().__init__(message)
        self.field = field_name


@dataclass
class Job:
    """One turn of one query."""
    qid: str
    turn: int
    state: GameState
    visits: int
    ownership: bool
    policy: bool
    perspective: str  # BLACK, WHITE or SIDETOMOVE
    max_time: float | None
    report_every: float | None
    moves_ownership: bool = False
    stop: threading.Event = field(default_factory=threading.Event)


def _player(text, name: str) -> int:
    if text in ("B", "b"):
        return BLACK
    if text in ("W", "w"):
        return WHITE
    raise QueryError(f"{name}: player must be \"B\" or \"W\", not {text!r}", name)


def _stones(value, size: int, name: str) -> list[tuple[int, int]]:
    if not isinstance(value, list):
        raise QueryError(f"{name} must be a list of [player, location] pairs", name)
    out = []
    for item in value:
        if not (isinstance(item, list) and len(item) == 2 and isinstance(item[1], str)):
            raise QueryError(f"{name}: {item!r} is not a [player, location] pair", name)
        try:
            loc = gtp_to_loc(item[1], size)
        except ValueError as e:
            raise QueryError(f"{name}: {e}", name) from None
        out.append((_player(item[0], name), loc))
    return out


def parse_query(q: dict, default_visits: int) -> tuple[list[Job], list[dict]]:
    """The jobs of an analysis query and the warnings to send; ``QueryError`` if it
    cannot be analysed."""
    qid = q["id"]
    warnings = [{"id": qid, "field": k, "warning": "tengen does not read this field; "
                 "ignored"} for k in sorted(set(q) - KNOWN)]
    for k in ("moves", "rules", "boardXSize", "boardYSize"):
        if k not in q:
            raise QueryError(f"{k} is required", k)
    size = q["boardXSize"]
    if not isinstance(size, int) or not 2 <= size <= MAX_SIZE:
        raise QueryError(f"boardXSize must be an integer from 2 to {MAX_SIZE}", "boardXSize")
    if q["boardYSize"] != size:
        raise QueryError("tengen plays on square boards: boardYSize must equal boardXSize",
                         "boardYSize")
    rules = q["rules"]
    if isinstance(rules, dict):
        area = str(rules.get("scoring", "AREA")).upper() == "AREA"
    elif isinstance(rules, str):
        area = rules.lower() in AREA_RULES
    else:
        raise QueryError("rules must be a string or an object", "rules")
    if not area:
        warnings.append({"id": qid, "field": "rules", "warning": f"tengen counts by area "
                         f"(Chinese / Tromp-Taylor); {rules!r} is analysed as area scoring"})
    komi = q.get("komi", 7.5)
    if not isinstance(komi, (int, float)) or abs(komi) > 150 or (2 * komi) % 1:
        raise QueryError("komi must be an integer or half-integer", "komi")
    visits = q.get("maxVisits", default_visits)
    settings = q.get("overrideSettings") or {}
    if not isinstance(settings, dict):
        raise QueryError("overrideSettings must be an object", "overrideSettings")
    for k in sorted(set(settings) - OVERRIDES):
        warnings.append({"id": qid, "field": "overrideSettings",
                         "warning": f"tengen has no setting {k}; ignored"})
    visits = settings.get("maxVisits", visits)
    if not isinstance(visits, int) or visits < 1:
        raise QueryError("maxVisits must be a positive integer", "maxVisits")
    perspective = str(settings.get("reportAnalysisWinratesAs", "BLACK")).upper()
    if perspective not in ("BLACK", "WHITE", "SIDETOMOVE"):
        raise QueryError("reportAnalysisWinratesAs must be BLACK, WHITE or SIDETOMOVE",
                         "overrideSettings")
    max_time = settings.get("maxTime")
    if max_time is not None and (not isinstance(max_time, (int, float)) or max_time <= 0):
        raise QueryError("maxTime must be a positive number of seconds", "overrideSettings")
    every = q.get("reportDuringSearchEvery")
    if every is not None and (not isinstance(every, (int, float)) or every <= 0):
        raise QueryError("reportDuringSearchEvery must be a positive number of seconds",
                         "reportDuringSearchEvery")
    game = GameState(size, float(komi))
    setup = _stones(q.get("initialStones", []), size, "initialStones")
    for pla in (BLACK, WHITE):
        locs = [loc for p, loc in setup if p == pla]
        if locs:
            try:
                game.place_setup(pla, locs)
            except IllegalMove as e:
                raise QueryError(f"initialStones: {e}", "initialStones") from None
    first = q.get("initialPlayer")
    moves = _stones(q["moves"], size, "moves")
    to_play = _player(first, "initialPlayer") if first is not None else (
        moves[0][0] if moves else (WHITE if setup and all(p == BLACK for p, _ in setup)
                                   else BLACK))
    turns = q.get("analyzeTurns", [len(moves)])
    if not (isinstance(turns, list) and turns and
            all(isinstance(t, int) and 0 <= t <= len(moves) for t in turns)):
        raise QueryError(f"analyzeTurns must list turns from 0 to {len(moves)}",
                         "analyzeTurns")
    states = {}
    for turn in range(len(moves) + 1):
        if turn in turns:
            s = game.copy()
            s.to_play = to_play
            states[turn] = s
        if turn == len(moves):
            break
        pla, loc = moves[turn]
        try:
            game.play(loc, pla)
        except IllegalMove as e:
            raise QueryError(f"Illegal move {turn + 1}: {e}", "moves") from None
        to_play = 3 - pla
    jobs = [Job(qid, t, states[t], visits, bool(q.get("includeOwnership")),
                bool(q.get("includePolicy")), perspective, max_time, every,
                bool(q.get("includeMovesOwnership")))
            for t in turns]
    return jobs, warnings


def response(job: Job, player, during: bool) -> dict:
    """The analysis of ``job`` from ``player``'s search, KataGo's fields and scales."""
    size, pla = job.state.size, job.state.to_play
    flip = {"BLACK": pla == WHITE, "WHITE": pla == BLACK, "SIDETOMOVE": False}[job.perspective]
    sign = -1.0 if flip else 1.0  # the side-to-move value into the reported perspective
    margin_sign = {"BLACK": 1.0, "WHITE": -1.0,
                   "SIDETOMOVE": 1.0 if pla == BLACK else -1.0}[job.perspective]

    def rate(w: float) -> float:
        return round(1.0 - w if flip else w, 6)

    own_sign = {"BLACK": 1.0, "WHITE": -1.0, "SIDETOMOVE": 1.0 if pla == BLACK else -1.0}
    infos, searched = [], player.move_infos()
    for k, m in enumerate(searched):
        info = {"move": loc_to_gtp(m.loc, size), "visits": m.visits,
                "edgeVisits": m.visits, "winrate": rate(m.winrate), "prior": round(m.prior, 6),
                "lcb": rate(m.lcb),
                "utility": round(sign * (2 * m.winrate - 1), 6), "order": k,
                "pv": [loc_to_gtp(loc, size) for loc in m.pv]}
        if m.score_mean is not None:
            lead = round(margin_sign * m.score_mean, 3)
            info.update(scoreLead=lead, scoreMean=lead, scoreSelfplay=lead,
                        scoreStdev=round(m.score_stdev, 3))
        if job.moves_ownership and m.ownership is not None:
            info["ownership"] = [round(own_sign[job.perspective] * float(x), 4)
                                 for x in m.ownership]
        infos.append(info)
    root = player.root_info(searched)
    root_info = {"visits": root["visits"], "winrate": rate(root["winrate"]),
                 "utility": round(sign * (2 * root["winrate"] - 1), 6),
                 "currentPlayer": "B" if pla == BLACK else "W"}
    if root["score"] is not None:
        lead = round(margin_sign * root["score"][0], 3)
        root_info.update(scoreLead=lead, scoreMean=lead, scoreSelfplay=lead,
                         scoreStdev=round(root["score"][1], 3))
    out = {"id": job.qid, "turnNumber": job.turn, "isDuringSearch": during,
           "moveInfos": infos, "rootInfo": root_info}
    if job.ownership:
        own = player.ownership()
        if own is not None:
            out["ownership"] = [round(own_sign[job.perspective] * float(x), 4) for x in own]
    if job.policy:
        out["policy"] = root_policy(player, size)
    return out


def root_policy(player, size: int) -> list[float]:
    """The network's prior at the root: -1 where a move is illegal, pass last."""
    root = player.mcts.root
    policy = np.full(size * size + 1, -1.0)
    if root.moves is not None:
        policy[locs_to_indices(root.moves, size)] = root.prior
    return [round(float(x), 6) for x in policy]


class AnalysisEngine:
    def __init__(self, players: list, default_visits: int = 500, out=None):
        self.players = players
        self.default_visits = default_visits
        self.out = out or sys.stdout
        self.lock = threading.Lock()
        self.jobs: queue.Queue = queue.Queue()
        self.terminated: set[str] = set()
        self.running: dict[int, Job] = {}

    def send(self, obj: dict) -> None:
        with self.lock:
            self.out.write(json.dumps(obj, separators=(",", ":")) + "\n")
            self.out.flush()

    def handle(self, line: str) -> None:
        line = line.strip()
        if not line:
            return
        try:
            q = json.loads(line)
        except ValueError as e:
            self.send({"error": f"could not parse JSON: {e}"})
            return
        if not isinstance(q, dict) or not isinstance(q.get("id"), str):
            self.send({"error": "a query is a JSON object with a string id"})
            return
        action = q.get("action")
        if action == "query_version":
            self.send({**q, "version": __version__, "git_hash": "", "engine": "tengen"})
        elif action in ("terminate", "terminate_all"):
            self.terminate(q.get("terminateId") if action == "terminate" else None,
                           q.get("turnNumbers"))
            self.send(q)
        elif action is not None:
            self.send({"id": q["id"], "field": "action", "error": f"unknown action {action!r}"})
        else:
            try:
                jobs, warnings = parse_query(q, self.default_visits)
            except QueryError as e:
                self.send({"id": q["id"], "field": e.field, "error": str(e)})
                return
            for w in warnings:
                self.send(w)
            self.terminated.discard(q["id"])
            for job in jobs:
                self.jobs.put(job)

    def terminate(self, qid: str | None, turns) -> None:
        """Queued turns of ``qid`` (every query when None) are dropped, running ones
        stopped; each still gets a response, with whatever was searched."""
        with self.lock:
            for job in list(self.running.values()):
                if (qid is None or job.qid == qid) and (turns is None or job.turn in turns):
                    job.stop.set()
            if qid is not None and turns is None:
                self.terminated.add(qid)

    def worker(self, player) -> None:
        while True:
            job = self.jobs.get()
            if job is None:
                return
            if job.qid in self.terminated:
                self.send({"id": job.qid, "turnNumber": job.turn, "isDuringSearch": False,
                           "noResults": True})
                continue
            with self.lock:
                self.running[id(job)] = job
            try:
                self.send(self.analyse(player, job))
            except Exception as e:  # one position's failure must not end the engine
                self.send({"id": job.qid, "turnNumber": job.turn, "error": f"{type(e).__name__}: {e}"})
            finally:
                with self.lock:
                    self.running.pop(id(job), None)

    def analyse(self, player, job: Job) -> dict:
        deadline = time.monotonic() + job.max_time if job.max_time else None

        def stop() -> bool:
            return job.stop.is_set() or (deadline is not None and time.monotonic() > deadline)

        def report() -> None:
            if job.report_every:
                self.send(response(job, player, during=True))
        player.analyze(job.state, job.state.to_play, stop=stop, report=report,
                       report_every=job.report_every or 3600.0, visits=job.visits,
                       fresh_tree=True, final_report=False)
        return response(job, player, during=False)

    def serve(self, lines) -> None:
        threads = [threading.Thread(target=self.worker, args=(p,), daemon=True)
                   for p in self.players]
        for t in threads:
            t.start()
        for line in lines:
            self.handle(line)
        for _ in threads:  # end of input: what is queued is analysed, then the workers end
            self.jobs.put(None)
        for t in threads:
            t.join()


__all__ = ["AnalysisEngine", "parse_query", "response", "QueryError"]
