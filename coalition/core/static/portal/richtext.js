// Rich-text mode of the document editor: edits the same Markdown as the textarea, in ProseMirror.
//
// The textarea stays the form field. In rich mode it is hidden and holds the Markdown serialised
// from the rich document after each change (and on submit), so saving, the live preview (rendered
// by the server's sanitiser, the only place HTML is made), edit conflicts and the no-JavaScript
// form all work as before. The rich surface itself is built by ProseMirror from its schema (text
// nodes, never member HTML), shows links without a usable href unless it is http(s)/mailto, and
// never loads images.
//
// The Markdown written here is the dialect the server renders (Python-Markdown with tables,
// footnotes, sane_lists): nested lists indented by four spaces, hard breaks as two trailing spaces,
// only the backslash escapes Python-Markdown knows, "<" and entity-like "&" as entities.
//
// Before a document opens in rich mode, it is parsed and serialised back; if the Markdown changes,
// the server renders both (the existing preview endpoint) and rich mode opens only if the two
// renders are the same. Raw HTML is never taken in: such documents stay in Markdown mode, with a
// message saying why.
(function () {
  "use strict";
  var PM = window.CoalitionProseMirror;
  if (!PM) return;
  var Model = PM.model;
  var PMState = PM.state;
  var PMView = PM.view;
  var Commands = PM.commands;
  var History = PM.history;
  var Keymap = PM.keymap;
  var Rules = PM.inputrules;
  var Lists = PM.schemaList;
  var Tables = PM.tables;
  var PMMarkdown = PM.markdown;

  var SAFE_HREF = /^(https?:|mailto:|#|\/(?!\/))/i;

  // ---- Schema: CommonMark's, plus GFM tables and Python-Markdown footnotes. ----
  var baseNodes = PMMarkdown.schema.spec.nodes;
  var baseMarks = PMMarkdown.schema.spec.marks;

  function alignClass(value) {
    return value === "left" || value === "center" || value === "right" ? "rt-align-" + value : null;
  }

  var tableSpec = Tables.tableNodes({
    tableGroup: "block",
    cellContent: "inline*",
    cellAttributes: {
      align: {
        default: null,
        getFromDOM: function (dom) {
          var match = /rt-align-(left|center|right)/.exec(dom.className || "");
          return match ? match[1] : null;
        },
        setDOMAttr: function (value, attrs) {
          // A class, not a style attribute: the Content-Security-Policy allows no inline styles.
          var cls = alignClass(value);
          if (cls) attrs["class"] = (attrs["class"] ? attrs["class"] + " " : "") + cls;
        },
      },
    },
  });

  var nodes = baseNodes
    .update("image", {
      inline: true,
      group: "inline",
      draggable: true,
      atom: true,
      attrs: { src: {}, alt: { default: null }, title: { default: null } },
      parseDOM: [
        {
          tag: "span.rt-image",
          getAttrs: function (dom) {
            return { src: dom.getAttribute("data-src"), alt: dom.getAttribute("data-alt"), title: dom.getAttribute("title") };
          },
        },
      ],
      // Shown as a labelled chip: the editor never fetches an image.
      toDOM: function (node) {
        return [
          "span",
          { class: "rt-image", "data-src": node.attrs.src, "data-alt": node.attrs.alt || "", title: node.attrs.title || node.attrs.src },
          "🖼 " + (node.attrs.alt || node.attrs.src),
        ];
      },
    })
    // A line break inside a paragraph of the Markdown: shown and read as a space, written back as
    // a line break, so a paragraph's lines stay as they were and a later diff shows only edits.
    .addBefore("hard_break", "soft_break", {
      inline: true,
      group: "inline",
      selectable: false,
      leafText: function () {
        return " ";
      },
      parseDOM: [{ tag: "span.rt-softbreak" }],
      toDOM: function () {
        return ["span", { class: "rt-softbreak", contenteditable: "false" }, " "];
      },
    })
    .append(tableSpec)
    .addToEnd("footnote_ref", {
      inline: true,
      group: "inline",
      atom: true,
      attrs: { label: {} },
      parseDOM: [
        {
          tag: "sup.rt-fnref",
          getAttrs: function (dom) {
            return { label: dom.getAttribute("data-label") };
          },
        },
      ],
      toDOM: function (node) {
        return ["sup", { class: "rt-fnref", "data-label": node.attrs.label }, "[" + node.attrs.label + "]"];
      },
    })
    .addToEnd("footnote_def", {
      group: "block",
      content: "block+",
      defining: true,
      isolating: true,
      attrs: { label: {} },
      parseDOM: [
        {
          tag: "div.rt-footnote",
          contentElement: "div.rt-footnote-body",
          getAttrs: function (dom) {
            return { label: dom.getAttribute("data-label") };
          },
        },
      ],
      toDOM: function (node) {
        return [
          "div",
          { class: "rt-footnote", "data-label": node.attrs.label },
          ["span", { class: "rt-footnote-label", contenteditable: "false" }, "[" + node.attrs.label + "]"],
          ["div", { class: "rt-footnote-body" }, 0],
        ];
      },
    });

  var marks = baseMarks.update("link", {
    attrs: { href: {}, title: { default: null } },
    inclusive: false,
    parseDOM: [
      {
        tag: "a[href]",
        getAttrs: function (dom) {
          return { href: dom.getAttribute("href"), title: dom.getAttribute("title") };
        },
      },
      {
        tag: "a[data-href]",
        getAttrs: function (dom) {
          return { href: dom.getAttribute("data-href"), title: dom.getAttribute("title") };
        },
      },
    ],
    toDOM: function (mark) {
      var href = mark.attrs.href || "";
      // The Markdown keeps the address as written (the server's sanitiser decides); the editing
      // surface only makes it a real link when it is one the sanitiser would keep.
      return SAFE_HREF.test(href)
        ? ["a", { href: href, title: mark.attrs.title || href, rel: "noopener noreferrer nofollow" }, 0]
        : ["a", { "data-href": href, title: mark.attrs.title || href, class: "rt-unsafe-link" }, 0];
    },
  });

  var schema = new Model.Schema({ nodes: nodes, marks: marks });

  // ---- Markdown to document: markdown-it, CommonMark + tables + footnotes. ----
  var md = PM.MarkdownIt("commonmark", { html: true, linkify: false, typographer: false })
    .enable("table")
    .use(PM.markdownItFootnote);
  md.disable(["footnote_inline"]);
  // Every link stays a link, its address as written (the Markdown round-trips; the server's
  // sanitiser decides what is kept); see the link mark's toDOM for the editing surface.
  md.validateLink = function () {
    return true;
  };
  md.normalizeLink = function (url) {
    return url;
  };
  // Backslash escapes as Python-Markdown reads them: only these characters; any other backslash
  // (before a quote, a letter, a line end) is a backslash.
  var PY_ESCAPABLE = "\\`*_{}[]()>#+-.!|";
  md.inline.ruler.at("escape", function (state, silent) {
    var pos = state.pos;
    if (state.src.charCodeAt(pos) !== 0x5c) return false;
    var next = state.src[pos + 1];
    var escaped = next !== undefined && pos + 1 < state.posMax && PY_ESCAPABLE.indexOf(next) >= 0;
    if (!silent) {
      var token = state.push("text_special", "", 0);
      token.content = escaped ? next : "\\";
      token.markup = escaped ? "\\" + next : "\\";
      token.info = "escape";
    }
    state.pos = pos + (escaped ? 2 : 1);
    return true;
  });

  function cellAttrs(tok) {
    var style = tok.attrGet("style") || "";
    var match = /text-align:\s*(left|center|right)/.exec(style);
    return { align: match ? match[1] : null };
  }

  var tokenSpecs = Object.assign({}, PMMarkdown.defaultMarkdownParser.tokens, {
    table: { block: "table" },
    thead: { ignore: true },
    tbody: { ignore: true },
    tr: { block: "table_row" },
    th: { block: "table_header", getAttrs: cellAttrs },
    td: { block: "table_cell", getAttrs: cellAttrs },
    footnote_ref: {
      node: "footnote_ref",
      getAttrs: function (tok) {
        return { label: tok.meta.label };
      },
    },
    footnote_block: { ignore: true },
    footnote: {
      block: "footnote_def",
      getAttrs: function (tok) {
        return { label: tok.meta.label };
      },
    },
    footnote_anchor: { ignore: true, noCloseToken: true },
    softbreak: { node: "soft_break" },
  });

  // Python-Markdown takes more for HTML than CommonMark does (`<img\x00src=...>`, `\<b>`): the
  // source of each run of text is checked with its looser patterns (code spans left out).
  var LOOSE_HTML = /<(\/?[a-zA-Z][^\s"'<>@]*(?:\s[^<>]*)?|!--[\s\S]*?--|\?[\s\S]*?\?|!\[CDATA\[[\s\S]*?\]\])>/g;
  var AUTOLINK = /^<[A-Za-z][A-Za-z0-9+.-]*:\/\/[^<>]*>$/;
  var AUTOMAIL = /^<[^<> !]+@[^@<> ]+>$/;

  function looksLikeHtml(source) {
    var text = source.replace(/(`+)[\s\S]*?\1/g, "");
    var match;
    LOOSE_HTML.lastIndex = 0;
    while ((match = LOOSE_HTML.exec(text))) {
      if (!AUTOLINK.test(match[0]) && !AUTOMAIL.test(match[0])) return true;
    }
    return false;
  }

  function findUnsupported(tokens) {
    for (var i = 0; i < tokens.length; i++) {
      var tok = tokens[i];
      if (tok.type === "html_block" || tok.type === "html_inline") return "html";
      if (tok.type === "inline" && looksLikeHtml(tok.content)) return "html";
      if (tok.type === "footnote_ref" && tok.meta && tok.meta.label === undefined) return "construct";
      if (tok.children) {
        var inner = findUnsupported(tok.children);
        if (inner) return inner;
      }
    }
    return null;
  }

  // Start line of each top-level block, in document order (for placing footnote definitions).
  var lastBlockLines = [];

  var tokenizer = {
    parse: function (text, env) {
      var tokens = md.parse(text, env);
      var problem = findUnsupported(tokens);
      if (problem) throw new Unsupported(problem);
      lastBlockLines = tokens
        .filter(function (tok) {
          return tok.level === 0 && tok.nesting >= 0 && tok.map && tok.type.indexOf("footnote") !== 0;
        })
        .map(function (tok) {
          return tok.map[0];
        });
      return tokens;
    },
  };

  function Unsupported(reason) {
    this.reason = reason;
  }

  var parser = new PMMarkdown.MarkdownParser(schema, tokenizer, tokenSpecs);

  // markdown-it gathers footnote definitions at the end, ordered by first reference; they go back
  // where they were written (Python-Markdown numbers them in that order, and the Markdown stays
  // as it was).
  function placeFootnotes(doc, text) {
    var lineOf = {};
    var lines = text.split("\n");
    for (var i = 0; i < lines.length; i++) {
      var match = /^ {0,3}\[\^([^\]\n]+)\]:/.exec(lines[i]);
      if (match && !(match[1] in lineOf)) lineOf[match[1]] = i;
    }
    var body = [];
    var notes = [];
    doc.forEach(function (child) {
      (child.type === schema.nodes.footnote_def ? notes : body).push(child);
    });
    if (!notes.length) return doc;
    if (body.length !== lastBlockLines.length) return schema.node("doc", null, body.concat(notes));
    notes.sort(function (a, b) {
      return (lineOf[a.attrs.label] || 0) - (lineOf[b.attrs.label] || 0);
    });
    var children = [];
    var n = 0;
    for (var j = 0; j < body.length; j++) {
      while (n < notes.length && (lineOf[notes[n].attrs.label] || 0) < lastBlockLines[j]) children.push(notes[n++]);
      children.push(body[j]);
    }
    return schema.node("doc", null, children.concat(notes.slice(n)));
  }

  function parse(text) {
    var doc = parser.parse(text || "");
    return placeFootnotes(doc, text || "");
  }

  // ---- Document to Markdown, in the dialect the server renders. ----
  var ENTITY_LIKE = /&(?=#\d+;|#[xX][0-9a-fA-F]+;|[A-Za-z0-9]+;)/g;

  function escapeText(str, startOfLine, state) {
    str = str
      .replace(ENTITY_LIKE, "&amp;")
      .replace(/</g, "&lt;")
      .replace(/[`*\\]/g, "\\$&")
      .replace(/[\[\]]/g, function (m, i) {
        // Brackets only where they could start a link, an image, a reference or a footnote.
        var next = str[i + 1];
        if (next === undefined) return state && state.lastInBlock ? m : "\\" + m;
        if (m === "]") return next === "(" || next === "[" || next === ":" ? "\\]" : m;
        return next === "^" ? "\\[" : m;
      })
      .replace(/_/g, function (m, i) {
        // Python-Markdown, like CommonMark, leaves intra-word underscores alone.
        return i > 0 && i + 1 < str.length && /\w/.test(str[i - 1]) && /\w/.test(str[i + 1]) ? m : "\\_";
      });
    if (state && state.inTableCell) str = str.replace(/\|/g, "\\|");
    if (startOfLine) {
      str = str
        .replace(/^(\s*)([-+*>#=])/, "$1\\$2")
        .replace(/^(\s*\d+)\.(\s|$)/, "$1\\.$2");
    }
    return str;
  }

  // prosemirror-markdown escapes for CommonMark (including "~", which Python-Markdown would show
  // as "\~"); the portal's renderer needs its own rules.
  PMMarkdown.MarkdownSerializerState.prototype.esc = function (str, startOfLine) {
    return escapeText(str, startOfLine, this);
  };

  var base = PMMarkdown.defaultMarkdownSerializer;

  function renderList(state, node, marker) {
    state.renderList(node, "    ", marker);
  }

  function inlineMarkdown(fragmentNode, inTableCell) {
    var para = schema.node("paragraph", null, fragmentNode.content);
    var out = serializer.serialize(schema.node("doc", null, [para]), { tightLists: true, inTableCell: inTableCell });
    return out.replace(/ {2}\n/g, " ").replace(/\n/g, " ").trim();
  }

  var nodeSerializers = Object.assign({}, base.nodes, {
    bullet_list: function (state, node) {
      renderList(state, node, function () {
        return "- ";
      });
    },
    ordered_list: function (state, node) {
      var start = node.attrs.order == null ? 1 : node.attrs.order;
      renderList(state, node, function (i) {
        return String(start + i) + ". ";
      });
    },
    heading: function (state, node) {
      state.write(state.repeat("#", node.attrs.level) + " ");
      state.renderInline(node, false);
      // Python-Markdown drops trailing "#" of a heading, even without a space before them.
      state.out = state.out.replace(/(^|[^\\])#$/, "$1\\#");
      state.closeBlock(node);
    },
    code_block: function (state, node) {
      var text = node.textContent;
      if (state.delim) {
        // Python-Markdown's fences work only at the top level: inside lists, quotes and
        // footnotes the code is indented instead.
        var lines = text.split("\n");
        for (var i = 0; i < lines.length; i++) {
          state.write("    " + lines[i]);
          if (i < lines.length - 1) state.out += "\n";
        }
        state.closeBlock(node);
        return;
      }
      var ticks = text.match(/`{3,}/gm);
      var fence = ticks ? ticks.sort().slice(-1)[0] + "`" : "```";
      state.write(fence + (node.attrs.params || "").replace(/\s.*$/, "") + "\n");
      state.text(text, false);
      state.write("\n");
      state.write(fence);
      state.closeBlock(node);
    },
    soft_break: function (state) {
      state.write("\n");
    },
    hard_break: function (state, node, parent, index) {
      for (var i = index + 1; i < parent.childCount; i++) {
        if (parent.child(i).type !== node.type) {
          state.write("  \n");
          return;
        }
      }
    },
    image: function (state, node) {
      state.write(
        "![" +
          escapeText(node.attrs.alt || "", false) +
          "](" +
          node.attrs.src.replace(/[()\s]/g, encodeURIComponent) +
          (node.attrs.title ? ' "' + node.attrs.title.replace(/"/g, "&quot;") + '"' : "") +
          ")",
      );
    },
    table: function (state, node) {
      var rows = [];
      var aligns = [];
      node.forEach(function (row, _, r) {
        var cells = [];
        row.forEach(function (cell, __, c) {
          if (r === 0) aligns[c] = cell.attrs.align;
          cells.push(inlineMarkdown(cell, true) || " ");
        });
        rows.push(cells);
      });
      var width = rows.reduce(function (w, row) {
        return Math.max(w, row.length);
      }, 0);
      var lines = rows.map(function (cells) {
        while (cells.length < width) cells.push(" ");
        return "| " + cells.join(" | ") + " |";
      });
      var rule = [];
      for (var i = 0; i < width; i++) {
        var a = aligns[i];
        rule.push(a === "center" ? ":---:" : a === "right" ? "---:" : a === "left" ? ":---" : "---");
      }
      lines.splice(1, 0, "| " + rule.join(" | ") + " |");
      for (var j = 0; j < lines.length; j++) {
        state.write(lines[j]);
        if (j < lines.length - 1) state.out += "\n";
      }
      state.closeBlock(node);
    },
    table_row: function () {},
    table_cell: function () {},
    table_header: function () {},
    text: function (state, node, parent, index) {
      // A bracket ending the block's text cannot open anything (see escapeText).
      state.lastInBlock = index === parent.childCount - 1;
      var before = index > 0 ? parent.child(index - 1).type : null;
      // After a line break, the text starts a line: "# ", "- ", "1. " there must stay text.
      if (before === schema.nodes.soft_break || before === schema.nodes.hard_break) state.atBlockStart = true;
      state.text(node.text, !state.inAutolink);
      state.lastInBlock = false;
    },
    footnote_ref: function (state, node) {
      state.write("[^" + node.attrs.label + "]");
    },
    footnote_def: function (state, node) {
      state.wrapBlock("    ", "[^" + node.attrs.label + "]: ", node, function () {
        state.renderContent(node);
      });
    },
  });

  var markSerializers = Object.assign({}, base.marks, {
    link: {
      open: function (state, mark, parent, index) {
        state.inAutolink = isAutolink(mark, parent, index);
        return state.inAutolink ? "<" : "[";
      },
      close: function (state, mark) {
        if (state.inAutolink) {
          state.inAutolink = undefined;
          return ">";
        }
        // Whitespace and control characters as character references: both parsers decode them.
        var href = mark.attrs.href.replace(/[\s\x00-\x1f<>]/g, function (ch) {
          return "&#x" + ch.charCodeAt(0).toString(16).toUpperCase() + ";";
        });
        if (/[()]/.test(href)) href = "<" + href + ">";
        var title = mark.attrs.title ? ' "' + mark.attrs.title.replace(/"/g, "&quot;") + '"' : "";
        return "](" + href + title + ")";
      },
      mixable: true,
    },
  });

  // `<https://...>` and `<name@example.org>` stay autolinks when the text is the address.
  function isAutolink(mark, parent, index) {
    var href = mark.attrs.href;
    if (mark.attrs.title || !/^<[A-Za-z][A-Za-z0-9+.-]*:\/\/[^<>\s]*>$/.test("<" + href + ">")) return false;
    var content = parent.child(index);
    if (!content.isText || content.text !== href || content.marks[content.marks.length - 1] !== mark) return false;
    return index === parent.childCount - 1 || !mark.isInSet(parent.child(index + 1).marks);
  }

  var serializer = new PMMarkdown.MarkdownSerializer(nodeSerializers, markSerializers);
  // The serialiser hands its options to the state; tables read `inTableCell` through it.
  var originalSerialize = serializer.serialize.bind(serializer);
  serializer.serialize = function (content, options) {
    var inCell = options && options.inTableCell;
    var saved = PMMarkdown.MarkdownSerializerState.prototype.inTableCell;
    PMMarkdown.MarkdownSerializerState.prototype.inTableCell = !!inCell;
    try {
      return originalSerialize(content, options);
    } finally {
      PMMarkdown.MarkdownSerializerState.prototype.inTableCell = saved;
    }
  };

  function serialize(doc) {
    return serializer.serialize(doc, { tightLists: false }).replace(/\s+$/, "") + "\n";
  }

  // Parses and serialises back, without deciding whether the meaning survived (see check()).
  function roundTrip(text) {
    try {
      var doc = parse(text);
      return { supported: true, markdown: serialize(doc), doc: doc };
    } catch (error) {
      if (error instanceof Unsupported) return { supported: false, reason: error.reason };
      return { supported: false, reason: "construct", error: String(error) };
    }
  }

  function sameText(a, b) {
    return a.replace(/\s+$/, "") === b.replace(/\s+$/, "");
  }

  // The renders are compared as the browser would show them: runs of whitespace outside <pre>
  // count as one space, and whitespace between block tags as none.
  var BLOCK = "p|li|ul|ol|h[1-6]|blockquote|table|thead|tbody|tfoot|tr|th|td|div|hr|pre|dl|dt|dd|br";
  function normaliseHtml(html) {
    var parts = html.split(/(<pre[\s>][\s\S]*?<\/pre>)/);
    for (var i = 0; i < parts.length; i += 2) {
      parts[i] = parts[i]
        .replace(/\s+/g, " ")
        .replace(new RegExp("\\s*(</?(?:" + BLOCK + ")(?:\\s[^>]*)?>)\\s*", "g"), "$1");
    }
    return parts.join("").trim();
  }

  // ---- The editor. ----
  // Interface strings come translated from the template (data-msg-* on the editor).
  var messages = null;

  function t(key) {
    return (messages && messages.getAttribute("data-msg-" + key)) || key;
  }

  function markActive(state, type) {
    var sel = state.selection;
    if (sel.empty) return !!type.isInSet(state.storedMarks || sel.$from.marks());
    return state.doc.rangeHasMark(sel.from, sel.to, type);
  }

  function inTable(state) {
    return Tables.isInTable(state);
  }

  function insertTable(state, dispatch) {
    var s = schema.nodes;
    function row(cellType, texts) {
      return s.table_row.create(
        null,
        texts.map(function (text) {
          return cellType.create(null, text ? schema.text(text) : null);
        }),
      );
    }
    var table = s.table.create(null, [
      row(s.table_header, [t("column"), t("column")]),
      row(s.table_cell, ["", ""]),
    ]);
    // Tables live at the top level (Python-Markdown reads them nowhere else): after the block the
    // cursor is in, or in place of it when that is an empty paragraph.
    var $from = state.selection.$from;
    if ($from.depth < 1) return false;
    if (dispatch) {
      var block = $from.node(1);
      var start = $from.before(1);
      var tr = state.tr;
      if (block.type === s.paragraph && block.content.size === 0) tr.replaceWith(start, start + block.nodeSize, table);
      else {
        start = $from.after(1);
        tr.insert(start, table);
      }
      // The cursor in the first header cell (inside the table, its first row and that cell).
      tr.setSelection(PMState.TextSelection.create(tr.doc, start + 3));
      dispatch(tr.scrollIntoView());
    }
    return true;
  }

  function nextFootnoteLabel(doc) {
    var used = {};
    doc.descendants(function (node) {
      if (node.type === schema.nodes.footnote_ref || node.type === schema.nodes.footnote_def) used[node.attrs.label] = true;
    });
    var n = 1;
    while (used[String(n)]) n++;
    return String(n);
  }

  function insertFootnote(state, dispatch) {
    if (!dispatch) return true;
    var label = nextFootnoteLabel(state.doc);
    var tr = state.tr.replaceSelectionWith(schema.nodes.footnote_ref.create({ label: label }), false);
    var def = schema.nodes.footnote_def.create({ label: label }, schema.nodes.paragraph.create());
    var end = tr.doc.content.size;
    tr.insert(end, def);
    tr.setSelection(PMState.TextSelection.create(tr.doc, end + 2));
    dispatch(tr.scrollIntoView());
    return true;
  }

  function toggleHeading(level) {
    return function (state, dispatch) {
      var $from = state.selection.$from;
      var node = $from.parent;
      if (node.type === schema.nodes.heading && node.attrs.level === level) {
        return Commands.setBlockType(schema.nodes.paragraph)(state, dispatch);
      }
      return Commands.setBlockType(schema.nodes.heading, { level: level })(state, dispatch);
    };
  }

  function toggleList(listType) {
    return function (state, dispatch) {
      var range = state.selection.$from.blockRange(state.selection.$to);
      if (range && range.depth >= 2) {
        var parentList = range.$from.node(range.depth - 1);
        if (parentList && parentList.type === schema.nodes.list_item) {
          var list = range.$from.node(range.depth - 2);
          if (list.type === listType) return Lists.liftListItem(schema.nodes.list_item)(state, dispatch);
        }
      }
      return Lists.wrapInList(listType)(state, dispatch);
    };
  }

  function toggleQuote(state, dispatch) {
    var $from = state.selection.$from;
    for (var d = $from.depth; d > 0; d--) {
      if ($from.node(d).type === schema.nodes.blockquote) return Commands.lift(state, dispatch);
    }
    return Commands.wrapIn(schema.nodes.blockquote)(state, dispatch);
  }

  function toggleCode(state, dispatch) {
    // A selection within one paragraph becomes inline code; an empty one a code block.
    var sel = state.selection;
    if (!sel.empty && sel.$from.sameParent(sel.$to)) return Commands.toggleMark(schema.marks.code)(state, dispatch);
    if (sel.$from.parent.type === schema.nodes.code_block) return Commands.setBlockType(schema.nodes.paragraph)(state, dispatch);
    return Commands.setBlockType(schema.nodes.code_block)(state, dispatch);
  }

  var COMMANDS = {
    heading: toggleHeading(2),
    bold: Commands.toggleMark(schema.marks.strong),
    italic: Commands.toggleMark(schema.marks.em),
    list: toggleList(schema.nodes.bullet_list),
    numbered: toggleList(schema.nodes.ordered_list),
    quote: toggleQuote,
    code: toggleCode,
    table: insertTable,
    footnote: insertFootnote,
    "row-add": Tables.addRowAfter,
    "column-add": Tables.addColumnAfter,
    "row-delete": Tables.deleteRow,
    "column-delete": Tables.deleteColumn,
  };

  function buildInputRules() {
    var s = schema.nodes;
    return Rules.inputRules({
      rules: [
        Rules.wrappingInputRule(/^\s*>\s$/, s.blockquote),
        Rules.wrappingInputRule(
          /^(\d+)\.\s$/,
          s.ordered_list,
          function (match) {
            return { order: +match[1] };
          },
          function (match, node) {
            return node.childCount + node.attrs.order === +match[1];
          },
        ),
        Rules.wrappingInputRule(/^\s*([-+*])\s$/, s.bullet_list),
        Rules.textblockTypeInputRule(/^```$/, s.code_block),
        Rules.textblockTypeInputRule(/^(#{1,6})\s$/, s.heading, function (match) {
          return { level: match[1].length };
        }),
      ],
    });
  }

  function buildKeymap(editor) {
    var s = schema.nodes;
    var keys = {
      "Mod-z": History.undo,
      "Shift-Mod-z": History.redo,
      "Mod-y": History.redo,
      "Mod-b": COMMANDS.bold,
      "Mod-i": COMMANDS.italic,
      "Mod-`": Commands.toggleMark(schema.marks.code),
      "Mod-k": function () {
        editor.openLinkDialog();
        return true;
      },
      "Shift-Ctrl-8": COMMANDS.list,
      "Shift-Ctrl-9": COMMANDS.numbered,
      "Ctrl->": COMMANDS.quote,
      "Shift-Ctrl-0": Commands.setBlockType(s.paragraph),
      "Shift-Ctrl-\\": Commands.setBlockType(s.code_block),
      "Shift-Enter": Commands.chainCommands(Commands.exitCode, function (state, dispatch) {
        if (dispatch) dispatch(state.tr.replaceSelectionWith(s.hard_break.create()).scrollIntoView());
        return true;
      }),
      Enter: Lists.splitListItem(s.list_item),
      "Mod-[": Lists.liftListItem(s.list_item),
      "Mod-]": Lists.sinkListItem(s.list_item),
    };
    for (var level = 1; level <= 3; level++) keys["Shift-Ctrl-" + level] = Commands.setBlockType(s.heading, { level: level });
    return keys;
  }

  function RichEditor(root) {
    this.root = root;
    this.textarea = root.querySelector("textarea");
    this.form = root.closest("form");
    this.notice = root.querySelector("[data-editor-notice]");
    this.modes = root.querySelector("[data-editor-modes]");
    this.toolbar = root.querySelector("[role=toolbar]");
    this.dialog = null;
    var content = root.querySelector("[data-link-dialog]");
    if (content && typeof HTMLDialogElement !== "undefined") {
      // A real <dialog> (focus kept inside, Escape closes, the page behind inert), made here: the
      // page's HTML has none.
      this.dialog = document.createElement("dialog");
      this.dialog.className = "link-dialog";
      this.dialog.setAttribute("aria-labelledby", content.getAttribute("aria-labelledby"));
      content.parentNode.insertBefore(this.dialog, content);
      this.dialog.appendChild(content);
      content.hidden = false;
    }
    this.view = null;
    this.syncTimer = null;
    this.checking = false;
  }

  RichEditor.prototype.setNotice = function (text, kind) {
    if (!this.notice) return;
    this.notice.textContent = text || "";
    this.notice.hidden = !text;
    this.notice.className = "editor-notice" + (kind ? " editor-notice-" + kind : "");
  };

  RichEditor.prototype.showMode = function (mode) {
    this.root.setAttribute("data-mode", mode);
    var buttons = this.modes.querySelectorAll("[data-mode]");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].setAttribute("aria-pressed", buttons[i].getAttribute("data-mode") === mode ? "true" : "false");
    }
    var richOnly = this.root.querySelectorAll("[data-rich-only]");
    for (var j = 0; j < richOnly.length; j++) richOnly[j].hidden = mode !== "rich";
    this.textarea.hidden = mode === "rich";
    if (this.toolbar) {
      // Buttons appeared or went: keep one of the visible ones in the tab order (see editor.js).
      var usable = Array.prototype.filter.call(this.toolbar.querySelectorAll("button"), function (b) {
        return !b.hidden && !b.disabled;
      });
      var current = usable.filter(function (b) {
        return b.tabIndex === 0;
      })[0] || usable[0];
      Array.prototype.forEach.call(this.toolbar.querySelectorAll("button"), function (b) {
        b.tabIndex = b === current ? 0 : -1;
      });
    }
    var help = this.root.querySelectorAll("[data-mode-help]");
    for (var k = 0; k < help.length; k++) help[k].hidden = help[k].getAttribute("data-mode-help") !== mode;
  };

  // Resolves to null when the text can open in rich mode, or to the reason it cannot.
  RichEditor.prototype.check = function (text) {
    var result = roundTrip(text);
    if (!result.supported) return Promise.resolve({ reason: result.reason });
    if (sameText(result.markdown, text)) return Promise.resolve({ doc: result.doc });
    var url = this.root.getAttribute("data-preview-url");
    var tokenInput = this.form && this.form.querySelector("[name=csrfmiddlewaretoken]");
    if (!url || !tokenInput) return Promise.resolve({ reason: "construct" });
    function renderOnServer(body) {
      var data = new URLSearchParams();
      data.set("body", body);
      return fetch(url, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { "X-CSRFToken": tokenInput.value },
      }).then(function (response) {
        if (!response.ok) throw new Error("preview " + response.status);
        return response.text();
      });
    }
    return Promise.all([renderOnServer(text), renderOnServer(result.markdown)]).then(
      function (renders) {
        return normaliseHtml(renders[0]) === normaliseHtml(renders[1]) ? { doc: result.doc } : { reason: "construct" };
      },
      function () {
        return { reason: "offline" };
      },
    );
  };

  RichEditor.prototype.enterRich = function (remember) {
    var self = this;
    if (self.view || self.checking) return Promise.resolve();
    self.checking = true;
    self.setNotice(t("opening"));
    return self.check(self.textarea.value).then(function (result) {
      self.checking = false;
      if (remember) storeMode("rich");
      if (!result.doc) {
        var reason = result.reason === "html" || result.reason === "offline" ? result.reason : "construct";
        self.setNotice(t(reason), "warning");
        self.root.setAttribute("data-rich-refused", result.reason);
        self.showMode("markdown");
        return;
      }
      self.setNotice("");
      self.mount(result.doc);
      self.showMode("rich");
    });
  };

  RichEditor.prototype.enterMarkdown = function (remember) {
    if (remember) storeMode("markdown");
    if (this.view) {
      this.flush();
      this.view.destroy();
      this.view = null;
      if (this.surface) this.surface.remove();
      this.surface = null;
    }
    this.setNotice("");
    this.clearPressed();
    this.showMode("markdown");
  };

  RichEditor.prototype.mount = function (doc) {
    var self = this;
    var label = self.root.querySelector("label[for='" + self.textarea.id + "']");
    self.surface = document.createElement("div");
    self.surface.className = "rich-surface";
    self.textarea.parentNode.insertBefore(self.surface, self.textarea.nextSibling);
    var state = PMState.EditorState.create({
      doc: doc,
      plugins: [
        buildInputRules(),
        Keymap.keymap(buildKeymap(self)),
        Keymap.keymap(Commands.baseKeymap),
        History.history(),
        PM.dropcursor.dropCursor(),
        PM.gapcursor.gapCursor(),
        Tables.tableEditing(),
      ],
    });
    self.view = new PMView.EditorView(self.surface, {
      state: state,
      attributes: {
        class: "rich-text document-body",
        role: "textbox",
        "aria-multiline": "true",
        "aria-labelledby": label ? label.id : "",
        "aria-describedby": self.root.getAttribute("data-describedby") || "",
        spellcheck: "true",
      },
      dispatchTransaction: function (tr) {
        var newState = self.view.state.apply(tr);
        self.view.updateState(newState);
        if (tr.docChanged) self.scheduleSync();
        self.updateToolbar();
      },
    });
    self.updateToolbar();
  };

  RichEditor.prototype.scheduleSync = function () {
    var self = this;
    self.dirty = true;
    clearTimeout(self.syncTimer);
    self.syncTimer = setTimeout(function () {
      self.flush();
    }, 250);
  };

  // Writes the rich document's Markdown into the textarea (only after an edit: opening a document
  // in rich mode never rewrites it) and tells the preview.
  RichEditor.prototype.flush = function () {
    clearTimeout(this.syncTimer);
    if (!this.view || !this.dirty) return;
    this.dirty = false;
    var text = serialize(this.view.state.doc);
    if (text !== this.textarea.value) {
      this.textarea.value = text;
      this.textarea.dispatchEvent(new Event("input", { bubbles: true }));
      this.textarea.dispatchEvent(new Event("change", { bubbles: true }));
    }
  };

  RichEditor.prototype.updateToolbar = function () {
    if (!this.view || !this.toolbar) return;
    var state = this.view.state;
    var pressed = {
      bold: markActive(state, schema.marks.strong),
      italic: markActive(state, schema.marks.em),
      link: markActive(state, schema.marks.link),
      heading: state.selection.$from.parent.type === schema.nodes.heading,
    };
    var table = inTable(state);
    var buttons = this.toolbar.querySelectorAll("[data-md]");
    for (var i = 0; i < buttons.length; i++) {
      var kind = buttons[i].getAttribute("data-md");
      if (kind in pressed) buttons[i].setAttribute("aria-pressed", pressed[kind] ? "true" : "false");
      if (buttons[i].hasAttribute("data-rich-only") && kind !== "footnote") {
        buttons[i].disabled = !table;
      }
    }
  };

  RichEditor.prototype.clearPressed = function () {
    if (!this.toolbar) return;
    var buttons = this.toolbar.querySelectorAll("[aria-pressed]");
    for (var i = 0; i < buttons.length; i++) buttons[i].removeAttribute("aria-pressed");
  };

  RichEditor.prototype.apply = function (kind) {
    if (!this.view) return false;
    if (kind === "link") {
      this.openLinkDialog();
      return true;
    }
    var command = COMMANDS[kind];
    if (command) command(this.view.state, this.view.dispatch);
    this.view.focus();
    return true;
  };

  RichEditor.prototype.openLinkDialog = function () {
    var self = this;
    var dialog = self.dialog;
    if (!dialog || !self.view) return;
    var state = self.view.state;
    var sel = state.selection;
    var existing = null;
    state.doc.nodesBetween(sel.from, sel.empty ? sel.from + 1 : sel.to, function (node) {
      var mark = schema.marks.link.isInSet(node.marks);
      if (mark) existing = mark;
    });
    var href = dialog.querySelector("[data-link-href]");
    var text = dialog.querySelector("[data-link-text]");
    var textRow = dialog.querySelector("[data-link-text-row]");
    var remove = dialog.querySelector("[data-link-remove]");
    var error = dialog.querySelector("[data-link-error]");
    href.value = existing ? existing.attrs.href : "https://";
    text.value = "";
    textRow.hidden = !sel.empty || !!existing;
    remove.hidden = !existing;
    error.hidden = true;
    href.removeAttribute("aria-invalid");
    self.linkRange = { from: sel.from, to: sel.to, empty: sel.empty, existing: existing };
    dialog.showModal();
    href.focus();
    href.select();
  };

  RichEditor.prototype.finishLink = function (action) {
    var dialog = this.dialog;
    var view = this.view;
    var range = this.linkRange;
    if (!view || !range) return;
    var type = schema.marks.link;
    var state = view.state;
    var tr = state.tr;
    var from = range.from;
    var to = range.to;
    if (range.existing && range.empty) {
      // Extend to the whole link around the cursor.
      var $pos = state.doc.resolve(from);
      var start = $pos.start();
      var parent = $pos.parent;
      var offset = 0;
      parent.forEach(function (child) {
        var childFrom = start + offset;
        var childTo = childFrom + child.nodeSize;
        if (range.existing.isInSet(child.marks) && childFrom <= from && from <= childTo) {
          from = Math.min(from, childFrom);
          to = Math.max(to, childTo);
        }
        offset += child.nodeSize;
      });
    }
    if (action === "remove") {
      tr.removeMark(from, to, type);
    } else {
      var href = dialog.querySelector("[data-link-href]").value.trim();
      var error = dialog.querySelector("[data-link-error]");
      var hrefInput = dialog.querySelector("[data-link-href]");
      if (!SAFE_HREF.test(href) || href === "https://" || href === "http://") {
        error.hidden = false;
        hrefInput.setAttribute("aria-invalid", "true");
        hrefInput.focus();
        return;
      }
      var mark = type.create({ href: href });
      if (from === to) {
        var label = dialog.querySelector("[data-link-text]").value.trim() || href;
        tr.insert(from, schema.text(label, [mark]));
      } else {
        tr.removeMark(from, to, type).addMark(from, to, mark);
      }
    }
    view.dispatch(tr.scrollIntoView());
    dialog.close();
    view.focus();
  };

  var STORAGE_KEY = "coalition.editor.mode";

  function storedMode() {
    try {
      return window.localStorage.getItem(STORAGE_KEY);
    } catch (error) {
      return null;
    }
  }

  function storeMode(mode) {
    try {
      window.localStorage.setItem(STORAGE_KEY, mode);
    } catch (error) {
      /* private browsing: the choice lasts for this page only */
    }
  }

  function setUp(root) {
    if (root.richEditor) return root.richEditor;
    var editor = new RichEditor(root);
    root.richEditor = editor;
    if (!editor.textarea || !editor.modes) return editor;
    messages = root;
    editor.modes.hidden = false;
    editor.showMode("markdown");
    editor.modes.addEventListener("click", function (event) {
      var button = event.target.closest("[data-mode]");
      if (!button) return;
      if (button.getAttribute("data-mode") === "rich") editor.enterRich(true);
      else editor.enterMarkdown(true);
    });
    if (editor.form) {
      // Capture: the Markdown is in the field before anything else sees the submit.
      editor.form.addEventListener("submit", function () { editor.flush(); }, true);
    }
    if (editor.dialog) {
      editor.dialog.addEventListener("keydown", function (event) {
        // Enter in a field applies (the dialog is inside the document's form: never submit it).
        if (event.key === "Enter" && event.target.tagName === "INPUT") {
          event.preventDefault();
          editor.finishLink("apply");
        }
      });
      editor.dialog.addEventListener("close", function () {
        if (editor.view) editor.view.focus();
      });
      editor.dialog.addEventListener("click", function (event) {
        if (event.target.closest("[data-link-apply]")) editor.finishLink("apply");
        if (event.target.closest("[data-link-remove]")) editor.finishLink("remove");
        if (event.target.closest("[data-link-cancel]")) {
          editor.dialog.close();
          if (editor.view) editor.view.focus();
        }
      });
    }
    if (storedMode() === "rich") editor.enterRich(false);
    return editor;
  }

  function init() {
    var roots = document.querySelectorAll("[data-editor]");
    for (var i = 0; i < roots.length; i++) setUp(roots[i]);
  }

  window.CoalitionRichText = {
    schema: schema,
    parse: parse,
    serialize: serialize,
    roundTrip: function (text) {
      var result = roundTrip(text);
      return { supported: result.supported, reason: result.reason || null, markdown: result.markdown || null, error: result.error || null };
    },
    normaliseHtml: normaliseHtml,
    apply: function (root, kind) {
      var editor = root.richEditor;
      return !!(editor && editor.view && editor.apply(kind));
    },
    editorFor: function (root) {
      return root.richEditor || null;
    },
  };

  if (typeof document !== "undefined" && document.querySelectorAll) {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
    else init();
  }
})();
