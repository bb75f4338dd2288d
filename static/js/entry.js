// The entry screen's enhancements (without JavaScript the page works and the rate updates on save):
// - after a failed save, focus the error summary so it is announced and the keyboard starts there;
//   its links move focus to the field they name;
// - the live achievement display asks the server, which applies the same rules as everything else
//   (no arithmetic here), and announces one sentence per row in that row's polite live region.
(function () {
  "use strict";
  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[data-focus]");
      var field = link && document.getElementById(link.getAttribute("data-focus"));
      if (field) {
        event.preventDefault();
        field.focus();
        field.scrollIntoView({ block: "center" });
      }
    });
  }

  var form = document.getElementById("entry-form");
  if (!form || !window.fetch) { return; }
  var url = form.getAttribute("data-preview-url");
  var timers = {};
  var latest = {};  // per row, the last request sent: an older answer arriving late is ignored

  function show(id, data) {
    var rate = document.getElementById("rate-" + id);
    var status = document.getElementById("status-" + id);
    var hint = document.getElementById("hint-" + id);
    var live = document.getElementById("live-" + id);
    if (rate) { rate.textContent = data.error ? "－" : (data.rate || "－"); }
    if (status) {
      // The badge's colour follows its words: the class is the status, never colour alone.
      status.className = "status status-" + (data.error || !data.status_key ? "not_entered" : data.status_key);
      status.textContent = data.error ? "入力を確認（未保存）" : (data.status ? data.status + "（未保存）" : "－");
    }
    if (hint) {
      hint.textContent = data.error ? "入力を確認: " + data.error : "";
      hint.hidden = !data.error;
    }
    if (live) { live.textContent = data.sentence || ""; }
  }

  form.querySelectorAll("input[data-indicator]").forEach(function (input) {
    input.addEventListener("input", function () {
      var id = input.getAttribute("data-indicator");
      clearTimeout(timers[id]);
      timers[id] = setTimeout(function () {
        var sent = latest[id] = (latest[id] || 0) + 1;
        var query = "?indicator=" + encodeURIComponent(id) + "&value=" + encodeURIComponent(input.value);
        fetch(url + query, { credentials: "same-origin", headers: { "Accept": "application/json" } })
          .then(function (response) { return response.json(); })
          .then(function (data) { if (sent === latest[id]) { show(id, data); } })
          .catch(function () { /* the saved figures stay on screen */ });
      }, 250);
    });
  });
})();
