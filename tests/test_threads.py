"""The thread plan: the network gets half the cores left after the rollout thread (at
least one), ``--threads`` overrides it, and ``tengen gtp`` applies it and says so."""
import argparse
import threading
import os
import subprocess
import sys

import pytest
import torch

from tengen.nets.threads import plan_threads, usable_cores


@pytest.mark.parametrize("cores, rollouts, expected", [
    (1, True, 1), (2, True, 1), (2, False, 1), (4, True, 1), (4, False, 1),
    (16, True, 3), (16, False, 4)])
def test_the_network_gets_half_the_cores_left_after_the_rollouts(cores, rollouts, expected):
    """Shared by its passes, one thread a pass at least."""
    plan = plan_threads(rollouts, cores=cores)
    assert plan.torch_threads == expected and plan.rollout_threads == int(rollouts)
    # two such engines never ask for more threads than the machine has (when it has
    # a core for each engine's passes and rollouts)
    if cores >= 2 * (plan.passes + int(rollouts)):
        assert 2 * (plan.passes * plan.torch_threads + plan.rollout_threads) <= cores


def test_two_passes_at_once_where_there_are_two_cores():
    assert [plan_threads(r, cores=c).passes for r, c in
            ((True, 1), (False, 1), (True, 2), (False, 2), (False, 16))] == [1, 1, 2, 2, 2]
    assert plan_threads(False, cores=2, passes=3).passes == 3


def test_threads_override_and_the_cores_this_process_may_use():
    assert plan_threads(True, cores=2, override=3).torch_threads == 3
    assert 1 <= usable_cores() <= (os.cpu_count() or 1)


def test_gtp_applies_the_plan_in_the_players_background_load():
    from tengen.cli import _plan_threads
    from tengen.players.build import PlayerOptions, build_player
    before = torch.get_num_threads()
    try:
        # a late mix needs the rollout thread even where the early mix is the network alone
        for lam, late, threads in ((0.5, None, 0), (0.0, None, 0), (0.5, None, 2), (0.0, 1.0, 0)):
            args = argparse.Namespace(player="mcts", lam=lam, lam_late=late, threads=threads,
                                      passes=0)
            plan = _plan_threads(args)
            assert plan == plan_threads(lam > 0 or late is not None, override=threads)
            torch.set_num_threads(7)
            player = build_player(PlayerOptions(player="policy",
                                                torch_threads=plan.torch_threads))
            player.start()
            player.ready()
            player.close()
            # torch keeps the setting for threads that had not run an op yet (the search's)
            seen = []
            t = threading.Thread(target=lambda: seen.append(torch.get_num_threads()))
            t.start()
            t.join()
            assert seen == [plan.torch_threads]
    finally:
        torch.set_num_threads(before)


def test_the_engine_says_its_threads_on_stderr():
    proc = subprocess.run([sys.executable, "-m", "tengen.cli", "gtp", "--lam", "0",
                           "--threads", "2", "--passes", "1"], input=b"name\nquit\n", capture_output=True,
                          timeout=120)
    assert proc.stdout.startswith(b"= tengen")  # stdout stays GTP only
    assert b"threads: network 2 x 1 passes, rollouts 0" in proc.stderr
