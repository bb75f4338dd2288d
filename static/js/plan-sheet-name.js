// 「シートから計画を作成」: the period name is checked as it is typed, before the file is chosen or sent.
// The server answers with the period rule's messages (a look-alike of a registered name, a period that
// already has items); without JavaScript the same check answers at the name field after the upload.
(function () {
  "use strict";
  var field = document.getElementById("id_plan");
  var output = document.getElementById("plan-name-check");
  if (!field || !output || !output.dataset.url) { return; }
  var asked = "";

  function check() {
    var name = field.value;
    if (name === asked) { return; }
    asked = name;
    if (!name.trim()) { output.textContent = ""; return; }
    fetch(output.dataset.url + "?plan=" + encodeURIComponent(name), {credentials: "same-origin"})
      .then(function (response) { return response.json(); })
      .then(function (data) {
        if (field.value !== name) { return; }  // a later answer is on its way
        var problems = data.problems || [];
        output.textContent = problems.join(" ");
        output.className = problems.length ? "error" : "";
        field.setAttribute("aria-invalid", problems.length ? "true" : "false");
      })
      .catch(function () { output.textContent = ""; });
  }

  field.addEventListener("change", check);
  field.addEventListener("blur", check);
})();
