// "Use my location": fills the form's lat/lng from the browser. The page works without it.
(function () {
  if (!("geolocation" in navigator)) return;
  document.querySelectorAll("[data-locate]").forEach(function (button) {
    var form = button.closest("form");
    var lat = form.querySelector("input[name=lat]");
    var lng = form.querySelector("input[name=lng]");
    var near = form.querySelector("input[name=near]");
    var status = form.querySelector("[data-locate-status]");
    if (!lat || !lng) return;
    button.hidden = false;
    if (near) {
      near.addEventListener("input", function () { lat.value = ""; lng.value = ""; });
    }
    button.addEventListener("click", function () {
      if (status) status.textContent = status.dataset.finding;
      navigator.geolocation.getCurrentPosition(function (position) {
        lat.value = position.coords.latitude.toFixed(4);
        lng.value = position.coords.longitude.toFixed(4);
        if (near) near.value = "";
        if (status) status.textContent = status.dataset.using;
        form.submit();
      }, function () {
        if (status) status.textContent = status.dataset.unavailable;
      }, { timeout: 10000, maximumAge: 600000 });
    });
  });
})();
