// 「実績の一括入力」: a suggestion button copies its number (or sentence) into its input, and only when pressed.
// Nothing is filled on its own; without JavaScript the administrator types what the button shows.
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
})();
