// Package render turns cocreate documents into Markdown, HTML and plain
// text: the notes document (TipTap/ProseMirror layout) and the meeting
// record.
package render
