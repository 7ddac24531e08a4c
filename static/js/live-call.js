// Calls in the live room: WebRTC, everyone in the call sending to everyone (a mesh of at most
// rtc.mesh_limit), signalling with `rtc.signal` over the room's socket (window.LiveRoom, from
// live-room.js). Whoever joins calls those already in. Each connection has an audio and a
// video transceiver from the start: turning the microphone or camera on or off only replaces
// the track sent. Perfect negotiation (the higher user id is polite) covers renegotiation (an
// ICE restart). Joining asks for no device.
(function () {
  "use strict";
  var R = window.LiveRoom;
  if (!R || !document.getElementById("call")) return;
  var rtc = R.config.rtc || {}, S = R.config.strings, t = R.text;
  var LIMIT = rtc.mesh_limit || 6;
  var FLUSH_MS = 200;   // ICE candidates go in batches: signals have a rate limit
  var GRACE_MS = 4000;  // presence comes later than signals: a new connection waits for it
  var KINDS = ["audio", "video"];

  function $(id) { return document.getElementById(id); }
  function el(tag, className, text) {
    var node = document.createElement(tag);
    node.className = className || "";
    if (text) node.textContent = text;
    return node;
  }
  function log(error) { console.warn(error); }
  var joinButton = $("call-join"), micButton = $("call-mic"), camButton = $("call-cam");
  var leaveButton = $("call-leave"), notice = $("call-notice"), tiles = $("call-tiles");

  var supported = "RTCPeerConnection" in window;
  var inCall = false, joining = "";  // joining: the client_id of call.join
  var token = "";                    // this joining's id, to tell an earlier one's signals apart
  var peers = {};                    // user id -> {pc, remote (their token), tile, ...}
  var local = { audio: null, video: null };
  var noticeKind = "", self = null, pruneTimer = null;

  function each(fn) { Object.keys(peers).forEach(function (id) { fn(peers[id], id); }); }
  function nameOf(id) {
    var found = R.people().filter(function (p) { return p.id === Number(id); })[0];
    return found ? found.name : S.someone;
  }

  // One message at a time. kind: "full" (with the external link), "dropped", "error", "fail:<id>".
  function say(text, kind) {
    noticeKind = text ? kind : "";
    notice.textContent = text || "";
    notice.className = "message" + (kind === "full" || kind === "dropped" ? "" : " error");
    notice.hidden = !text;
    if (kind !== "full" || !text) return;
    var link = el("a", "", S.call_external);
    link.href = rtc.external_url;
    link.target = "_blank";
    link.rel = "noopener";
    notice.appendChild(document.createTextNode(" "));
    notice.appendChild(rtc.external_url ? link : document.createTextNode(S.call_no_external));
  }
  function full() { say(t("call_full", { limit: LIMIT }), "full"); }

  function signal(id, data) {
    data.s = token;
    R.request("rtc.signal", { to: Number(id), data: data });
  }
  function media() { return { a: !!local.audio, v: !!local.video }; }

  // --- Connections
  function connect(id, offerer) {
    var pc = new RTCPeerConnection({ iceServers: rtc.ice_servers || [] });
    var p = { id: Number(id), pc: pc, polite: R.me().id > Number(id), remote: "", queue: [], media: {},
      created: Date.now(), stream: new MediaStream(), tile: tile(nameOf(id)) };
    peers[id] = p;
    p.tile.dataset.peer = id;
    pc.onicecandidate = function (event) {
      if (!event.candidate || peers[id] !== p) return;
      p.queue.push(event.candidate.toJSON());
      if (!p.timer) p.timer = setTimeout(function () {
        p.timer = null;
        if (peers[id] === p) signal(id, { c: p.queue.splice(0) });
      }, FLUSH_MS);
    };
    pc.ontrack = function (event) {
      p.stream.addTrack(event.track);
      var video = p.tile.firstChild;
      if (video.srcObject !== p.stream) video.srcObject = p.stream;
    };
    pc.onnegotiationneeded = function () {
      p.making = true;
      pc.setLocalDescription()
        .then(function () { signal(id, { d: pc.localDescription.toJSON(), m: media() }); })
        .catch(log)
        .then(function () { p.making = false; });
    };
    pc.onconnectionstatechange = pc.oniceconnectionstatechange = function () { changed(p); };
    if (offerer) KINDS.forEach(function (k) { pc.addTransceiver(local[k] || k, { direction: "sendrecv" }); });
    changed(p);
    return p;
  }

  // Our tracks on every transceiver of the connection (null: sends nothing).
  function send(p) {
    p.pc.getTransceivers().forEach(function (tr) {
      var kind = tr.receiver.track.kind;
      if (tr.currentDirection === "stopped" || KINDS.indexOf(kind) < 0) return;
      if (tr.direction !== "sendrecv") tr.direction = "sendrecv";
      if (tr.sender.track !== local[kind]) tr.sender.replaceTrack(local[kind]).catch(log);
    });
  }

  function drop(id) {
    var p = peers[id];
    if (!p) return;
    delete peers[id];
    clearTimeout(p.timer);
    p.pc.close();
    p.stream.getTracks().forEach(function (track) { track.stop(); });
    tiles.removeChild(p.tile);
    if (noticeKind === "fail:" + id) say("");
  }

  function receive(from, data) {
    if (!token || !data || typeof data.s !== "string") return;
    var p = peers[from];
    var offer = data.d && data.d.type === "offer";
    if (data.bye) { if (p && (!p.remote || p.remote === data.s)) drop(from); return; }
    if (offer && p && p.remote && p.remote !== data.s) { drop(from); p = null; } // joined again
    if (!p && !offer) return;
    p = p || connect(from, false);
    p.remote = p.remote || data.s;
    if (p.remote !== data.s) return;
    if (data.d) describe(p, data.d);
    (Array.isArray(data.c) ? data.c : []).forEach(function (c) {
      p.pc.addIceCandidate(c).catch(function (e) { if (!p.ignore) log(e); });
    });
    if (data.m) { p.media = data.m; changed(p); }
  }

  function describe(p, description) {
    var pc = p.pc, offer = description.type === "offer";
    p.ignore = !p.polite && offer && (p.making || pc.signalingState !== "stable");
    if (p.ignore) return;
    pc.setRemoteDescription(description).then(function () {
      if (!offer) return;
      send(p);
      return pc.setLocalDescription().then(function () {
        signal(p.id, { d: pc.localDescription.toJSON(), m: media() });
      });
    }).catch(log);
  }

  // The tile's state line; a failed connection is said, and ICE restarted once.
  function changed(p) {
    if (peers[p.id] !== p) return;
    var state = p.pc.connectionState || p.pc.iceConnectionState;
    var ok = state === "connected" || state === "completed";
    if (state === "failed") {
      say(t("call_failed", { name: nameOf(p.id) }), "fail:" + p.id);
      if (!p.restarted && p.pc.restartIce) { p.restarted = true; p.pc.restartIce(); }
    } else if (ok && noticeKind === "fail:" + p.id) say("");
    paint(p.tile, p.media, ok ? [] : [state === "failed" ? S.call_no_connection : S.call_connecting]);
  }

  function paint(node, m, words) {
    if (!m.a) words.push(S.call_muted);
    if (!m.v) words.push(S.call_no_video);
    node.querySelector(".call-state").textContent = words.join(" · ");
    node.classList.toggle("off", !m.v);
  }

  function tile(name) {
    var node = el("li", "call-tile off");
    var video = el("video");
    video.autoplay = video.playsInline = true;
    var caption = el("p", "call-name", name);
    caption.appendChild(el("span", "call-state"));
    node.appendChild(video);
    node.appendChild(caption);
    return tiles.appendChild(node);
  }

  // Presence says who left the call or the room (the socket dropped), after a moment.
  function prune() {
    var calling = {};
    R.people().forEach(function (p) { if (p.in_call) calling[p.id] = p.name; });
    each(function (p, id) {
      if (calling[id]) p.tile.lastChild.firstChild.nodeValue = calling[id];
      else if (Date.now() - p.created > GRACE_MS) drop(id);
    });
  }

  // --- Joining and leaving
  function join() {
    token = Math.random().toString(36).slice(2) + Date.now().toString(36);
    joining = R.request("call.join") || "";
    if (!joining) { token = ""; say(S.call_offline, "error"); }
    render();
  }

  function joined(members) {
    inCall = true;
    if (noticeKind === "full" || noticeKind === "dropped") say("");
    self = tile(R.me().name + " " + S.you);
    self.classList.add("self");
    self.firstChild.muted = true;
    showSelf();
    members.forEach(function (id) { if (id !== R.me().id) connect(id, true); });
    pruneTimer = setInterval(prune, 2000);
  }

  // told: false when the socket is gone (and the server has taken us out of the call).
  function leave(told) {
    each(function (p, id) {
      if (told) signal(id, { bye: 1 });
      drop(id);
    });
    if (told && inCall) R.request("call.leave");
    KINDS.forEach(stop);
    if (self) tiles.removeChild(self);
    self = null;
    inCall = false;
    joining = token = "";
    clearInterval(pruneTimer);
    render();
  }

  // --- Microphone and camera: each asked for when turned on
  function stop(kind) {
    if (!local[kind]) return;
    local[kind].stop();
    local[kind] = null;
    each(send);
  }

  function toggle(kind) {
    if (local[kind]) { stop(kind); return update(); }
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return say(S.call_insecure, "error");
    var constraints = {};
    constraints[kind] = true;
    (kind === "audio" ? micButton : camButton).disabled = true;
    navigator.mediaDevices.getUserMedia(constraints).then(function (stream) {
      var track = stream.getTracks()[0];
      if (!inCall || local[kind]) return track.stop();
      local[kind] = track;
      track.onended = function () { if (local[kind] === track) { stop(kind); update(); } }; // unplugged
      each(send);
      if (noticeKind === "error") say("");
    }, function (error) {
      var denied = error.name === "NotAllowedError" || error.name === "SecurityError";
      say(S["call_" + (kind === "audio" ? "mic" : "cam") + (denied ? "_denied" : "_failed")], "error");
    }).then(update);
  }

  function update() {
    each(function (p, id) { signal(id, { m: media() }); });
    showSelf();
    render();
  }

  function showSelf() {
    if (!self) return;
    self.firstChild.srcObject = local.video ? new MediaStream([local.video]) : null;
    paint(self, media(), []);
  }

  // --- The panel
  function count() {
    var calling = R.people().filter(function (p) { return p.in_call; }).length;
    var node = $("call-count");
    node.textContent = t("call_count", { count: calling, limit: LIMIT });
    node.hidden = !calling;
    if (!inCall && calling >= LIMIT) full();
    else if (noticeKind === "full" && calling < LIMIT) say("");
  }

  function render() {
    joinButton.hidden = inCall;
    joinButton.disabled = !supported || !R.ready() || R.state() !== "open" || !!joining;
    micButton.hidden = camButton.hidden = leaveButton.hidden = tiles.hidden = !inCall;
    micButton.textContent = local.audio ? S.call_mute : S.call_unmute;
    camButton.textContent = local.video ? S.call_camera_off : S.call_camera_on;
    micButton.disabled = camButton.disabled = false;
  }

  R.on("frame", function (frame) {
    if (frame.type === "rtc.signal") return receive(frame.from, frame.data);
    if (!joining || frame.client_id !== joining) return;
    joining = "";
    if (frame.type === "call.joined") joined(frame.members || []);
    else {
      token = "";
      if (frame.code === "call_full") full();
      else say(frame.message, "error");
    }
    render();
  });
  R.on("people", function () { prune(); count(); });
  R.on("connection", function (up) {
    var was = inCall;
    if (!up && (inCall || joining)) leave(false);
    // For good (removed, ended): the room's own notice says why.
    if (was && !up && !R.stopped()) say(S.call_dropped, "dropped");
    render();
  });
  R.on("state", function (state) {
    if (state !== "open" && (inCall || joining)) leave(false);
    render();
  });

  joinButton.addEventListener("click", join);
  leaveButton.addEventListener("click", function () { leave(true); });
  micButton.addEventListener("click", function () { toggle("audio"); });
  camButton.addEventListener("click", function () { toggle("video"); });
  window.addEventListener("pagehide", function () { if (inCall) leave(true); });
  if (!supported) say(S.call_unsupported, "error");
  render();
})();
