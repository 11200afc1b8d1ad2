"""A real OpenID provider stand-in, and a listener that counts connections.

``oidc_provider`` runs an HTTP server on a free loopback port that serves
``/.well-known/openid-configuration`` and ``/jwks.json`` and signs tokens
with keys it holds. ``loopback_listener`` accepts TCP connections and never
answers: it proves that nothing connects (``jku``/``x5u`` headers) and makes
fetches time out.

Load with ``pytest_plugins = ["tests.plugins.oidc"]`` in the root conftest.
"""

from __future__ import annotations

import json
import socket
import threading
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import get_default_algorithms

_CURVES: dict[str, ec.EllipticCurve] = {
    "ES256": ec.SECP256R1(),
    "ES384": ec.SECP384R1(),
    "ES512": ec.SECP521R1(),
    "ES256K": ec.SECP256K1(),
}


#: Keys by (algorithm, serial): the n-th key of every provider is the same,
#: so that tests do not each wait for new RSA keys. Distinct serials give
#: distinct keys, which is all rotation needs.
_POOL: dict[tuple[str, int], Any] = {}
_POOL_LOCK = threading.Lock()


def _pooled_key(alg: str, serial: int) -> Any:
    with _POOL_LOCK:
        if (alg, serial) not in _POOL:
            _POOL[alg, serial] = _new_private_key(alg)
        return _POOL[alg, serial]


def _new_private_key(alg: str) -> Any:
    if alg.startswith(("RS", "PS")):
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    if alg in _CURVES:
        return ec.generate_private_key(_CURVES[alg])
    if alg == "EdDSA":
        return ed25519.Ed25519PrivateKey.generate()
    raise ValueError(f"the provider signs with asymmetric algorithms only, not {alg}")


class OIDCProvider:
    """An OpenID provider on ``http://127.0.0.1:<port>``.

    :param alg: the algorithm of the first key.
    """

    def __init__(self, alg: str = "RS256") -> None:
        self._lock = threading.Lock()
        #: kid -> (alg, private key, public JWK or None if unpublished).
        self._keys: dict[str, tuple[str, Any, dict[str, Any] | None]] = {}
        self._serial = 0
        #: Requests received, per path.
        self.hits: Counter[str] = Counter()
        #: path -> (status, headers, body): answered instead of the real thing.
        self.overrides: dict[str, tuple[int, dict[str, str], bytes]] = {}
        self._unavailable = False
        self._server: ThreadingHTTPServer | None = None
        self._port = 0
        self.up()
        #: The key that signs by default.
        self.current_kid = self.rotate(alg)

    @property
    def issuer(self) -> str:
        """The issuer: the base URL, also the ``issuer`` of its discovery document."""
        return f"http://127.0.0.1:{self._port}"

    @property
    def jwks_uri(self) -> str:
        return self.issuer + "/jwks.json"

    @property
    def discovery_uri(self) -> str:
        return self.issuer + "/.well-known/openid-configuration"

    def jwks(self) -> dict[str, Any]:
        """The published JWK Set."""
        with self._lock:
            return {"keys": [dict(public) for _, _, public in self._keys.values() if public]}

    def rotate(self, alg: str = "RS256", *, publish: bool = True) -> str:
        """Add a new key, make it the default signer, and return its kid.

        :param publish: list it in the JWK Set; ``False`` for a key only the
            provider knows (tokens an attacker could mint with a stolen name).
        """
        with self._lock:
            self._serial += 1
            serial = self._serial
        kid = f"key-{serial}"
        private = _pooled_key(alg, serial)
        public_jwk = dict(get_default_algorithms()[alg].to_jwk(private.public_key(), as_dict=True))
        public_jwk.pop("key_ops", None)
        with self._lock:
            public_jwk.update(kid=kid, alg=alg, use="sig")
            self._keys[kid] = (alg, private, public_jwk if publish else None)
        self.current_kid = kid
        return kid

    def remove(self, kid: str) -> None:
        """Stop publishing and signing with a key."""
        with self._lock:
            del self._keys[kid]

    def sign(
        self,
        claims: dict[str, Any],
        kid: str | None = None,
        alg: str | None = None,
        headers: dict[str, Any] | None = None,
    ) -> str:
        """A token signed by one of its keys (default the current one).

        ``iss`` defaults to the issuer. ``headers`` are added last, so they
        can override ``kid`` and ``alg``.
        """
        kid = kid or self.current_kid
        with self._lock:
            key_alg, private, _ = self._keys[kid]
        return jwt.encode(
            {"iss": self.issuer, **claims},
            private,
            algorithm=alg or key_alg,
            headers={"kid": kid, **(headers or {})},
        )

    def down(self, *, refuse: bool = False) -> None:
        """Stop answering: with 503, or with ``refuse`` by closing the socket."""
        if refuse:
            self._stop_server()
        else:
            self._unavailable = True

    def up(self) -> None:
        """Answer again, on the same port."""
        self._unavailable = False
        if self._server is None:
            server = ThreadingHTTPServer(("127.0.0.1", self._port), self._handler_class())
            server.daemon_threads = True
            self._port = server.server_address[1]
            threading.Thread(
                target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
            ).start()
            self._server = server

    def stop(self) -> None:
        self._stop_server()

    def _stop_server(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def _answer(self, path: str) -> tuple[int, dict[str, str], bytes]:
        with self._lock:
            self.hits[path] += 1
        if self._unavailable:
            return 503, {}, b"unavailable"
        if path in self.overrides:
            return self.overrides[path]
        if path == "/.well-known/openid-configuration":
            document = {"issuer": self.issuer, "jwks_uri": self.jwks_uri}
            return 200, {}, json.dumps(document).encode()
        if path == "/jwks.json":
            return 200, {}, json.dumps(self.jwks()).encode()
        return 404, {}, b"not found"

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
                status, headers, body = provider._answer(self.path)
                self.send_response(status)
                headers = {"Content-Type": "application/json", **headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


class LoopbackListener:
    """A TCP listener on ``127.0.0.1`` that accepts connections and never answers."""

    def __init__(self) -> None:
        self._socket = socket.create_server(("127.0.0.1", 0))
        self._socket.settimeout(0.05)
        #: The port it listens on.
        self.port: int = self._socket.getsockname()[1]
        self._peers: list[int] = []
        self._held: list[socket.socket] = []
        self._changed = threading.Condition()
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _accept_loop(self) -> None:
        while not self._closed.is_set():
            try:
                connection, peer = self._socket.accept()
            except TimeoutError:
                continue
            except OSError:  # closed
                return
            with self._changed:
                self._held.append(connection)
                self._peers.append(peer[1])
                self._changed.notify_all()

    def connection_count(self) -> int:
        """How many connections were accepted so far, made by others.

        Deterministic, without sleeping: it connects itself and waits until
        its own connection is accepted, so every earlier one has been too.
        """
        with socket.create_connection(("127.0.0.1", self.port)) as probe:
            own = probe.getsockname()[1]
            with self._changed:
                if not self._changed.wait_for(lambda: own in self._peers, timeout=5):
                    raise AssertionError("the listener stopped accepting")
                self._peers.remove(own)
                return len(self._peers)

    def close(self) -> None:
        self._closed.set()
        self._thread.join()
        self._socket.close()
        for connection in self._held:
            connection.close()


@pytest.fixture
def oidc_provider() -> Iterator[OIDCProvider]:
    """An OpenID provider on a free loopback port, with one RS256 key."""
    provider = OIDCProvider()
    yield provider
    provider.stop()


@pytest.fixture
def loopback_listener() -> Iterator[LoopbackListener]:
    """A TCP listener on a free loopback port that counts connections."""
    listener = LoopbackListener()
    yield listener
    listener.close()
