// The libraries of the rich-text editor, bundled into one file that sets `window.CoalitionProseMirror`.
// Only the npm packages live here; the portal's own editor code is coalition/core/static/portal/richtext.js.
export * as model from "prosemirror-model";
export * as state from "prosemirror-state";
export * as view from "prosemirror-view";
export * as transform from "prosemirror-transform";
export * as commands from "prosemirror-commands";
export * as history from "prosemirror-history";
export * as keymap from "prosemirror-keymap";
export * as inputrules from "prosemirror-inputrules";
export * as schemaList from "prosemirror-schema-list";
export * as tables from "prosemirror-tables";
export * as dropcursor from "prosemirror-dropcursor";
export * as gapcursor from "prosemirror-gapcursor";
export * as markdown from "prosemirror-markdown";
export { default as MarkdownIt } from "markdown-it";
export { default as markdownItFootnote } from "markdown-it-footnote";
