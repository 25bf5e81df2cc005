/* tincoso · the header's "Menu" button on narrow screens (cms_pages/includes/header.html).
   Loaded in <head> without defer, so that the class below is set before the first paint and the
   menu never flashes open on a phone; the rest waits for the document. Without this script the
   header simply stays expanded. */
(function () {
  "use strict";
  document.documentElement.classList.add("has-menu-js");
  document.addEventListener("DOMContentLoaded", function () {
    var header = document.querySelector(".site-header");
    var button = header && header.querySelector(".menu-toggle");
    if (!button) return;
    function setOpen(open) {
      header.classList.toggle("menu-open", open);
      button.setAttribute("aria-expanded", open ? "true" : "false");
    }
    button.addEventListener("click", function () {
      setOpen(button.getAttribute("aria-expanded") !== "true");
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
        setOpen(false);
        button.focus();
      }
    });
  });
})();
