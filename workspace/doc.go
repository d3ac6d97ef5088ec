// Package workspace is cocreate's application: sessions and their
// lifecycle, roles and every access decision, meeting commands,
// attendance, anonymous ballots, the versions policy, reading notes and
// search. It is the one source of truth for "who may do what", between
// the edge (package server, which authenticates and speaks HTTP) and the
// live documents (package hub).
//
// Every use case is one method of Workspace that takes the Caller and
// the input and returns a result or an *Error whose Kind is one of
// ErrNotFound, ErrForbidden, ErrConflict, ErrQuota, ErrInvalid, ErrGone
// or ErrUnavailable; the edge maps the kinds to status codes in one
// place. Access is decided once, at the top of each use case, by
// authorize (access.go) — the caller's role in the session and whether
// it allows the Action — or authorizeSpace for a space: deny by default,
// ErrNotFound for what the caller may not read (its existence is not
// revealed), ErrForbidden for what they may read but not do. A role
// comes from the token's grant for the session, the session's host, a
// role stored on the session, else (unless the session is private) the
// caller's space role mapped to a session role, and viewer for a public
// session; the token's grant for the space replaces the stored
// membership. Lists and search keep only what authorize lets the caller
// read (a public session only for those with a role in it or its space:
// others reach it by its link), found by reading every session record
// (fine for thousands; an index by space is the next step). Spaces, members, invites (spaces.go, invites.go: a use limit
// counted by the store, atomically) and profiles (profiles.go: the name
// and colour a person shows everywhere, given to the Caller by Resolve)
// are use cases like the others; a change of membership or visibility
// reaches the person's live connections on every instance at once
// (hub.Registry.Revoke or SetReadOnly).
//
// It is written against one Store (store.go): document logs, session
// records, versions, the list of a session's documents, the search
// index, and spaces, members, invites and profiles, each capability checked at compile time for the memory, SQLite
// and PostgreSQL backends. Session records change by narrow,
// compare-and-set updates (notes.Sessions.UpdateSession), never by
// writing back a whole record read earlier.
//
// A meeting command travels: Command (meeting.go) authorizes, rate
// limits (limits.go) and decodes it, then applyMeeting runs it in the
// hub's goroutine of {session}/meeting (hub.Registry.Do) with the state
// machine of package meeting, one command at a time across instances
// under the Lock (hub.RedisLock, renewed while held), and carries out
// what it implies outside the document: the session record's state, the
// post-meeting version, a role change on the person's connections on
// every instance (hub.Registry.SetReadOnly). Attendance (attendance.go)
// is recorded from connections in the background, in order per person,
// so a socket is never held up by the lock; a newcomer to a session
// whose attendance is full (Config.MaxAttendance, quota.go) is refused
// by Connect with ErrQuota, as is a connection that would create one
// more document of a full session (Config.MaxDocsPerSession).
// CreateSession refuses a session in a space that had
// Config.MaxSessionsPerSpaceHour created in the last hour; a series'
// occurrences are stored past that check, never refused by it. A new
// space is refused to a person who owns Config.MaxSpacesPerPerson (a
// session or series made without a space makes one), and a new invite
// to a space with Config.MaxInvitesPerSpace open ones (dead ones are
// dropped first).
//
// Calendars (calendar.go) are built with internal/ical from the session
// records: one event per session in its own zone, SEQUENCE its count of
// reschedules (Session.Sequence, raised by UpdateSession when the start,
// zone or planned duration changes), CANCELLED from the tombstone
// DeleteSession keeps (in the space's feed for TombstoneKeep, 30 days,
// after which RunSeries' round prunes it). Calendar
// apps read them with feed tokens (feeds.go): a secret per person and
// feed, stored hashed, revocable, that FeedCaller turns into its owner
// for that one feed; every read is still decided by authorize.
//
// Recurring series (series.go): a rule (internal/ical) and a template;
// materialise turns the occurrences due (within Config.SeriesLookahead,
// the next one always, and at once when an occurrence ends) into
// sessions with derived ids, claiming each slot in the store first so
// instances never make one twice, seeding the notes with links to the
// previous and next occurrence (series_notes.go). RunSeries is the
// background round. A series is authorized as a record with its host,
// space and visibility, by the same authorize.
//
// RSVPs (rsvp.go): anyone who may read a session answers until it
// ends; readers see the counts and their own answer, hosts and cohosts
// who answered what and, once it has started, who came beside it (in
// the room while it ran, not only before the start:
// render.MeetingRecord.Came); ReadNotes writes that into their copy of
// an ended meeting's record (render.Answers: names, not subjects).
//
// Tasks (tasks.go, task_follow.go): SpaceTasks lists the open task
// items of a space's notes as stored, with the @name each names
// resolved to a member (subject, display name, unique first name) and
// the date, grouped by owner or session on request. A task is known by
// the CRDT id of its taskItem element (stable across edits, so no
// attribute the editor would drop) and, across sessions, by a task id
// in the store (notes.TaskStore: one row per copy). The hubs show the
// workspace each notes document after a store (OnStored, in the room's
// goroutine: the items are read there); a follower per session, latest
// scan wins, compares them with the store: a new item whose text has
// stayed the same for two seconds is a task (task.created), a state the
// document itself changed (the CRDT id of the item's "checked" value
// differs from the one the store accounted for, and the scan is not
// older than it) is CheckTask on every copy, and the one call that
// changes it emits task.completed and writes the state into the other
// copies through the hubs (Registry.Do: live clients see it; an
// unloaded document is loaded, changed and stored), recording the
// version it wrote so that copy's next scan is no change of its own. Open
// tasks of an occurrence are carried into the next one (claimCarry:
// a copy claimed in the store first, so once) when it is made (in its
// seed), when the previous one ends and when it starts; the copy
// links back to the room it came from, and new items of a session a
// carry is writing into wait for the next scan.
//
// Session, notes and task events (session.created|updated|started|
// ended|deleted, notes.version_created, task.created|completed) go to
// the webhooks of the session's space through Config.Webhooks (events.go; internal/webhook stores and
// delivers them).
//
// It knows no HTTP and no SQL, and does not touch sockets: Connect
// (connect.go) tells the edge how to serve one — a session's document
// with the caller's role, an open room only when asked (--public-rooms),
// a document a reader may not create refused.
package workspace
