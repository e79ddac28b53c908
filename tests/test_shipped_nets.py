"""The two shipped networks: the SL policy (KGS moves) and the RL policy (self-play policy
gradient from the earlier SL net), by name wherever a checkpoint is taken; each stronger
than the earlier SL net (``checkpoints/sl-b6c64/latest.pt``) when both sample their moves."""
import subprocess
from pathlib import Path

import pytest
import torch

from tengen.engine.board import BLACK, WHITE
from tengen.nets import SHIPPED_NET, SHIPPED_RL_NET, net_path
from tengen.nets.checkpoint import load_checkpoint, save_checkpoint
from tengen.selfplay.games import GamesConfig
from tengen.selfplay.workers import Opponent, WorkersConfig
from tengen.selfplay.workers.local import SelfPlayWorkers
from test_gtp_process import tengen_cmd


def test_names_resolve_to_the_shipped_files_unless_a_file_has_that_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert net_path("sl") == SHIPPED_NET and net_path("rl") == SHIPPED_RL_NET
    assert net_path("runs/x.pt") == tmp_path.joinpath("runs/x.pt").relative_to(tmp_path)
    sl, _ = load_checkpoint("sl")
    (tmp_path / "sl").mkdir()  # a run folder called sl does not hide the shipped net
    assert net_path("sl") == SHIPPED_NET
    save_checkpoint("rl", sl)  # a file here called rl is what the user means
    mine, _ = load_checkpoint("rl")
    shipped, _ = load_checkpoint(str(SHIPPED_RL_NET))
    assert all(torch.equal(mine.state_dict()[k], sl.state_dict()[k]) for k in sl.state_dict())
    assert any(not torch.equal(shipped.state_dict()[k], sl.state_dict()[k])
               for k in sl.state_dict())


def test_the_rl_net_is_the_sl_architecture_and_says_where_it_came_from():
    sl, _ = load_checkpoint("sl")
    rl, state = load_checkpoint("rl")
    assert rl.cfg == sl.cfg
    meta = state["meta"]
    assert meta["stage"] == "rl" and meta["iteration"] > 0
    assert meta["against_sl"]["wins"] / meta["against_sl"]["games"] >= 0.7


def test_gtp_plays_the_rl_policy_by_name_and_refuses_a_missing_net_at_once():
    ok = subprocess.run(tengen_cmd() + ["gtp", "--player", "policy", "--net", "rl"],
                        input=b"boardsize 19\ngenmove b\nquit\n", capture_output=True,
                        timeout=120)
    assert ok.returncode == 0, ok.stderr.decode()
    answers = ok.stdout.decode().split("\n\n")
    assert answers[1].startswith("= ") and answers[1][2:].strip() not in ("pass", "resign")
    bad = subprocess.run(tengen_cmd() + ["gtp", "--net", "no-such.pt"], input=b"name\n",
                         capture_output=True, timeout=120)
    assert bad.returncode != 0 and bad.stdout == b""
    assert b"--net no-such.pt: no such file" in bad.stderr


EARLIER_SL = Path(__file__).resolve().parent.parent / "checkpoints" / "sl-b6c64" / "latest.pt"


def test_the_shipped_sl_net_says_how_it_was_annealed():
    _, state = load_checkpoint("sl")
    anneal = state["meta"]["anneal"]
    assert anneal["whole_validation_archive"]["top1"] > 0.4507
    assert anneal["against_previous_sl"]["wins"] / anneal["against_previous_sl"]["games"] > 0.7
    # then a second cosine cycle, shipped where it beat the annealed net's figures
    cycle = state["meta"]["second_cycle"]
    assert cycle["whole_validation_archive"]["top1"] > anneal["whole_validation_archive"]["top1"]
    assert cycle["against_previous_sl"]["wins"] > anneal["against_previous_sl"]["wins"]
    # and a third, shipped where it beat the second cycle's net outright
    third = state["meta"]["third_cycle"]
    assert third["step"] == 19000
    assert third["whole_validation_archive"]["top1"] > cycle["whole_validation_archive"]["top1"]
    assert third["against_previous_sl"]["wins"] > cycle["against_previous_sl"]["wins"]
    assert third["against_second_cycle"]["wins"] / third["against_second_cycle"]["games"] > 0.5
    # then distilled from a b10c128 teacher grown from it (one GPU lease): shipped where it
    # beat the third cycle's net on the whole archive (paired) and sampling, and reached 50%
    dist = state["meta"]["distilled"]
    assert state["meta"]["model"] == "b6c64"
    top1 = dist["whole_validation_archive"]["top1"]
    assert top1 >= 0.50 > third["whole_validation_archive"]["top1"]
    assert dist["teacher"]["whole_validation_archive"]["top1"] > top1
    assert dist["paired_top1_vs_third_cycle"]["ci95_points"][0] > 0
    assert dist["paired_top1_vs_control"]["ci95_points"][0] > 0  # the teacher, not the lease
    assert dist["against_third_cycle"]["wins"] / dist["against_third_cycle"]["games"] > 0.5
    assert dist["against_previous_sl"]["wins"] > third["against_previous_sl"]["wins"]
    assert dist["int8_gate"]["same_top"] >= 0.9 and dist["int8_gate"]["max_value_diff"] <= 0.1
    # then trained on with a value weight of 1 (one more lease): shipped where its value
    # and top-1 beat the distilled net's on the whole archive and it beat it sampling
    assert state["meta"]["stage"] == "sl-value-weighted"
    vw = state["meta"]["value_weighted"]
    assert vw["whole_validation_archive"]["value_mse"] < dist["whole_validation_archive"]["value_mse"]
    assert vw["whole_validation_archive"]["top1"] > top1
    assert vw["against_distilled_sampling"]["wins"] / vw["against_distilled_sampling"]["games"] > 0.55
    assert vw["against_distilled_searching_200_visits"]["wins"] >= 20
    assert vw["int8_gate"]["same_top"] >= 0.9 and vw["int8_gate"]["max_value_diff"] <= 0.1


@pytest.mark.slow
@pytest.mark.parametrize("net,games,least", [("rl", 96, 56), ("sl", 96, 56)])
def test_each_shipped_policy_beats_the_earlier_sl_net_when_both_sample(net, games, least):
    """AlphaGo's measure, cut to 96 games, against the SL net both came from (step 4,000,
    shipped until the annealed one replaced it): RL gave 0.72 in 800 games, the annealed
    SL 0.735 in 400. A net as strong as the earlier one reaches 56 of 96 about 6% of the
    time; one at 0.72 misses it about 0.1%."""
    model, _ = load_checkpoint(net)
    workers = SelfPlayWorkers(WorkersConfig(2, backend="int8"))
    try:
        played = workers.play(model, Opponent.checkpoint(EARLIER_SL), GamesConfig(games=games, seed=3))
    finally:
        workers.close()
    assert all(g.ended for g in played)
    assert {g.learner for g in played} == {BLACK, WHITE}
    wins = sum(g.outcome(g.learner) > 0 for g in played)
    assert wins >= least, f"{net} won {wins} of {games} against the earlier SL net"
