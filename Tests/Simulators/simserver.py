"""HTTP server plumbing shared by the simulators in this folder. Python 3 standard library only.

Not a program: proxmox_sim.py, aoss_sim.py and webhook_receiver.py import it (run by path,
Python puts this folder on sys.path). Each keeps its own handler, state and options; this
holds only what they do alike:

    Handler         BaseHTTPRequestHandler with HTTP/1.1 keep-alive, a fixed Server header,
                    the TLS handshake in the connection's own thread, logging only with
                    --verbose, every method routed to self.dispatch(), a chunked-aware body reader
    Server          ThreadingHTTPServer taking the handler class, the simulator object (as
                    server.app), an ssl.SSLContext or None, verbose, and idle_timeout (seconds a
                    connection may sit idle, or take over its TLS handshake; None: for ever);
                    an IPv6 bind address (`--bind ::`) listens on IPv6 and IPv4 at once, so one
                    listener answers 127.0.0.1, ::1 and ::ffff:127.0.0.1 alike
    add_listen_arguments, add_verbose_argument, parse_args, ssl_context
                    --port/--bind/--cert/--key/--verbose, and the TLS context from them
    serve           exit on SIGTERM/SIGINT, print `PORT <n>`, serve, close; returns 0
"""

import signal
import socket
import ssl
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    """Base request handler. A subclass sets server_version (the Server header) and log_name
    (the prefix of its --verbose lines) and implements dispatch()."""

    protocol_version = "HTTP/1.1"
    server_version = "simserver"
    sys_version = ""
    timeout = 30  # the TLS handshake and idle keep-alive connections give up after this (Server.idle_timeout)
    log_name = "simserver"
    log_client = True  # --verbose lines name the client: "<log_name>: <address> - <message>"

    def version_string(self):
        return self.server_version

    def setup(self):
        self.timeout = self.server.idle_timeout  # StreamRequestHandler.setup applies it too
        self.request.settimeout(self.timeout)
        if isinstance(self.request, ssl.SSLSocket):
            self.request.do_handshake()  # in this worker thread, not in the accept loop
        super().setup()

    def log_message(self, fmt, *args):
        if self.server.verbose:
            if self.log_client:
                sys.stderr.write("%s: %s - %s\n" % (self.log_name, self.address_string(), fmt % args))
            else:
                sys.stderr.write("%s: %s\n" % (self.log_name, fmt % args))

    # These methods all go to dispatch, which answers each as its vendor does; any other
    # method gets http.server's own 501 "Unsupported method".
    def do_GET(self):
        self.dispatch()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = do_GET

    def dispatch(self):
        raise NotImplementedError

    def read_body(self):
        """(the request body as sent, de-chunked; whether it came chunked)."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                line = self.rfile.readline(65537)
                size = int(line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)
            return b"".join(chunks), True
        length = int(self.headers.get("Content-Length") or 0)
        return (self.rfile.read(length) if length > 0 else b""), False


class Server(ThreadingHTTPServer):
    """One thread per connection; handlers reach the simulator object as self.server.app."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, handler_class, app, ssl_context=None, verbose=False, idle_timeout=Handler.timeout):
        self.app = app
        self.idle_timeout = idle_timeout
        self.ssl_context = ssl_context
        self.verbose = verbose
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, handler_class)

    def server_bind(self):
        if self.address_family == socket.AF_INET6:
            # Dual stack: IPv4 clients arrive as ::ffff:a.b.c.d on the same socket.
            self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()

    def get_request(self):
        sock, addr = super().get_request()
        if self.ssl_context is not None:
            # The handshake runs in the connection's own thread (Handler.setup), so a client that
            # never finishes it cannot stall the accept loop.
            sock = self.ssl_context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, addr

    def handle_error(self, request, client_address):
        if self.verbose:
            super().handle_error(request, client_address)


# ---------------------------------------------------------------------------------------------
# Command line

VERBOSE_HELP = "log requests and errors to stderr"


def add_listen_arguments(parser):
    """--port (0: any free port), --bind, --cert and --key (HTTPS when both are given)."""
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--bind", default="127.0.0.1")
    parser.add_argument("--cert")
    parser.add_argument("--key")


def add_verbose_argument(parser):
    parser.add_argument("--verbose", action="store_true", help=VERBOSE_HELP)


def parse_args(parser, argv=None):
    """parser.parse_args, refusing --cert without --key and the reverse (exit 2)."""
    args = parser.parse_args(argv)
    if bool(args.cert) != bool(args.key):
        parser.error("--cert and --key go together")
    return args


def ssl_context(cert, key, minimum_version=None):
    """A server-side TLS context for --cert/--key, or None (plain HTTP) without them."""
    if not cert:
        return None
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    if minimum_version is not None:
        context.minimum_version = minimum_version
    context.load_cert_chain(cert, key)
    return context


def serve(server):
    """Serves until SIGTERM or SIGINT after printing exactly `PORT <n>` (flushed) on stdout;
    closes the server and returns 0, the exit code."""

    def stop(signum, frame):
        # shutdown() waits for serve_forever to return: call it from another thread.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    sys.stdout.write("PORT %d\n" % server.server_address[1])
    sys.stdout.flush()
    try:
        server.serve_forever(poll_interval=0.1)
    finally:
        server.server_close()
    return 0
