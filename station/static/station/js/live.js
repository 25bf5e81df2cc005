/* "Phát trực tiếp" (station/live_views.py): the official's microphone to the live ingest
 * (station/ingest.py) over a WebSocket, as WebM/Opus chunks from MediaRecorder every 100 ms;
 * a level meter, the elapsed time and each cluster's state as the ingest reports it.
 *
 * The steps, each with its own Vietnamese message when it fails: clusters chosen → the
 * microphone (permission, presence) → a ticket from the admin (POST, CSRF; 403/404 for
 * clusters that are not the user's) → the WebSocket (the ticket first) → "ready" → recording.
 * A microphone that drops (unplugged, switched off) or a lost connection ends the broadcast and
 * says so; what aired is kept in the broadcast log either way.
 *
 * window.tincosoLive holds the state for people debugging a station (and the tests): state,
 * session, programme, the last status, the microphone's stream, and `onsets`, the moments
 * (Date.now()) the microphone's level rose from quiet to loud. */
(function () {
  "use strict";
  var root = document.getElementById("tincoso-live");
  var form = document.getElementById("live-form");
  if (!root || !form) return;

  var SLICE_MS = 100;
  var MIME = "audio/webm;codecs=opus";
  var LOUD = 0.08, QUIET_MS = 300;
  var MIC_LOST = "Micrô bị ngắt (rút ra, tắt hoặc bị chương trình khác chiếm): buổi phát đã dừng. " +
    "Phần đã phát được lưu trong nhật ký phát thanh.";
  var $ = function (id) { return document.getElementById(id); };
  var startButton = $("live-start"), stopButton = $("live-stop"), panel = $("live-panel");
  var state = window.tincosoLive = { state: "idle", onsets: [], session: null, programme: null, status: null };
  var stream = null, recorder = null, socket = null, audio = null, meterTimer = null, clockTimer = null;
  var started = 0, ending = false, finished = false;

  function show(id, text) {
    var node = $(id);
    node.textContent = text || "";
    node.hidden = !text;
  }
  function error(text) { show("live-error", text); if (text) show("live-message", ""); }
  function message(text) { show("live-message", text); }
  function setState(name, label) {
    state.state = name;
    $("live-state").textContent = label;
    root.setAttribute("data-state", name);
  }

  // --- choosing clusters -------------------------------------------------------------------
  form.addEventListener("change", function (event) {
    var box = event.target;
    if (box.classList && box.classList.contains("live-all")) {
      form.querySelectorAll('input[name="clusters"][data-group="' + box.dataset.group + '"]').forEach(function (c) {
        c.checked = box.checked;
      });
    }
  });
  function chosen() {
    return Array.prototype.map.call(form.querySelectorAll('input[name="clusters"]:checked'), function (c) { return c.value; });
  }
  function priority() {
    var checked = form.querySelector('input[name="priority"]:checked');
    return checked ? checked.value : "normal";
  }

  // --- the microphone ------------------------------------------------------------------------
  function micError(e) {
    var name = e && e.name;
    if (name === "NotAllowedError" || name === "SecurityError")
      return "Trình duyệt chưa cho phép dùng micrô: bấm biểu tượng micrô (hoặc ổ khoá) trên thanh địa chỉ, chọn “Cho phép”, rồi bấm “Bắt đầu phát” lại.";
    if (name === "NotFoundError" || name === "OverconstrainedError")
      return "Không tìm thấy micrô nào trên máy này: cắm micrô (hoặc tai nghe có micrô) rồi thử lại.";
    if (name === "NotReadableError" || name === "AbortError")
      return "Micrô đang bị chương trình khác dùng hoặc bị lỗi: đóng chương trình đó (Zalo, Zoom…) rồi thử lại.";
    return "Không mở được micrô: " + ((e && e.message) || e);
  }

  function meter() {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return;
    audio = new Context();
    var source = audio.createMediaStreamSource(stream);
    var analyser = audio.createAnalyser();
    analyser.fftSize = 512;
    source.connect(analyser);
    var buffer = new Float32Array(analyser.fftSize);
    var level = $("live-level"), box = $("live-meter"), quietSince = performance.now();
    meterTimer = setInterval(function () {
      analyser.getFloatTimeDomainData(buffer);
      var sum = 0;
      for (var i = 0; i < buffer.length; i++) sum += buffer[i] * buffer[i];
      var rms = Math.sqrt(sum / buffer.length), now = performance.now();
      var db = rms > 0 ? Math.max(-60, 20 * Math.log10(rms)) : -60;
      level.style.width = ((db + 60) / 60 * 100).toFixed(1) + "%";
      level.classList.toggle("live-loud", db > -6);
      box.setAttribute("aria-valuenow", db.toFixed(0));
      if (rms > LOUD) {
        if (quietSince !== null && now - quietSince >= QUIET_MS) state.onsets.push(Date.now());
        quietSince = null;
      } else if (quietSince === null) {
        quietSince = now;
      }
    }, 10);
  }

  // --- the broadcast ---------------------------------------------------------------------------
  function cookie(name) {
    var match = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return match ? decodeURIComponent(match[1]) : "";
  }
  function csrf() {
    var input = form.querySelector('input[name="csrfmiddlewaretoken"]');
    return (input && input.value) || cookie("csrftoken");
  }

  async function start() {
    error("");
    message("");
    var clusters = chosen();
    if (!clusters.length) { error("Chọn ít nhất một cụm loa để phát."); return; }
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      error("Trình duyệt này không cho dùng micrô: dùng Chrome, Edge hoặc Firefox bản mới, và mở trang quản trị bằng https.");
      return;
    }
    if (!window.MediaRecorder || !MediaRecorder.isTypeSupported(MIME)) {
      error("Trình duyệt này không ghi được âm thanh WebM/Opus: dùng Chrome, Edge hoặc Firefox bản mới.");
      return;
    }
    startButton.disabled = true;
    lock(true);
    ending = false;
    finished = false;
    setState("starting", "Đang mở micrô…");
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true, channelCount: 1 },
      });
    } catch (e) {
      error(micError(e));
      reset();
      return;
    }
    state.stream = stream;
    stream.getAudioTracks().forEach(function (track) {
      track.addEventListener("ended", function () {
        if (state.state === "on_air") stop("mic");
      });
    });
    var body = new FormData();
    clusters.forEach(function (c) { body.append("clusters", c); });
    body.append("priority", priority());
    var answer;
    try {
      var response = await fetch(root.dataset.ticketUrl, {
        method: "POST", body: body, credentials: "same-origin", headers: { "X-CSRFToken": csrf() },
      });
      answer = await response.json().catch(function () { return {}; });
      if (!response.ok) throw new Error((answer.error && answer.error.message) || "Máy chủ từ chối (HTTP " + response.status + ").");
    } catch (e) {
      error(e.message || String(e));
      reset();
      return;
    }
    panel.hidden = false;
    renderClusters(answer.clusters.map(function (c) { return Object.assign({ label: "Đang gửi lệnh" }, c); }));
    meter();
    setState("connecting", "Đang kết nối máy chủ phát…");
    try {
      socket = new WebSocket(answer.ingest_url);
    } catch (e) {
      error("Không kết nối được máy chủ phát trực tiếp: " + e.message);
      reset();
      return;
    }
    socket.binaryType = "arraybuffer";
    socket.onopen = function () { socket.send(JSON.stringify({ ticket: answer.ticket })); };
    socket.onmessage = function (event) {
      var data;
      try { data = JSON.parse(event.data); } catch (e) { return; }
      if (data.type === "ready") onAir(data);
      else if (data.type === "status") status(data);
      else if (data.type === "error") { error(data.message); finished = true; }
      else if (data.type === "ended") ended(data);
    };
    socket.onerror = function () {};
    socket.onclose = function () {
      if (!finished) {
        error(state.state === "connecting"
          ? "Không kết nối được máy chủ phát trực tiếp: báo quản trị hệ thống (manage.py live_ingest chưa chạy?)."
          : "Mất kết nối tới máy chủ phát trực tiếp: buổi phát đã dừng. Phần đã phát được lưu trong nhật ký phát thanh.");
      }
      reset();
    };
  }

  function onAir(data) {
    state.session = data.session;
    $("live-title").textContent = data.title;
    recorder = new MediaRecorder(stream, { mimeType: MIME, audioBitsPerSecond: 64000 });
    recorder.ondataavailable = function (event) {
      if (event.data && event.data.size && socket && socket.readyState === WebSocket.OPEN) socket.send(event.data);
    };
    recorder.onstop = function () {
      if (ending === "page") return;  // the tab is closing: the ingest sees the connection go
      // Stopped by anything but "Kết thúc": the microphone went away (MediaRecorder stops by
      // itself when its track ends).
      if (!ending) {
        ending = "mic";
        setState("ending", "Đang kết thúc, lưu bản ghi…");
        error(MIC_LOST);
      }
      // The last chunk has been handed over: say the broadcast is over.
      setTimeout(function () {
        if (socket && socket.readyState === WebSocket.OPEN)
          socket.send(JSON.stringify({ type: "end", reason: ending === "mic" ? "mic" : "" }));
      }, 0);
    };
    recorder.onerror = function () { stop("mic"); };
    recorder.start(SLICE_MS);
    started = Date.now();
    setState("on_air", "Đang phát trực tiếp");
    startButton.hidden = true;
    stopButton.hidden = false;
    stopButton.disabled = false;
    clockTimer = setInterval(function () {
      var s = Math.floor((Date.now() - started) / 1000);
      $("live-elapsed").textContent = Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
    }, 250);
  }

  function status(data) {
    state.status = data;
    if (data.clusters) renderClusters(data.clusters);
  }

  function renderClusters(clusters) {
    var body = $("live-clusters");
    body.textContent = "";
    clusters.forEach(function (c) {
      var row = document.createElement("tr");
      row.dataset.cluster = c.id;
      row.dataset.state = c.state || "";
      [c.name, c.unit, c.label].forEach(function (text) {
        var cell = document.createElement("td");
        cell.textContent = text || "";
        row.appendChild(cell);
      });
      body.appendChild(row);
    });
  }

  function stop(reason) {
    if (ending) return;
    ending = reason || "user";
    stopButton.disabled = true;
    setState("ending", "Đang kết thúc, lưu bản ghi…");
    if (reason === "mic") error(MIC_LOST);
    if (recorder && recorder.state !== "inactive") recorder.stop();
    else if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: "end", reason: reason === "mic" ? "mic" : "" }));
  }

  function ended(data) {
    finished = true;
    state.programme = data.programme;
    setState("ended", "Đã kết thúc");
    var text = "Đã kết thúc buổi phát (" + Math.round(data.seconds || 0) + " giây).";
    if (data.programme) text += " Bản ghi “" + data.title + "” đã lưu vào nhật ký phát thanh.";
    if (data.message && ending !== "mic") error(data.message);
    message(text);
  }

  function reset() {
    if (meterTimer) clearInterval(meterTimer);
    if (clockTimer) clearInterval(clockTimer);
    meterTimer = clockTimer = null;
    if (recorder && recorder.state !== "inactive") { try { recorder.stop(); } catch (e) { /* already stopped */ } }
    if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
    if (audio) audio.close().catch(function () {});
    recorder = stream = audio = state.stream = null;
    if (socket && socket.readyState <= WebSocket.OPEN) { try { socket.close(); } catch (e) { /* gone */ } }
    socket = null;
    if (state.state !== "ended") setState("idle", "Chưa phát");
    startButton.hidden = false;
    startButton.disabled = false;
    stopButton.hidden = true;
    lock(false);
  }

  function lock(on) {
    // The clusters and the priority of a broadcast are fixed once it starts.
    form.querySelectorAll('input[name="clusters"], input.live-all, input[name="priority"]').forEach(function (input) {
      input.disabled = on;
    });
  }

  startButton.addEventListener("click", start);
  stopButton.addEventListener("click", function () { stop("user"); });
  window.addEventListener("pagehide", function () {
    if (state.state === "on_air" && !ending) ending = "page";
  });
  window.addEventListener("beforeunload", function (event) {
    if (state.state === "on_air") { event.preventDefault(); event.returnValue = ""; }
  });
})();
