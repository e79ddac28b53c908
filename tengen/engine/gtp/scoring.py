"""The end of the game as the judgment sees it (engine/judge/judgment.py): count, dead and seki
stones, ownership, and the GoGui analysis menu that shows them."""
from __future__ import annotations

from tengen.engine.coords import index_to_loc, loc_to_gtp
from tengen.engine.game import score_string
from tengen.engine.gtp.protocol import CommandGroup, GtpError, need


class ScoringCommands(CommandGroup):
    def table(self) -> dict:
        return {
            "final_score": self.final_score,
            "final_status_list": self.final_status_list,
            "tengen-ownership": self.ownership,
            "gogui-analyze_commands": self.analyze_commands,
        }

    def _judgment(self):
        return self.g.judge(self.g.state)

    def final_score(self, args):
        """Area count once the stones judged dead are off."""
        return score_string(self._judgment().score)

    def final_status_list(self, args):
        need(args, 1)
        status = args[0].lower()
        if status not in ("alive", "dead", "seki"):
            raise GtpError("syntax error")
        return " ".join(loc_to_gtp(loc, self.g.size) for loc in self._judgment().stones(status))

    def ownership(self, args):
        own = self._judgment().ownership.ravel()
        n = self.g.size
        return "INFLUENCE " + " ".join(
            f"{loc_to_gtp(index_to_loc(i, n), n)} {v:.2f}" for i, v in enumerate(own))

    def analyze_commands(self, args):
        return "\n".join([
            "string/Final Score/final_score",
            "plist/Alive Stones/final_status_list alive",
            "plist/Dead Stones/final_status_list dead",
            "plist/Seki Stones/final_status_list seki",
            "gfx/Ownership/tengen-ownership",
            "string/Show Board/showboard",
            "none/Print SGF/printsgf",
        ])
