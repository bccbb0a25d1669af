// report.js: filters report.html's trial table by outcome and text. Inlined
// by src/report/html.rs and allowed by its SHA-256 in the page's CSP.
(function () {
  var boxes = document.querySelectorAll('input[name="outcome"]');
  var text = document.getElementById("filter-text");
  var rows = document.querySelectorAll("tr.trial");
  var shown = document.getElementById("shown");
  function apply() {
    var on = {};
    boxes.forEach(function (b) { on[b.value] = b.checked; });
    var query = text.value.trim().toLowerCase();
    var count = 0;
    rows.forEach(function (row) {
      var visible = on[row.dataset.outcome] && (query === "" || row.dataset.search.indexOf(query) !== -1);
      row.hidden = !visible;
      // A failing or warned trial's diagram is the row after it.
      var next = row.nextElementSibling;
      if (next && next.classList.contains("flow-row")) { next.hidden = !visible; }
      if (visible) { count += 1; }
    });
    shown.textContent = String(count);
  }
  boxes.forEach(function (b) { b.addEventListener("change", apply); });
  text.addEventListener("input", apply);
  apply();
})();
