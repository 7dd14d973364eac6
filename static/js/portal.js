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
