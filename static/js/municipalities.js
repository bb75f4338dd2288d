// The municipality checklist's enhancements (without JavaScript it is plain grouped checkboxes):
// a search box that hides the municipalities whose name or code does not match, the 「選択中 N」
// count, and the tile map kept in step with the ticks (the server draws it as saved).
(function () {
  "use strict";
  document.querySelectorAll("[data-picker]").forEach(function (picker) {
    var tools = picker.querySelector("[data-picker-tools]");
    var search = picker.querySelector("[data-picker-search]");
    var count = picker.querySelector("[data-picker-count]");
    var boxes = picker.querySelectorAll("input[type=checkbox]");
    tools.hidden = false;

    function refresh() {
      var chosen = 0;
      boxes.forEach(function (box) {
        var tile = picker.querySelector('[data-municipality="' + box.value + '"]');
        if (box.checked) { chosen += 1; }
        if (tile) {
          tile.classList.toggle("marked", box.checked);
          var note = tile.querySelector("text.note");
          if (note) { note.textContent = box.checked ? "選択中" : ""; }
        }
      });
      count.textContent = "選択中 " + chosen + "／" + boxes.length;
    }

    picker.addEventListener("change", refresh);
    search.addEventListener("input", function () {
      var words = search.value.trim();
      picker.querySelectorAll("li[data-name]").forEach(function (item) {
        item.hidden = words !== "" && item.getAttribute("data-name").indexOf(words) === -1;
      });
    });
    refresh();
  });
})();
