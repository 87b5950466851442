// Progressive enhancement for a self-assessment section: hide a dependent question while its
// condition is not met, and clear its answer. The page works without this; the server refuses an
// answer to a question whose condition is not met.
(function () {
  "use strict";
  function update() {
    document.querySelectorAll("[data-depends-question]").forEach(function (el) {
      var name = "q" + el.dataset.dependsQuestion;
      if (!document.querySelector('input[name="' + name + '"]')) return; // asked in another section
      var chosen = document.querySelector('input[name="' + name + '"]:checked');
      var on = Boolean(chosen) && chosen.value === el.dataset.dependsChoice;
      el.hidden = !on;
      if (!on) {
        var none = el.querySelector('input[type=radio][value=""]');
        if (none) none.checked = true;
      }
    });
  }
  document.addEventListener("change", function (event) {
    if (event.target.matches('input[type=radio][name^="q"]')) update();
  });
  document.addEventListener("DOMContentLoaded", update);
})();
