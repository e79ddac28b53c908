"""Rollout policy: features on diagrams, the incremental state against a full recomputation,
the sampler against the softmax it claims to draw from, training, shipped weights."""
import numpy as np
import pytest

from tengen.engine.board import BLACK, M_KO, PASS, WHITE, Board, new_record
from tengen.engine.coords import gtp_to_loc
from tengen.engine.game import from_ascii
from tengen.engine.playout import new_rng
from tengen.engine.rollout.policy import (RolloutPolicy, Workspace, exp_weights, init_state,
                                          load_weights, play_and_update, sample_move,
                                          save_weights)
from tengen.engine.playout import random_move
from tengen.engine.rollout.features import (F_ATARI, F_CAPTURE, F_CAPTURE_BIG, F_NEAR, F_SAVE,
                                            F_SELF_ATARI, F_SELF_ATARI_BIG, MAXF, NDIAMOND,
                                            NWEIGHTS, OFF_SCALAR, point_features,
                                            point_features_both)
from tengen.engine.rollout.train import evaluate, Replayer

from conftest import VALIDATION_ARCHIVE

FLAGS = {OFF_SCALAR + F_SAVE: "save", OFF_SCALAR + F_SELF_ATARI: "self-atari",
         OFF_SCALAR + F_CAPTURE: "capture", OFF_SCALAR + F_CAPTURE_BIG: "capture-big",
         OFF_SCALAR + F_ATARI: "atari", OFF_SCALAR + F_SELF_ATARI_BIG: "self-atari-big"}


def flags(state, vertex, pla):
    out = np.zeros(MAXF, np.int64)
    b = state.board
    n = point_features(b.B, b.meta, gtp_to_loc(vertex, state.size), pla, out)
    if n < 0:
        return None
    return {FLAGS[f] for f in out[:n] if f in FLAGS}


DIAGRAM = """
. . . . . . .
. X O . . . .
X O . O . . .
. X O . . . .
. . . . X X .
. . . X O O X
. . . . X . .
"""


def test_features_on_a_diagram():
    s = from_ascii(DIAGRAM)
    assert flags(s, "C5", BLACK) == {"capture"}  # B5's last liberty
    assert flags(s, "F1", BLACK) == {"capture-big"}  # E2-F2's last liberty
    # white F1 extends E2-F2 to three stones with G1 as the only liberty
    assert flags(s, "F1", WHITE) == {"self-atari-big"}
    assert flags(s, "A7", BLACK) == set()
    assert flags(s, "A6", WHITE) == {"self-atari"}  # one stone, liberty A7
    assert flags(s, "G1", WHITE) == {"self-atari"}  # G1 touches only black


@pytest.mark.parametrize("size", [9, 19])
def test_both_colours_at_once_equal_one_at_a_time(size):
    """The rollouts' state reads both colours' features in one pass; training and the
    tests read one colour at a time. Every empty point of random games, both colours."""
    b = Board(size)
    rng = new_rng(size)
    one = np.zeros(MAXF, np.int64)
    both = np.zeros(2 * MAXF, np.int64)
    pla, checked = BLACK, 0
    for move in range(3 * size * size):
        if move % 7 == 0:
            for q in b.empties():
                nb, nw = point_features_both(b.B, b.meta, q, both[:MAXF], both[MAXF:])
                for colour, n, got in ((BLACK, nb, both[:MAXF]), (WHITE, nw, both[MAXF:])):
                    want = point_features(b.B, b.meta, q, colour, one)
                    assert n == want, (move, q, colour)
                    assert sorted(got[:max(n, 0)]) == sorted(one[:max(want, 0)])
                    checked += 1
        loc = random_move(b.B, b.meta, pla, rng)
        if loc == PASS:
            break
        b.play(loc, pla)
        pla = 3 - pla
    assert checked > 10 * size * size


def test_eyes_and_suicide_are_never_played():
    s = from_ascii("""
. X . O .
X X X O O
. . X O .
X X X O O
. . X O .
""")
    assert flags(s, "A5", BLACK) is None  # own eye
    assert flags(s, "A5", WHITE) is None  # suicide
    assert flags(s, "E5", WHITE) is None  # own eye
    assert flags(s, "E5", BLACK) is None  # suicide


def test_save_and_atari():
    s = from_ascii("""
. . . . .
. O . . .
O X O . .
. . . . .
. . . . .
""")
    assert flags(s, "B2", BLACK) == {"save"}  # B3 in atari, extending gives 3 liberties
    assert flags(s, "A2", BLACK) == {"atari"}  # A3 is left with A4; A2 keeps B2 and A1
    assert flags(s, "A4", BLACK) == {"self-atari"}  # A4 would keep only A5


def _rollout_checked(size, w, seed):
    b = Board(size)
    ws = Workspace(size)
    rec = new_record(size)
    rng = new_rng(seed)
    gamma, rowsum, mark, dirty, feats, pts, touched, saved = ws.arrays()
    ew = exp_weights(w)
    init_state(b.B, b.meta, ew, gamma, rowsum, feats)
    pla, prev, passes, moves = BLACK, PASS, 0, 0
    while passes < 2 and moves < 3 * size * size:
        loc = sample_move(b.B, b.meta, b.zob, ew, pla, prev, rng, gamma, rowsum, pts, touched,
                          saved, ws.ladder_recs, ws.ladder_stack)
        play_and_update(b.B, b.meta, b.zob, ew, loc, pla, rec, gamma, rowsum, mark,
                        dirty, feats)
        fresh = Workspace(size)
        init_state(b.B, b.meta, ew, fresh.gamma, fresh.rowsum, fresh.feats)
        assert np.array_equal(fresh.gamma > 0, gamma > 0), f"move {moves}"
        np.testing.assert_allclose(fresh.gamma, gamma, rtol=1e-6)
        np.testing.assert_allclose(fresh.rowsum, rowsum, rtol=1e-6, atol=1e-6)
        passes = passes + 1 if loc == PASS else 0
        prev, pla, moves = loc, 3 - pla, moves + 1
    assert b.check_consistency() == 0
    return moves


@pytest.mark.parametrize("size,seed", [(9, 1), (9, 2), (13, 3), (19, 4)])
def test_incremental_state_equals_full_recomputation(size, seed):
    w = np.random.default_rng(seed).normal(0, 1.5, NWEIGHTS).astype(np.float32)
    moves = _rollout_checked(size, w, seed)
    assert moves > size * size // 2  # a real game, played to its end


def test_incremental_state_with_shipped_weights():
    assert _rollout_checked(19, load_weights()[0], 7) > 150


def test_sampler_draws_from_the_softmax():
    """Frequencies of the first move after a given previous move match exp(logit)/Z,
    response weights included."""
    s = from_ascii("""
. . . . .
. . O . .
. X . . .
. . . . .
. . . . .
""")
    size = 5
    w = np.random.default_rng(0).normal(0, 1.0, NWEIGHTS).astype(np.float32)
    from tengen.engine.rollout.train import candidates
    r = Replayer(size)
    b = s.board
    prev = gtp_to_loc("C4", size)
    k = candidates(b.B, b.meta, w, BLACK, prev, r.feats, r.nfeat, r.cands, r.logits, r.pts)
    logits = r.logits[:k].astype(np.float64)
    p = np.exp(logits - logits.max())
    p /= p.sum()
    ws = Workspace(size)
    gamma, rowsum, mark, dirty, feats, pts, touched, saved = ws.arrays()
    ew = exp_weights(w)
    init_state(b.B, b.meta, ew, gamma, rowsum, feats)
    rng = new_rng(3)
    draws = 40000
    counts = {}
    for _ in range(draws):
        loc = sample_move(b.B, b.meta, b.zob, ew, BLACK, prev, rng, gamma, rowsum, pts,
                          touched, saved, ws.ladder_recs, ws.ladder_stack)
        counts[loc] = counts.get(loc, 0) + 1
    assert set(counts) <= set(r.cands[:k].tolist())
    for i in range(k):
        expected = p[i] * draws
        got = counts.get(int(r.cands[i]), 0)
        assert abs(got - expected) < 5 * np.sqrt(expected + 1) + 5, (i, got, expected)
    # and the draws left the state as it was
    fresh = Workspace(size)
    init_state(b.B, b.meta, ew, fresh.gamma, fresh.rowsum, fresh.feats)
    np.testing.assert_allclose(fresh.gamma, gamma, rtol=1e-6)


def test_ko_point_is_never_sampled():
    s = from_ascii("""
. X O . .
X . X O .
. X O . .
. . . . .
. . . . .
""", to_play=WHITE)
    s.play(gtp_to_loc("B4", 5))  # white captures C4: black may not retake at once
    b = s.board
    ko = int(b.meta[M_KO])
    assert ko == gtp_to_loc("C4", 5)
    w = np.zeros(NWEIGHTS, np.float32)
    w[OFF_SCALAR + F_NEAR:OFF_SCALAR + F_NEAR + NDIAMOND] = 1.0  # responses change weights
    ws = Workspace(5)
    gamma, rowsum, mark, dirty, feats, pts, touched, saved = ws.arrays()
    ew = exp_weights(w)
    init_state(b.B, b.meta, ew, gamma, rowsum, feats)
    rng = new_rng(1)
    seen = {sample_move(b.B, b.meta, b.zob, ew, BLACK, gtp_to_loc("B4", 5), rng, gamma,
                        rowsum, pts, touched, saved, ws.ladder_recs, ws.ladder_stack) for _ in range(2000)}
    assert ko not in seen and len(seen) > 5
    # the ko point was changed twice a draw (response weight, then excluded): it and
    # every other point get their own weights back
    fresh = Workspace(5)
    init_state(b.B, b.meta, ew, fresh.gamma, fresh.rowsum, fresh.feats)
    np.testing.assert_array_equal(fresh.gamma, gamma)


def test_weights_round_trip(tmp_path):
    w = np.random.default_rng(0).normal(0, 1, NWEIGHTS).astype(np.float32)
    save_weights(tmp_path / "r.npz", w, {"note": "x"})
    back, meta = load_weights(tmp_path / "r.npz")
    np.testing.assert_allclose(back, w, atol=2e-3, rtol=1e-3)  # stored as float16
    assert meta == {"note": "x"}


def test_rollouts_play_a_finished_game_out():
    """From a finished board with a dead group, rollouts started afresh capture it: the
    group's points end black's and the mean score is the count with it removed. With two
    passes pending, no move is played and the count is the board as it stands."""
    from helpers import ONE_EYE
    g = from_ascii(ONE_EYE, komi=0.5)  # B+0.5 with the white group off, W+18.5 as it stands
    b = g.board
    policy = RolloutPolicy(seed=0)
    score, own, moves = policy.run_arrays(b.B, b.meta, b.zob, WHITE, PASS, 0, g.komi, 32)
    own = own.reshape(11, 11)[1:-1, 1:-1]
    assert moves > 32 * 9  # at least: fill B1, take the eye, fill the space
    assert own[5:8, 1:4].min() > 0.5  # rows 4-2, columns B-D: the dead group's area
    assert abs(score - 0.5) < 4
    score, _, moves = policy.run_arrays(b.B, b.meta, b.zob, WHITE, PASS, 2, g.komi, 4)
    assert moves == 0 and score == g.area_score()


def test_training_learns_kgs_moves(kgs_dir):
    """A few hundred games of AdaGrad beat zero weights on held-out games, and the
    shipped weights predict at least 22% of KGS-2017_05's moves (the issue's target)."""
    from tengen.engine.sgf import iter_sgf_files
    w = np.zeros(NWEIGHTS, np.float32)
    acc = np.zeros(NWEIGHTS)
    stats = np.zeros(4)
    rp = Replayer()
    for i, (_, data) in enumerate(iter_sgf_files(kgs_dir / "KGS-2017_01-19-733-.tar.gz")):
        if i >= 150:
            break
        rp.game(data, w, acc, 0.05, stats)
    val = kgs_dir / VALIDATION_ARCHIVE
    before = evaluate(np.zeros(NWEIGHTS, np.float32), val, 40)
    after = evaluate(w, val, 40)
    assert after["mean_loglik"] > before["mean_loglik"] + 0.5
    assert after["accuracy"] > before["accuracy"] + 0.05
    shipped = evaluate(load_weights()[0], val, 40)
    assert shipped["accuracy"] >= 0.22 and shipped["positions"] > 5000
