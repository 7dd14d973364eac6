/* Behaviour shared by every page. Loaded as a static file: no inline script. */
(function () {
  "use strict";
  // Buttons that ask for confirmation: <button data-confirm="Are you sure?">.
  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-confirm]");
    if (target && !window.confirm(target.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });
  // A "select all" box: <input type="checkbox" data-check-all="name"> ticks every box named "name" in its form.
  document.addEventListener("change", function (event) {
    var master = event.target.closest("[data-check-all]");
    if (!master) {
      return;
    }
    var scope = master.form || document;
    var boxes = scope.querySelectorAll('input[type="checkbox"][name="' + master.getAttribute("data-check-all") + '"]');
    boxes.forEach(function (box) {
      box.checked = master.checked;
    });
  });
})();
/* A deadline shown in the workshop's zone gets the viewer's own local time beside it:
   <time datetime="…" data-zone="Asia/Tokyo" data-viewer-time="your time: %(when)s">. */
(function () {
  "use strict";
  var zone;
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (ignored) { return; }
  // The portal writes English dates day first ("23 Dec 2026"), as British English does.
  var lang = document.documentElement.lang === "en" ? "en-GB" : (document.documentElement.lang || undefined);
  document.querySelectorAll("time[data-viewer-time]").forEach(function (element) {
    if (element.getAttribute("data-zone") === zone) { return; }
    var when = new Date(element.getAttribute("datetime"));
    if (isNaN(when.getTime())) { return; }
    var text = new Intl.DateTimeFormat(lang, {
      day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", hour12: false,
      timeZoneName: "short"
    }).format(when);
    var note = document.createElement("span");
    note.className = "viewer-time text-body-secondary";
    note.textContent = " (" + element.getAttribute("data-viewer-time").replace("%(when)s", text) + ")";
    element.insertAdjacentElement("afterend", note);
  });
})();
