"""GTP v2 engine side, by concern: ``protocol`` (wire format), ``engine`` (the session and
its one command table), and the handler groups ``core``, ``setup`` (position, handicap,
SGF), ``timing`` (clocks), ``moves`` (genmove, cleanup, analysis) and ``scoring``."""
from tengen.engine.gtp.engine import GROUPS, GtpEngine
from tengen.engine.gtp.protocol import GtpError, clean_line, parse_color, parse_float, parse_int

__all__ = ["GtpEngine", "GtpError", "GROUPS", "clean_line", "parse_color", "parse_float",
           "parse_int"]
