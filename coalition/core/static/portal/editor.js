// Markdown toolbar: inserts syntax around the selection of the editor's textarea.
(function () {
  "use strict";
  var wrappers = {
    bold: ["**", "**", "bold text"],
    italic: ["_", "_", "italic text"],
    code: ["`", "`", "code"],
    link: ["[", "](https://)", "link text"],
  };
  var prefixes = { heading: "## ", list: "- ", numbered: "1. ", quote: "> " };
  var table = "\n| Column | Column |\n| --- | --- |\n| Cell | Cell |\n";

  function apply(textarea, kind) {
    var start = textarea.selectionStart, end = textarea.selectionEnd;
    var text = textarea.value, selected = text.slice(start, end), insert;
    if (wrappers[kind]) {
      var w = wrappers[kind];
      insert = w[0] + (selected || w[2]) + w[1];
    } else if (prefixes[kind]) {
      var lineStart = text.lastIndexOf("\n", start - 1) + 1;
      textarea.setRangeText(prefixes[kind], lineStart, lineStart, "end");
      textarea.dispatchEvent(new Event("input", { bubbles: true }));
      textarea.focus();
      return;
    } else if (kind === "table") {
      insert = table;
    } else {
      return;
    }
    textarea.setRangeText(insert, start, end, "end");
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
    textarea.focus();
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-md]");
    if (!button) return;
    var editor = button.closest("[data-editor]");
    var textarea = editor && editor.querySelector("textarea");
    if (textarea) apply(textarea, button.getAttribute("data-md"));
  });
})();
