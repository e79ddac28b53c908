"""The match's referee clock: absolute, Japanese byo-yomi and Canadian overtime."""
import pytest

from tengen.match.clock import SideClock, TimeSystem


def test_parse_and_announce():
    t = TimeSystem.parse("byoyomi 600 30 5")
    assert (t.kind, t.main, t.period, t.count) == ("byoyomi", 600, 30, 5)
    assert t.kgs_command() == "kgs-time_settings byoyomi 600 30 5"
    assert t.gtp_command() == "time_settings 600 30 1"  # one stone a period: stricter
    assert TimeSystem.parse("absolute 300").gtp_command() == "time_settings 300 0 0"
    assert TimeSystem.parse("canadian 0 10 1").kgs_command() == "kgs-time_settings canadian 0 10 1"
    assert TimeSystem.parse("none").kgs_command() == "kgs-time_settings none"
    for bad in ("", "fischer 10 5", "absolute", "absolute 0", "byoyomi 60 0 5",
                "canadian 60 30 0", "byoyomi 60 30", "absolute -3"):
        with pytest.raises(ValueError):
            TimeSystem.parse(bad)


def test_absolute():
    c = SideClock(TimeSystem.parse("absolute 10"))
    assert c.max_think() == 10
    assert not c.charge(6.0)
    assert c.time_left() == (4.0, 0)
    assert c.charge(4.5) and c.flagged


def test_japanese_byoyomi_keeps_a_period_used_within_it():
    c = SideClock(TimeSystem.parse("byoyomi 10 5 2"))
    assert c.max_think() == 20
    assert not c.charge(12.0)  # main time gone, 2 s into a period: it is kept
    assert c.time_left() == (5, 2)  # KGS: the period, and the periods left
    assert not c.charge(5.0)  # exactly one period: kept
    assert not c.charge(7.0) and c.periods_left == 1  # one period ran out
    assert c.max_think() == 5
    assert c.charge(5.5) and c.flagged
    # told the clock in standard GTP (one stone a period), the engine hears one stone
    c = SideClock(TimeSystem.parse("byoyomi 10 5 2"))
    c.standard_gtp = True
    assert c.time_left() == (10, 0)
    c.charge(12.0)
    assert c.time_left() == (5, 1)


def test_canadian_period_resets_after_its_stones():
    c = SideClock(TimeSystem.parse("canadian 0 10 2"))
    assert c.time_left() == (10, 2)
    assert not c.charge(4.0) and c.time_left() == (6.0, 1)
    assert not c.charge(5.5) and c.time_left() == (10, 2)  # two stones played: new period
    assert c.charge(10.1)
    c = SideClock(TimeSystem.parse("canadian 5 10 1"))
    assert not c.charge(14.0) and c.time_left() == (10, 1)  # 9 s of main's overrun fit
    assert c.charge(11.0)


def test_no_clock_never_flags():
    c = SideClock(TimeSystem.parse("none"))
    assert c.max_think() is None and not c.charge(1e6)
