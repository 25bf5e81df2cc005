/* tincoso · Hỏi đáp form: "use my location" for a field report (optional; the form works without it). */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("form.inquiry-form");
    if (!form || !("geolocation" in navigator)) return;
    var box = form.querySelector(".geo"), button = form.querySelector("[data-geo]"),
        status = form.querySelector("[data-geo-status]");
    if (!box || !button) return;
    box.hidden = false;
    button.addEventListener("click", function () {
      status.textContent = "Đang lấy vị trí…";
      navigator.geolocation.getCurrentPosition(function (pos) {
        form.elements.latitude.value = pos.coords.latitude.toFixed(6);
        form.elements.longitude.value = pos.coords.longitude.toFixed(6);
        status.textContent = "Đã ghi vị trí (" + pos.coords.latitude.toFixed(5) + ", " +
          pos.coords.longitude.toFixed(5) + ").";
      }, function () {
        status.textContent = "Không lấy được vị trí; bạn có thể ghi địa điểm vào ô bên trên.";
      }, {enableHighAccuracy: true, timeout: 15000, maximumAge: 60000});
    });
  });
})();
