// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  // Move focus to an error summary so screen-reader users hear it first.
  var summary = document.querySelector("[data-autofocus]");
  if (summary) { summary.focus(); }

  // Staff pages: "/" jumps to the search box, unless one is typing already.
  var shortcut = document.querySelector("[data-search-shortcut]");
  if (shortcut) {
    document.addEventListener("keydown", function (e) {
      if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey) { return; }
      var el = document.activeElement;
      var tag = el ? el.tagName : "";
      if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (el && el.isContentEditable)) { return; }
      e.preventDefault();
      shortcut.focus();
      shortcut.select();
    });
  }

  // Filter the list of services as the citizen types.
  var search = document.querySelector("[data-filter-target]");
  if (search) {
    var target = document.querySelector(search.getAttribute("data-filter-target"));
    var count = document.getElementById("result-count");
    search.addEventListener("input", function () {
      var words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      target.querySelectorAll("[data-filter-text]").forEach(function (item) {
        var text = item.getAttribute("data-filter-text");
        var match = words.every(function (w) { return text.indexOf(w) !== -1; });
        item.hidden = !match;
        if (match) { shown += 1; }
      });
      target.querySelectorAll("section").forEach(function (section) {
        section.hidden = section.querySelectorAll("[data-filter-text]:not([hidden])").length === 0;
      });
      if (count) { count.textContent = shown + (count.textContent.replace(/^[0-9۰-۹]+/, "")); }
    });
  }

  // Fill the coordinates from the browser's location, if the citizen agrees.
  var button = document.querySelector("[data-geolocate]");
  if (button && "geolocation" in navigator) {
    var status = document.querySelector("[data-geolocate-status]");
    button.hidden = false;
    if (status) { status.hidden = false; }
    button.addEventListener("click", function () {
      navigator.geolocation.getCurrentPosition(function (pos) {
        document.getElementById("latitude").value = pos.coords.latitude.toFixed(6);
        document.getElementById("longitude").value = pos.coords.longitude.toFixed(6);
        if (status) { status.textContent = "✓"; }
      }, function (err) {
        if (status) { status.textContent = err.message; }
      }, { enableHighAccuracy: true, timeout: 15000 });
    });
  }
})();
