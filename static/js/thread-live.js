// A forum thread, live (docs/live-protocol.md, "Forum threads"): one websocket per open thread
// page; stored events applied once each, in `seq` order, gaps filled with `events.fetch`;
// reconnects by itself (exponential backoff with jitter) and resumes with `?after=<last seq>`.
// The reply form and the reaction buttons go over the socket while it is up, and fall back to
// their normal POST when it is not. No framework, no build.
//
// The page (templates/communities/thread_detail.html, "Thread page DOM"): #thread with its
// data-* attributes, one article.post per post, <template id="post-template"> (a blank post
// whose URLs name post 0), #posts, #thread-status, #reply-form.
//
// Frames reach the page through `handle(frame)` and stored events through `apply(event)`;
// both are on `window.ThreadLive`, so the frame -> DOM code can be driven without a server.
(function () {
  "use strict";
  var root = document.getElementById("thread");
  if (!root) return;

  // --- Words ------------------------------------------------------------------------------
  // The page may hand over translations (realtime.threads.thread_live_strings()); these are
  // the same words in English.
  var S = {
    connecting: "Connecting…",
    live: "Live: new posts appear as they are written.",
    reconnecting: "Connection lost. Reconnecting in %(seconds)s s…",
    offline: "You are offline. The thread reconnects when the network is back.",
    closed_4001: "You signed out. Sign in again to follow this thread live.",
    closed_4401: "Sign in to follow this thread live.",
    closed_4404: "This thread is no longer open to you.",
    new_posts_one: "%(count)s new post",
    new_posts_many: "%(count)s new posts",
    locked: "This thread is locked: only moderators can post in it.",
    unlocked: "This thread is open again.",
    pinned: "A moderator pinned this thread.",
    unpinned: "A moderator unpinned this thread.",
    moved: "This thread moved to %(name)s.",
    hidden: "This post was hidden by a moderator.",
    hidden_mod: "Hidden by a moderator: only moderators and the author see it.",
    hidden_flags: "This post is hidden after flags from members, until a moderator reviews it.",
    hidden_flags_mod: "Hidden after flags from members: only moderators and the author see it.",
    in_reply_to: "in reply to #%(number)s by %(who)s",
    hide_post: "Hide the post",
    restore_post: "Restore the post",
    reason: "Reason",
    reason_optional: "Reason (optional)",
    sending: "Sending…",
    send_failed: "Your post could not be sent. It is still in the box."
  };
  var stringsNode = document.getElementById("thread-live-strings");
  if (stringsNode) {
    try {
      var given = JSON.parse(stringsNode.textContent);
      Object.keys(given).forEach(function (key) { S[key] = given[key]; });
    } catch (e) { /* keep English */ }
  }
  function t(key, params) {
    var text = S[key] || key;
    Object.keys(params || {}).forEach(function (name) {
      text = text.split("%(" + name + ")s").join(String(params[name]));
    });
    return text;
  }

  // --- The page's facts -------------------------------------------------------------------
  var data = root.dataset;
  var cfg = {
    wsPath: data.wsPath,
    pageLast: data.pageLast === "true",
    moderator: data.moderator === "true",
    me: data.me ? Number(data.me) : null,
    // The reader's profile time zone, which the server used for the times it wrote.
    tz: data.tz || undefined
  };
  var locked = data.locked === "true";
  var posts = document.getElementById("posts");
  var template = document.getElementById("post-template");
  var form = document.getElementById("reply-form");
  var statusNode = document.getElementById("thread-status");

  // --- Small helpers ----------------------------------------------------------------------
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function articleOf(id) { return document.getElementById("post-" + id); }
  var uuid = (window.crypto && typeof crypto.randomUUID === "function")
    ? function () { return crypto.randomUUID(); }
    : function () { // crypto.randomUUID needs a secure context; getRandomValues does not.
      var bytes = new Uint8Array(16);
      if (window.crypto && crypto.getRandomValues) crypto.getRandomValues(bytes);
      else for (var i = 0; i < 16; i++) bytes[i] = Math.floor(Math.random() * 256);
      return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
    };
  var dateFormat;
  try {
    dateFormat = new Intl.DateTimeFormat(document.documentElement.lang || undefined, { dateStyle: "medium", timeStyle: "short", timeZone: cfg.tz });
  } catch (e) { // an unknown zone name: the browser's own
    try {
      dateFormat = new Intl.DateTimeFormat(document.documentElement.lang || undefined, { dateStyle: "medium", timeStyle: "short" });
    } catch (e2) {
      dateFormat = null;
    }
  }
  function setTime(node, iso) {
    if (!node || !iso) return;
    var when = new Date(iso);
    if (isNaN(when.getTime())) return;
    node.setAttribute("datetime", iso);
    node.textContent = dateFormat ? dateFormat.format(when) : when.toLocaleString();
  }
  function highestNumber() {
    var max = 0;
    document.querySelectorAll("#posts article.post[data-number]").forEach(function (node) {
      max = Math.max(max, Number(node.getAttribute("data-number")) || 0);
    });
    return max;
  }

  // --- Posts: frame -> DOM ----------------------------------------------------------------
  function mayEdit(post) { return cfg.moderator || (cfg.me !== null && post.author && post.author.id === cfg.me); }
  function mayReadHidden(post) { return mayEdit(post); }

  // The template's URLs and ids name post 0: make them name this post.
  function relink(node, id) {
    var nodes = Array.prototype.slice.call(node.querySelectorAll("[href], [action], [id], [for]"));
    nodes.push(node);
    nodes.forEach(function (node) {
      ["href", "action"].forEach(function (name) {
        var value = node.getAttribute(name);
        if (!value) return;
        value = value.replace("/posts/0/", "/posts/" + id + "/")
          .replace(/([?&](?:reply_to|quote)=)0(?=[&#]|$)/g, "$1" + id);
        node.setAttribute(name, value);
      });
      ["id", "for"].forEach(function (name) {
        var value = node.getAttribute(name);
        if (value && /-0$/.test(value)) node.setAttribute(name, value.replace(/-0$/, "-" + id));
      });
    });
    return node;
  }

  // What the blank template has under this selector, for this post.
  function fromTemplate(selector, id) {
    return Array.prototype.map.call(template.content.querySelectorAll("article.post " + selector), function (node) {
      return relink(node.cloneNode(true), id);
    });
  }

  // A post from the blank template.
  function build(post) {
    var id = String(post.id);
    var article = relink(template.content.querySelector("article.post").cloneNode(true), id);
    article.id = "post-" + id;
    article.setAttribute("data-post-id", id);
    article.setAttribute("data-number", String(post.number));
    article.setAttribute("data-author-id", String(post.author ? post.author.id : ""));
    var author = article.querySelector(".post-author");
    if (author) author.textContent = post.author ? post.author.name : "";
    var handle = article.querySelector(".post-handle");
    if (handle && post.author && post.author.handle) handle.textContent = "@" + post.author.handle;
    else if (handle) handle.remove();
    var number = article.querySelector(".post-number");
    if (number) {
      number.textContent = "#" + post.number;
      number.setAttribute("href", "?post=" + post.number + "#post-" + id);
    }
    setTime(article.querySelector(".post-time"), post.created_at);
    var replyTo = article.querySelector(".post-reply-to");
    if (replyTo) {
      replyTo.textContent = "";
      if (post.reply_to) {
        var link = el("a", "", t("in_reply_to", { number: post.reply_to.number, who: post.reply_to.author ? post.reply_to.author.name : "" }));
        link.href = "?post=" + post.reply_to.number + "#post-" + post.reply_to.id;
        replyTo.appendChild(link);
      }
      replyTo.hidden = !post.reply_to;
    }
    var edit = article.querySelector(".post-edit");
    if (edit && !mayEdit(post)) edit.remove();
    var flag = article.querySelector(".post-flag");
    if (flag && (notMember || (cfg.me !== null && post.author && post.author.id === cfg.me))) flag.remove();
    fill(article, post);
    return article;
  }

  // What an event says about a post, on its article: text, hidden state, edits, counts.
  function fill(article, post) {
    var body = article.querySelector(".post-body");
    var hidden = !!post.hidden;
    article.classList.toggle("is-hidden", hidden);
    if (body) {
      if (!hidden) {
        body.innerHTML = post.html || ""; // sanitised by the server (diaspora.markup)
      } else if (mayReadHidden(post)) {
        // The event carries no text; the author and moderators keep what they have.
        if (!body.querySelector(".post-hidden-note")) body.insertBefore(el("p", "post-hidden-note", post.hidden_by_flags ? S.hidden_flags_mod : S.hidden_mod), body.firstChild);
      } else {
        body.textContent = "";
        body.appendChild(el("p", "post-hidden-note", post.hidden_by_flags ? S.hidden_flags : S.hidden));
      }
      if (!hidden) {
        var note = body.querySelector(".post-hidden-note");
        if (note) note.remove();
      }
    }
    // Nobody reacts to or answers a hidden post: its buttons and links go (as on the page
    // the server renders), and come back from the template when it is restored.
    var id = article.getAttribute("data-post-id");
    var reactions = article.querySelector(".post-reactions");
    if (hidden) {
      article.querySelectorAll(".post-reactions button.reaction, .post-actions .post-reply, .post-actions .post-quote").forEach(function (node) { node.remove(); });
    } else {
      if (reactions && !reactions.querySelector("button.reaction")) {
        fromTemplate(".post-reactions button.reaction", id).forEach(function (b) {
          b.disabled = !!refusal;
          reactions.appendChild(b);
        });
      }
      var actions = article.querySelector(".post-actions");
      if (actions && !actions.querySelector(".post-reply")) {
        var links = fromTemplate(".post-actions .post-reply, .post-actions .post-quote", id);
        links.reverse().forEach(function (a) {
          actions.insertBefore(document.createTextNode(" "), actions.firstChild);
          actions.insertBefore(a, actions.firstChild);
        });
      }
    }
    var edited = article.querySelector(".post-edited");
    if (edited) edited.hidden = !post.edited_at;
    var history = article.querySelector(".post-history");
    if (history) history.hidden = !post.edit_count;
    if (post.reactions) counts(article, post.reactions);
    moderation(article, hidden);
  }

  function counts(article, reactions) {
    article.querySelectorAll(".post-reactions button.reaction[data-emoji]").forEach(function (b) {
      var count = b.querySelector(".count");
      var n = reactions[b.getAttribute("data-emoji")] || 0;
      if (count) count.textContent = n ? String(n) : "";
    });
  }

  function pressed(article, emoji, mine) {
    article.querySelectorAll(".post-reactions button.reaction[data-emoji]").forEach(function (b) {
      if (b.getAttribute("data-emoji") !== emoji) return;
      b.classList.toggle("mine", !!mine);
      b.setAttribute("aria-pressed", mine ? "true" : "false");
    });
  }

  // The moderator's form under a post: hide a visible post, restore a hidden one.
  function moderation(article, hidden) {
    var modForm = article.querySelector(".post-moderate form.mod-form");
    if (!modForm) return;
    var id = article.getAttribute("data-post-id");
    var action = modForm.getAttribute("action") || "";
    var isHide = /\/hide\/$/.test(action);
    if (isHide !== hidden) return; // already the right one
    modForm.setAttribute("action", action.replace(hidden ? /\/hide\/$/ : /\/restore\/$/, hidden ? "/restore/" : "/hide/"));
    var input = modForm.querySelector("input[name=reason]");
    var label = modForm.querySelector("label");
    var inputId = (hidden ? "restore-reason-" : "hide-reason-") + id;
    if (input) { input.id = inputId; input.required = !hidden; input.value = ""; }
    if (label) { label.setAttribute("for", inputId); label.textContent = hidden ? S.reason_optional : S.reason; }
    var submit = modForm.querySelector("button");
    if (submit) {
      submit.textContent = hidden ? S.restore_post : S.hide_post;
      submit.classList.toggle("danger", !hidden);
      submit.classList.toggle("secondary", hidden);
    }
  }

  // --- Thread state: status line and reply form ------------------------------------------
  var connection = "";   // "", "connecting", "reconnecting", "offline", "closed"
  var connectionText = "";
  var news = [];          // [{key, node}]: things that happened (lock, move, pin)
  var newPosts = [];      // on an earlier page: [{id, number}] of posts written since

  function say(key, node) {
    news = news.filter(function (item) { return item.key !== key && !(key === "lock" && item.key === "pin"); });
    if (node) news.push({ key: key, node: node });
    renderStatus();
  }

  function renderStatus() {
    if (!statusNode) return;
    statusNode.textContent = "";
    var parts = [];
    if (locked) parts.push(document.createTextNode(S.locked));
    news.forEach(function (item) { if (item.key !== "lock" || !locked) parts.push(item.node); });
    if (newPosts.length) {
      var first = newPosts[0];
      var link = el("a", "thread-new-posts", t(newPosts.length === 1 ? "new_posts_one" : "new_posts_many", { count: newPosts.length }));
      link.href = "?post=" + first.number + "#post-" + first.id;
      parts.push(link);
    }
    if (connectionText) parts.push(document.createTextNode(connectionText));
    parts.forEach(function (part, index) {
      if (index) statusNode.appendChild(document.createTextNode(" "));
      statusNode.appendChild(part);
    });
  }

  function setConnection(state, text) {
    connection = state;
    connectionText = text || "";
    root.setAttribute("data-live", state || "live");
    renderStatus();
  }

  // Why this person cannot post now (null: they can). The page's own refusal (signed out,
  // not a member: with links) stays as the page rendered it.
  var fields = form ? form.querySelector("fieldset") : null;
  var refusalNode = document.getElementById("reply-refusal");
  var refusal = fields && fields.disabled ? { code: "page" } : null;
  // Readers who are not members may not flag either (the welcome says).
  var notMember = false;

  function setRefusal(next) {
    refusal = next;
    if (fields) fields.disabled = !!next;
    document.querySelectorAll(".post-reactions button.reaction").forEach(function (b) { b.disabled = !!next; });
    if (!refusalNode) return;
    if (!next) {
      refusalNode.hidden = true;
      refusalNode.textContent = "";
    } else if (next.message) {
      refusalNode.textContent = next.message;
      refusalNode.hidden = false;
    }
  }

  function setLocked(on) {
    locked = on;
    root.setAttribute("data-locked", on ? "true" : "false");
    if (!cfg.moderator) {
      if (on && (!refusal || refusal.code === "locked")) setRefusal({ code: "locked", message: S.locked });
      if (!on && refusal && refusal.code === "locked") setRefusal(null);
    }
  }

  // --- Stored events ----------------------------------------------------------------------
  function apply(event) {
    var post = event.post;
    switch (event.type) {
      case "post.created": {
        if (!post) break;
        var existing = articleOf(post.id);
        if (existing) { fill(existing, post); break; }
        if (!cfg.pageLast || !posts || !template) {
          if (!newPosts.some(function (p) { return p.id === post.id; })) newPosts.push({ id: post.id, number: post.number });
          renderStatus();
          break;
        }
        var article = build(post);
        posts.appendChild(article);
        if (post.author && post.author.id === cfg.me && sentPosts[post.id]) {
          delete sentPosts[post.id];
          article.scrollIntoView({ block: "nearest" });
        }
        markRead();
        break;
      }
      case "post.edited":
      case "post.hidden":
      case "post.restored": {
        if (!post) break;
        var shown = articleOf(post.id);
        if (!shown) break;
        // A hidden post's event has no text: fill() keeps what the author and moderators
        // have, and shows everyone else the placeholder.
        fill(shown, post);
        break;
      }
      case "post.reacted": {
        var target = articleOf(event.post_id);
        if (target && event.reactions) counts(target, event.reactions);
        break;
      }
      case "thread.locked": setLocked(true); say("lock", null); break;
      case "thread.unlocked": setLocked(false); say("lock", document.createTextNode(S.unlocked)); break;
      case "thread.pinned": say("pin", document.createTextNode(S.pinned)); break;
      case "thread.unpinned": say("pin", document.createTextNode(S.unpinned)); break;
      case "thread.moved": {
        var community = event.community || {};
        var where = el("span");
        var parts = S.moved.split("%(name)s");
        where.appendChild(document.createTextNode(parts[0]));
        var link = el("a", "", community.name || community.slug || "");
        link.href = "/communities/" + encodeURIComponent(community.slug || "") + "/";
        where.appendChild(link);
        where.appendChild(document.createTextNode(parts.slice(1).join(community.name || "")));
        say("move", where);
        break;
      }
    }
  }

  // --- The socket -------------------------------------------------------------------------
  var FINAL = { 4001: 1, 4401: 1, 4404: 1 };
  var BASE_DELAY = 500;
  var MAX_DELAY = 15000;
  var FETCH_RETRY = 4000;
  var ACK_TIMEOUT = 10000;
  var READ_DELAY = 1000;

  var lastSeq = Number(data.lastSeq) || 0; // every event up to this one is applied
  var maxSeen = lastSeq;
  var buffer = {};
  var fetching = null;
  var ws = null;
  var ready = false;
  var attempt = 0;
  var retryTimer = null;
  var fetchTimer = null;
  var stopped = false;
  var pending = null;      // the reply sent over the socket: {msg, timer}
  var reacting = {};       // client_id -> article, for reaction acks
  var sentPosts = {};      // ids of this page's own posts: scrolled to when they appear
  var readSent = highestNumber();
  var readTimer = null;

  function socketUrl() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    return scheme + location.host + cfg.wsPath + (lastSeq > 0 ? "?after=" + lastSeq : "");
  }

  function connect() {
    retryTimer = null;
    if (stopped || ws) return;
    // Quietly: the page works while it connects; only trouble is worth a line.
    if (connection !== "reconnecting") setConnection("connecting", "");
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
      if (FINAL[event.code]) stop(event.code);
      else scheduleReconnect();
    };
  }

  function scheduleReconnect() {
    if (stopped || retryTimer) return;
    var ceiling = Math.min(MAX_DELAY, BASE_DELAY * Math.pow(2, attempt));
    attempt += 1;
    var delay = ceiling / 2 + Math.random() * ceiling / 2; // "equal jitter"
    if (navigator.onLine === false) { setConnection("offline", S.offline); return; } // "online" resumes
    setConnection("reconnecting", t("reconnecting", { seconds: Math.ceil(delay / 1000) }));
    retryTimer = setTimeout(connect, delay);
  }

  function reconnectNow() {
    if (stopped || ws) return;
    clearTimeout(retryTimer);
    retryTimer = null;
    connect();
  }

  function stop(code) {
    stopped = true;
    ready = false;
    clearTimeout(retryTimer);
    setConnection("closed", S["closed_" + code] || "");
    if (pending) fallBack();
  }

  function transmit(msg) {
    if (!ws || ws.readyState !== 1) return false;
    try { ws.send(JSON.stringify(msg)); return true; } catch (e) { return false; }
  }

  // --- Frames -----------------------------------------------------------------------------
  function handle(frame) {
    switch (frame.type) {
      case "welcome": return welcome(frame);
      case "ack": return acknowledged(frame);
      case "error": return failed(frame);
    }
    if (typeof frame.seq === "number") stored(frame);
  }

  function welcome(frame) {
    ready = true;
    attempt = 0;
    setConnection("live", S.live);
    if (typeof frame.last_seq === "number") maxSeen = Math.max(maxSeen, frame.last_seq);
    if (typeof frame.locked === "boolean" && frame.locked !== locked) setLocked(frame.locked);
    notMember = !!(frame.refused && frame.refused.code === "not_member");
    if (frame.can_post) {
      if (refusal) setRefusal(null);
    } else if (frame.refused && (!refusal || refusal.code !== "page" || frame.refused.code === "silenced" || frame.refused.code === "locked")) {
      setRefusal({ code: frame.refused.code, message: frame.refused.message });
    }
    // A reply that went out on the socket before it closed goes again with the same
    // client_id: the server returns the stored post instead of storing a second one.
    if (pending) transmit(pending.msg);
    afterBatch();
  }

  function acknowledged(frame) {
    if (frame.request === "post.create" && pending && frame.client_id === pending.msg.client_id) {
      clearTimeout(pending.timer);
      pending = null;
      if (frame.post) sentPosts[frame.post.id] = 1;
      resetForm();
      return;
    }
    if (frame.request === "post.react" && reacting[frame.client_id]) {
      var article = reacting[frame.client_id];
      delete reacting[frame.client_id];
      pressed(article, frame.emoji, frame.mine);
      if (frame.reactions) counts(article, frame.reactions);
      return;
    }
    if (frame.request === "thread.read" && typeof frame.number === "number") readSent = Math.max(readSent, frame.number);
  }

  function failed(frame) {
    if (frame.client_id && fetching && frame.client_id === fetching.client_id) { fetching = null; return; }
    if (pending && frame.client_id === pending.msg.client_id) {
      clearTimeout(pending.timer);
      pending = null;
      busy(false);
      // The text is still in the box: nothing was cleared before the server said yes.
      showFormError(frame.message || S.send_failed);
      if (frame.code === "locked" || frame.code === "silenced") setRefusal({ code: frame.code, message: frame.message });
      return;
    }
    if (frame.client_id && reacting[frame.client_id]) {
      delete reacting[frame.client_id];
      if (frame.code === "locked" || frame.code === "silenced") setRefusal({ code: frame.code, message: frame.message });
      else say("error", document.createTextNode(frame.message || ""));
    }
  }

  // Stored events: each applied once, in order; early ones wait for the gap to be filled.
  function stored(event) {
    var seq = event.seq;
    if (seq <= lastSeq || buffer[seq]) return;
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

  // --- Reading ----------------------------------------------------------------------------
  function markRead() {
    if (document.visibilityState === "hidden" || !cfg.pageLast) return;
    clearTimeout(readTimer);
    readTimer = setTimeout(function () {
      var number = highestNumber();
      if (number > readSent && transmit({ type: "thread.read", client_id: uuid(), number: number })) readSent = number;
    }, READ_DELAY);
  }

  // --- The reply form ---------------------------------------------------------------------
  var textarea = form ? form.querySelector("textarea[name=text]") : null;
  var replyToInput = form ? form.querySelector("input[name=reply_to]") : null;
  var clientIdInput = form ? form.querySelector("input[name=client_id]") : null;
  var liveError = null;

  function showFormError(message) {
    if (!form) return;
    if (!liveError) {
      liveError = el("p", "error form-errors");
      liveError.setAttribute("role", "alert");
      liveError.setAttribute("data-live-error", "");
      var anchor = fields || form.firstChild;
      (fields || form).insertBefore(liveError, fields ? fields.firstChild : anchor);
    }
    liveError.textContent = message;
    liveError.hidden = !message;
  }

  function busy(on) {
    if (!form) return;
    var submit = form.querySelector("button[type=submit]:not([name=preview])");
    if (!submit) return;
    if (on) {
      submit.setAttribute("data-label", submit.textContent);
      submit.textContent = S.sending;
      submit.disabled = true;
    } else {
      if (submit.getAttribute("data-label")) submit.textContent = submit.getAttribute("data-label");
      submit.disabled = false;
    }
  }

  function resetForm() {
    busy(false);
    showFormError("");
    if (textarea) textarea.value = "";
    if (replyToInput) replyToInput.value = "";
    if (clientIdInput) clientIdInput.value = uuid();
    if (window.forumCompose && window.forumCompose.reset) window.forumCompose.reset(form);
  }

  // The socket did not answer in time: the form's normal POST, with the same client_id, so
  // that a reply the server did store is not stored twice.
  function fallBack() {
    if (!pending || !form) return;
    clearTimeout(pending.timer);
    pending = null;
    HTMLFormElement.prototype.submit.call(form);
  }

  if (form && textarea) {
    form.addEventListener("submit", function (event) {
      var submitter = event.submitter;
      if (submitter && submitter.name === "preview") return;
      if (!ready || pending || (fields && fields.disabled)) return; // the normal POST
      var text = textarea.value;
      if (!text.trim()) return; // the server's form says what is missing
      event.preventDefault();
      var clientId = clientIdInput && clientIdInput.value ? clientIdInput.value : uuid();
      if (clientIdInput) clientIdInput.value = clientId;
      var msg = { type: "post.create", client_id: clientId, text: text };
      var replyTo = replyToInput && replyToInput.value ? Number(replyToInput.value) : null;
      if (replyTo) msg.reply_to = replyTo;
      pending = { msg: msg, timer: setTimeout(fallBack, ACK_TIMEOUT) };
      showFormError("");
      busy(true);
      if (!transmit(msg)) fallBack();
    });
  }

  // Reaction buttons: over the socket when it is up; their form POSTs otherwise.
  document.addEventListener("submit", function (event) {
    var reactionForm = event.target;
    if (!reactionForm.classList || !reactionForm.classList.contains("post-reactions")) return;
    var button = event.submitter;
    var article = reactionForm.closest("article.post");
    if (!ready || !button || !button.getAttribute("data-emoji") || !article) return;
    var clientId = uuid();
    var msg = { type: "post.react", client_id: clientId, post_id: Number(article.getAttribute("data-post-id")), emoji: button.getAttribute("data-emoji") };
    if (!transmit(msg)) return;
    event.preventDefault();
    reacting[clientId] = article;
  });

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState !== "visible") return;
    markRead();
    if (attempt > 3) reconnectNow();
  });
  window.addEventListener("online", reconnectNow);

  window.ThreadLive = {
    handle: handle,
    apply: apply,
    state: function () {
      return { lastSeq: lastSeq, ready: ready, stopped: stopped, locked: locked, refusal: refusal, connection: connection, pending: pending ? pending.msg : null };
    },
    strings: S
  };

  // Signed out: the page reads fine without a socket, which would close with 4401 at once.
  // Posts written by the server and posts that arrive live show their times alike.
  document.querySelectorAll("#posts .post-time[datetime]").forEach(function (node) {
    setTime(node, node.getAttribute("datetime"));
  });
  if (cfg.me !== null && cfg.wsPath && "WebSocket" in window) connect();
})();
