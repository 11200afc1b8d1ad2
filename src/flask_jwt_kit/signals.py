"""Signals sent by the extension (blinker, like Flask's own signals).

Connect a receiver with ``token_issued.connect(receiver, app)``; each is
sent with the application as sender.

* :data:`token_issued`: a token was created. Keyword arguments:
  ``identity`` (as passed to the create function), ``token_type``
  (``"access"`` or ``"refresh"``) and ``claims`` (the signed claims).
* :data:`token_revoked`: a token, an identity or a session was revoked.
  Keyword arguments: ``kind`` (``"token"``, ``"identity"`` or ``"session"``)
  and ``value`` (the ``jti``, identity or ``sid``).
* :data:`auth_failed`: a request was refused. Keyword arguments:
  ``reason`` (the error message; never the token) and ``error`` (the
  exception).
* :data:`refresh_token_reused`: a consumed refresh token came back and its
  session was revoked. Keyword arguments: ``identity`` and ``sid``.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: Sent after a token is created.
token_issued = _signals.signal("token-issued")
#: Sent after a token, an identity or a session is revoked.
token_revoked = _signals.signal("token-revoked")
#: Sent when a protected request is refused.
auth_failed = _signals.signal("auth-failed")
#: Sent when refresh-token reuse is detected (the session is then revoked).
refresh_token_reused = _signals.signal("refresh-token-reused")
