// Live achievement on the entry screen: asks the server, which applies the same rules as
// everything else (no arithmetic here). Without JavaScript the rate updates on save.
(function () {
  "use strict";
  var form = document.getElementById("entry-form");
  if (!form || !window.fetch) { return; }
  var url = form.getAttribute("data-preview-url");
  var timers = {};
  form.querySelectorAll("input[data-indicator]").forEach(function (input) {
    input.addEventListener("input", function () {
      var id = input.getAttribute("data-indicator");
      clearTimeout(timers[id]);
      timers[id] = setTimeout(function () {
        var query = "?indicator=" + encodeURIComponent(id) + "&value=" + encodeURIComponent(input.value);
        fetch(url + query, { credentials: "same-origin", headers: { "Accept": "application/json" } })
          .then(function (response) { return response.json(); })
          .then(function (data) {
            var rate = document.getElementById("rate-" + id);
            var status = document.getElementById("status-" + id);
            if (rate) { rate.textContent = data.error ? "入力を確認" : (data.rate || "－"); }
            if (status && data.status) { status.textContent = data.status + "（未保存）"; }
          })
          .catch(function () { /* the saved figures stay on screen */ });
      }, 250);
    });
  });
})();
