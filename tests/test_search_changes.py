"""benchmarks/strength/search_changes.py: each row's engine plays with the rule on and its
opponent with it off, both otherwise the same command, as tengen's own parser reads them."""
import shlex
from dataclasses import asdict

from tengen.cli import build_parser, player_options
from tengen.players.build import search_config

import helpers


def load_script():
    return helpers.load_script("benchmarks/strength/search_changes.py")


def options(command: str):
    argv = shlex.split(command.format(seed=7))
    assert argv[1:4] == ["-m", "tengen", "gtp"]
    return player_options(build_parser().parse_args(argv[3:]))


def test_each_row_turns_exactly_its_rule_on_in_the_engine_and_off_in_the_opponent():
    sc = load_script()
    default = options(sc.base_command(400))
    search = search_config(default)
    assert (search.visits, search.fpu, search.select) == (400, "average", "lcb")
    assert search.c_puct_log == 0 and search.score_weight == 0 and search.lam == 0.5
    # what each rule changes in the player's options, rule on
    on = {"fpu": {"fpu": "average"}, "lcb": {"select": "lcb"},
          "cpuct-log": {"c_puct_log": 0.45}, "score": {"score_weight": 0.3},
          "lcb-z5": {"lcb_z": 5.0}, "rollout-ladders": {"rollout_ladders": True},
          "late-mix": {"lam": 0.0, "lam_late": 1.0}, "symmetry": {"random_symmetry": True}}
    assert set(on) == set(sc.CHANGES)
    for name, change in sc.CHANGES.items():
        engine, opponent = (options(c) for c in sc.commands(sc.base_command(400), change))
        e, o = asdict(engine), asdict(opponent)
        differ = {k for k in e if e[k] != o[k]}
        assert differ == set(on[name]), (name, differ)
        for k, v in on[name].items():
            assert e[k] == v and o[k] != v, name
        # a rule on by default is the default engine itself; one off by default, the opponent
        assert (e == asdict(default)) == change.default_on
        assert (o == asdict(default)) != change.default_on
        # and the search the options make differs too, where the rule is the search's
        if name not in ("rollout-ladders", "symmetry"):  # the rollouts', the network's
            assert search_config(engine) != search_config(opponent), name


def test_the_table_gives_a_sweep_its_lower_bound_only():
    sc = load_script()
    from tengen.match.stats import match_stats
    sweep = {"games": 13, "wins": 13, "losses": 0, "draws": 0, "forfeits": 0,
             **match_stats(13, 0), "sprt": {"decision": "H1"}}
    even = {"games": 20, "wins": 11, "losses": 9, "draws": 0, "forfeits": 0,
            **match_stats(11, 9), "sprt": None}
    text = sc.table([sc.row("fpu", sc.CHANGES["fpu"], sweep),
                     sc.row("lcb", sc.CHANGES["lcb"], even)])
    assert "| fpu | on | 13 | 13-0 | 1.00 [0.77, 1.00] | above +212 | H1 |" in text
    assert "| lcb | on | 20 | 11-9 |" in text and "undecided" in text
