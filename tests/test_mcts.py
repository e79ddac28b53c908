"""Tree search with fake evaluators (exact sign conventions, batching, reuse, game sense)
and with a tiny real network; time budgets; GTP analysis streams."""
import threading
import time

import numpy as np
import pytest

from tengen.engine.board import BLACK, PASS, WHITE
from tengen.engine.coords import loc_to_gtp
from tengen.engine.game import GameState, from_ascii
from tengen.engine.search.mcts import MCTS, Node, SearchConfig
from tengen.engine.player import RESIGN, Clock
from tengen.engine.rollout.policy import RolloutPolicy
from tengen.engine.search.search_player import SearchPlayer
from tengen.engine.search.state import SimState, terminal_value
from tengen.engine.search.timecontrol import TimePolicy, move_budget

from search_fakes import FakeEvaluator
from helpers import PASS_MIRAGE, TickingClock


def material(s: SimState) -> float:
    """A crude value: area count (no komi) for the side to move, squashed."""
    score = s.score() + s.komi
    return float(np.tanh((score if s.to_play == BLACK else -score) / 6.0))


def search_best(state, evaluator, visits, **kw):
    cfg = SearchConfig(lam=0.0, visits=visits, **kw)
    mcts = MCTS(evaluator, cfg)
    mcts.set_root(SimState.from_game(state))
    mcts.search(visits=visits)
    return mcts, loc_to_gtp(int(mcts.root.moves[mcts.best_index()]), state.size)


LOST = """
. . . . .
. . . . .
. . . . .
. . . . .
O O O O O
"""


@pytest.mark.parametrize("in_flight", [1, 2])
def test_search_reads_the_opponents_reply(in_flight):
    """Black passing lets white end the game with a pass and win the count. Only two
    plies of reading show it (every non-final value is 0 here), and only with the signs
    right: the pass is the move the prior likes best."""
    s = from_ascii(LOST, komi=0.5)
    mcts, best = search_best(s, FakeEvaluator(pass_prior=0.2), 400, in_flight=in_flight)
    i = int(np.nonzero(mcts.root.moves == PASS)[0][0])
    assert best != "pass"
    assert mcts.root.child_q(i) < -0.85 and mcts.root.N[i] >= 2  # all but its first visit lost


@pytest.mark.parametrize("in_flight", [1, 2])
def test_search_takes_the_capture(in_flight):
    s = from_ascii("""
. . . . .
. X X . .
X O O X .
. X . . .
. . . . .
""", komi=0)
    _, best = search_best(s, FakeEvaluator(material), 200, in_flight=in_flight)
    assert best == "C2"  # takes B3-C3 and with them the whole board


def test_finished_games_are_scored_exactly():
    s = from_ascii("""
. X O . .
. X O . .
. X O . .
. X O . .
. X O . .
""", komi=0.5)
    s.play(PASS, WHITE)  # black to move after white's pass: a black pass ends the game
    mcts = MCTS(FakeEvaluator(lambda st: 0.0), SearchConfig(lam=0.0, visits=50))
    mcts.set_root(SimState.from_game(s))
    mcts.search(visits=50)
    i = int(np.nonzero(mcts.root.moves == PASS)[0][0])
    child = mcts.root.children[i]
    # the count is 10-10 with komi 0.5: white wins, so for white (to move there) +1
    end = SimState.from_game(s)
    end.play(PASS)
    assert terminal_value(end) == 1.0 and child.terminal == 1.0
    assert mcts.root.child_q(i) == -1.0  # and black's edge into it is a certain loss


def test_batch_gathers_distinct_leaves_under_virtual_loss():
    ev = FakeEvaluator()
    mcts = MCTS(ev, SearchConfig(lam=0.0, batch=8))
    mcts.set_root(SimState.from_game(GameState(9)))
    mcts.run_batch()  # the root alone
    mcts.run_batch()
    assert ev.calls == [1, 8]
    assert len(mcts.root.children) == 8
    assert mcts.root.N.sum() == 8 and mcts.stats["collisions"] == 0
    assert all(c.moves is not None for c in mcts.root.children.values())


class SlowFake(FakeEvaluator):
    """Counts how many calls run at once; each takes a little while."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.running = self.most = 0
        self.lock = threading.Lock()

    def evaluate(self, states):
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        time.sleep(0.005)
        try:
            return super().evaluate(states)
        finally:
            with self.lock:
                self.running -= 1


def _check_tree(node) -> int:
    """Every edge's visits = 1 + its child's (the child's own evaluation), no virtual
    loss or pending leaf left; returns the nodes checked."""
    assert not node.pending
    if node.moves is None or node.terminal is not None:
        return 1
    seen = 1
    assert np.all(node.N == np.round(node.N)) and np.all(np.abs(node.W) <= node.N + 1e-9)
    for i, child in node.children.items():
        if child.moves is not None and child.terminal is None:
            assert node.N[i] == 1 + child.N.sum()
        elif child.moves is None and child.terminal is None:
            assert node.N[i] == 0  # a collision's leaf: made, never sent
        seen += _check_tree(child)
    return seen


@pytest.mark.parametrize("lam", [0.0, 0.5])
def test_batches_in_flight_overlap_and_leave_a_consistent_tree(lam):
    """With two batches in flight the network is called from two threads at once; the
    tree ends with every visit counted once and no virtual loss left."""
    ev = SlowFake(material)
    mcts = MCTS(ev, SearchConfig(lam=lam, batch=4, in_flight=2),
                RolloutPolicy(seed=0) if lam else None)
    mcts.set_root(SimState.from_game(GameState(9)))
    mcts.search(visits=120)
    assert ev.most == 2
    assert 120 <= mcts.root.N.sum() + 1 <= 120 + 2 * 4
    assert _check_tree(mcts.root) > 60
    mcts.close()
    one = SlowFake(material)
    mcts = MCTS(one, SearchConfig(lam=lam, batch=4), RolloutPolicy(seed=0) if lam else None)
    mcts.set_root(SimState.from_game(GameState(9)))
    mcts.search(visits=40)
    mcts.close()
    assert one.most == 1
    with pytest.raises(ValueError):
        MCTS(ev, SearchConfig(lam=0.0, in_flight=0))


def test_the_tree_grows_on_the_searching_thread_only(monkeypatch):
    """The network runs on other threads; expansion and backup never do."""
    threads = set()
    expand = Node.expand

    def recording(self, *a):
        threads.add(threading.get_ident())
        return expand(self, *a)
    monkeypatch.setattr(Node, "expand", recording)
    mcts = MCTS(SlowFake(material), SearchConfig(lam=0.0, batch=4, in_flight=2))
    mcts.set_root(SimState.from_game(GameState(9)))
    mcts.search(visits=60)
    mcts.close()
    assert threads == {threading.get_ident()}


class FailingFake(SlowFake):
    def __init__(self, fail_after: int):
        super().__init__(material)
        self.fail_after = fail_after

    def evaluate(self, states):
        if len(self.calls) >= self.fail_after:
            raise RuntimeError("network down")
        return super().evaluate(states)


@pytest.mark.parametrize("in_flight", [1, 2])
def test_a_failed_network_call_leaves_the_tree_searchable(in_flight):
    """The error reaches the caller; the leaves it stranded lose their virtual loss and
    pending marks, so the next search goes on from the same tree."""
    ev = FailingFake(fail_after=6)
    mcts = MCTS(ev, SearchConfig(lam=0.0, batch=4, in_flight=in_flight))
    mcts.set_root(SimState.from_game(GameState(9)))
    with pytest.raises(RuntimeError, match="network down"):
        mcts.search(visits=200)
    _check_tree(mcts.root)
    before = mcts.root.N.sum()
    ev.fail_after = 10 ** 9
    mcts.search(visits=100)
    mcts.close()
    assert mcts.root.N.sum() >= before + 100 - 4
    _check_tree(mcts.root)


@pytest.mark.parametrize("where", ["key", "is_over"])
@pytest.mark.parametrize("in_flight", [1, 2])
def test_a_failure_while_gathering_or_sending_leaves_the_tree_searchable(
        monkeypatch, in_flight, where):
    """Not only the network can fail: a position's cache key (read before the batch is
    sent) or its end-of-game test (while gathering) raising once must strand no leaf with
    its virtual loss (found by review: eight leaves stayed pending, in a tree later moves
    reuse)."""
    mcts = MCTS(SlowFake(material), SearchConfig(lam=0.0, batch=4, in_flight=in_flight))
    mcts.set_root(SimState.from_game(GameState(9)))
    mcts.search(visits=40)
    original = getattr(SimState, where)
    calls = [0]

    def flaky(self):
        calls[0] += 1
        if calls[0] == 7:
            raise RuntimeError("flaky")
        return original(self)
    monkeypatch.setattr(SimState, where, flaky)
    with pytest.raises(RuntimeError, match="flaky"):
        mcts.search(visits=100)
    monkeypatch.setattr(SimState, where, original)
    _check_tree(mcts.root)
    before = mcts.root.N.sum()
    mcts.search(visits=40)
    mcts.close()
    assert mcts.root.N.sum() >= before + 40 - 4
    _check_tree(mcts.root)


def test_stop_tests_read_the_root_as_it_will_be_once_every_batch_lands():
    """With two batches out, a stop test runs while one is in flight: the move it sees
    must be the one the tree gives once that batch lands, not one its virtual loss made
    (found by review: 10% of the checks saw another move)."""
    mcts = MCTS(FakeEvaluator(material), SearchConfig(lam=0.0, batch=8, in_flight=2))
    out = {}
    send, finish = mcts._send, mcts._finish

    def sending(leaves):
        for path, node, _ in leaves:
            out[id(node)] = path
        return send(leaves)

    def finishing(leaves, sent, applied_vl=True):
        for _, node, _ in leaves:
            out.pop(id(node), None)
        return finish(leaves, sent, applied_vl)
    mcts._send, mcts._finish = sending, finishing
    checks = []

    def stop():
        root = mcts.root
        if root.moves is None or root.N.sum() < 50:
            return False
        n, w = root.N.copy(), root.W.copy()
        for path in out.values():  # take the leaves still out off by hand
            if path:
                n[path[0][1]] -= 1
                w[path[0][1]] += 1
        landed_n, landed_w = mcts.landed()
        checks.append((bool(out), np.array_equal(landed_n, n) and np.array_equal(landed_w, w)))
        return False
    mcts.set_root(SimState.from_game(GameState(9)))
    mcts.search(visits=600, stop=stop)
    assert sum(busy for busy, _ in checks) > 10  # batches were out during the checks
    assert all(same for _, same in checks)
    assert not mcts._root_out.any()  # every virtual loss landed
    mcts.close()


def test_network_results_are_cached_by_position():
    ev = FakeEvaluator()
    mcts = MCTS(ev, SearchConfig(lam=0.0))
    g = GameState(9)
    mcts.set_root(SimState.from_game(g))
    mcts.run_batch()
    mcts.set_root(SimState.from_game(g))  # a fresh tree, same position
    mcts.run_batch()
    assert ev.calls == [1]


@pytest.mark.parametrize("lam", [0.0, 1.0])
def test_lambda_selects_the_leaf_value(lam):
    """lam = 0: leaves carry the network's value; lam = 1: a rollout's result (+-1, 0)."""
    ev = FakeEvaluator(lambda s: 0.37)
    mcts = MCTS(ev, SearchConfig(lam=lam, batch=4), RolloutPolicy(seed=0))
    mcts.set_root(SimState.from_game(GameState(9)))
    mcts.search(visits=40)
    values = {round(c.value, 6) for c in mcts.root.children.values() if c.moves is not None}
    if lam == 0.0:
        assert values == {0.37}
    else:
        assert values <= {-1.0, 0.0, 1.0} and values


def test_the_late_mix_follows_how_full_the_board_is():
    cfg = SearchConfig(lam=0.0, lam_late=1.0)  # stones on 25% -> 55% of the board
    assert cfg.leaf_lam(361, 361) == 0.0 and cfg.leaf_lam(271, 361) == 0.0
    assert cfg.leaf_lam(162, 361) == 1.0 and cfg.leaf_lam(0, 361) == 1.0
    assert cfg.leaf_lam(220, 361) == pytest.approx((1 - 220 / 361 - 0.25) / 0.30)
    assert SearchConfig(lam=0.5).leaf_lam(0, 361) == 0.5  # no late mix: lam throughout
    assert SearchConfig(lam=0.0, lam_late=0.8).uses_rollouts()
    # on an empty board the leaves take the network's value and no playout is run ...
    ev = FakeEvaluator(lambda s: 0.37)
    mcts = MCTS(ev, cfg, RolloutPolicy(seed=0))
    mcts.set_root(SimState.from_game(GameState(9)))
    mcts.search(visits=40)
    assert {round(c.value, 6) for c in mcts.root.children.values() if c.moves is not None} \
        == {0.37}
    assert mcts.stats["rollout_moves"] == 0
    # ... on a board two thirds full (53 stones of 81), the rollouts' results (+-1, 0) alone
    full = from_ascii("""
        X X X X X X . . .
        X . X X X X X . .
        X X X X X X X X X
        X X X X X X X X X
        O O O O O O O O O
        O . O O O O O . .
        O O O O O O . . .
        . . . . . . . . .
        . . . . . . . . .
    """)
    mcts = MCTS(ev, cfg, RolloutPolicy(seed=0))
    mcts.set_root(SimState.from_game(full))
    mcts.search(visits=40)
    values = {round(c.value, 6) for c in mcts.root.children.values() if c.moves is not None}
    assert values and values <= {-1.0, 0.0, 1.0} and mcts.stats["rollout_moves"] > 0


def test_tree_is_reused_between_moves():
    player = SearchPlayer(FakeEvaluator(material), SearchConfig(lam=0.0, visits=300))
    g = GameState(9)
    loc = player.choose(g, BLACK, Clock()).loc
    g.play(loc, BLACK)
    reply = max(player.mcts.root.children.items(), key=lambda kv: kv[1].visits)
    node = reply[1]
    g.play(int(node.moves[int(np.argmax(node.N))]), WHITE)
    expected = node.children[int(np.argmax(node.N))].visits
    player._set_root(g, BLACK)
    assert player.mcts.root.visits == expected > 0
    # a position reached another way starts a new tree
    player._set_root(GameState(9), BLACK)
    assert player.mcts.root.visits == 0


def test_moves_that_do_not_alternate_start_a_new_tree():
    """A GUI setting up a position sends `play b` twice in a row: the node the tree would
    walk to (black's move, then the same point as white's) is another position, with the
    other side to move, and must not be searched from (found by review)."""
    player = SearchPlayer(FakeEvaluator(material), SearchConfig(lam=0.0, visits=300))
    g = GameState(9)
    loc = player.choose(g, BLACK, Clock()).loc
    node = player.mcts.root.children[int(np.nonzero(player.mcts.root.moves == loc)[0][0])]
    reply = int(node.moves[int(np.argmax(node.N))])
    assert node.children[int(np.argmax(node.N))].visits > 0  # the walk would find a node
    g.play(loc, BLACK)
    g.play(reply, BLACK)  # black again, where the tree holds white's reply
    player._set_root(g, WHITE)
    assert player.mcts.root.visits == 0
    player.mcts.search(visits=20)  # and the fresh tree searches white's moves
    assert player.mcts.root.visits > 0


def test_never_passes_a_lost_count_and_passes_a_won_one():
    lost = from_ascii(LOST, komi=0.5)
    # two simulations, both into the pass the prior likes: too few to see it refuted
    player = SearchPlayer(FakeEvaluator(pass_prior=0.99),
                          SearchConfig(lam=0.0, visits=2, batch=1))
    move = player.choose(lost, BLACK, Clock()).loc
    root = player.mcts.root
    assert root.N[root.moves == PASS].sum() > 0  # the search alone chose the pass
    assert move != PASS  # but white owns the board: passing would lose
    won = from_ascii(". X . X .\n" + "X X X X X\n" * 4, komi=0.5, to_play=WHITE)
    won.play(PASS, WHITE)  # white passes; black's settled count wins: passing wins
    assert player.choose(won, BLACK, Clock()).loc == PASS




@pytest.mark.parametrize("opponent_passed", [True, False])
def test_a_pass_the_rule_rules_out_gets_no_visits_in_the_move_played(opponent_passed):
    g = from_ascii(PASS_MIRAGE, komi=0.5, to_play=WHITE if opponent_passed else BLACK)
    if opponent_passed:
        g.play(PASS, WHITE)
    assert SimState.from_game(g).score() > 0  # the tree's count: black wins by passing
    visits = 60
    player = SearchPlayer(FakeEvaluator(pass_prior=0.99), SearchConfig(lam=0.0, visits=visits),
                          ownership_rollouts=RolloutPolicy(seed=2))
    choice = player.choose(g, BLACK, Clock())
    root = player.mcts.root
    assert choice.loc != PASS and g.is_legal(choice.loc, BLACK)
    played = root.N[root.moves == choice.loc].sum()
    others = root.N[root.moves != PASS]
    assert played == others.max()  # the move played is the most searched of the moves
    assert others.sum() >= visits  # a whole search went to the moves, none wasted
    if opponent_passed:  # known before searching: the pass is never searched
        assert root.N[root.moves == PASS].sum() == 0
    assert choice.infos and all(i.loc != PASS for i in choice.infos)  # nor reported


def test_resigns_only_when_asked():
    def hopeless_for_black(s):
        return -0.95 if s.to_play == BLACK else 0.95
    g = GameState(9)
    on = SearchPlayer(FakeEvaluator(hopeless_for_black),
                      SearchConfig(lam=0.0, visits=40, resign_threshold=0.1,
                                   resign_min_moves=0))
    assert on.choose(g, BLACK, Clock()).loc == RESIGN
    off = SearchPlayer(FakeEvaluator(hopeless_for_black), SearchConfig(lam=0.0, visits=40))
    assert off.choose(g, BLACK, Clock()).loc != RESIGN


def test_the_side_giving_handicap_stones_does_not_resign_early():
    """White giving three stones reads a hopeless game from the first move (the network
    knows no handicap): it plays on to move 60 + 40 x 3, then resigns after five low
    moves in a row; black, and white in an even game, keep the plain rule."""
    from tengen.engine.coords import to_loc
    from tengen.engine.judge.pass_rules import ResignRule
    rule = ResignRule(threshold=0.1, min_moves=60)
    assert not any(rule.resigns(0.02, m, giving_stones=3) for m in range(0, 180, 2))
    assert rule.resigns(0.02, 180, giving_stones=3)
    late = ResignRule(threshold=0.1, min_moves=60)  # low only from move 200 on
    assert [late.resigns(0.02, m, giving_stones=3) for m in range(200, 210, 2)] == \
        [False] * 4 + [True]
    even = ResignRule(threshold=0.1, min_moves=60)
    assert even.resigns(0.02, 60)

    def hopeless_for_white(s):
        return -0.95 if s.to_play == WHITE else 0.95
    g = GameState(9)
    g.place_setup(BLACK, [to_loc(2, 2, 9), to_loc(6, 6, 9), to_loc(2, 6, 9)],
                  handicap=True)
    white = SearchPlayer(FakeEvaluator(hopeless_for_white),
                         SearchConfig(lam=0.0, visits=40, resign_threshold=0.1,
                                      resign_min_moves=0))
    assert white.choose(g, WHITE, Clock()).loc != RESIGN  # move 0 of a 3-stone game


ENCLOSED = """
X X X X X . . . .
X X . . X . . . .
X . . O X . . . .
X . . . X . . . .
X X X X X . . . .
. . . . . . . . .
. . . . . . . . .
. . . . . . . . .
. . . . . . . . .
"""


def test_cleanup_captures_dead_stones_before_passing():
    g = from_ascii(ENCLOSED, komi=0.5, to_play=WHITE)
    g.play(PASS, WHITE)  # black's count wins as the board stands; D7 is dead
    player = SearchPlayer(FakeEvaluator(pass_prior=0.99), SearchConfig(lam=0.0, visits=30),
                          ownership_rollouts=RolloutPolicy(seed=2))
    assert player.choose(g, BLACK, Clock()).loc == PASS
    move = player.choose(g, BLACK, Clock(), cleanup=True).loc
    assert move != PASS and g.is_legal(move, BLACK)


# ---------------------------------------------------------------------- time


def test_time_budgets():
    p = TimePolicy(default_move_time=3.0, safety=0.5, fraction=0.8)
    assert move_budget(Clock(), BLACK, 361, p) == 3.0
    # GTP time_settings 0 10 1: a 10 s Canadian period per move
    c = Clock(main_time=0.0, byo_time=10.0, byo_stones=1)
    assert move_budget(c, BLACK, 361, p) == pytest.approx(10 * 0.8 - 0.5)
    c.time_left[BLACK] = (10.0, 1)
    assert move_budget(c, BLACK, 361, p) == pytest.approx(10 * 0.8 - 0.5)
    # in a Canadian period with 5 stones in 20 s left
    c = Clock(main_time=600.0, byo_time=300.0, byo_stones=25)
    c.time_left[WHITE] = (20.0, 5)
    # a short allowance keeps a share of itself back, not the whole safety
    assert move_budget(c, WHITE, 200, p) == pytest.approx(4 * 0.8 - 0.4)
    # absolute time: spread over the moves left, never more than half the clock
    c = Clock(main_time=300.0)
    b = move_budget(c, BLACK, 300, p)
    assert 0 < b <= 300 / 25 and b == pytest.approx(300 / 100 - 0.3)
    c.used[BLACK] = 299.9
    assert move_budget(c, BLACK, 300, p) <= 0.1
    # Japanese byo-yomi: 30 s periods once main time is gone
    c = Clock(main_time=0.0, byo_time=30.0, periods=5)
    assert move_budget(c, BLACK, 300, p) == pytest.approx(30 * 0.8 - 0.5)
    c.time_left[BLACK] = (30.0, 3)  # KGS: a 30 s period, 3 periods left
    assert move_budget(c, BLACK, 300, p) == pytest.approx(30 * 0.8 - 0.5)
    c = Clock(main_time=600.0, byo_time=30.0, periods=5)
    c.time_left[BLACK] = (120.0, 0)  # still in main time: spread it, plus a period
    assert move_budget(c, BLACK, 300, p) == pytest.approx(120 / 100 + 30 * 0.8 - 0.5)
    # the ladder's 2 s a move (time_settings 0 2 1): 1.5 s of it, 0.2 + 0.3 s kept back
    c = Clock(main_time=0.0, byo_time=2.0, byo_stones=1)
    c.time_left[BLACK] = (2.0, 1)
    assert move_budget(c, BLACK, 300, TimePolicy()) == pytest.approx(2 * 0.85 - 0.2)
    from tengen.engine.search.timecontrol import margin
    assert margin(TimePolicy(), 0.5) == 0.1 and margin(TimePolicy(), 30.0) == 0.6


def test_time_saved_by_stopping_early_goes_where_it_can_be_spent():
    from tengen.engine.search.timecontrol import saves_for_later
    assert saves_for_later(Clock(), BLACK)  # no clock: a settled move is played at once
    assert saves_for_later(Clock(main_time=300.0), BLACK)
    per_move = Clock(main_time=0.0, byo_time=2.0, byo_stones=1)
    assert not saves_for_later(per_move, BLACK)
    per_move.time_left[BLACK] = (2.0, 1)
    assert not saves_for_later(per_move, BLACK)
    canadian = Clock(main_time=600.0, byo_time=300.0, byo_stones=25)
    canadian.time_left[BLACK] = (120.0, 0)
    assert saves_for_later(canadian, BLACK)
    canadian.time_left[BLACK] = (20.0, 5)  # later stones of the period get it
    assert saves_for_later(canadian, BLACK)
    canadian.time_left[BLACK] = (4.0, 1)  # the period's last stone
    assert not saves_for_later(canadian, BLACK)
    spent = Clock(main_time=60.0, byo_time=300.0, byo_stones=25)
    spent.used[BLACK] = 61.0  # no time_left: each stone gets a fixed share, none carries
    assert not saves_for_later(spent, BLACK)
    japanese = Clock(main_time=600.0, byo_time=30.0, periods=5)
    japanese.time_left[BLACK] = (30.0, 3)  # a period is kept or lost move by move
    assert not saves_for_later(japanese, BLACK)


def test_search_stops_at_its_deadline(monkeypatch):
    """On a clock that advances 10 ms each time the search looks at it, a 0.3 s budget
    ends after about 30 looks; a search that ignored its deadline would run on (the
    clock stops it with an error after 1,000 looks)."""
    import tengen.engine.search.mcts as mcts_module
    tick = TickingClock(start=1000.0)

    player = SearchPlayer(FakeEvaluator(), SearchConfig(lam=0.0, batch=1),
                          time_policy=TimePolicy(default_move_time=0.3))
    clock = Clock(move_start=1000.0)
    monkeypatch.setattr(mcts_module.time, "monotonic", tick)
    player.choose(GameState(9), BLACK, clock)
    assert tick.now <= 1000.0 + 0.3 + 0.05  # stopped within a few looks of the deadline
    assert player.mcts.root.visits > 0


# ---------------------------------------------------------------------- real network


@pytest.fixture(scope="module")
def tiny_player():
    torch = pytest.importorskip("torch")
    from tengen.nets.evaluator import SharedEvaluator
    from tengen.nets.model import build_model
    torch.manual_seed(0)
    model = build_model("b1c8")
    return SearchPlayer(SharedEvaluator(model), SearchConfig(lam=0.5, visits=48, batch=8),
                        RolloutPolicy(seed=3), ownership_rollouts=RolloutPolicy(seed=4))


def test_tiny_network_search_plays_legal_moves(tiny_player):
    g = GameState(9)
    for _ in range(6):
        loc = tiny_player.choose(g, g.to_play, Clock()).loc
        assert g.is_legal(loc)
        g.play(loc)
    assert tiny_player.mcts.stats["nn_positions"] > 0
    assert tiny_player.mcts.stats["rollout_moves"] > 0


def test_gtp_analysis_stream(tiny_player):
    """lz-analyze writes "=", then info lines until input arrives, then the blank line;
    genmove_analyze ends with "play X" and plays it."""
    from tengen.engine.gtp import GtpEngine
    eng = GtpEngine(tiny_player, size=9)
    out = []
    eng.write = out.append
    polls = iter(range(1000))
    eng.input_waiting = lambda: next(polls) >= 30  # "input arrives" after 30 polls
    assert eng.handle_line("boardsize 9") == "=\n\n"
    tail = eng.handle_line("7 lz-analyze B 1")
    assert out[0] == "=7\n" and tail == "\n"
    infos = [line for line in out[1:] if line.startswith("info")]
    assert infos
    first = infos[-1].split(" info ")[0].split()[1:]
    fields = dict(zip(first[0::2], first[1::2]))
    assert set(fields) >= {"move", "visits", "winrate", "prior", "lcb", "order", "pv"}
    assert 0 <= int(fields["winrate"]) <= 10000 and int(fields["visits"]) >= 1
    assert eng.state.moves == []  # analysis plays nothing
    out.clear()
    tail = eng.handle_line("lz-genmove_analyze B 1")
    assert out[0] == "=\n" and tail.startswith("play ") and tail.endswith("\n\n")
    assert len(eng.state.moves) == 1
    assert loc_to_gtp(eng.state.moves[0].loc, 9) == tail.split()[1].upper()
    assert eng.handle_line("lz-analyze X 10").startswith("? ")


WALLS = """
. . . . . . . . .
. . . . . . . . .
X X X X X X X X X
X X X X X X X X X
X X X X X X X X X
O O O O O O O O O
O O O O O O O O O
. . . . . . . . .
. . . . . . . . .
"""


def kata_stream(eng, command: str) -> tuple[list[dict], dict, list[float]]:
    """The last line of a kata-analyze stream: its moves' fields, rootInfo, ownership."""
    out = []
    eng.write = out.append
    polls = iter(range(1000))
    eng.input_waiting = lambda: next(polls) >= 30
    assert eng.handle_line(command) == "\n" and out[0] == "=\n"
    line = [text for text in out[1:] if text.startswith("info")][-1].strip()
    head, _, own = line.partition(" ownership ")
    # key-value pairs up to "pv", whose moves run to the next "info" or "rootInfo"
    moves, root = [], {}
    for part in head.split("info ")[1:]:
        body = part.split(" rootInfo ")
        pairs, _, pv = body[0].partition(" pv ")
        toks = pairs.split()
        moves.append({**dict(zip(toks[0::2], toks[1::2])), "pv": pv.split()})
        if len(body) > 1:
            toks = body[1].split()
            root = dict(zip(toks[0::2], toks[1::2]))
    return moves, root, [float(x) for x in own.split()]


def test_kata_analyze_reports_scores_and_territory_for_the_player_to_move(tiny_player):
    """KataGo's format: float win rates, scores and ownership from the view of the player
    analysed; on a board split by two walls black's half is black's, white's white's."""
    from tengen.engine.gtp import GtpEngine
    eng = GtpEngine(tiny_player, size=9)
    eng.state = from_ascii(WALLS, komi=7.5)
    views = {}
    for colour in ("B", "W"):
        moves, root, own = kata_stream(eng, f"kata-analyze {colour} 1 ownership true rootInfo true")
        assert moves and root and len(own) == 81
        for m in moves:
            assert {"move", "visits", "winrate", "scoreLead", "scoreMean", "scoreStdev",
                    "prior", "lcb", "order"} <= set(m)
            assert 0.0 <= float(m["winrate"]) <= 1.0 and float(m["scoreStdev"]) >= 0
        assert int(root["visits"]) >= 1 and 0.0 <= float(root["winrate"]) <= 1.0
        assert all(-1.0 <= x <= 1.0 for x in own)
        views[colour] = (float(root["scoreLead"]), own)
    (lead_b, own_b), (lead_w, own_w) = views["B"], views["W"]
    # rows are A9 first: the top five rows are black's, the bottom four white's; the
    # two-row areas are too small for an invader to live in any rollout
    assert min(own_b[:45]) > 0.5 and max(own_b[45:]) < -0.5
    assert min(own_w[45:]) > 0.5 and max(own_w[:45]) < -0.5
    # black's 45 points against white's 36 + 7.5: black leads by 1.5 (the rollouts after
    # the tiny net's moves, the only counting here, stray by a few points)
    assert abs(lead_b - 1.5) < 6 and abs(lead_w + 1.5) < 6
    assert eng.state.moves == []  # analysis plays nothing
    assert eng.handle_line("kata-analyze B 1 ownership maybe").startswith("? ownership")
    assert eng.handle_line("kata-analyze B 1 colour true").startswith("? unsupported")


def test_kata_analyze_reads_the_nets_score_and_ownership_when_it_has_them():
    """A net with ownership and score outputs: each move's scoreLead is the score output
    of the position it leads to, the ownership the output at the root, both turned to
    the analysed player's view (white here); the rollouts' would differ."""
    import torch
    from tengen.engine.coords import gtp_to_loc
    from tengen.engine.gtp import GtpEngine
    from tengen.nets.evaluator import SharedEvaluator
    from tengen.nets.features import state_planes
    from tengen.nets.model import build_model
    from tengen.selfplay.value_train import value_forward, with_heads
    torch.manual_seed(0)
    model = with_heads(build_model("b1c8"), True, True).eval()
    with torch.no_grad():  # a score output far from any count, so its source shows
        model.score_fc[2].bias.fill_(2.0)
    from tengen.nets.heads import NetHeads
    evaluator = SharedEvaluator(model)
    player = SearchPlayer(evaluator, SearchConfig(lam=0.5, visits=48, batch=8),
                          RolloutPolicy(seed=3), ownership_rollouts=RolloutPolicy(seed=4),
                          heads=NetHeads.of(evaluator))
    eng = GtpEngine(player, size=9)
    eng.state = from_ascii(WALLS, komi=7.5)
    eng.state.play(gtp_to_loc("A1", 9))  # black played: white to move
    moves, root, own = kata_stream(eng, "kata-analyze W 1 ownership true rootInfo true")

    def net(state):
        with torch.no_grad():
            _, o, s = value_forward(model, torch.from_numpy(state_planes(state)[None]).float())
        return np.tanh(o[0].numpy() / 2), float(s[0])  # the mover's view

    for m in moves[:5]:
        child = eng.state.copy()
        child.play(gtp_to_loc(m["move"], 9))
        # black moves next in the child: its margin is black's, white's lead its negation
        assert float(m["scoreLead"]) == pytest.approx(-net(child)[1], abs=2e-3)
    root_own, _ = net(eng.state)  # white to move: the mover's view is white's
    assert np.allclose(own, root_own, atol=2e-4)
    visits = np.array([float(m["visits"]) for m in moves])
    leads = np.array([float(m["scoreLead"]) for m in moves])
    assert float(root["scoreLead"]) == pytest.approx(np.dot(visits, leads) / visits.sum(),
                                                     abs=0.05)
    assert abs(float(root["scoreLead"]) + 1.5) > 10  # not the count the rollouts see


DEAD_E1 = """
. . . . . . . . .
. . . . . . . . .
. . . . . . . . .
. . . . . . . . .
. . . . . . . . .
X X X X X X X X X
O O O O O O O O O
. . . . . . . . .
. . . . X . . . .
"""


def test_gtp_ownership_dead_stones_and_score_agree_with_gnugo(tmp_path, gnugo_cmd):
    from tengen.engine.gtp import GtpEngine
    from tengen.engine.sgf import game_to_sgf
    from tengen.match.gtp_client import GtpClient
    eng = GtpEngine(size=9)
    eng.state = from_ascii(DEAD_E1, komi=7.5)
    own = eng.handle_line("tengen-ownership")
    assert own.startswith("= INFLUENCE ") and len(own.split()) == 2 + 2 * 81
    dead = eng.handle_line("final_status_list dead").split()[1:]
    alive = eng.handle_line("final_status_list alive").split()[1:]
    assert dead == ["E1"] and len(alive) == 18
    ours = eng.handle_line("final_score")
    assert ours == "= B+19.5\n\n"  # 54 black, 27 white once E1 is off, komi 7.5
    sgf = tmp_path / "dead.sgf"
    sgf.write_bytes(game_to_sgf(eng.state))
    gg = GtpClient(gnugo_cmd.replace("--level 1", "--level 10"))
    try:
        gg.send(f"loadsgf {sgf}")
        assert gg.send("final_status_list dead").split() == dead
        assert gg.send("final_score") == ours[2:].strip()
    finally:
        gg.close()


def test_move_choice_carries_visits_value_and_statistics():
    g = GameState(9)
    player = SearchPlayer(FakeEvaluator(material), SearchConfig(lam=0.0, visits=64, seed=3))
    choice = player.choose(g, BLACK)  # no clock outside GTP
    assert choice.policy.shape == (82,) and abs(choice.policy.sum() - 1) < 1e-9
    from tengen.engine.coords import loc_to_index
    assert choice.policy[loc_to_index(choice.loc, 9)] == choice.policy.max()
    assert -1 <= choice.value <= 1 and choice.infos and choice.infos[0].loc == choice.loc
    assert {"analysis", "cleanup"} <= player.abilities
    # with a temperature the move is drawn from the visit counts, so several differ
    drawn = {player.choose(g, BLACK, temperature=1.0).loc for _ in range(12)}
    assert len(drawn) > 1


def test_analysis_reports_keep_their_interval_during_a_slow_network_call():
    """lz-analyze asks for a line every interval; a batch that takes longer than that
    (a loaded machine) must not hold the lines back. The fake network holds its first
    call until three reports have come out; reports made only between batches never
    would, and the call gives up after 5 s."""
    import threading
    reports = []
    three = threading.Event()

    class Slow(FakeEvaluator):
        def evaluate(self, states):
            if not self.calls:
                three.wait(5.0)
            return super().evaluate(states)

    def report():
        reports.append(1)
        if len(reports) >= 3:
            three.set()

    player = SearchPlayer(Slow(), SearchConfig(lam=0.0, batch=1))
    done = iter(range(5))
    player.analyze(GameState(9), BLACK, stop=lambda: next(done, None) is None,
                   report=report, report_every=0.01)
    assert three.is_set()


def test_network_cache_keeps_board_sizes_apart():
    """Every empty board hashes to 0: a 9x9 answer must never serve a 19x19 search
    (Sabaki switching board size in one session)."""
    mcts = MCTS(FakeEvaluator(), SearchConfig(lam=0.0))
    for size in (9, 19, 9):
        mcts.set_root(SimState.from_game(GameState(size)))
        mcts.search(visits=4)
        assert len(mcts.root.prior) == size * size + 1


def test_analysis_reporter_outlives_a_half_made_node():
    """The reporter thread reads the tree while the search grows it: a read that meets a
    node half made skips that tick instead of ending the stream."""
    import threading
    from tengen.engine.search.mcts import _report_until
    calls, finished = [], threading.Event()

    def report():
        calls.append(1)
        if len(calls) == 1:
            raise AttributeError("'NoneType' object has no attribute 'max'")
        if len(calls) >= 3:
            finished.set()
    t = threading.Thread(target=_report_until, args=(report, 0.01, finished))
    t.start()
    t.join(5)
    assert not t.is_alive() and len(calls) >= 3


class CountRollouts:
    """A rollout that plays nothing: the margin is the board's area count as it stands
    (the win/loss it implies is not used: lam = 0)."""

    def run_arrays(self, B, meta, zob, to_play, prev, passes, komi, count=1):
        from tengen.engine.board import area_score
        return float(area_score(B, meta)) - komi, None, 0


TWO_CAPTURES = """
. . . . .
X X X X O
O O O X X
X X . . .
. . . . .
"""


@pytest.mark.parametrize("colour", ["black", "white"])
def test_score_utility_prefers_the_bigger_capture_the_win_rate_cannot_see(colour):
    """C2 takes three stones, E5 one; the value says 0 everywhere, so by win rate the
    two are alike (and all other moves too). Only the margin tells them apart, for
    either colour (the utility flips with the side), and it never leaks into the win
    rates reported."""
    text = TWO_CAPTURES if colour == "black" else TWO_CAPTURES.translate(
        str.maketrans("XO", "OX"))
    s = from_ascii(text, komi=0.5)
    if colour == "white":
        s.play(PASS, BLACK)
    shares = {}
    for weight in (0.0, 0.5):
        cfg = SearchConfig(lam=0.0, visits=800, score_weight=weight)
        mcts = MCTS(FakeEvaluator(pass_prior=1e-6), cfg, CountRollouts())
        mcts.set_root(SimState.from_game(s))
        mcts.search(visits=800)
        root = mcts.root
        n = {loc_to_gtp(int(m), 5): root.N[i] for i, m in enumerate(root.moves)}
        shares[weight] = (n["C2"] / root.N.sum(), n["E5"] / root.N.sum())
        assert np.all(root.W == 0) and mcts.root_winrate() == 0.5  # win/loss only
        if weight:
            assert loc_to_gtp(int(root.moves[mcts.best_index()]), 5) == "C2"
            margin = 3 + 0.5 if colour == "black" else -(3 + 0.5)  # roughly, after C2
            assert mcts.score_center * margin > 0  # the next search's centre: the lead
    plain, scored = shares[0.0], shares[0.5]
    assert plain[0] < 0.1  # without the margin C2 is one move of many (0.076 of visits)
    assert scored[0] > 3 * plain[0] and scored[0] > 1.5 * scored[1]  # 0.37 and 0.15


def test_score_utility_needs_rollouts_and_restarts_with_a_game():
    with pytest.raises(ValueError, match="rollout policy"):
        MCTS(FakeEvaluator(), SearchConfig(lam=0.0, score_weight=0.3))
    mcts = MCTS(FakeEvaluator(), SearchConfig(lam=0.0, score_weight=0.3), CountRollouts())
    mcts.set_root(SimState.from_game(from_ascii(TWO_CAPTURES, komi=0.5)))
    mcts.search(visits=20)
    assert mcts.score_center != 0.0
    mcts.set_root(SimState.from_game(GameState(5)))
    assert mcts.score_center == 0.0
