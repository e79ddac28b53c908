"""A scripted GTP engine for the match runner's fault tests only.

usage: fake_gtp_engine.py MODE where MODE is
  illegal  - every genmove answers A1 (illegal once A1 is taken)
  die      - plays legal-looking moves, then exits in the middle of its 3rd genmove
  hang     - sleeps forever on its 2nd genmove
  garbage  - answers its 2nd genmove with an unparsable vertex
  resign   - resigns at its 2nd genmove (a legal ending, not a fault)
  slow     - wants time_left before every genmove (else answers an error), and thinks
             2.5 s on its 3rd genmove
  sleepy   - a fixed-compute peer: thinks 2.5 s on its 3rd genmove, whatever the clock
  cold     - a first start that compiles its kernels: 2.5 s before it answers its first
             command, then plays as 'sleepy' does not
"""
import sys
import time

mode = sys.argv[1]
if mode == "cold":
    time.sleep(2.5)
genmoves = 0
told_time = None
cols = "ABCDEFGHJ"
for line in sys.stdin:
    parts = line.split()
    if not parts:
        continue
    ident = parts[0] if parts[0].isdigit() else ""
    cmd = parts[1] if ident else parts[0]
    answer = ""
    if cmd == "time_left":
        told_time = parts[-3:]
    if cmd == "genmove" and mode == "sleepy" and genmoves == 2:
        time.sleep(2.5)
    if cmd == "genmove" and mode == "slow":
        if told_time is None or told_time[0] != parts[-1]:
            sys.stdout.write(f"?{ident} genmove without time_left\n\n")
            sys.stdout.flush()
            continue
        told_time = None
        if genmoves == 2:
            time.sleep(2.5)
    if cmd == "name":
        answer = "fake-" + mode
    elif cmd == "version":
        answer = "1"
    elif cmd == "genmove":
        genmoves += 1
        if mode == "illegal":
            answer = "A1"
        elif mode == "die" and genmoves == 3:
            sys.exit(3)
        elif mode == "hang" and genmoves == 2:
            time.sleep(3600)
        elif mode == "garbage" and genmoves == 2:
            answer = "Z-not-a-vertex"
        elif mode == "resign" and genmoves == 2:
            answer = "resign"
        else:
            answer = f"{cols[genmoves % 9]}{1 + (genmoves // 9) % 9}"
    elif cmd == "final_score":
        if mode == "die-at-score":
            sys.exit(4)
        answer = "0"
    sys.stdout.write(f"={ident} {answer}\n\n")
    sys.stdout.flush()
    if cmd == "quit":
        break
