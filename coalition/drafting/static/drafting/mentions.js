// Mentions by name: typing "@" and part of a name in a comment box (a textarea marked
// data-mentions) lists the people who can read the revision the comment is about, from the portal
// (drafting:mention_suggestions); choosing one inserts "@their.address", which is what the server
// reads. The ARIA editable-combobox pattern with list autocomplete, on a textarea (which may carry
// no other role): aria-autocomplete, aria-controls and aria-activedescendant point at a listbox;
// Up and Down choose, Enter or Tab inserts, Escape closes; a status region says how many matched.
// Progressive enhancement only: without this script people type the address themselves.
(function () {
  "use strict";
  var config = document.getElementById("mention-config");
  if (!config || !window.fetch) {
    return;
  }
  var url = config.getAttribute("data-url");
  var TOKEN = /(^|[^\w@])@([^\s@]{1,40}(?: [^\s@]{1,40})?)$/;
  var DELAY = 200;
  var counter = 0;
  var state = null; // {area, list, status, people, active, start, end, timer, asked}

  function revisionOf(area) {
    if (area.getAttribute("data-revision")) {
      return area.getAttribute("data-revision");
    }
    var holder = area.closest("[data-mention-revision]");
    if (holder) {
      return holder.getAttribute("data-mention-revision");
    }
    var field = area.form ? area.form.querySelector("input[name='revision']") : null;
    return field ? field.value : "";
  }

  function setUp(area) {
    if (area.getAttribute("data-mentions-ready")) {
      return;
    }
    counter += 1;
    var list = document.createElement("ul");
    list.id = "mention-list-" + counter;
    list.className = "mention-list";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", config.getAttribute("data-list-label"));
    list.hidden = true;
    var status = document.createElement("div");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    area.insertAdjacentElement("afterend", list);
    list.insertAdjacentElement("afterend", status);
    area.setAttribute("aria-autocomplete", "list");
    area.setAttribute("aria-controls", list.id);
    area.setAttribute("data-mentions-ready", "1");
    area._mention = { list: list, status: status };
  }

  function close() {
    if (!state) {
      return;
    }
    state.list.hidden = true;
    state.list.textContent = "";
    state.area.removeAttribute("aria-activedescendant");
    clearTimeout(state.timer);
    state = null;
  }

  function token(area) {
    var before = area.value.slice(0, area.selectionStart);
    var match = TOKEN.exec(before);
    if (!match) {
      return null;
    }
    return { query: match[2], start: before.length - match[2].length - 1, end: area.selectionStart };
  }

  function choose(index) {
    if (!state || !state.people.length) {
      return;
    }
    state.active = (index + state.people.length) % state.people.length;
    var options = state.list.querySelectorAll("[role='option']");
    for (var i = 0; i < options.length; i++) {
      options[i].setAttribute("aria-selected", i === state.active ? "true" : "false");
    }
    var current = options[state.active];
    state.area.setAttribute("aria-activedescendant", current.id);
    if (current.scrollIntoView) {
      current.scrollIntoView({ block: "nearest" });
    }
  }

  function insert(index) {
    var person = state.people[index];
    var area = state.area;
    var text = person.mention + " ";
    area.value = area.value.slice(0, state.start) + text + area.value.slice(state.end);
    var caret = state.start + text.length;
    close();
    area.focus();
    area.setSelectionRange(caret, caret);
    area.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function show(area, found, people) {
    var parts = area._mention;
    state = {
      area: area,
      list: parts.list,
      status: parts.status,
      people: people,
      active: -1,
      start: found.start,
      end: found.end,
      timer: null,
    };
    parts.list.textContent = "";
    if (!people.length) {
      parts.list.hidden = true;
      parts.status.textContent = config.getAttribute("data-none");
      return;
    }
    people.forEach(function (person, index) {
      var option = document.createElement("li");
      option.id = parts.list.id + "-" + index;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", "false");
      var name = document.createElement("strong");
      name.textContent = person.name;
      var where = document.createElement("small");
      where.textContent = (person.organisation ? person.organisation + " · " : "") + person.email;
      option.appendChild(name);
      option.appendChild(document.createTextNode(" "));
      option.appendChild(where);
      // Pressing an option must not take the focus (and the caret) from the comment box.
      option.addEventListener("mousedown", function (event) {
        event.preventDefault();
      });
      option.addEventListener("click", function () {
        insert(index);
      });
      parts.list.appendChild(option);
    });
    parts.list.hidden = false;
    parts.status.textContent =
      people.length === 1
        ? config.getAttribute("data-found-one")
        : config.getAttribute("data-found-many").replace("%(count)s", String(people.length));
    choose(0);
  }

  function ask(area) {
    var found = token(area);
    if (!found) {
      close();
      return;
    }
    var params = new URLSearchParams({ q: found.query });
    var revision = revisionOf(area);
    if (revision) {
      params.set("revision", revision);
    }
    var asked = area.value;
    fetch(url + "?" + params.toString(), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.json().then(function (data) {
          return { ok: response.ok, data: data };
        });
      })
      .then(function (answer) {
        // The box changed meanwhile: a newer question is on its way.
        if (area.value !== asked || document.activeElement !== area) {
          return;
        }
        if (!answer.ok) {
          close();
          area._mention.status.textContent = answer.data.error || "";
          return;
        }
        close();
        show(area, found, answer.data.people || []);
      })
      .catch(function () {
        close();
      });
  }

  var timers = new WeakMap();
  document.addEventListener("input", function (event) {
    var area = event.target;
    if (!(area instanceof HTMLTextAreaElement) || !area.hasAttribute("data-mentions")) {
      return;
    }
    setUp(area);
    clearTimeout(timers.get(area));
    if (!token(area)) {
      if (state && state.area === area) {
        close();
      }
      return;
    }
    timers.set(
      area,
      setTimeout(function () {
        ask(area);
      }, DELAY)
    );
  });

  document.addEventListener("keydown", function (event) {
    if (!state || event.target !== state.area || state.list.hidden) {
      return;
    }
    if (event.key === "ArrowDown") {
      event.preventDefault();
      choose(state.active + 1);
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      choose(state.active - 1);
    } else if ((event.key === "Enter" || event.key === "Tab") && state.active >= 0) {
      event.preventDefault();
      insert(state.active);
    } else if (event.key === "Escape") {
      event.preventDefault();
      close();
    }
  });

  document.addEventListener("focusout", function (event) {
    if (state && event.target === state.area) {
      close();
    }
  });

  function prepare(root) {
    var areas = root.querySelectorAll("textarea[data-mentions]");
    for (var i = 0; i < areas.length; i++) {
      setUp(areas[i]);
    }
  }
  prepare(document);
  // Comment boxes added later (the margin's forms beside a selection).
  document.addEventListener("drafting:form-added", function (event) {
    prepare(event.target);
  });
})();
