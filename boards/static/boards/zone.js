/* A clock or a ticker zone for A-SMIL players (boards/smil.py puts this page in a region with
   <ref type="text/html">). Everything comes from the query string, as the reference player
   (player/zones.py) reads it from playlist.json's layout:
   clock:  time, date (strftime: %H %M %S %d %m %Y %y %I %p %%; {weekday}), days (the weekday
           names, Monday first, separated by |), offset (+07:00: the zone's time, whatever the
           player's own zone), date_fg (the date line's colour);
   ticker: text, sep (repeated after the text), speed (pixels per second, right to left), px;
   both:   fg, bg (colours), font (URL of the layout's font).
   No inline script, no network access but the font. */
(function () {
  "use strict";
  var query = new URLSearchParams(window.location.search);
  var body = document.body;
  var kind = body.getAttribute("data-zone");
  if (query.get("bg")) { body.style.background = query.get("bg"); }
  if (query.get("fg")) { body.style.color = query.get("fg"); }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function offsetMinutes(text) {
    var match = /^([+-])(\d\d):(\d\d)$/.exec(text || "");
    if (!match) { return 0; }
    var minutes = Number(match[2]) * 60 + Number(match[3]);
    return match[1] === "-" ? -minutes : minutes;
  }

  /* `moment`: a Date whose UTC fields are the zone's local time. */
  function format(pattern, moment, days) {
    return pattern.replace(/\{weekday\}|%([a-zA-Z%])/g, function (all, code) {
      if (all === "{weekday}") { return days[(moment.getUTCDay() + 6) % 7] || ""; }
      switch (code) {
        case "H": return pad(moment.getUTCHours());
        case "M": return pad(moment.getUTCMinutes());
        case "S": return pad(moment.getUTCSeconds());
        case "d": return pad(moment.getUTCDate());
        case "m": return pad(moment.getUTCMonth() + 1);
        case "Y": return String(moment.getUTCFullYear());
        case "y": return pad(moment.getUTCFullYear() % 100);
        case "I": return pad(moment.getUTCHours() % 12 || 12);
        case "p": return moment.getUTCHours() < 12 ? "AM" : "PM";
        case "%": return "%";
        default: return all;
      }
    });
  }

  function startClock() {
    var timeFormat = query.get("time") || "%H:%M";
    var dateFormat = query.get("date") || "";
    var days = (query.get("days") || "").split("|");
    var shift = offsetMinutes(query.get("offset")) * 60000;
    var time = document.getElementById("time");
    var date = document.getElementById("date");
    if (query.get("date_fg")) { date.style.color = query.get("date_fg"); }
    function tick() {
      var moment = new Date(Date.now() + shift);
      time.textContent = format(timeFormat, moment, days);
      date.textContent = format(dateFormat, moment, days);
      window.setTimeout(tick, 1000 - (Date.now() % 1000) + 5);
    }
    tick();
  }

  var strip = null;
  function layTicker() {
    var text = (query.get("text") || "") + (query.get("sep") || "   ");
    var px = Number(query.get("px")) || Math.round(window.innerHeight * 0.6);
    strip = strip || document.getElementById("strip");
    strip.style.fontSize = px + "px";
    strip.textContent = "";
    var first = document.createElement("span");
    first.textContent = text;
    strip.appendChild(first);
    var unit = first.getBoundingClientRect().width || 1;
    var copies = Math.ceil(window.innerWidth / unit) + 1;
    for (var i = 0; i < copies; i += 1) {
      var span = document.createElement("span");
      span.textContent = text;
      strip.appendChild(span);
    }
    strip.setAttribute("data-unit", String(unit));
  }

  function startTicker() {
    var speed = Number(query.get("speed")) || 100;
    var started = null;
    layTicker();
    window.addEventListener("resize", layTicker);
    /* Where the text is depends only on the time since the start (as in the reference
       player), so a late or skipped frame never slows it down. A timer, not
       requestAnimationFrame: some players' browsers hold animation frames back. */
    function frame() {
      var now = window.performance.now();
      if (started === null) { started = now; }
      var unit = Number(strip.getAttribute("data-unit")) || 1;
      var travelled = (now - started) / 1000 * speed;
      /* It comes in from the right edge, then loops: text, separator, text … */
      var left = travelled < window.innerWidth ? window.innerWidth - travelled : -((travelled - window.innerWidth) % unit);
      strip.style.transform = "translateX(" + left.toFixed(1) + "px)";
    }
    frame();
    window.setInterval(frame, 1000 / 30);
  }

  function useFont() {
    var url = query.get("font");
    if (!url || !window.FontFace || !document.fonts) { return; }
    new window.FontFace("ZoneFont", "url(" + JSON.stringify(url) + ")").load().then(function (face) {
      document.fonts.add(face);
      body.style.fontFamily = "ZoneFont, sans-serif";
      if (kind === "ticker") { layTicker(); }
    }, function () { /* the page's own font stays */ });
  }

  if (kind === "clock") { startClock(); } else if (kind === "ticker") { startTicker(); }
  useFont();
}());
