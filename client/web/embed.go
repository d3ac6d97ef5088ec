// Package web holds the browser workspace: TypeScript sources in src/,
// bundled by esbuild (build.mjs, `make ui`) into dist/, which this
// package embeds so the cocreate binary serves the UI by itself. dist/
// is not committed (only .gitkeep, so the package builds before the
// first `make ui`); package server serves it at /.
//
// The pages use only public interfaces: the REST API and the stock
// y-websocket provider at /sync. Sources by concern: main.ts picks the
// page (lobby.ts, room.ts, reader.ts, the invite page of access.ts);
// spaces.ts is the lobby's spaces and members, tasks.ts a space's open
// tasks (by owner or session), access.ts the invite
// dialog, the no-access page and "Your name"; the room is editor.ts (TipTap and
// its toolbar), meeting.ts with polls.ts, timer.ts and panel.ts (the meeting panel,
// rendered by morphing in dom.ts so focus survives remote updates) and
// status.ts (connection, sync, "all changes saved" from the server's saved messages, announcements); versions.ts compares and
// restores versions in the reader; dialog.ts asks before destructive
// actions and holds the link dialogs' parts. time.ts writes every time
// the UI shows (the viewer's zone, labelled, the session's alongside);
// calendar.ts is "Add to calendar" and a space's calendar subscription;
// rsvp.ts is "Are you going?" (the room, the lobby's upcoming rows) and,
// in the reader, the answers against who came; series.ts is the "Plan a
// session" form's Repeats and Ends (a recurring series) and a rule in
// words.
// e2e_test.go drives them in headless Chromium with Playwright and
// axe-core (e2e/e2e.mjs, access.mjs, meeting.mjs, after.mjs, tokens.mjs,
// zones.mjs, tasks.mjs, rsvp.mjs, series.mjs).
package web

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// Files returns the built bundle (index.html, app.js, app.css), and
// whether it has been built.
func Files() (fs.FS, bool) {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		return nil, false
	}
	_, err = fs.Stat(sub, "index.html")
	return sub, err == nil
}
