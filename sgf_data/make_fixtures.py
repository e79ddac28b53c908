# Produce the project's own SGF fixtures with tengen itself (placeholder player) over GTP.
import subprocess, shutil
def session(lines, path):
    exe = shutil.which("tengen")
    p = subprocess.run([exe, "gtp", "--seed", "7"], input=("\n".join(lines)+f"\nprintsgf {path}\nquit\n").encode(), capture_output=True)
    assert p.returncode == 0
cmds = ["boardsize 9", "komi 7"] + ["genmove b", "genmove w"] * 200
session(cmds, "sgf_data/selfplay_9x9_random.sgf")
cmds = ["boardsize 19", "komi 0.5", "fixed_handicap 4"] + ["genmove w", "genmove b"] * 30
session(cmds, "sgf_data/handicap4_19x19_opening.sgf")
cmds = ["boardsize 13", "komi 6.5"] + ["play b d4", "play w k10", "play b pass", "play w pass"]
session(cmds, "sgf_data/two_passes_13x13.sgf")
