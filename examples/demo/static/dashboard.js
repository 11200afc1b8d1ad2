// The dashboard: calls /web/api with the CSRF value from the readable CSRF
// cookie; the tokens themselves stay in HttpOnly cookies the script never sees.
"use strict";

(function () {
  const config = document.body.dataset;
  const implicitWindow = Number(config.implicitRefresh || 0);
  const EXPLAIN = {
    400: "Bad request",
    401: "Not authorised",
    403: "Forbidden",
    404: "Not found",
    422: "Invalid token",
    503: "Service unavailable",
  };

  let expiresAt = null; // server time, seconds
  let clockOffset = 0; // server clock minus browser clock, seconds
  let heartbeatFor = null; // the expiry a renewal was last asked for
  let renewing = null;
  let renewals = 0;

  const $ = (selector) => document.querySelector(selector);

  function cookie(name) {
    for (const part of document.cookie.split(";")) {
      const [key, ...rest] = part.trim().split("=");
      if (key === name) return decodeURIComponent(rest.join("="));
    }
    return "";
  }

  function now() {
    return Date.now() / 1000 + clockOffset;
  }

  function show(kind, text) {
    const element = $("#message");
    element.dataset.kind = kind;
    element.textContent = text;
  }

  function describe(result) {
    const reason = EXPLAIN[result.status] || "Error";
    const message = result.data.msg || "";
    if (result.status === 503) {
      return `${result.status} ${reason}: ${message}. The revocation store cannot be reached; try again soon.`;
    }
    return `${result.status} ${reason}: ${message}`;
  }

  function sessionEnded(notice) {
    window.location.assign(`/login?notice=${notice}`);
  }

  function noteExpiry(header) {
    if (header === null) return false;
    if (expiresAt !== null && Number(header) > expiresAt) {
      renewals += 1;
      const counter = $("#renewals");
      if (counter) counter.textContent = String(renewals);
    }
    expiresAt = Number(header);
    return true;
  }

  async function call(method, path, body, retry = true) {
    const refresh = path === "/web/api/refresh";
    const headers = { Accept: "application/json" };
    if (method !== "GET") {
      const header = refresh ? config.refreshCsrfHeader : config.accessCsrfHeader;
      headers[header] = cookie(refresh ? config.refreshCsrfCookie : config.accessCsrfCookie);
    }
    const init = { method, headers, credentials: "same-origin" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(path, init);
    } catch (error) {
      return { status: 0, ok: false, data: { msg: `the server cannot be reached (${error})` } };
    }
    const renewed = noteExpiry(response.headers.get("X-Access-Expires"));
    let data = {};
    try {
      data = await response.json();
    } catch (error) {
      data = {};
    }
    if (response.status === 401 && retry && !refresh && data.msg === "Token has expired") {
      if (await renew()) return call(method, path, body, false);
    }
    return { status: response.status, ok: response.ok, data, renewed };
  }

  // Refresh-token rotation: used when the access token expired anyway
  // (e.g. the computer slept past the implicit-refresh window).
  function renew() {
    if (renewing === null) {
      renewing = call("POST", "/web/api/refresh").then((result) => {
        renewing = null;
        if (!result.ok) sessionEnded("ended");
        return result.ok;
      });
    }
    return renewing;
  }

  // A 401 other than "needs a fresh token" means this browser's session is over.
  function endsSession(result) {
    return result.status === 401 && result.data.msg !== "Fresh token required";
  }

  async function loadMe() {
    const result = await call("GET", "/web/api/me");
    if (!result.ok) {
      if (endsSession(result)) return sessionEnded("ended");
      return show("error", describe(result));
    }
    const me = result.data;
    clockOffset = me.server_time - Date.now() / 1000;
    if (!result.renewed) expiresAt = me.access_expires_at;
    $("#identity").textContent = me.identity;
    $("#role").textContent = me.is_admin ? "admin" : "user";
    return me;
  }

  function formatTime(seconds) {
    return new Date(seconds * 1000).toLocaleTimeString();
  }

  async function loadSessions() {
    const result = await call("GET", "/web/api/sessions");
    if (!result.ok) {
      if (endsSession(result)) return sessionEnded("ended");
      return show("error", describe(result));
    }
    const rows = $("#sessions tbody");
    rows.replaceChildren();
    for (const session of result.data.sessions) {
      const row = document.createElement("tr");
      row.dataset.sid = session.sid;
      row.dataset.current = String(session.current);
      const client = `${session.metadata.client || "?"} · ${session.metadata.user_agent || ""}`;
      const cells = [
        session.sid.slice(0, 8) + (session.current ? " (this one)" : ""),
        client,
        formatTime(session.created_at),
        formatTime(session.last_refreshed_at),
      ];
      for (const text of cells) {
        const cell = document.createElement("td");
        cell.textContent = text;
        row.append(cell);
      }
      const action = document.createElement("td");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "revoke";
      button.textContent = "Revoke";
      button.addEventListener("click", () => revokeSession(session.sid));
      action.append(button);
      row.append(action);
      rows.append(row);
    }
  }

  async function revokeSession(sid) {
    const result = await call("POST", `/web/api/sessions/${encodeURIComponent(sid)}/revoke`);
    if (result.ok && result.data.current) return sessionEnded("logged-out");
    if (endsSession(result)) return sessionEnded("ended");
    show(result.ok ? "ok" : "error", result.ok ? result.data.msg : describe(result));
    return loadSessions();
  }

  async function simple(method, path, body) {
    const result = await call(method, path, body);
    if (!result.ok && endsSession(result)) return sessionEnded("ended");
    show(result.ok ? "ok" : "error", result.ok ? result.data.msg : describe(result));
    return result;
  }

  function tick() {
    const element = $("#countdown");
    if (expiresAt === null) return;
    const remaining = expiresAt - now();
    const shown = Math.max(0, Math.ceil(remaining));
    element.textContent = `${Math.floor(shown / 60)}:${String(shown % 60).padStart(2, "0")}`;
    if (remaining <= 0) {
      if (renewing === null) renew().then((ok) => ok && loadMe());
    } else if (implicitWindow > 0 && remaining <= implicitWindow * 0.9 && heartbeatFor !== expiresAt) {
      // Any authenticated request inside the window makes the server
      // re-issue the access cookie; this one keeps an idle page signed in.
      heartbeatFor = expiresAt;
      loadMe();
    }
  }

  $("#reload").addEventListener("click", async () => {
    if (await loadMe()) show("ok", "Your information was reloaded.");
    loadSessions();
  });
  $("#admin").addEventListener("click", async () => {
    const result = await call("GET", "/web/api/admin");
    if (!result.ok && endsSession(result)) return sessionEnded("ended");
    show(
      result.ok ? "ok" : "error",
      result.ok ? `${result.data.msg}. Users: ${result.data.users.join(", ")}` : describe(result),
    );
  });
  $("#invalid").addEventListener("click", async () => {
    const response = await fetch("/api/me", { headers: { Authorization: "Bearer not-a-token" } });
    const data = await response.json();
    show("error", describe({ status: response.status, data }));
  });
  $("#logout").addEventListener("click", async () => {
    const result = await simple("POST", "/web/api/logout");
    if (result && result.ok) sessionEnded("logged-out");
  });
  $("#logout-all").addEventListener("click", async () => {
    const result = await simple("POST", "/web/api/logout-all");
    if (result && result.ok) sessionEnded("logged-out");
  });
  $("#change-password").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    const result = await simple("POST", "/web/api/change-password", {
      new_password: form.elements.new_password.value,
    });
    if (result && result.ok) {
      form.reset();
      loadSessions();
    }
  });

  loadMe().then((me) => me && loadSessions());
  window.setInterval(tick, 250);
})();
