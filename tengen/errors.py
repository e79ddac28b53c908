"""Errors a user caused and can fix (a bad file, a folder of another run): the command
line reports them in one line naming what is wrong, exit 1, no traceback."""


class UserError(Exception):
    pass


__all__ = ["UserError"]
