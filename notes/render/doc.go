// Package render turns cocreate documents into something to read: the
// shared notes as Markdown, safe HTML and plain text (for search), the
// meeting document as a record (attendees, agenda planned against spent,
// poll results, open tasks; the RSVPs against who came when the caller
// sets Answers), and a line diff between two renderings.
// It is pure: no I/O, goroutines or clock; documents are only read.
//
// Usage:
//
//	notes, err := render.ReadNotes(doc)      // or ReadNotesUpdate(stored bytes)
//	md, page, text := notes.Markdown(), notes.HTML(), notes.Text()
//	rec, err := render.Record(meetingDoc) // JSON: the API's "record"
//	rec.OpenTasks = notes.OpenTasks()
//	rec.Location = sessionTimeZone            // times in the Markdown/HTML
//	body := rec.Markdown()                    // or rec.HTML()
//	file := render.DocumentMarkdown(rec, notes) // the download: title, date, notes, then the record
//	patch := render.DiffMarkdown(oldMD, newMD)
//
// Markdown(doc), HTML(doc), Text(doc) and OpenTasks(doc) do ReadNotes and
// one rendering in one call.
//
// # Reading notes
//
// The notes are the XmlFragment "default" in the layout y-prosemirror
// (TipTap's Collaboration extension) writes: an XmlElement per node, its
// nodeName the node type and its attributes the node's attrs; text in
// XmlText, whose formatting attributes are the marks (the value is the
// mark's attrs; "name--hash" keys, y-prosemirror's overlapping marks,
// count as "name"). The schema is TipTap's StarterKit (paragraph,
// heading, bulletList, orderedList, listItem, blockquote, codeBlock,
// horizontalRule, hardBreak; bold, italic, strike, code, underline,
// link) with taskList/taskItem and image. When that fragment is empty,
// another root fragment (y-prosemirror's default name is "prosemirror")
// or a root Y.Text ("default" first; Quill-style, lines end in "\n") is
// rendered instead. Unknown nodes render as their content, unknown marks
// as their text: a document never fails to render. The caller's Doc is
// read through a private copy, so the kind of a root is never fixed on
// it and it is never written. Nesting deeper than 64 levels is cut.
//
// # Schema
//
// CheckNotesInsertion, used with crdt.Doc.Inspect, refuses an update that
// would leave the notes fragment outside that schema (a bare string or an
// XmlText straight in the fragment, an unknown node or mark): the server
// asks it before applying a client's update to {session}/notes.
//
// # Safety
//
// The HTML is TipTap's markup (the same tags and attributes
// generateHTML writes), built only from a fixed list of tags and
// attributes: nothing is copied from the document by name, so there is
// never an event handler, style or script. Every text and attribute
// value is escaped. Link and image addresses are written only when their
// scheme is http, https or mailto, or when they have none (relative: the
// browser resolves it against the page's own http(s) address, so it can
// never become javascript: or data:); the scheme is found as browsers
// find it, after dropping control characters and spaces at the ends and
// tabs and newlines inside. A refused link keeps its <a> without href;
// a refused image its alt text without src.
//
// The Markdown is CommonMark plus GitHub's ~~strike~~ and "- [ ]" task
// items. All text is backslash-escaped where it could mean markup, so a
// Markdown renderer that allows raw HTML still shows "<script>" as text;
// the only raw HTML written is <u> for underline, <br> where a backslash
// break cannot stand, and <strong>/<em>/<s> where CommonMark's flanking
// rules would not let the delimiters work. Link destinations go through
// the same address check, and an "&" that could start an entity is
// percent-encoded so that no parser can turn "javascript&#58;" into a
// scheme.
//
// # Tests and golden fixtures
//
// testdata/tiptap holds one JSON file per TipTap document: the Yjs
// update y-prosemirror makes of it (base64), the HTML TipTap's own
// generateHTML renders, and the ProseMirror JSON. testdata/gen (Node:
// @tiptap/core, starter-kit, extension-list, extension-image, html,
// y-prosemirror and yjs, pinned in package-lock.json) writes them from
// the documents in gen/docs.mjs; regenerate with `make render-fixtures`
// (the Y.Doc client id is fixed, so the output is reproducible). The
// tests load every update into a crdt.Doc and require our HTML to equal
// TipTap's up to attribute order and whitespace (except where TipTap
// itself writes an address we refuse; see TestHTMLMatchesTipTap), and
// our Markdown, parsed back by goldmark, to have the structure and text
// of TipTap's HTML.
package render
