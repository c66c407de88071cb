"""Message-path benchmark for livehelp (see bench/README.md).

Run with ``python -m bench.run``; the load generator speaks raw Engine.IO/Socket.IO
frames so that thousands of clients fit on a small machine next to the server.
"""
