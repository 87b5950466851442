// The document page's margin (drafting/_margin.html). On a wide screen every note beside the text
// is open; on a narrow one each stays a marker under its paragraph until pressed. "Comment on
// selection" and "Propose a change" in the selection bar (drafting/selection.js) put the matching
// form beside the selected passage instead of opening another page. Progressive enhancement only:
// without this script the notes open with a press and the bar is not shown (the discussion and
// proposal pages take a pasted passage).
(function () {
  "use strict";
  var draft = document.querySelector("[data-draft]");
  if (!draft) {
    return;
  }
  var wide = window.matchMedia("(min-width: 64rem)");
  var hints = draft.querySelectorAll("[data-js-only]");
  for (var h = 0; h < hints.length; h++) {
    hints[h].hidden = false;
  }

  function openNotes() {
    if (!wide.matches) {
      return;
    }
    var notes = draft.querySelectorAll("details[data-margin-notes]");
    for (var i = 0; i < notes.length; i++) {
      notes[i].open = true;
    }
  }
  openNotes();
  if (wide.addEventListener) {
    wide.addEventListener("change", openNotes);
  }

  // Coming back from a reply or a decision (…#comment-12): the note is shown, even in a closed marker.
  function reveal() {
    var id = decodeURIComponent(window.location.hash.slice(1));
    var target = id ? document.getElementById(id) : null;
    var holder = target ? target.closest("details") : null;
    while (holder) {
      holder.open = true;
      holder = holder.parentElement ? holder.parentElement.closest("details") : null;
    }
  }
  reveal();
  window.addEventListener("hashchange", reveal);

  // The two forms wait, hidden, in holders of their own; one at a time is moved beside a passage.
  var holders = {
    comment: document.getElementById("margin-comment-form"),
    propose: document.getElementById("margin-suggest-form"),
  };
  Object.keys(holders).forEach(function (key) {
    var holder = holders[key];
    var form = holder ? holder.querySelector("form") : null;
    if (!form) {
      holders[key] = null;
      return;
    }
    form.querySelector("[data-cancel]").addEventListener("click", function () {
      var row = form.closest(".draft-row");
      putBack();
      var text = row ? row.querySelector(".document-body") : null;
      if (text) {
        text.setAttribute("tabindex", "-1");
        text.focus();
      }
    });
    form.addEventListener("submit", function () {
      var button = form.querySelector("button[type='submit']");
      // One proposal or comment per press, however often it is pressed while the next page loads.
      window.setTimeout(function () {
        button.disabled = true;
      }, 0);
    });
  });

  function putBack() {
    var open = draft.querySelectorAll("form[data-margin-form]");
    for (var i = 0; i < open.length; i++) {
      var form = open[i];
      var aside = form.closest(".draft-margin");
      var row = form.closest(".draft-row");
      var home = holders[form.getAttribute("data-margin-form")];
      form.reset();
      if (home) {
        home.appendChild(form);
      }
      if (aside && aside.hasAttribute("data-added") && !aside.children.length) {
        aside.remove();
      }
      if (row) {
        row.classList.remove("has-form");
      }
    }
  }

  document.addEventListener("drafting:margin-form", function (event) {
    var detail = event.detail || {};
    var holder = holders[detail.action];
    var node = detail.node && detail.node.nodeType === Node.TEXT_NODE ? detail.node.parentElement : detail.node;
    var row = node && node.closest ? node.closest(".draft-row") : null;
    if (!holder || !row || !draft.contains(row)) {
      return;
    }
    event.preventDefault(); // handled here: the bar's link is not followed
    putBack();
    var form = holder.querySelector("form");
    var aside = row.querySelector(".draft-margin");
    if (!aside) {
      aside = document.createElement("aside");
      aside.className = "draft-margin";
      aside.setAttribute("data-added", "1");
      aside.setAttribute("aria-label", form.querySelector(".margin-form-title").textContent);
      row.appendChild(aside);
    }
    row.classList.add("has-form");
    var quote = form.querySelector("[data-quote]");
    if (quote) {
      quote.value = detail.text;
    }
    var replacement = form.querySelector("[data-replacement]");
    if (replacement) {
      replacement.value = detail.text;
    }
    var button = form.querySelector("button[type='submit']");
    button.disabled = false;
    aside.insertBefore(form, aside.firstChild);
    form.dispatchEvent(new CustomEvent("drafting:form-added", { bubbles: true }));
    var first = form.querySelector("[data-replacement], textarea[name='body']");
    if (first) {
      first.focus();
      if (first.hasAttribute("data-replacement")) {
        first.setSelectionRange(first.value.length, first.value.length);
      }
    }
    if (form.scrollIntoView) {
      form.scrollIntoView({ block: "nearest" });
    }
  });
})();
