/* The "In phiếu" button of the printable receipt (tincoso_admin/inquiry/receipt_print.html): a
   listener here, not an onclick attribute, which the admin's Content-Security-Policy forbids
   (core/security.py). */
document.querySelectorAll("button[data-print]").forEach(function (button) {
  button.addEventListener("click", function () {
    window.print();
  });
});
