# Contract checks wired to ../shared/tools (see its README). One line per checked command.
