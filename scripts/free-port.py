"""Prints a free TCP port on 127.0.0.1, or with --check PORT exits 0 when PORT is free.

The check binds with SO_REUSEADDR, as the servers do: connections of a killed
server left in TIME_WAIT do not keep its port from being used again.
"""
import socket
import sys

with socket.socket() as s:
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if len(sys.argv) > 2 and sys.argv[1] == "--check":
        try:
            s.bind(("127.0.0.1", int(sys.argv[2])))
        except OSError:
            sys.exit(1)
    else:
        s.bind(("127.0.0.1", 0))
        print(s.getsockname()[1])
