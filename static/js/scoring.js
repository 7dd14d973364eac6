/* Scoring sheets: per-cell save state, the offline queue and keyboard moves.
 *
 * Each score input saves itself through htmx (hx-post on change, one request
 * per cell at a time). This file adds what htmx does not know:
 * - every value is written to a queue in localStorage (per user and sheet)
 *   before it is sent, and removed only once the server has answered for it,
 *   so a value typed on a weak connection survives a reload and is resent
 *   when the connection returns (with the version it was typed against: a
 *   value changed meanwhile on another device is refused, not overwritten);
 *   the cell's private comment (the textarea under "Note") travels with its
 *   value: it is queued, sent and versioned together with it;
 * - an expired login (401) shows "unsent — log in again" in the cell, never
 *   the login page;
 * - 409 (changed elsewhere) and 422 (refused value) fragments are swapped in
 *   so the assessor reads the reason and, for 409, the current value;
 * - logging out (the form marked data-clear-offline-queue) forgets every
 *   queue on this device: tablets are shared.
 * Loaded as a static file: the Content-Security-Policy allows no inline script and no eval.
 */
(function () {
  "use strict";
  var PREFIX = "toa-offline:";

  function clearAllQueues() {
    try {
      var doomed = [];
      for (var i = 0; i < window.localStorage.length; i++) {
        var name = window.localStorage.key(i);
        if (name && name.indexOf(PREFIX) === 0) { doomed.push(name); }
      }
      doomed.forEach(function (name) { window.localStorage.removeItem(name); });
    } catch (ignored) { /* storage disabled: nothing was kept */ }
  }

  document.addEventListener("submit", function (event) {
    if (event.target.closest && event.target.closest("[data-clear-offline-queue]")) { clearAllQueues(); }
  }, true);

  var sheet = document.querySelector("[data-queue-key]");
  if (!sheet) { return; }
  var queueKey = sheet.getAttribute("data-queue-key");
  var scaleMin = parseInt(sheet.getAttribute("data-scale-min"), 10);
  var scaleMax = parseInt(sheet.getAttribute("data-scale-max"), 10);

  function msg(name) { return sheet.getAttribute("data-msg-" + name) || name; }

  function load() {
    try { return JSON.parse(window.localStorage.getItem(queueKey) || "{}") || {}; } catch (ignored) { return {}; }
  }

  function store(queue) {
    try {
      if (Object.keys(queue).length) { window.localStorage.setItem(queueKey, JSON.stringify(queue)); }
      else { window.localStorage.removeItem(queueKey); }
    } catch (ignored) { /* storage full or disabled: the value is still in the cell */ }
  }

  function isScore(el) { return !!(el && el.classList && el.classList.contains("score-input")); }
  function versionOf(input) { return document.getElementById(input.getAttribute("data-version")); }
  function isComment(el) { return !!(el && el.classList && el.classList.contains("comment-input")); }
  function commentOf(input) { return document.getElementById(input.getAttribute("data-comment")); }
  function commentText(input) {
    var comment = commentOf(input);
    return comment ? comment.value : undefined;
  }

  // The "Note" toggle shows a mark while the cell has a comment.
  function markComment(comment) {
    var details = comment && comment.closest("details");
    if (details) { details.classList.toggle("has-comment", comment.value.trim() !== ""); }
  }

  function putComment(input, text) {
    var comment = commentOf(input);
    if (comment && text !== undefined) { comment.value = text; markComment(comment); }
  }

  function setState(input, state, text) {
    var el = document.getElementById(input.getAttribute("data-state"));
    if (!el) { return; }
    el.setAttribute("data-state", state);
    el.textContent = text;
  }

  function banner(id, show) {
    var el = document.getElementById(id);
    if (el) { el.classList.toggle("d-none", !show); }
  }

  // The version kept is the one the first unsent value was typed against.
  function enqueue(input) {
    var queue = load();
    var version = versionOf(input);
    var entry = queue[input.id];
    queue[input.id] = {
      value: input.value,
      comment: commentText(input),
      version: entry ? entry.version : (version ? version.value : "0")
    };
    store(queue);
  }

  function settle(input, sentValue, sentComment) {
    var queue = load();
    var entry = queue[input.id];
    if (!entry) { return; }
    if (entry.value === sentValue && (entry.comment === undefined || entry.comment === sentComment)) {
      delete queue[input.id];
    }
    else {
      var version = versionOf(input);
      if (version) { entry.version = version.value; }
    }
    store(queue);
  }

  // The sender: one cell at a time per sheet, in the order they were typed.
  // A network error, a 5xx or a 429 keeps the value queued and tries again
  // after an exponential back-off with full jitter (so the phones of a room
  // coming back online together spread out), for as long as the page is open.
  // "Send now" (and the connection coming back) tries again at once.
  var BACKOFF_FIRST = 1000;
  var BACKOFF_MAX = 30000;
  var inFlight = null;   // the id of the cell being sent
  var failures = 0;      // consecutive failed attempts
  var retryTimer = null;
  var parked = {};       // cells waiting for the user (log in again, reload)

  function pending() { return Object.keys(load()).length > 0; }

  function showQueue(state) {
    var box = document.getElementById("offline-banner");
    if (!box) { return; }
    var text = document.getElementById("queue-status");
    if (state === "offline" || state === "retrying") {
      if (text) { text.textContent = msg(state); }
      box.classList.remove("d-none");
    } else {
      box.classList.add("d-none");
    }
  }

  function nextCell() {
    var queue = load();
    var ids = Object.keys(queue);
    for (var i = 0; i < ids.length; i++) {
      var input = document.getElementById(ids[i]);
      if (input && !input.disabled && !parked[ids[i]]) { return { input: input, entry: queue[ids[i]] }; }
    }
    return null;
  }

  function pump() {
    if (inFlight !== null || retryTimer !== null) { return; }
    var next = nextCell();
    if (!next) { showQueue(""); return; }
    if (navigator.onLine === false) { showQueue("offline"); return; }
    var input = next.input;
    var version = versionOf(input);
    input.value = next.entry.value;
    putComment(input, next.entry.comment);
    if (version) { version.value = next.entry.version; }
    inFlight = input.id;
    window.htmx.trigger(input, "toa:send");
  }

  function retryLater(retryAfterSeconds) {
    failures += 1;
    var ceiling = Math.min(BACKOFF_MAX, BACKOFF_FIRST * Math.pow(2, failures - 1));
    var delay = Math.random() * ceiling;
    if (retryAfterSeconds > 0) { delay = Math.max(delay, retryAfterSeconds * 1000); }
    showQueue(navigator.onLine === false ? "offline" : "retrying");
    window.clearTimeout(retryTimer);
    retryTimer = window.setTimeout(function () { retryTimer = null; pump(); }, delay);
  }

  function sendNow() {
    window.clearTimeout(retryTimer);
    retryTimer = null;
    failures = 0;
    parked = {};
    pump();
  }

  // Values typed on this device earlier and not yet confirmed by the server.
  (function restore() {
    var queue = load();
    Object.keys(queue).forEach(function (id) {
      var input = document.getElementById(id);
      if (!input) { return; }
      input.value = queue[id].value;
      putComment(input, queue[id].comment);
      setState(input, "unsent", msg("unsent"));
    });
  })();

  // A typed value is queued, then sent when its turn comes.
  sheet.addEventListener("change", function (event) {
    var input = event.target;
    if (!isScore(input)) { return; }
    enqueue(input);
    delete parked[input.id];
    setState(input, navigator.onLine === false ? "unsent" : "saving", msg(navigator.onLine === false ? "unsent" : "saving"));
    pump();
  });

  // A changed comment is saved with its cell's value, through the value's own request.
  sheet.addEventListener("change", function (event) {
    if (!isComment(event.target)) { return; }
    var input = document.getElementById(event.target.getAttribute("data-score"));
    if (input && !input.disabled) { input.dispatchEvent(new Event("change", { bubbles: true })); }
  });

  sheet.addEventListener("input", function (event) {
    if (isComment(event.target)) { markComment(event.target); }
  });

  document.body.addEventListener("htmx:beforeRequest", function (event) {
    var input = event.detail.elt;
    if (!isScore(input)) { return; }
    if (navigator.onLine === false) {
      event.preventDefault();
      inFlight = null;
      setState(input, "unsent", msg("unsent"));
      showQueue("offline");
      return;
    }
    input.setAttribute("data-sending", input.value);
    var comment = commentText(input);
    if (comment === undefined) { input.removeAttribute("data-sending-comment"); }
    else { input.setAttribute("data-sending-comment", comment); }
    setState(input, "saving", msg("saving"));
  });

  function requester(event) {
    var config = event.detail.requestConfig;
    return config ? config.elt : null;
  }

  function loginExpired(xhr) {
    return xhr.status === 401 || (xhr.responseURL || "").indexOf("/accounts/login/") !== -1;
  }

  function answered(status) { return (status >= 200 && status < 300) || status === 409 || status === 422; }

  // Fired on the swap target: decide which answers replace the cell's state.
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    if (!isScore(requester(event))) { return; }
    event.detail.shouldSwap = !loginExpired(event.detail.xhr) && answered(event.detail.xhr.status);
    event.detail.isError = false;
  });

  // Fired once the answer is handled (and swapped), and after a network error
  // or a timeout (status 0). When the answer replaced the input itself (a
  // conflict), htmx fires it on the nearest ancestor still in the page: the
  // request's own element is in its configuration.
  document.body.addEventListener("htmx:afterRequest", function (event) {
    var input = requester(event) || event.detail.elt;
    var xhr = event.detail.xhr;
    if (!isScore(input) || !xhr || input.id !== inFlight) { return; }
    var sent = input.getAttribute("data-sending");
    var sentComment = input.hasAttribute("data-sending-comment") ? input.getAttribute("data-sending-comment") : undefined;
    input.removeAttribute("data-sending");
    input.removeAttribute("data-sending-comment");
    var current = document.getElementById(input.id) || input;
    var status = xhr.status;
    inFlight = null;
    if (!status || status >= 500 || status === 429) {
      setState(current, "unsent", msg("unsent"));
      retryLater(parseInt(xhr.getResponseHeader && xhr.getResponseHeader("Retry-After"), 10) || 0);
      return;
    }
    failures = 0;
    if (loginExpired(xhr)) {
      parked[current.id] = true;
      setState(current, "login", msg("login"));
      banner("login-banner", true);
    } else if (status === 403) {
      // Most often a form token that changed when the user logged in again elsewhere.
      parked[current.id] = true;
      setState(current, "unsent", msg("reload"));
    } else {
      markComment(commentOf(current));
      settle(current, sent, sentComment);
      if (!answered(status)) { setState(current, "error", msg("error")); }
      if (!pending()) { banner("login-banner", false); }
    }
    pump();
  });

  var sendButton = document.getElementById("queue-send-now");
  if (sendButton) { sendButton.addEventListener("click", sendNow); }
  window.addEventListener("offline", function () { showQueue("offline"); });
  window.addEventListener("online", sendNow);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") { sendNow(); }
  });

  // Keyboard: a digit that can only mean one score moves on; Enter and the arrows move between cells.
  function inputs() { return Array.prototype.slice.call(sheet.querySelectorAll(".score-input:not([disabled])")); }

  function move(from, step) {
    var all = inputs();
    var next = all[all.indexOf(from) + step];
    if (next) { next.focus(); }
  }

  function moveRow(from, step) {
    var row = from.closest("tr");
    var col = from.getAttribute("data-col");
    while (row) {
      row = step > 0 ? row.nextElementSibling : row.previousElementSibling;
      var target = row && row.querySelector('.score-input[data-col="' + col + '"]:not([disabled])');
      if (target) { target.focus(); return; }
    }
  }

  sheet.addEventListener("focusin", function (event) {
    if (isScore(event.target)) { event.target.select(); }
  });

  sheet.addEventListener("input", function (event) {
    var input = event.target;
    if (!isScore(input) || !/^\d+$/.test(input.value)) { return; }
    var value = parseInt(input.value, 10);
    if (value >= scaleMin && value <= scaleMax && value * 10 > scaleMax) { move(input, 1); }
  });

  sheet.addEventListener("keydown", function (event) {
    var input = event.target;
    if (!isScore(input) || event.altKey || event.ctrlKey || event.metaKey) { return; }
    if (event.key === "Enter") { event.preventDefault(); move(input, event.shiftKey ? -1 : 1); }
    else if (event.key === "ArrowDown") { event.preventDefault(); moveRow(input, 1); }
    else if (event.key === "ArrowUp") { event.preventDefault(); moveRow(input, -1); }
  });

  var submit = document.getElementById("sheet-submit");
  if (submit) {
    submit.addEventListener("submit", function (event) {
      // An upload from the same form (formaction) may go while scores are still being sent.
      if (event.submitter && event.submitter.hasAttribute("formaction")) { return; }
      if (pending()) { event.preventDefault(); window.alert(msg("pending")); }
    });
  }

  // Resend what an earlier visit left unsent, once htmx has wired the inputs (on DOMContentLoaded).
  function start() { window.setTimeout(pump, 0); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
