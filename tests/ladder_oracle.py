"""A deliberately plain ladder reader on GameState (recursive, copies positions), written
separately from the Numba one so the feature tests have something to compare with."""
from tengen.engine.board import EMPTY
from tengen.engine.coords import all_locs


def _libs(g, stone):
    b = g.board
    color = b.color(stone)
    w = g.size + 2
    chain, libs, todo = {stone}, set(), [stone]
    while todo:
        x = todo.pop()
        for nb in (x - w, x - 1, x + 1, x + w):
            c = b.color(nb)
            if c == EMPTY:
                libs.add(nb)
            elif c == color and nb not in chain:
                chain.add(nb)
                todo.append(nb)
    return chain, libs


def captured(g, stone, defender_to_move, depth=0, max_depth=59):
    if depth >= max_depth:
        return False
    defender = g.board.color(stone)
    attacker = 3 - defender
    chain, libs = _libs(g, stone)
    if defender_to_move:
        moves = sorted(libs)
        w = g.size + 2
        for x in chain:
            for nb in (x - w, x - 1, x + 1, x + w):
                if g.board.color(nb) == attacker:
                    _, their = _libs(g, nb)
                    if len(their) == 1:
                        moves.append(next(iter(their)))
        for m in moves:
            if g.board.is_legal(m, defender):
                h = g.copy()
                h.board.play(m, defender)
                n = len(_libs(h, stone)[1])
                if n >= 3 or (n == 2 and (depth + 1 >= max_depth
                                          or not captured(h, stone, False, depth + 1))):
                    return False
        return True
    for m in sorted(libs):
        if g.board.is_legal(m, attacker):
            h = g.copy()
            h.board.play(m, attacker)
            if len(_libs(h, stone)[1]) == 1 and depth + 1 < max_depth and captured(
                    h, stone, True, depth + 1):
                return True
    return False


def ladder_planes(g):
    """(capture points, escape points) for the side to move."""
    pla, opp = g.to_play, 3 - g.to_play
    w = g.size + 2
    cap, esc = set(), set()
    for loc in all_locs(g.size):
        if g.board.color(loc) != EMPTY or not g.board.is_legal(loc, pla):
            continue
        nbs = (loc - w, loc - 1, loc + 1, loc + w)
        in_atari = [nb for nb in nbs if g.board.color(nb) == pla and len(_libs(g, nb)[1]) == 1]
        h = g.copy()
        h.board.play(loc, pla)
        mine = len(_libs(h, loc)[1])
        if in_atari and (mine >= 3 or (mine == 2 and not captured(h, loc, False, 1))):
            esc.add(loc)
        for nb in nbs:
            if h.board.color(nb) == opp and len(_libs(h, nb)[1]) == 1 and captured(h, nb, True, 1):
                cap.add(loc)
                break
    return cap, esc
