"""Shell commands by feature area; each module has register(subparsers) and is wired in server/cli.py."""
