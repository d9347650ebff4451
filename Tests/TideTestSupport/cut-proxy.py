#!/usr/bin/env python3
"""A TCP proxy to a MongoDB-wire server that loses the answer to chosen commands.

    cut-proxy.py HOST:PORT COMMAND COLLECTION TIMES [CONTAINING [DELAY]]

Relays every connection to HOST:PORT. The first TIMES OP_MSG commands whose
first key is COMMAND and whose value is COLLECTION (say `insert jobs`), and whose
bytes contain CONTAINING when it is given, reach the server, which carries them
out; the proxy then closes the client's connection instead of relaying the
answer. That is the fault a client cannot tell apart from a write that never
happened: its connection broke after the write landed. With DELAY (seconds),
the client's connection breaks first and the command reaches the server only
DELAY seconds later: a write landing long after the client gave up on it
("landed N" is printed then).
Prints "port N" once it listens.
"""
import socket
import struct
import sys
import threading
import time

OP_MSG = 2013


def read_message(sock):
    header = read_exactly(sock, 4)
    if header is None:
        return None
    (length,) = struct.unpack("<i", header)
    rest = read_exactly(sock, length - 4)
    return None if rest is None else header + rest


def read_exactly(sock, count):
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def command_of(message):
    """The first key of an OP_MSG body and its string value, or (None, None)."""
    (op_code,) = struct.unpack("<i", message[12:16])
    # header 16, flag bits 4, section kind 1 (0: the body), document length 4
    if op_code != OP_MSG or len(message) < 26 or message[20] != 0:
        return None, None
    element_type = message[25]
    end = message.index(b"\x00", 26)
    key = message[26:end].decode("utf-8", "replace")
    if element_type != 0x02:
        return key, None
    (length,) = struct.unpack("<i", message[end + 1 : end + 5])
    return key, message[end + 5 : end + 4 + length].decode("utf-8", "replace")


class Plan:
    def __init__(self, command, collection, times, containing):
        self.command, self.collection, self.left = command, collection, times
        self.containing = containing.encode("utf-8")
        self.lock = threading.Lock()
        self.landings = 0

    def landed(self):
        with self.lock:
            self.landings += 1
            return self.landings

    def take(self, message):
        key, value = command_of(message)
        with self.lock:
            if self.left > 0 and key == self.command and value == self.collection \
                    and self.containing in message:
                self.left -= 1
                sys.stdout.write(f"cut {key} {value}\n")
                sys.stdout.flush()
                return True
        return False


def serve(client, target, plan, delay):
    try:
        upstream = socket.create_connection(target)
    except OSError:
        client.close()
        return
    cut = threading.Event()

    def close_both():
        for sock in (client, upstream):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def to_server():
        try:
            while True:
                message = read_message(client)
                if message is None:
                    break
                if plan.take(message):
                    cut.set()
                    if delay > 0:
                        client.shutdown(socket.SHUT_RDWR)
                        time.sleep(delay)
                        upstream.sendall(message)
                        sys.stdout.write(f"landed {plan.landed()}\n")
                        sys.stdout.flush()
                        # to_client closes both once the answer comes (and is dropped).
                        return
                upstream.sendall(message)
        except OSError:
            pass
        close_both()

    def to_client():
        try:
            while True:
                message = read_message(upstream)
                if message is None:
                    break
                if cut.is_set():
                    break
                client.sendall(message)
        except OSError:
            pass
        close_both()

    threading.Thread(target=to_server, daemon=True).start()
    threading.Thread(target=to_client, daemon=True).start()


def main():
    host, port = sys.argv[1].rsplit(":", 1)
    plan = Plan(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5] if len(sys.argv) > 5 else "")
    delay = float(sys.argv[6]) if len(sys.argv) > 6 else 0.0
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    sys.stdout.write(f"port {listener.getsockname()[1]}\n")
    sys.stdout.flush()
    while True:
        client, _ = listener.accept()
        serve(client, (host, int(port)), plan, delay)


if __name__ == "__main__":
    main()
