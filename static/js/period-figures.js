// 「実績の一括入力」: a suggestion button copies its number (or sentence) into its input, and only when pressed.
// Nothing is filled on its own; without JavaScript the administrator types what the button shows.
//
// On submit, the rows left as they were are not posted: a large period has thousands of inputs and
// Django refuses a POST of more than 1,000 fields. The view reads a missing input as "not touched"
// (the page's hidden 「shown」 names what every row showed), so leaving them out changes nothing but
// the size. Without JavaScript every input is posted, as before.
(function () {
  "use strict";
  var form = document.getElementById("figures-form");
  if (!form) { return; }

  form.addEventListener("click", function (event) {
    var button = event.target.closest("button.suggestion");
    if (!button) { return; }
    var input = document.getElementById(button.getAttribute("data-fill"));
    if (!input || input.disabled) { return; }
    input.value = button.getAttribute("data-value");
    input.dispatchEvent(new Event("input", { bubbles: true }));
    input.focus();
  });

  function unchanged(control) {
    if (control.tagName === "SELECT") {
      for (var i = 0; i < control.options.length; i++) {
        if (control.options[i].selected !== control.options[i].defaultSelected) { return false; }
      }
      return true;
    }
    return control.value === control.defaultValue;
  }

  form.addEventListener("submit", function () {
    var rows = form.querySelectorAll("tr[data-figure-row]");
    for (var r = 0; r < rows.length; r++) {
      var controls = rows[r].querySelectorAll("input, select, textarea");
      var same = true;
      for (var c = 0; c < controls.length; c++) { same = same && unchanged(controls[c]); }
      if (same) {
        for (var d = 0; d < controls.length; d++) {
          if (controls[d].disabled) { continue; }
          controls[d].setAttribute("data-was-enabled", "");
          controls[d].disabled = true;  // a disabled control is not posted
        }
      }
    }
  });

  // Back to the page from the browser's history: the inputs must be usable again.
  window.addEventListener("pageshow", function () {
    var controls = form.querySelectorAll("tr[data-figure-row] [data-was-enabled]");
    for (var i = 0; i < controls.length; i++) {
      controls[i].disabled = false;
      controls[i].removeAttribute("data-was-enabled");
    }
  });
})();
