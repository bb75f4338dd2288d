// 「次期計画の作成」 preview: post only the decisions that differ from their default.
// A 600-item plan has ~4,800 row controls; Django refuses a POST of more than 1,000 fields. Every
// row control carries its default in data-default, and the view reads a missing control as that
// default (continue, the old title, no new wording), so leaving the unchanged ones out of the POST
// changes nothing but its size. Without JavaScript every control is posted, as before.
(function () {
  "use strict";
  var form = document.getElementById("rollover-form");
  if (!form) { return; }

  function same(control) {
    var normalise = function (text) { return text.replace(/\r\n/g, "\n"); };
    return normalise(control.value) === normalise(control.getAttribute("data-default"));
  }

  form.addEventListener("submit", function () {
    var controls = form.querySelectorAll("[data-default]");
    for (var i = 0; i < controls.length; i++) {
      if (same(controls[i])) { controls[i].disabled = true; }  // a disabled control is not posted
    }
  });

  // Back to the page from the browser's history: the controls must be usable again.
  window.addEventListener("pageshow", function () {
    var controls = form.querySelectorAll("[data-default]");
    for (var i = 0; i < controls.length; i++) { controls[i].disabled = false; }
  });
})();
