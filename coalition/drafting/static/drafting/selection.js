// "Comment on selection" and "Propose a change": select a passage of a document's text and a bar
// offers to comment on it or propose replacing it, with the passage as the quote. Progressive
// enhancement only: without this script the forms take a pasted quote.
(function () {
  "use strict";
  // In the new-thread form, picking a section or typing a passage chooses what the comment is about.
  var newThread = document.getElementById("new-thread");
  if (newThread) {
    var choose = function (value) {
      var radio = newThread.querySelector("input[name='anchor'][value='" + value + "']");
      if (radio) {
        radio.checked = true;
      }
    };
    var sectionSelect = newThread.querySelector("select[name='section']");
    var quoteArea = newThread.querySelector("textarea[name='quote']");
    if (sectionSelect) {
      sectionSelect.addEventListener("change", function () {
        if (sectionSelect.value) {
          choose("section");
        }
      });
    }
    if (quoteArea) {
      quoteArea.addEventListener("input", function () {
        if (quoteArea.value.trim()) {
          choose("quote");
        }
      });
    }
  }

  var bar = document.querySelector("[data-selection-actions]");
  var texts = document.querySelectorAll(".document-body");
  if (!bar || !texts.length) {
    return;
  }
  var MAX = 2000;
  var links = bar.querySelectorAll("a[data-action]");
  var current = "";
  var currentNode = null;

  function textOf(node) {
    for (var i = 0; i < texts.length; i++) {
      if (texts[i].contains(node)) {
        return texts[i];
      }
    }
    return null;
  }

  function within(node) {
    return textOf(node) !== null;
  }

  // Triple-clicking the text's last paragraph selects "the whole paragraph": Chromium ends such a
  // selection at the very start (offset 0) of the next element, outside the text. Nothing outside
  // is selected then, so it counts as ending at the end of the text.
  function endsJustAfter(text, range) {
    if (range.endOffset !== 0 || !(text.compareDocumentPosition(range.endContainer) & Node.DOCUMENT_POSITION_FOLLOWING)) {
      return false;
    }
    var tail = document.createRange();
    tail.setStart(text, text.childNodes.length);
    tail.setEnd(range.endContainer, 0);
    // The document page's margin sits between one paragraph and the next, and its hidden forms
    // after the text: neither is text of the document.
    var between = tail.cloneContents();
    var notes = between.querySelectorAll(".draft-margin, [hidden]");
    for (var i = 0; i < notes.length; i++) {
      notes[i].remove();
    }
    return between.textContent.trim() === "";
  }

  function selectedText() {
    var selection = window.getSelection();
    if (!selection || selection.isCollapsed || !selection.rangeCount) {
      return "";
    }
    var range = selection.getRangeAt(0);
    var body = textOf(range.startContainer);
    if (!body || !(within(range.endContainer) || endsJustAfter(body, range))) {
      return "";
    }
    var text = selection.toString();
    var copy = range.cloneContents();
    if (copy.querySelector(".draft-margin")) {
      // Across paragraphs of the document page: the notes in the margin between them are not text.
      var notes = copy.querySelectorAll(".draft-margin");
      for (var n = 0; n < notes.length; n++) {
        notes[n].remove();
      }
      var blocks = copy.querySelectorAll("p, li, h1, h2, h3, h4, h5, h6, td, th, pre, blockquote, dt, dd");
      for (var b = 0; b < blocks.length; b++) {
        blocks[b].append(" ");
      }
      text = copy.textContent;
    }
    text = text.replace(/\s+/g, " ").trim();
    if (text.length > MAX) {
      return "";
    }
    currentNode = range.startContainer;
    return text;
  }

  function update() {
    var text = selectedText();
    if (text) {
      current = text;
      for (var i = 0; i < links.length; i++) {
        var base = links[i].getAttribute("data-base");
        var fragment = links[i].getAttribute("data-action") === "comment" ? "#new-thread" : "";
        links[i].href = base + "?quote=" + encodeURIComponent(text) + fragment;
      }
      bar.hidden = false;
    } else if (!bar.contains(document.activeElement)) {
      bar.hidden = true;
    }
  }

  document.addEventListener("selectionchange", update);
  // Pressing a button of the bar must not clear the selection it is about.
  bar.addEventListener("mousedown", function (event) {
    event.preventDefault();
  });
  bar.addEventListener("click", function (event) {
    var chosen = event.target.closest("a[data-action]");
    if (chosen && current) {
      // On the document page, drafting/margin.js puts the form beside the passage.
      var margin = new CustomEvent("drafting:margin-form", {
        cancelable: true,
        detail: { action: chosen.getAttribute("data-action"), text: current, node: currentNode },
      });
      if (!document.dispatchEvent(margin)) {
        event.preventDefault();
        bar.hidden = true;
        return;
      }
    }
    var link = event.target.closest("a[data-action='comment']");
    var form = document.getElementById("new-thread");
    if (!link || !form || !current) {
      return;
    }
    // On the discussion page itself: fill in the new-thread form rather than reload the page.
    event.preventDefault();
    form.open = true;
    var quoteChoice = form.querySelector("input[name='anchor'][value='quote']");
    var quote = form.querySelector("textarea[name='quote']");
    if (quoteChoice && quote) {
      quoteChoice.checked = true;
      quote.value = current;
    }
    bar.hidden = true;
    var body = form.querySelector("textarea[name='body']");
    if (body) {
      body.focus();
    }
  });
})();
