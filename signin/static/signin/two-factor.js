// The recovery codes' print button (signin/templates/signin/codes.html): shown only where
// scripts run, since printing needs one. A file, not an inline script (Content-Security-Policy).
document.querySelectorAll("[data-signin-print]").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
});
