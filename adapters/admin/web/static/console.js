// inpsbot console: small progressive enhancements; every page works without it.
(function () {
  "use strict";
  // After a change the page comes back at the row that changed: mark it and
  // give it the keyboard focus.
  var id = decodeURIComponent(location.hash.slice(1));
  var row = id && document.getElementById(id);
  if (row) {
    row.classList.add("highlight");
    var pressed = row.querySelector('button[aria-pressed="true"]') || row.querySelector("button.primary") ||
      row.querySelector('button, a, input:not([type="hidden"])');
    if (pressed) { pressed.focus({ preventScroll: false }); }
  } else if (document.querySelector('[aria-invalid="true"]')) {
    // A refused form comes back with the field to correct.
    document.querySelector('[aria-invalid="true"]').focus();
  } else {
    var msg = document.querySelector(".flash, .alert");
    if (msg) { msg.setAttribute("tabindex", "-1"); msg.focus(); }
  }
  // A form is sent once: a second click while it goes is ignored.
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    if (form.dataset.sent) { ev.preventDefault(); return; }
    form.dataset.sent = "1";
  });
})();
// Coming back to a page from the history makes its forms usable again.
window.addEventListener("pageshow", function () {
  document.querySelectorAll("form[data-sent]").forEach(function (f) { delete f.dataset.sent; });
});
