// The unread notification count in the navigation, live: the person's own socket (/ws/me/)
// carries {"type": "notifications.count", "unread": n} after every change (docs/live-protocol.md).
// Reconnects with exponential backoff and jitter; stops for good on 4001 (signed out,
// suspended) and 4401 (not signed in). Counts sent while the socket was down are not replayed,
// so after a reconnect the count is asked for once over the API.
//
// The link (templates/base.html) carries the badge's accessible label in the page's language
// for one and for several, as rendered for 1 and 2: data-label-one / data-label-other.
(function () {
  "use strict";
  var link = document.querySelector("a[data-unread-link]");
  if (!link || !("WebSocket" in window)) return;
  var FINAL = { 4001: 1, 4401: 1 };
  var BASE_DELAY = 1000;
  var MAX_DELAY = 60000;
  var COUNT_URL = "/api/notifications/?page_size=1";

  var plural = null;
  try { plural = new Intl.PluralRules(document.documentElement.lang || undefined); } catch (e) { /* old browser */ }

  function label(n) {
    var form = plural ? plural.select(n) : (n === 1 ? "one" : "other");
    var text = link.getAttribute(form === "one" ? "data-label-one" : "data-label-other") || "";
    return text.replace(/\d+/, String(n));
  }

  function show(n) {
    if (typeof n !== "number" || n < 0) return;
    var badge = link.querySelector(".badge");
    if (!n) {
      if (badge) badge.remove();
      return;
    }
    if (!badge) {
      badge = document.createElement("span");
      badge.className = "badge";
      link.appendChild(document.createTextNode(" "));
      link.appendChild(badge);
    }
    badge.textContent = String(n);
    badge.setAttribute("aria-label", label(n));
  }

  function refresh() {
    if (!window.fetch) return;
    fetch(COUNT_URL, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (body) { if (body && typeof body.unread === "number") show(body.unread); })
      .catch(function () { /* the next change will say */ });
  }

  var attempt = 0;
  var connected = false;  // once: later welcomes are reconnections
  var timer = null;
  var ws = null;

  function connect() {
    timer = null;
    if (ws) return;
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var socket;
    try { socket = new WebSocket(scheme + location.host + "/ws/me/"); } catch (e) { retry(); return; }
    ws = socket;
    socket.onmessage = function (event) {
      var frame;
      try { frame = JSON.parse(event.data); } catch (e) { return; }
      if (!frame) return;
      if (frame.type === "hello") {
        attempt = 0;
        if (connected) refresh();
        connected = true;
      } else if (frame.type === "notifications.count") {
        show(frame.unread);
      }
    };
    socket.onclose = function (event) {
      if (ws !== socket) return;
      ws = null;
      if (!FINAL[event.code]) retry();
    };
  }

  function retry() {
    if (timer) return;
    var ceiling = Math.min(MAX_DELAY, BASE_DELAY * Math.pow(2, attempt));
    attempt += 1;
    timer = setTimeout(connect, ceiling / 2 + Math.random() * ceiling / 2); // "equal jitter"
  }

  window.addEventListener("online", function () {
    if (ws || !timer) return;
    clearTimeout(timer);
    connect();
  });
  window.NavLive = { show: show };
  connect();
})();
