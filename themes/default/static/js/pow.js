/* Proof of work for the anti-spam check of public forms (server side: cms_pages/captcha.py).
 *
 * For every <form data-pow-token="…" data-pow-difficulty="16">, find a decimal nonce such that
 * sha256(token + ":" + nonce) starts with `difficulty` zero bits, put it in the form's
 * <input name="pow_nonce"> and report progress in its [data-pow-status] element. Work runs
 * in small chunks so the page stays responsive; a submit before the work is done waits for
 * it and then goes through by itself. Submit buttons are disabled once the form is sent.
 *
 * Plain ES2015 with its own SHA-256: crypto.subtle only exists on HTTPS pages.
 */
(function () {
  "use strict";

  const CHUNK = 2000; // hashes between two yields to the page
  const TEXT = {
    working: "Đang xác minh chống spam… (chỉ vài giây)",
    done: "Đã xác minh, có thể gửi.",
    waiting: "Vui lòng chờ xác minh chống spam hoàn tất…",
  };

  // SHA-256 (FIPS 180-4). Constants: the first 32 bits of the fractional parts of the
  // square roots (initial hash) and cube roots (round constants) of the first primes.
  const frac = (x) => ((x - Math.floor(x)) * 0x100000000) >>> 0;
  const PRIMES = [];
  for (let n = 2; PRIMES.length < 64; n++) {
    if (PRIMES.every((p) => n % p !== 0)) PRIMES.push(n);
  }
  const H0 = PRIMES.slice(0, 8).map((p) => frac(Math.sqrt(p)));
  const K = PRIMES.map((p) => frac(Math.cbrt(p)));
  const W = new Uint32Array(64);
  const ror = (x, n) => (x >>> n) | (x << (32 - n));

  function utf8(text) {
    if (typeof TextEncoder !== "undefined") return new TextEncoder().encode(text);
    const out = [];
    for (const ch of text) {
      const c = ch.codePointAt(0);
      if (c < 0x80) out.push(c);
      else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
      else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
      else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    }
    return new Uint8Array(out);
  }

  /** Digest (32 bytes) of a Uint8Array. */
  function sha256(bytes) {
    const length = bytes.length;
    const padded = new Uint8Array(((length + 72) >> 6) << 6); // room for 0x80 and the 64-bit length
    padded.set(bytes);
    padded[length] = 0x80;
    const view = new DataView(padded.buffer);
    view.setUint32(padded.length - 8, Math.floor(length / 0x20000000));
    view.setUint32(padded.length - 4, (length << 3) >>> 0);
    const h = H0.slice();
    for (let block = 0; block < padded.length; block += 64) {
      for (let t = 0; t < 64; t++) {
        if (t < 16) {
          W[t] = view.getUint32(block + 4 * t);
        } else {
          const s0 = ror(W[t - 15], 7) ^ ror(W[t - 15], 18) ^ (W[t - 15] >>> 3);
          const s1 = ror(W[t - 2], 17) ^ ror(W[t - 2], 19) ^ (W[t - 2] >>> 10);
          W[t] = W[t - 16] + s0 + W[t - 7] + s1;
        }
      }
      let [a, b, c, d, e, f, g, k] = h;
      for (let t = 0; t < 64; t++) {
        const t1 = (k + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) + K[t] + W[t]) | 0;
        const t2 = ((ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
        k = g; g = f; f = e; e = (d + t1) | 0;
        d = c; c = b; b = a; a = (t1 + t2) | 0;
      }
      [a, b, c, d, e, f, g, k].forEach((x, i) => { h[i] = (h[i] + x) >>> 0; });
    }
    const digest = new Uint8Array(32);
    const out = new DataView(digest.buffer);
    h.forEach((x, i) => out.setUint32(4 * i, x));
    return digest;
  }

  function sha256hex(text) {
    return Array.from(sha256(utf8(text)), (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function leadingZeroBits(digest) {
    let bits = 0;
    for (const byte of digest) {
      if (byte !== 0) return bits + Math.clz32(byte) - 24;
      bits += 8;
    }
    return bits;
  }

  /** Does `nonce` solve the challenge whose token + ":" is `prefix` (bytes)? */
  function solves(prefix, nonce, difficulty) {
    const digits = String(nonce);
    const bytes = new Uint8Array(prefix.length + digits.length);
    bytes.set(prefix);
    for (let i = 0; i < digits.length; i++) bytes[prefix.length + i] = digits.charCodeAt(i);
    return leadingZeroBits(sha256(bytes)) >= difficulty;
  }

  /** The smallest solving nonce, as the server's captcha.solve finds it. */
  function solveSync(token, difficulty) {
    const prefix = utf8(token + ":");
    let nonce = 0;
    while (!solves(prefix, nonce, difficulty)) nonce++;
    return String(nonce);
  }

  /** Same search, CHUNK hashes at a time, yielding to the page in between. */
  function solveAsync(token, difficulty, done) {
    const prefix = utf8(token + ":");
    let nonce = 0;
    // A MessageChannel message is not throttled like a nested setTimeout(…, 0).
    const channel = typeof MessageChannel !== "undefined" ? new MessageChannel() : null;
    const later = channel ? () => channel.port2.postMessage(null) : () => setTimeout(step, 0);
    function step() {
      for (const end = nonce + CHUNK; nonce < end; nonce++) {
        if (solves(prefix, nonce, difficulty)) {
          if (channel) channel.port1.close();
          done(String(nonce));
          return;
        }
      }
      later();
    }
    if (channel) channel.port1.onmessage = step;
    later();
  }

  function submitButtons(form) {
    return Array.prototype.filter.call(form.elements, (el) => el.type === "submit" || el.type === "image");
  }

  function protect(form) {
    const token = form.getAttribute("data-pow-token");
    if (!token || form.hasAttribute("data-pow-ready")) return;
    form.setAttribute("data-pow-ready", "");
    let difficulty = parseInt(form.getAttribute("data-pow-difficulty"), 10);
    if (!(difficulty >= 0)) difficulty = 16;
    let input = form.querySelector("input[name=pow_nonce]");
    if (!input) {
      input = document.createElement("input");
      input.type = "hidden";
      input.name = "pow_nonce";
      form.appendChild(input);
    }
    const status = form.querySelector("[data-pow-status]");
    if (status) {
      if (!status.hasAttribute("role")) status.setAttribute("role", "status");
      status.setAttribute("aria-live", "polite");
    }
    const say = (text) => { if (status) status.textContent = text; };

    let solved = false;
    let waiting = null; // { submitter } of a submit made before the work was done
    say(TEXT.working);
    solveAsync(token, difficulty, (nonce) => {
      input.value = nonce;
      solved = true;
      say(TEXT.done);
      if (waiting) {
        const submitter = waiting.submitter;
        waiting = null;
        try {
          form.requestSubmit(submitter); // runs the submit handlers, keeps the clicked button
        } catch (err) {
          form.submit(); // no requestSubmit (older browsers), or the button is gone
        }
      }
    });

    form.addEventListener("submit", (event) => {
      if (!solved) {
        event.preventDefault();
        waiting = { submitter: event.submitter || null };
        say(TEXT.waiting);
        return;
      }
      // After this tick the browser has collected the form data (a disabled button would
      // not be sent) and other handlers have had their say.
      setTimeout(() => {
        if (!event.defaultPrevented) submitButtons(form).forEach((b) => { b.disabled = true; });
      }, 0);
    });
  }

  if (typeof document !== "undefined") {
    const init = () => document.querySelectorAll("form[data-pow-token]").forEach(protect);
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
    else init();
    // Back to a page kept in the back/forward cache: the buttons must work again.
    window.addEventListener("pageshow", (event) => {
      if (!event.persisted) return;
      document.querySelectorAll("form[data-pow-ready]").forEach((form) => {
        submitButtons(form).forEach((b) => { b.disabled = false; });
      });
    });
  }

  if (typeof module !== "undefined" && module.exports) {
    module.exports = { sha256hex, leadingZeroBits, solveSync, utf8 };
  }
})();
