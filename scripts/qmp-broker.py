#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Relay CXL injection commands from the guest's tests to QEMU's QMP socket.

    qmp-broker.py QMP_SOCKET GUEST_CHANNEL_SOCKET LOG

The guest writes one QMP command per line, as JSON, on its fourth serial
port (ttyS3, GUEST_CHANNEL_SOCKET here); it gets back one line: QEMU's
answer ({"return": ...} or {"error": ...}). Only the cxl-inject-* commands
are relayed: a guest cannot stop, reset or reconfigure the host's QEMU.
Every request and answer is appended to LOG. Exits when QEMU goes away.
"""
import json
import socket
import sys
import time

ALLOWED_PREFIX = "cxl-inject-"


def connect(path, timeout=120.0):
    """Connect to a UNIX socket that QEMU is about to create."""
    end = time.monotonic() + timeout
    while True:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(path)
            return sock
        except OSError:
            sock.close()
            if time.monotonic() > end:
                raise
            time.sleep(0.2)


class Qmp:
    """A QMP session: greeting, capabilities, then one command at a time."""

    def __init__(self, path):
        self.file = connect(path).makefile("rw", encoding="utf-8")
        self.file.readline()  # the greeting
        self.command({"execute": "qmp_capabilities"})

    def command(self, request):
        self.file.write(json.dumps(request) + "\n")
        self.file.flush()
        while True:
            line = self.file.readline()
            if not line:
                raise EOFError("QEMU closed the QMP socket")
            answer = json.loads(line)
            if "return" in answer or "error" in answer:
                return answer
            # asynchronous events ("event": ...) are not answers


def error(desc):
    return {"error": {"class": "GenericError", "desc": desc}}


def answer(qmp, line):
    try:
        request = json.loads(line)
    except ValueError:
        return error("not a JSON object")
    if not isinstance(request, dict):
        return error("not a JSON object")
    name = str(request.get("execute", ""))
    if not name.startswith(ALLOWED_PREFIX):
        return error("only cxl-inject-* commands are relayed")
    return qmp.command(request)


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    qmp_path, channel_path, log_path = sys.argv[1:]
    with open(log_path, "a", encoding="utf-8") as log:
        try:
            qmp = Qmp(qmp_path)
            channel = connect(channel_path)
        except (OSError, EOFError) as exc:
            log.write(f"broker: no QEMU: {exc}\n")
            return
        buf = b""
        while True:
            try:
                data = channel.recv(4096)
            except OSError:
                break
            if not data:
                break
            buf += data
            while b"\n" in buf:
                raw, buf = buf.split(b"\n", 1)
                line = raw.decode("utf-8", "replace").strip()
                if not line:
                    continue
                try:
                    reply = answer(qmp, line)
                except (OSError, EOFError, ValueError) as exc:
                    reply = error(f"QMP failed: {exc}")
                log.write(f"> {line}\n< {json.dumps(reply)}\n")
                log.flush()
                channel.sendall((json.dumps(reply) + "\n").encode())


if __name__ == "__main__":
    main()
