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
})();
