#!/usr/bin/python3
"""Scripted SMTP server for the end-to-end tests of spoolinject.

Plays a dialogue script (S:, C:, C?:, @sleep, @close, @next-connection,
@expect-eof, @strict-sync, @tls; see the usage text) on 127.0.0.1, ::1
or a UNIX-domain socket (--unix PATH). @tls does the server side of a TLS
handshake with --tls-cert and --tls-key. Each accepted connection plays
the next part of the script, concurrently with the others. The server
binds an ephemeral port, writes it (or the --unix path) to --port-file
once it listens, and writes one JSON report line per connection to
--report. Message data received after "C: <data>" is stored byte for byte
in --data-dir as conn<N>-data<M>.bin. It runs until SIGTERM or --lifetime.
"""

import argparse
import fnmatch
import json
import os
import select
import signal
import socket
import ssl
import sys
import threading
import time

CLIENT_TIMEOUT = 20.0
STRICT_SYNC_REPLY = b"503 5.5.0 Improper use of SMTP command pipelining\r\n"


class Deviation(Exception):
    """The client did something the script does not allow."""


def parse_script(path):
    """Return the script as a list of parts, each a list of steps."""
    parts = [[]]
    with open(path, encoding="utf-8") as script:
        for number, raw in enumerate(script, 1):
            line = raw.rstrip("\r\n")
            if not line.strip() or line.startswith("#"):
                continue
            if line == "@next-connection":
                parts.append([])
                continue
            parts[-1].append((number, parse_step(line, path, number)))
    return parts


def parse_step(line, path, number):
    """Return (kind, argument) for one script line."""
    if line.startswith("@"):
        word, _, argument = line.partition(" ")
        if word not in ("@sleep", "@close", "@expect-eof", "@strict-sync",
                        "@tls"):
            sys.exit(f"{path}:{number}: unknown directive {word}")
        return word, argument
    tag, separator, text = line.partition(": ")
    if not separator:
        tag, text = line.rstrip(":"), ""
    if tag in ("S", "C", "C?", "S(raw)") or tag.startswith("S(bytes="):
        return tag, text
    sys.exit(f"{path}:{number}: cannot parse step: {line}")


def unescape(text):
    """Turn the escapes \\r, \\n and \\\\ into bytes."""
    out = bytearray()
    i = 0
    raw = text.encode("utf-8")
    while i < len(raw):
        if raw[i:i + 1] == b"\\" and i + 1 < len(raw):
            out += {b"r": b"\r", b"n": b"\n", b"\\": b"\\"}.get(
                raw[i + 1:i + 2], raw[i:i + 2])
            i += 2
        else:
            out += raw[i:i + 1]
            i += 1
    return bytes(out)


class Connection:
    """One client connection playing one part of the script."""

    def __init__(self, sock, number, steps, data_dir, tls_context):
        self.sock = sock
        self.tls_context = tls_context
        self.number = number
        self.steps = steps
        self.data_dir = data_dir
        self.buffer = b""
        self.eof = False
        self.strict = False
        self.client_lines = []
        self.data_files = []
        self.errors = []

    def fill(self, timeout):
        """Read more bytes; return False at end of file."""
        if self.eof:
            return False
        self.sock.settimeout(timeout)
        try:
            chunk = self.sock.recv(65536)
        except socket.timeout:
            raise Deviation("timed out waiting for the client") from None
        except OSError:
            chunk = b""
        if not chunk:
            self.eof = True
            return False
        self.buffer += chunk
        return True

    def read_line(self):
        """Return one line with its line end, or None at end of file."""
        while b"\n" not in self.buffer:
            if not self.fill(CLIENT_TIMEOUT):
                return None
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line + b"\n"

    def peek_line(self):
        """Return the next line without consuming it, or None at EOF."""
        line = self.read_line()
        if line is not None:
            self.buffer = line + self.buffer
        return line

    def client_sent_early(self):
        """Return whether the client has sent bytes not yet asked for."""
        if self.buffer:
            return True
        if isinstance(self.sock, ssl.SSLSocket):
            # recv() on a TLS socket takes no flags, so ask whether
            # decrypted or raw bytes are waiting.
            return bool(self.sock.pending() or
                        select.select([self.sock], [], [], 0)[0])
        try:
            self.sock.setblocking(False)
            return bool(self.sock.recv(1, socket.MSG_PEEK))
        except (BlockingIOError, OSError):
            return False
        finally:
            self.sock.setblocking(True)

    def write(self, data, chunk=None):
        if self.strict and self.client_sent_early():
            self.send(STRICT_SYNC_REPLY)
            raise Deviation("client sent a command before the reply "
                            "(pipelining without PIPELINING)")
        if chunk is None:
            self.send(data)
            return
        for i in range(0, len(data), chunk):
            self.send(data[i:i + chunk])
            time.sleep(0.01)

    def send(self, data):
        try:
            self.sock.sendall(data)
        except OSError:
            pass  # the client has closed; a later C: step reports it

    def expect_line(self, pattern, optional):
        line = self.peek_line() if optional else self.read_line()
        if line is None:
            if optional:
                return
            raise Deviation(f"client closed instead of sending {pattern}")
        text = line.decode("utf-8", "replace")
        matched = fnmatch.fnmatchcase(text.rstrip("\r\n").lower(),
                                      pattern.lower())
        if optional and not matched:
            return
        if optional:
            self.read_line()
        self.client_lines.append(text.rstrip("\r\n"))
        if not matched:
            raise Deviation(f"expected {pattern!r}, got {text!r}")
        if not line.endswith(b"\r\n"):
            raise Deviation(f"line without CRLF: {text!r}")

    def expect_data(self):
        data = bytearray()
        while True:
            line = self.read_line()
            if line is None:
                raise Deviation("client closed inside the message data")
            data += line
            if line.rstrip(b"\r\n") == b".":
                break
        name = f"conn{self.number}-data{len(self.data_files) + 1}.bin"
        with open(os.path.join(self.data_dir, name), "wb") as out:
            out.write(data)
        self.data_files.append(name)
        self.client_lines.append("<data>")

    def start_tls(self):
        """Do the server side of the TLS handshake on this connection."""
        if self.tls_context is None:
            raise Deviation("@tls needs --tls-cert and --tls-key")
        if self.buffer:
            raise Deviation(f"client sent bytes before the TLS handshake: "
                            f"{self.buffer[:200]!r}")
        self.sock.settimeout(CLIENT_TIMEOUT)
        try:
            self.sock = self.tls_context.wrap_socket(self.sock,
                                                     server_side=True)
        except (ssl.SSLError, OSError) as error:
            raise Deviation(f"TLS handshake failed: {error}") from None
        self.client_lines.append("<tls>")

    def expect_eof(self):
        if self.buffer or self.fill(CLIENT_TIMEOUT):
            raise Deviation(f"expected end of file, got {self.buffer!r}")

    def play_step(self, kind, argument):
        if kind == "S":
            self.write(argument.encode("utf-8") + b"\r\n")
        elif kind == "S(raw)":
            self.write(unescape(argument))
        elif kind.startswith("S(bytes="):
            self.write(argument.encode("utf-8") + b"\r\n",
                       int(kind[len("S(bytes="):-1]))
        elif kind in ("C", "C?") and argument == "<data>":
            self.expect_data()
        elif kind in ("C", "C?"):
            self.expect_line(argument, kind == "C?")
        elif kind == "@sleep":
            time.sleep(float(argument))
        elif kind == "@strict-sync":
            self.strict = True
        elif kind == "@tls":
            self.start_tls()
        elif kind == "@expect-eof":
            self.expect_eof()
        elif kind == "@close":
            return False
        else:
            raise Deviation(f"{kind} is not supported by this server")
        return True

    def play(self):
        step = 0
        try:
            for step, (number, (kind, argument)) in enumerate(self.steps, 1):
                if not self.play_step(kind, argument):
                    break
            if self.buffer:
                raise Deviation(f"extra bytes from the client: "
                                f"{self.buffer[:200]!r}")
        except Deviation as error:
            self.errors.append(f"step {step} (script line {number}): {error}")
        finally:
            try:
                self.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self.sock.close()

    def report(self):
        return {"connection": self.number, "ok": not self.errors,
                "errors": self.errors, "client_lines": self.client_lines,
                "data": self.data_files}


class Server:
    def __init__(self, options):
        self.options = options
        self.parts = parse_script(options.script)
        self.lock = threading.Lock()
        self.report = open(options.report, "a", encoding="utf-8")
        self.running = []
        self.tls_context = None
        if options.tls_cert:
            self.tls_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.tls_context.load_cert_chain(options.tls_cert,
                                             options.tls_key)

    def write_report(self, entry):
        with self.lock:
            self.report.write(json.dumps(entry) + "\n")
            self.report.flush()

    def serve_one(self, connection):
        connection.play()
        self.write_report(connection.report())

    def serve(self):
        if self.options.unix:
            listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            listener.bind(self.options.unix)
            where = self.options.unix
        else:
            family = (socket.AF_INET6 if ":" in self.options.host
                      else socket.AF_INET)
            listener = socket.socket(family, socket.SOCK_STREAM)
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind((self.options.host, 0))
        listener.listen(64)
        if not self.options.unix:
            where = listener.getsockname()[1]
        port_file = self.options.port_file
        with open(port_file + ".tmp", "w", encoding="utf-8") as out:
            out.write(f"{where}\n")
        os.rename(port_file + ".tmp", port_file)
        number = 0
        while True:
            sock, _ = listener.accept()
            number += 1
            if number > len(self.parts):
                self.write_report({"connection": number, "ok": False,
                                   "errors": ["connection beyond the script"],
                                   "client_lines": [], "data": []})
                sock.close()
                continue
            connection = Connection(sock, number, self.parts[number - 1],
                                    self.options.data_dir, self.tls_context)
            thread = threading.Thread(target=self.serve_one,
                                      args=(connection,), daemon=True)
            self.running.append((connection, thread))
            thread.start()

    def stop(self):
        """Report the parts that never got a connection or did not end."""
        for connection, thread in self.running:
            thread.join(timeout=3.0)
            if thread.is_alive():
                self.write_report({"connection": connection.number,
                                   "ok": False,
                                   "errors": ["still running at shutdown"],
                                   "client_lines": connection.client_lines,
                                   "data": connection.data_files})
        for number in range(len(self.running) + 1, len(self.parts) + 1):
            self.write_report({"connection": number, "ok": False,
                               "errors": ["no client connected"],
                               "client_lines": [], "data": []})
        self.report.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--script", required=True)
    parser.add_argument("--host", default="127.0.0.1",
                        choices=["127.0.0.1", "::1"])
    parser.add_argument("--unix", metavar="PATH",
                        help="listen on this UNIX-domain socket instead")
    parser.add_argument("--tls-cert", metavar="FILE",
                        help="certificate chain (PEM) for @tls")
    parser.add_argument("--tls-key", metavar="FILE",
                        help="private key (PEM) for @tls")
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--report", required=True)
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--lifetime", type=float, default=120.0,
                        help="seconds before the server stops by itself")
    options = parser.parse_args()
    server = Server(options)

    def stop(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGALRM, stop)
    signal.alarm(int(options.lifetime))
    try:
        server.serve()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
