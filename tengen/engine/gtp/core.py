"""Protocol commands: who we are and what we know."""
from __future__ import annotations

from tengen import __version__
from tengen.engine.gtp.protocol import CommandGroup, need


class CoreCommands(CommandGroup):
    def table(self) -> dict:
        return {
            "protocol_version": lambda a: "2",
            "name": lambda a: self.g.name,
            "version": lambda a: __version__,
            "known_command": self.known_command,
            "list_commands": lambda a: "\n".join(self.g.commands),
            "quit": self.quit,
        }

    def known_command(self, args):
        need(args, 1)
        return "true" if args[0] in self.g.commands else "false"

    def quit(self, args):
        self.g.done = True
        return ""
