// The notice page's print link (a script file: the pages allow no inline
// script, and no javascript: URLs).
document.addEventListener("click", function (ev) {
  var el = ev.target.closest && ev.target.closest("[data-print]");
  if (el) { ev.preventDefault(); window.print(); }
});
