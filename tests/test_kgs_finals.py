"""Real games' final owners and margins as training targets: KGS games that ended by
count, judged, kept only where the judgment names the recorded winner; the batches resume
and train the ownership and score outputs beside value-data batches."""
import numpy as np
import pytest

from tengen.engine.sgf import parse_sgf
from tengen.selfplay.kgs_finals import (COUNTED, GAMES_PER_BATCH, build_finals,
                                        counted_games, load_examples)


def test_judged_finals_agree_with_the_records_and_resume(tmp_path, kgs_dir):
    archive = str(kgs_dir / "KGS-2017_04-19-913-.tar.gz")
    out = tmp_path / "finals"
    games = GAMES_PER_BATCH + 6
    seen = build_finals([archive], str(out), every=16, games=games, progress=False)
    assert sum(seen.values()) == games and seen["kept"] >= 0.9 * games
    batches = sorted(out.glob("batch-*/examples.npz"))
    assert len(batches) == 2
    ex = [load_examples(str(b)) for b in batches]
    records = [rec for k, rec, _ in counted_games([archive]) if k < games]
    assert all(COUNTED.match(r.result.upper()) for r in records)
    for e in ex:
        n = len(e)
        assert n and e.planes.shape[0] == e.ownership.shape[0] == e.margin.shape[0] == n
        # the winner's side sees a positive margin: the judgment named the recorded winner
        assert np.all(np.sign(e.margin) == e.z)
        assert set(np.unique(e.ownership)) <= {-1, 0, 1} and e.owner_known.all()
        # the clear points add up to the count, up to the unclear ones (0) and komi
        unclear = (e.ownership == 0).sum(axis=1)
        assert np.all(np.abs(e.ownership.sum(axis=1) - e.margin) <= unclear + 8)
    assert ex[0].played[0] == 0  # each game's positions start at its own offset
    assert ex[0].played[ex[0].played > 0].min() >= 1
    # a rerun writes nothing; a lost batch is rebuilt the same
    stamp = batches[0].stat().st_mtime_ns
    assert build_finals([archive], str(out), every=16, games=games, progress=False)["kept"] == 0
    assert batches[0].stat().st_mtime_ns == stamp
    again = load_examples(str(batches[1]))
    batches[1].unlink()
    build_finals([archive], str(out), every=16, games=games, progress=False)
    rebuilt = load_examples(str(batches[1]))
    assert np.array_equal(rebuilt.planes, again.planes)
    assert np.array_equal(rebuilt.ownership, again.ownership)


def test_a_corrupt_record_is_counted_not_fatal(tmp_path, kgs_dir):
    from tengen.engine.sgf import iter_sgf_files
    folder = tmp_path / "sgf"
    folder.mkdir()
    kept = 0
    for name, data in iter_sgf_files(str(kgs_dir / "KGS-2017_04-19-913-.tar.gz")):
        if COUNTED.match((parse_sgf(data).result or "").upper()):
            (folder / f"{kept:02d}.sgf").write_bytes(data)
            kept += 1
        if kept == 3:
            break
    (folder / "99-bad.sgf").write_bytes(b"(;GM[1]SZ[19]RE[B+3.5];B[zz")
    seen = build_finals([str(folder)], str(tmp_path / "out"), every=32, progress=False)
    assert seen["unreadable"] == 1 and seen["kept"] + seen["judged_otherwise"] == 3


def test_the_validation_archive_is_refused():
    from tengen.cli import main
    with pytest.raises(SystemExit) as e:
        main(["kgs-finals", "KGS-2017_05-19-847-.tar.gz", "--out", "x"])
    assert e.value.code != 0


def test_value_training_reads_finals_beside_value_data(tmp_path, kgs_dir):
    from tengen.nets.checkpoint import save_checkpoint
    from tengen.nets.model import build_model
    from tengen.selfplay.value_train import ValueTask, ValueTrainConfig, train_value
    out = tmp_path / "finals"
    build_finals([str(kgs_dir / "KGS-2017_04-19-913-.tar.gz")], str(out), every=24,
                 games=2 * GAMES_PER_BATCH, progress=False)
    start = str(tmp_path / "start.pt")
    save_checkpoint(start, build_model("b1c8"))
    cfg = ValueTrainConfig(out=str(tmp_path / "heads"), data=str(out), net=start, val_every=2,
                           steps=3, batch_size=16, warmup_steps=1, eval_every=3, threads=1,
                           heads_only=True)
    task = ValueTask(cfg)
    assert len(task.val) == len(load_examples(str(out / "batch-000001" / "examples.npz")))
    metrics = train_value(cfg, progress=False)
    assert metrics["val_score_error"] > 0 and 0 < metrics["val_ownership"] < 1
