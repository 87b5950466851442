// Markdown toolbar: inserts syntax around the selection of the editor's textarea. In rich-text
// mode (portal/richtext.js) the same buttons apply the formatting in the rich editor instead.
// The toolbar is one tab stop: arrow keys, Home and End move between its buttons; Alt+F10 from
// the text goes to the toolbar and Escape goes back.
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

  function toolbarButtons(toolbar) {
    return Array.prototype.filter.call(toolbar.querySelectorAll("button"), function (button) {
      return !button.hidden && !button.disabled;
    });
  }

  // Keeps exactly one button of the toolbar in the tab order (the last one used).
  function rove(toolbar, current) {
    var buttons = toolbarButtons(toolbar);
    if (!buttons.length) return;
    if (buttons.indexOf(current) < 0) current = buttons[0];
    toolbar.querySelectorAll("button").forEach(function (button) {
      button.tabIndex = button === current ? 0 : -1;
    });
  }

  function textOf(editor) {
    var surface = editor.querySelector(".ProseMirror");
    var textarea = editor.querySelector("textarea");
    return editor.getAttribute("data-mode") === "rich" && surface ? surface : textarea;
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-md]");
    if (!button) return;
    var editor = button.closest("[data-editor]");
    if (!editor) return;
    rove(button.closest("[role=toolbar]"), button);
    var kind = button.getAttribute("data-md");
    if (editor.getAttribute("data-mode") === "rich" && window.CoalitionRichText) {
      window.CoalitionRichText.apply(editor, kind);
      return;
    }
    var textarea = editor.querySelector("textarea");
    if (textarea) apply(textarea, kind);
  });

  document.addEventListener("keydown", function (event) {
    var toolbar = event.target.closest && event.target.closest("[data-editor] [role=toolbar]");
    if (toolbar && event.target.tagName === "BUTTON") {
      var buttons = toolbarButtons(toolbar);
      var index = buttons.indexOf(event.target);
      var next = null;
      if (event.key === "ArrowRight" || event.key === "ArrowDown") next = buttons[(index + 1) % buttons.length];
      else if (event.key === "ArrowLeft" || event.key === "ArrowUp") next = buttons[(index - 1 + buttons.length) % buttons.length];
      else if (event.key === "Home") next = buttons[0];
      else if (event.key === "End") next = buttons[buttons.length - 1];
      else if (event.key === "Escape") {
        var target = textOf(toolbar.closest("[data-editor]"));
        if (target) target.focus();
        event.preventDefault();
        return;
      }
      if (next) {
        rove(toolbar, next);
        next.focus();
        event.preventDefault();
      }
      return;
    }
    if (event.key === "F10" && event.altKey) {
      var editor = event.target.closest && event.target.closest("[data-editor]");
      var bar = editor && editor.querySelector("[role=toolbar]");
      if (!bar) return;
      var first = bar.querySelector("button[tabindex='0']") || toolbarButtons(bar)[0];
      if (first) {
        first.focus();
        event.preventDefault();
      }
    }
  });

  function init() {
    document.querySelectorAll("[data-editor] [role=toolbar]").forEach(function (toolbar) {
      rove(toolbar, null);
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
