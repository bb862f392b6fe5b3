"""Who is acting on the store: a signed-in agent's console session, or the shell.

The store's privileged reads and writes take an ``Actor`` rather than a bare agent id (or None
for "the shell"), so a slip such as passing ``None`` or another agent's id is refused instead of
quietly running with the database's own rights. This is code hygiene inside one process, not a
security boundary: code running in the console's process holds its database login anyway.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Actor:
    """A console session (agent id and the token its sign-in issued) or a shell command.

    A console actor is honoured only while its session is the agent's current one: after the
    agent signs out, or signs in on another console, the old console's actor is refused.
    """

    agent_id: int | None
    console_token: str | None
    shell_command: str | None = None

    @classmethod
    def shell(cls, command: str) -> Actor:
        """Whoever runs `callcenter <command>` on the server: they already hold the database."""
        if not command or not command.strip():
            raise ValueError("A shell actor names the command it runs for (e.g. 'agent add').")
        return cls(agent_id=None, console_token=None, shell_command=command.strip())

    @classmethod
    def console(cls, agent_id: int, console_token: str | None) -> Actor:
        return cls(agent_id=agent_id, console_token=console_token, shell_command=None)

    @property
    def is_shell(self) -> bool:
        return self.shell_command is not None
