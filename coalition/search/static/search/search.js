// Search: "/" focuses the search box in the header (unless one is typing somewhere), and the
// sort menu of the results page applies at once.
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    var typing = target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
    var box = document.getElementById("header-search");
    if (typing || !box) return;
    event.preventDefault();
    box.focus();
    box.select();
  });
  // Suggestions under the header box: Down moves into them, Escape and a click elsewhere close them.
  function suggestions() { return document.getElementById("search-suggestions"); }
  document.addEventListener("keydown", function (event) {
    var list = suggestions();
    if (!list || !list.firstElementChild) return;
    var inBox = event.target && event.target.id === "header-search";
    var inList = list.contains(event.target);
    if (event.key === "Escape" && (inBox || inList)) {
      list.innerHTML = "";
      document.getElementById("header-search").focus();
    } else if (event.key === "ArrowDown" && (inBox || inList)) {
      var links = Array.prototype.slice.call(list.querySelectorAll("a"));
      var next = inBox ? links[0] : links[links.indexOf(event.target) + 1];
      if (next) { event.preventDefault(); next.focus(); }
    } else if (event.key === "ArrowUp" && inList) {
      var all = Array.prototype.slice.call(list.querySelectorAll("a"));
      var at = all.indexOf(event.target);
      event.preventDefault();
      (at > 0 ? all[at - 1] : document.getElementById("header-search")).focus();
    }
  });
  document.addEventListener("click", function (event) {
    var list = suggestions();
    if (list && list.firstElementChild && !event.target.closest(".header-search")) list.innerHTML = "";
  });
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target && target.hasAttribute && target.hasAttribute("data-submit-on-change") && target.form) {
      target.form.requestSubmit();
    }
  });
})();
