// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  // Move focus to an error summary so screen-reader users hear it first.
  var summary = document.querySelector("[data-autofocus]");
  if (summary) { summary.focus(); }

  // A link in the error summary points at the field's wrapper (so without this
  // script the label and the message scroll into view), which cannot take focus:
  // put the cursor in the field itself, keeping its label in view.
  document.querySelectorAll(".error-summary a[href^='#']").forEach(function (link) {
    link.addEventListener("click", function (event) {
      var target = document.getElementById(link.getAttribute("href").slice(1));
      if (!target) { return; }
      var input = target.matches("input, textarea, select") ? target
        : target.querySelector("input:not([type=hidden]), textarea, select");
      if (!input) { return; }
      event.preventDefault();
      target.scrollIntoView();
      input.focus({ preventScroll: true });
    });
  });

  // Report pages: a print button (printing works from the browser's menu too).
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });

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
    // The count in words for every number the list can show, from the server
    // (so plurals follow the language's rules: "1 service", "5 services").
    var countTexts = [];
    try { countTexts = JSON.parse(count.getAttribute("data-count-texts")) || []; } catch (e) { countTexts = []; }
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
      if (count && typeof countTexts[shown] === "string") { count.textContent = countTexts[shown]; }
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
