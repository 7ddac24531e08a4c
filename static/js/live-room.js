// The live room (docs/live-protocol.md): one websocket; stored events applied once each, in
// `seq` order, gaps filled with `events.fetch`; reconnects by itself (exponential backoff with
// jitter) and resumes with `?after=<last seq>`; every message carries a `client_id` and is sent
// again after a reconnect until it is acknowledged. No framework, no build.
//
// Acknowledged: by the frame that carries its client_id back: the stored event (every stored
// event names the client_id it was sent with) or an error.
(function () {
  "use strict";
  var configNode = document.getElementById("room-config");
  if (!configNode || !("WebSocket" in window)) return;
  var cfg = JSON.parse(configNode.textContent);
  var S = cfg.strings;
  var me = cfg.user;
  var isHost = cfg.role === "host";
  var canRemove = isHost || cfg.role === "moderator";
  // Close codes after which reconnecting cannot help: the page says why instead.
  var FINAL = { 4001: 1, 4401: 1, 4403: 1, 4404: 1, 4410: 1 };
  var BASE_DELAY = 500;
  var MAX_DELAY = 15000;
  var FETCH_RETRY = 4000;
  var CHAT_LIMIT = 500;
  var REACTION_MS = 8000;
  var RESEND_BURST = 10;   // then one every RESEND_GAP ms: the server allows 10 a second
  var RESEND_GAP = 150;

  // --- Small helpers ----------------------------------------------------------------------
  function $(id) { return document.getElementById(id); }
  function t(key, params) {
    var text = S[key] || key;
    Object.keys(params || {}).forEach(function (name) {
      text = text.split("%(" + name + ")s").join(String(params[name]));
    });
    return text;
  }
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function button(label, className, onClick) {
    var node = el("button", className, label);
    node.type = "button";
    node.addEventListener("click", onClick);
    return node;
  }
  var uuid = (window.crypto && typeof crypto.randomUUID === "function")
    ? function () { return crypto.randomUUID(); }
    : function () { // crypto.randomUUID needs a secure context; getRandomValues does not.
      var bytes = new Uint8Array(16);
      if (window.crypto && crypto.getRandomValues) crypto.getRandomValues(bytes);
      else for (var i = 0; i < 16; i++) bytes[i] = Math.floor(Math.random() * 256);
      bytes[6] = (bytes[6] & 15) | 64; bytes[8] = (bytes[8] & 63) | 128;
      var hex = Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
      return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
    };
  var clock;
  try {
    clock = new Intl.DateTimeFormat(document.documentElement.lang || undefined, { hour: "2-digit", minute: "2-digit", timeZone: cfg.time_zone });
  } catch (e) {
    clock = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
  }
  function timeOf(ts) {
    var node = el("time");
    var when = ts ? new Date(ts) : new Date();
    if (isNaN(when.getTime())) when = new Date();
    node.dateTime = when.toISOString();
    node.textContent = clock.format(when);
    return node;
  }

  // People arrive as {id, name} or as a bare id: names are remembered from presence.
  var names = {};
  names[me.id] = me.name;
  function person(value) {
    if (value && typeof value === "object") {
      if (value.name) names[value.id] = value.name;
      return { id: value.id, name: value.name || names[value.id] || S.someone };
    }
    return { id: value, name: names[value] || S.someone };
  }
  function personId(value) { return value && typeof value === "object" ? value.id : value; }

  // What this person did that the server does not echo back per person (votes), kept across
  // reloads so the buttons stay "voted".
  var memoryKey = "live-room:" + cfg.session + ":" + me.id;
  var memory = { polls: {}, questions: {} };
  try { memory = JSON.parse(localStorage.getItem(memoryKey)) || memory; } catch (e) { /* private mode */ }
  memory.polls = memory.polls || {}; memory.questions = memory.questions || {};
  function remember() { try { localStorage.setItem(memoryKey, JSON.stringify(memory)); } catch (e) { /* full */ } }

  // --- State ------------------------------------------------------------------------------
  var roomState = null;
  var lastSeq = 0;       // every event up to this one is applied
  var maxSeen = 0;       // the highest seq the server mentioned
  var buffer = {};       // seq -> event that came early, waiting for the gap before it
  var fetching = null;   // the gap asked for: {after, at, tries}
  var outbox = [];       // [{msg, origin, socket, at}] not acknowledged yet, oldest first
  var people = [];
  var hands = [];        // [{id, name}] in the order they were raised
  var questions = {};
  var polls = {};
  var pollOrder = [];
  var slide = { material_id: null, index: 0, count: null };

  // --- What other scripts of the page (live-call.js) may use ------------------------------
  // Frames that are not stored events reach them through on("frame"); requests they send
  // (call.join, rtc.signal, ...) are not queued: they make sense only on the open socket.
  var listeners = {};
  var direct = {};       // client_ids of requests sent through window.LiveRoom
  function emit(name, value) {
    (listeners[name] || []).forEach(function (fn) {
      try { fn(value); } catch (e) { if (window.console) console.error(e); }
    });
  }
  window.LiveRoom = {
    config: cfg,
    me: function () { return me; },
    people: function () { return people.slice(); },
    state: function () { return roomState; },
    ready: function () { return ready && !stopped; },
    stopped: function () { return stopped; },  // for good: removed, ended, signed out
    on: function (name, fn) { (listeners[name] = listeners[name] || []).push(fn); },
    request: function (type, fields) {
      var msg = { type: type, client_id: uuid() };
      Object.keys(fields || {}).forEach(function (key) { msg[key] = fields[key]; });
      if (!ready || !transmit(msg)) return null;
      // A relayed signal gets no answer unless it fails: forget ids after a minute.
      var now = Date.now();
      Object.keys(direct).forEach(function (id) { if (now - direct[id] > 60000) delete direct[id]; });
      direct[msg.client_id] = now;
      return msg.client_id;
    },
    text: t
  };

  // --- The socket -------------------------------------------------------------------------
  var ws = null;
  var ready = false;     // welcomed: messages may go out
  var attempt = 0;
  var retryTimer = null;
  var fetchTimer = null;
  var stopped = false;

  function socketUrl() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    return scheme + location.host + cfg.ws_path + (lastSeq > 0 ? "?after=" + lastSeq : "");
  }

  function connect() {
    retryTimer = null;
    if (stopped || ws) return;
    status(t("connecting"), false);
    var socket;
    try { socket = new WebSocket(socketUrl()); } catch (e) { scheduleReconnect(); return; }
    ws = socket;
    socket.onmessage = function (event) {
      if (ws !== socket) return;
      var frame;
      try { frame = JSON.parse(event.data); } catch (e) { return; }
      if (frame && typeof frame === "object") handle(frame);
    };
    socket.onclose = function (event) {
      if (ws !== socket) return;
      ws = null;
      ready = false;
      renderPending();
      emit("connection", false);
      if (FINAL[event.code]) stop(event.code);
      else scheduleReconnect();
    };
  }

  function scheduleReconnect() {
    if (stopped || retryTimer) return;
    var ceiling = Math.min(MAX_DELAY, BASE_DELAY * Math.pow(2, attempt));
    attempt += 1;
    var delay = ceiling / 2 + Math.random() * ceiling / 2; // "equal jitter"
    if (navigator.onLine === false) { status(t("offline"), true); return; } // "online" resumes
    status(t("reconnecting", { seconds: Math.ceil(delay / 1000) }), true);
    retryTimer = setTimeout(connect, delay);
  }

  function reconnectNow() {
    if (stopped || ws) return;
    clearTimeout(retryTimer);
    retryTimer = null;
    connect();
  }
  window.addEventListener("online", reconnectNow);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && attempt > 3) reconnectNow();
  });

  function stop(code) {
    stopped = true;
    clearTimeout(retryTimer);
    emit("connection", false);
    status("", true);
    var notice = $("room-notice");
    notice.textContent = t("closed_" + code);
    notice.className = "message error room-notice";
    if (code === 4401 || code === 4001) {
      notice.appendChild(document.createTextNode(" "));
      var link = el("a", "", S.sign_in);
      link.href = cfg.login_url;
      notice.appendChild(link);
    }
    notice.hidden = false;
    if (code === 4410) setRoom("ended");
    enableForms(false);
    hostButtons();
  }

  function transmit(msg) {
    if (!ws || ws.readyState !== WebSocket.OPEN) return false;
    try { ws.send(JSON.stringify(msg)); return true; } catch (e) { return false; }
  }
  function transmitEntry(entry) {
    if (transmit(entry.msg)) { entry.socket = ws; entry.at = Date.now(); }
  }

  // Every message the person sends: kept until acknowledged, sent again after a reconnect.
  function send(type, fields, origin, extra) {
    var msg = { type: type, client_id: uuid() };
    Object.keys(fields || {}).forEach(function (key) { msg[key] = fields[key]; });
    var entry = { msg: msg, origin: origin, extra: extra || null, socket: null, at: 0 };
    outbox.push(entry);
    clearError(origin);
    if (ready) transmitEntry(entry);
    renderPending();
    return entry;
  }

  function acknowledge(clientId) {
    for (var i = 0; i < outbox.length; i++) {
      if (outbox[i].msg.client_id === clientId) {
        var entry = outbox.splice(i, 1)[0];
        renderPending();
        return entry;
      }
    }
    return null;
  }

  // --- Frames -----------------------------------------------------------------------------
  function handle(frame) {
    if (typeof frame.seq !== "number") emit("frame", frame);
    if (frame.client_id && direct[frame.client_id]) { delete direct[frame.client_id]; return; }
    var entry = frame.client_id ? acknowledge(frame.client_id) : null;
    switch (frame.type) {
      case "welcome": return welcome(frame);
      case "presence": return presence(frame);
      case "presence.changed": return presenceChanged(frame);
      case "room.state": return setRoom(frame.state);
      case "error": return failed(frame, entry);
      case "events":
        (frame.events || []).forEach(function (event) {
          if (event && event.client_id) acknowledge(event.client_id);
          stored(event);
        });
        return afterBatch();
    }
    if (typeof frame.seq === "number") stored(frame);
  }

  function welcome(frame) {
    ready = true;
    attempt = 0;
    if (frame.user) me = person(frame.user);
    if (typeof frame.last_seq === "number") maxSeen = Math.max(maxSeen, frame.last_seq);
    syncVotes(frame.voted);
    setRoom(frame.state);
    status(t("connected"), false);
    // Unacknowledged messages go again with the same client_id: the server returns the
    // stored event instead of storing a second one.
    // Paced, so that a long queue stays under the server's rate limit.
    var socket = ws;
    outbox.slice().forEach(function (entry, index) {
      var delay = Math.max(0, index - RESEND_BURST + 1) * RESEND_GAP;
      if (!delay) transmitEntry(entry);
      else setTimeout(function () { if (ws === socket && outbox.indexOf(entry) >= 0) transmitEntry(entry); }, delay);
    });
    renderPending();
    emit("connection", true);
  }

  // The server says what this person voted (from any device); votes still on their way
  // count too. A poll voted elsewhere shows as voted, without the choice (-1).
  function syncVotes(voted) {
    if (!voted) return;
    var pending = {};
    outbox.forEach(function (entry) {
      if (entry.msg.type === "poll.vote") pending["p" + entry.msg.poll_id] = 1;
      if (entry.msg.type === "question.vote") pending["q" + entry.msg.question_id] = 1;
    });
    var polls = {};
    var questions = {};
    (voted.polls || []).forEach(function (id) { polls[id] = memory.polls[id] !== undefined ? memory.polls[id] : -1; });
    (voted.questions || []).forEach(function (id) { questions[id] = 1; });
    Object.keys(memory.polls).forEach(function (id) { if (pending["p" + id]) polls[id] = memory.polls[id]; });
    Object.keys(memory.questions).forEach(function (id) { if (pending["q" + id]) questions[id] = 1; });
    memory.polls = polls;
    memory.questions = questions;
    remember();
  }

  function present(p) {
    var who = person(p);
    who.role = p.role;
    who.in_call = !!p.in_call;
    return who;
  }
  function presence(frame) {
    people = (frame.people || []).map(present);
    renderPeople();
    // Presence follows the replay: anything still missing is a gap.
    afterBatch();
  }
  // Who came, changed (joined a call) or left since the last presence frame.
  function presenceChanged(frame) {
    var changed = {};
    (frame.people || []).forEach(function (p) { changed[p.id] = present(p); });
    var left = {};
    (frame.left || []).forEach(function (id) { left[id] = 1; });
    people = people.filter(function (p) { return !left[p.id] && !changed[p.id]; });
    Object.keys(changed).forEach(function (id) { people.push(changed[id]); });
    var order = { host: 0, participant: 1, moderator: 2 };
    people.sort(function (a, b) {
      var rank = function (p) { return p.role in order ? order[p.role] : 9; };
      return rank(a) - rank(b) ||
        a.name.toLowerCase().localeCompare(b.name.toLowerCase()) || a.id - b.id;
    });
    renderPeople();
  }

  function failed(frame, entry) {
    if (frame.client_id && fetching && frame.client_id === fetching.client_id) {
      fetching = null;
      return;
    }
    var origin = entry ? entry.origin : "general";
    showError(origin, frame.message || frame.code);
    if (!entry) return;
    var msg = entry.msg;
    // Nothing typed is lost: a refused message goes back into its box.
    if (msg.type === "chat.send") restoreText("chat-text", msg.text);
    if (msg.type === "question.ask") restoreText("question-text", msg.text);
    if (msg.type === "poll.vote") { delete memory.polls[msg.poll_id]; remember(); renderPolls(); }
    if (msg.type === "question.vote") { delete memory.questions[msg.question_id]; remember(); renderQuestions(); }
    if (msg.type === "poll.open" && entry.extra) {
      restoreText("poll-question", entry.extra.question);
      restoreText("poll-choices", entry.extra.choices);
      var details = $("poll-form") && $("poll-form").closest("details");
      if (details) details.open = true;
    }
  }

  // Stored events: each applied once, in order; early ones wait for the gap to be filled.
  function stored(event) {
    var seq = event.seq;
    if (typeof seq !== "number" || seq <= lastSeq || buffer[seq]) return;
    maxSeen = Math.max(maxSeen, seq);
    if (seq !== lastSeq + 1) {
      buffer[seq] = event;
      requestGap();
      return;
    }
    apply(event);
    lastSeq = seq;
    while (buffer[lastSeq + 1]) {
      var next = buffer[lastSeq + 1];
      delete buffer[lastSeq + 1];
      apply(next);
      lastSeq = next.seq;
    }
    if (fetching && lastSeq > fetching.after) fetching = null;
    if (lastSeq < maxSeen && Object.keys(buffer).length) requestGap();
  }

  function afterBatch() { if (ready && lastSeq < maxSeen) requestGap(); }

  function requestGap() {
    if (!ready || lastSeq >= maxSeen) return;
    var waiting = Object.keys(buffer).map(Number);
    var before = waiting.length ? Math.min.apply(null, waiting) : maxSeen + 1;
    if (before <= lastSeq + 1) return;
    var now = Date.now();
    if (fetching && fetching.after === lastSeq && now - fetching.at < FETCH_RETRY) return;
    var tries = fetching && fetching.after === lastSeq ? fetching.tries + 1 : 1;
    if (tries > 3 && ws) { // the server does not answer: resuming on a new socket will
      fetching = null;
      ws.close(1000);
      return;
    }
    fetching = { after: lastSeq, at: now, tries: tries, client_id: uuid() };
    transmit({ type: "events.fetch", client_id: fetching.client_id, after: lastSeq, before: before });
    clearTimeout(fetchTimer);
    fetchTimer = setTimeout(requestGap, FETCH_RETRY + 50);
  }

  function apply(event) {
    switch (event.type) {
      case "room.opened": setRoom("open"); break;
      case "room.ended": setRoom("ended"); break;
      case "chat.message": addChat(event); break;
      case "question.asked": {
        var q = event.question || {};
        questions[q.id] = { id: q.id, author: person(q.author), html: q.html || "", votes: q.votes || 0, status: q.status || "open" };
        renderQuestions();
        break;
      }
      case "question.voted":
        if (questions[event.question_id]) questions[event.question_id].votes = event.votes;
        if (personId(event.user) === me.id) { memory.questions[event.question_id] = 1; remember(); }
        renderQuestions();
        break;
      case "question.answered":
      case "question.hidden":
        if (questions[event.question_id]) questions[event.question_id].status = event.type === "question.answered" ? "answered" : "hidden";
        renderQuestions();
        break;
      case "poll.opened": {
        var p = event.poll || {};
        var choices = p.choices || [];
        polls[p.id] = { id: p.id, question: p.question, choices: choices, tally: choices.map(function () { return 0; }), status: "open" };
        pollOrder.unshift(p.id);
        renderPolls();
        break;
      }
      case "poll.voted":
      case "poll.closed":
        if (polls[event.poll_id]) {
          if (event.tally) polls[event.poll_id].tally = event.tally;
          if (event.type === "poll.closed") polls[event.poll_id].status = "closed";
        }
        renderPolls();
        break;
      case "hand.raised": {
        var raised = person(event.user);
        if (!hands.some(function (h) { return h.id === raised.id; })) hands.push(raised);
        renderHands();
        break;
      }
      case "hand.lowered": {
        var lowered = personId(event.user);
        hands = hands.filter(function (h) { return h.id !== lowered; });
        renderHands();
        break;
      }
      case "slide.changed": showSlide(event); break;
      case "reaction": showReaction(event); break;
      case "participant.removed": {
        var gone = personId(event.user);
        people = people.filter(function (p) { return p.id !== gone; });
        hands = hands.filter(function (h) { return h.id !== gone; });
        renderPeople();
        renderHands();
        break;
      }
    }
  }

  // --- The page ---------------------------------------------------------------------------
  function status(text, warn) {
    var node = $("room-status");
    node.textContent = text;
    node.classList.toggle("warn", !!warn);
    renderPending();
  }

  function renderPending() {
    var node = $("room-pending");
    var waiting = outbox.filter(function (entry) { return !ready || entry.socket !== ws; }).length;
    node.textContent = waiting ? t("pending", { count: waiting }) : "";
    node.hidden = !node.textContent;
  }

  // Lists are drawn again when they change: the focused control and the choice being made
  // survive it (they are found again by id).
  function redraw(container, draw) {
    var active = document.activeElement;
    var focusId = active && active.id && container.contains(active) ? active.id : "";
    var checked = Array.prototype.map.call(container.querySelectorAll("input:checked"), function (i) { return i.id; });
    container.textContent = "";
    draw();
    checked.forEach(function (id) { var input = $(id); if (input) input.checked = true; });
    if (focusId && $(focusId)) $(focusId).focus();
  }

  // An error stays long enough to be read, then goes: the next action may well succeed.
  var ERROR_MS = 12000;
  function showError(origin, message) {
    var node = document.querySelector('[data-error-for="' + origin + '"]') ||
      document.querySelector('[data-error-for="general"]');
    node.textContent = message;
    node.hidden = false;
    clearTimeout(node.clearTimer);
    node.clearTimer = setTimeout(function () { node.hidden = true; node.textContent = ""; }, ERROR_MS);
  }
  function clearError(origin) {
    var node = document.querySelector('[data-error-for="' + origin + '"]');
    if (node) { node.hidden = true; node.textContent = ""; }
  }
  function restoreText(id, text) {
    var box = $(id);
    if (box && !box.value && text) box.value = text;
  }

  function enableForms(on) {
    document.querySelectorAll("form[data-needs-open]").forEach(function (form) {
      Array.prototype.forEach.call(form.elements, function (control) { control.disabled = !on; });
    });
    renderSlideButtons();
  }

  function setRoom(next) {
    if (!next || stopped && next !== "ended") return;
    roomState = next;
    var notice = $("room-notice");
    if (!stopped) {
      var text = next === "lobby" ? (isHost ? S.lobby_host : S.lobby) : next === "ended" ? S.ended : "";
      notice.textContent = text;
      notice.className = "message room-notice";
      notice.hidden = !text;
    }
    enableForms(next === "open" && !stopped);
    hostButtons();
    renderQuestions();
    renderPolls();
    renderHands();
    renderPeople();
    emit("state", next);
  }

  function hostButtons() {
    if (!isHost) return;
    $("room-open").hidden = stopped || roomState !== "lobby";
    $("room-end").hidden = stopped || roomState !== "open";
  }

  function addChat(event) {
    var log = $("chat-log");
    var atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
    var author = person(event.author);
    var item = el("li");
    var meta = el("p", "room-meta");
    meta.appendChild(el("strong", "", author.name));
    meta.appendChild(document.createTextNode(" "));
    meta.appendChild(timeOf(event.ts));
    var body = el("div", "prose");
    body.innerHTML = event.html || ""; // sanitised by the server (diaspora.markup)
    item.appendChild(meta);
    item.appendChild(body);
    item.dataset.seq = event.seq;
    log.appendChild(item);
    while (log.children.length > CHAT_LIMIT) log.removeChild(log.firstChild);
    if (atBottom || author.id === me.id) log.scrollTop = log.scrollHeight;
  }

  function votesText(count) { return t(count === 1 ? "votes_one" : "votes_many", { count: count }); }

  function renderQuestions() { var list = $("questions"); redraw(list, function () { drawQuestions(list); }); }
  function drawQuestions(list) {
    var open = roomState === "open" && !stopped;
    var shown = Object.keys(questions).map(function (id) { return questions[id]; })
      .filter(function (q) { return q.status !== "hidden"; })
      .sort(function (a, b) {
        return (a.status === "answered") - (b.status === "answered") || b.votes - a.votes || a.id - b.id;
      });
    if (!shown.length) { list.appendChild(el("li", "muted", S.no_questions)); return; }
    shown.forEach(function (q) {
      var item = el("li", "room-question" + (q.status === "answered" ? " answered" : ""));
      var body = el("div", "prose");
      body.innerHTML = q.html; // sanitised by the server
      var meta = el("p", "room-meta");
      meta.appendChild(el("strong", "", q.author.name));
      meta.appendChild(document.createTextNode(" · " + votesText(q.votes)));
      if (q.status === "answered") meta.appendChild(el("span", "pill ok", S.answered));
      item.appendChild(body);
      item.appendChild(meta);
      var actions = el("p", "room-actions");
      var voted = !!memory.questions[q.id];
      var up = button(voted ? S.upvoted : S.upvote, "secondary small", function () {
        memory.questions[q.id] = 1; remember();
        send("question.vote", { question_id: q.id }, "question");
        renderQuestions();
      });
      up.id = "question-" + q.id + "-vote";
      up.disabled = voted || !open || q.status !== "open";
      up.setAttribute("aria-pressed", voted ? "true" : "false");
      actions.appendChild(up);
      if (isHost && q.status === "open") {
        var answer = button(S.mark_answered, "secondary small", function () { send("question.answer", { question_id: q.id }, "question"); });
        var hide = button(S.hide, "secondary small", function () { send("question.hide", { question_id: q.id }, "question"); });
        answer.id = "question-" + q.id + "-answer";
        hide.id = "question-" + q.id + "-hide";
        answer.disabled = hide.disabled = !open;
        actions.appendChild(answer);
        actions.appendChild(hide);
      }
      item.appendChild(actions);
      list.appendChild(item);
    });
  }

  function renderPolls() { var box = $("polls"); redraw(box, function () { drawPolls(box); }); }
  function drawPolls(box) {
    var open = roomState === "open" && !stopped;
    if (!pollOrder.length) { box.appendChild(el("p", "muted", S.no_polls)); return; }
    pollOrder.forEach(function (id) {
      var poll = polls[id];
      var total = poll.tally.reduce(function (sum, n) { return sum + n; }, 0);
      var card = el("article", "room-poll");
      var title = el("h3", "", poll.question + " ");
      title.appendChild(el("span", "pill" + (poll.status === "open" ? " ok" : ""), poll.status === "open" ? S.poll_open : S.poll_closed));
      card.appendChild(title);
      var mine = memory.polls[id];
      var voting = poll.status === "open" && mine === undefined;
      if (voting) {
        var form = el("form", "room-vote");
        var group = el("fieldset");
        group.appendChild(el("legend", "sr-only", poll.question));
        poll.choices.forEach(function (choice, index) {
          var label = el("label");
          var radio = el("input");
          radio.type = "radio"; radio.name = "choice"; radio.value = String(index); radio.required = true;
          radio.id = "poll-" + id + "-choice-" + index;
          radio.disabled = !open;
          label.appendChild(radio);
          label.appendChild(document.createTextNode(" " + choice));
          group.appendChild(label);
        });
        var submit = el("button", "small", S.vote);
        submit.type = "submit";
        submit.id = "poll-" + id + "-vote";
        submit.disabled = !open;
        group.appendChild(submit);
        form.appendChild(group);
        form.addEventListener("submit", function (event) {
          event.preventDefault();
          var picked = form.querySelector("input[name=choice]:checked");
          if (!picked) return;
          memory.polls[id] = Number(picked.value); remember();
          send("poll.vote", { poll_id: id, choice: Number(picked.value) }, "poll");
          renderPolls();
        });
        card.appendChild(form);
      }
      var results = el("ul", "room-tally");
      poll.choices.forEach(function (choice, index) {
        var count = poll.tally[index] || 0;
        var share = total ? Math.round((count * 100) / total) : 0;
        var row = el("li");
        var text = el("span", "room-tally-text", choice + ": " + votesText(count) + " (" + share + "%)");
        if (mine === index) text.appendChild(el("span", "sr-only", " " + S.your_vote));
        var bar = el("span", "room-bar" + (mine === index ? " mine" : ""));
        bar.setAttribute("aria-hidden", "true");
        var fill = el("span");
        fill.style.width = share + "%";
        bar.appendChild(fill);
        row.appendChild(text);
        row.appendChild(bar);
        results.appendChild(row);
      });
      card.appendChild(results);
      if (mine !== undefined) card.appendChild(el("p", "room-meta", S.your_vote));
      if (isHost && poll.status === "open") {
        var close = button(S.close_poll, "secondary small", function () { send("poll.close", { poll_id: id }, "poll"); });
        close.id = "poll-" + id + "-close";
        close.disabled = !open;
        card.appendChild(close);
      }
      box.appendChild(card);
    });
  }

  function renderPeople() {
    var list = $("people");
    var open = roomState === "open" && !stopped;
    redraw(list, function () {
      people.forEach(function (p) {
        var item = el("li", "", p.name);
        item.dataset.person = p.id;
        if (p.id === me.id) item.appendChild(document.createTextNode(" " + S.you));
        if (p.role) item.appendChild(el("span", "pill", S["role_" + p.role] || p.role));
        if (p.in_call) item.appendChild(el("span", "pill in-call", S.in_call));
        if (canRemove && p.role === "participant" && p.id !== me.id) {
          var remove = button(S.remove, "danger small", function () { removePerson(p); });
          remove.id = "person-" + p.id + "-remove";
          remove.disabled = !open;
          item.appendChild(remove);
        }
        list.appendChild(item);
      });
    });
    $("people-count").textContent = String(people.length);
    emit("people", people.slice());
  }

  // The reason is asked for but optional; it stays with the room's records.
  function removePerson(p) {
    var reason = window.prompt(t("remove_confirm", { name: p.name }), "");
    if (reason === null) return;
    send("participant.remove", { user: p.id, reason: reason.slice(0, 1000) }, "people");
  }

  function renderHands() { var list = $("hands"); redraw(list, function () { drawHands(list); }); }
  function drawHands(list) {
    var open = roomState === "open" && !stopped;
    if (!hands.length) list.appendChild(el("li", "muted", S.no_hands));
    hands.forEach(function (h) {
      var item = el("li", "", h.name + (h.id === me.id ? " " + S.you : ""));
      if (isHost) {
        var lower = button(S.lower, "secondary small", function () { send("hand.lower", { user: h.id }, "hand"); });
        lower.id = "hand-" + h.id + "-lower";
        lower.disabled = !open;
        item.appendChild(lower);
      }
      list.appendChild(item);
    });
    var raised = hands.some(function (h) { return h.id === me.id; });
    var toggle = $("hand-toggle");
    toggle.textContent = raised ? S.lower_hand : S.raise_hand;
    toggle.setAttribute("aria-pressed", raised ? "true" : "false");
  }

  function showSlide(event) {
    slide = { material_id: event.material_id === undefined ? null : event.material_id, index: event.index || 0, count: typeof event.count === "number" ? event.count : null };
    $("slide").innerHTML = event.html || ""; // sanitised by the server
    var title = event.title;
    var picker = $("slide-material");
    if (picker) {
      picker.value = slide.material_id === null ? "" : String(slide.material_id);
      if (!title && picker.selectedIndex >= 0) title = picker.options[picker.selectedIndex].text;
    }
    if (slide.material_id === null) title = S.agenda;
    var where = slide.count ? t("slide_of", { number: slide.index + 1, count: slide.count }) : t("slide", { number: slide.index + 1 });
    $("slide-caption").textContent = (title ? title + " · " : "") + where;
    renderSlideButtons();
  }

  function renderSlideButtons() {
    var prev = $("slide-prev");
    var next = $("slide-next");
    if (!prev) return;
    var open = roomState === "open" && !stopped;
    prev.disabled = !open || slide.index <= 0;
    next.disabled = !open || (slide.count !== null && slide.index >= slide.count - 1);
  }

  function showReaction(event) {
    var when = Date.parse(event.ts);
    if (!isNaN(when) && Date.now() - when > REACTION_MS) return; // an old one, replayed
    var list = $("reactions");
    var item = el("li", "", t("reacted", { name: person(event.user).name, emoji: event.emoji }));
    list.insertBefore(item, list.firstChild);
    while (list.children.length > 5) list.removeChild(list.lastChild);
    setTimeout(function () { if (item.parentNode) item.parentNode.removeChild(item); }, REACTION_MS);
  }

  // --- Forms ------------------------------------------------------------------------------
  function onSubmit(id, fn) {
    var form = $(id);
    if (form) form.addEventListener("submit", function (event) { event.preventDefault(); fn(form, event); });
  }

  onSubmit("chat-form", function (form) {
    var box = $("chat-text");
    var text = box.value.trim();
    if (!text) return;
    send("chat.send", { text: text }, "chat");
    box.value = "";
    box.focus();
  });
  $("chat-text").addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      var form = $("chat-form");
      if (form.requestSubmit) form.requestSubmit();
      else form.dispatchEvent(new Event("submit", { cancelable: true }));
    }
  });

  onSubmit("question-form", function () {
    var box = $("question-text");
    var text = box.value.trim();
    if (!text) return;
    send("question.ask", { text: text }, "question");
    box.value = "";
  });

  onSubmit("hand-form", function () {
    var raised = hands.some(function (h) { return h.id === me.id; });
    send(raised ? "hand.lower" : "hand.raise", {}, "hand");
  });

  document.querySelectorAll("#reaction-form button[data-emoji]").forEach(function (node) {
    node.addEventListener("click", function () { send("reaction.send", { emoji: node.dataset.emoji }, "reaction"); });
  });
  onSubmit("reaction-form", function () {});

  onSubmit("room-open", function () { send("room.open", {}, "room"); });
  onSubmit("room-end", function () { send("room.end", {}, "room"); });

  onSubmit("poll-form", function (form) {
    var question = $("poll-question").value.trim();
    var raw = $("poll-choices").value;
    var choices = raw.split("\n").map(function (c) { return c.trim(); }).filter(Boolean);
    if (choices.length < 2 || choices.length > 10) { showError("poll-new", S.need_choices); return; }
    send("poll.open", { question: question, choices: choices }, "poll-new", { question: question, choices: raw });
    form.reset();
    form.closest("details").open = false;
  });

  if ($("slide-material")) {
    var showSlideOf = function (materialId, index) {
      send("slide.show", { material_id: materialId, index: index }, "slide");
    };
    var pickedMaterial = function () {
      var value = $("slide-material").value;
      return value ? Number(value) : null;
    };
    $("slide-material").addEventListener("change", function () { showSlideOf(pickedMaterial(), 0); });
    $("slide-prev").addEventListener("click", function () { showSlideOf(slide.material_id, Math.max(0, slide.index - 1)); });
    $("slide-next").addEventListener("click", function () { showSlideOf(slide.material_id, slide.index + 1); });
    $("slide-form").addEventListener("submit", function (event) { event.preventDefault(); });
  }

  enableForms(false);
  renderQuestions();
  renderPolls();
  renderHands();
  connect();
})();
