package workspace

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cocreate/cocreate/crdt"
	"github.com/cocreate/cocreate/notes"
	"github.com/cocreate/cocreate/notes/render"
)

// Versions of a session are named snapshots of its documents: the notes
// ({id}/notes) and the meeting ({id}/meeting), saved together
// ("post-meeting" when the session ends, "manual" when a host asks), and
// of the notes alone every VersionEvery while they are edited ("auto").
// Version N of a session means version N of its notes; the meeting
// record shown with it is the meeting's newest version saved no later.
// Every saved notes version also updates the search index.

// emptyUpdate is the encoded empty document.
var emptyUpdate = []byte{0, 0}

// currentState is the encoded state of a document now: from its hub,
// which holds what is not stored yet (the document is loaded for the
// call if nobody has it open).
func (w *Workspace) currentState(name string) ([]byte, error) {
	var out []byte
	err := w.hubs.Do(name, func(d *crdt.Doc) error {
		var err error
		out, err = d.EncodeStateAsUpdate(nil)
		return err
	})
	return out, err
}

// saveVersions saves every document of sess as it stands now (the
// notes, the meeting and any other {id}/{name} the store holds) as
// versions of kind, indexes the notes, and returns the notes version.
func (w *Workspace) saveVersions(ctx context.Context, sess notes.Session, kind, name string) (notes.Version, error) {
	now := w.now().UTC()
	// The documents stored, and those loaded now (whose first edits
	// may not be stored yet).
	docs := []string{sess.ID + "/meeting"}
	others := w.hubs.Docs(sess.ID + "/")
	stored, err := w.store.Docs(ctx, sess.ID+"/")
	if err != nil {
		return notes.Version{}, err
	}
	others = append(others, stored...)
	slices.Sort(others)
	for _, d := range slices.Compact(others) {
		if d != sess.ID+"/meeting" && d != sess.ID+"/notes" {
			docs = append(docs, d)
		}
	}
	for _, d := range docs {
		state, err := w.currentState(d)
		if err != nil {
			return notes.Version{}, err
		}
		if _, err := w.store.SaveVersion(ctx, notes.Version{Doc: d, Kind: kind, Name: name, CreatedAt: now}, state); err != nil {
			return notes.Version{}, err
		}
	}
	notesState, err := w.currentState(sess.ID + "/notes")
	if err != nil {
		return notes.Version{}, err
	}
	v, err := w.store.SaveVersion(ctx, notes.Version{Doc: sess.ID + "/notes", Kind: kind, Name: name, CreatedAt: now}, notesState)
	if err != nil {
		return notes.Version{}, err
	}
	w.indexNotes(ctx, sess, v.N, notesState)
	w.log.Info("version saved", "session", sess.ID, "n", v.N, "kind", kind, "documents", len(docs)+1)
	w.emit(ctx, evNotesVersion, sess, v.N)
	return v, nil
}

// indexNotes puts a notes state into the search index.
func (w *Workspace) indexNotes(ctx context.Context, sess notes.Session, version int, state []byte) {
	n, err := render.ReadNotesUpdate(state)
	if err == nil {
		err = w.store.Index(ctx, notes.Entry{Session: sess.ID, Doc: sess.ID + "/notes", Version: version, Title: sess.Title, Text: n.Text()})
	}
	if err != nil {
		w.log.Warn("notes not indexed", "session", sess.ID, "err", err)
	}
}

// OnSnapshot is the hubs' Config.OnSnapshot: a notes document changed
// (and is idle, or has been edited for a while). Its latest text goes
// into the search index, and an "auto" version is saved when the last
// version is VersionEvery old. It runs in the room's goroutine, so the
// work is done in one of the workspace's own.
func (w *Workspace) OnSnapshot(doc string, state []byte) {
	session, name, ok := strings.Cut(doc, "/")
	if !ok || name != "notes" {
		return
	}
	w.bg.Go(func() {
		if w.hubs.Gone(session) {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		sess, err := w.store.GetSession(ctx, session)
		if err != nil {
			return // an ad-hoc document, or a deleted session
		}
		latest, err := w.store.LatestVersion(ctx, doc)
		if err != nil && !errors.Is(err, notes.ErrVersionNotFound) {
			w.log.Warn("auto version check failed", "doc", doc, "err", err)
			return
		}
		version := latest.N
		if latest.CreatedAt.IsZero() || w.now().Sub(latest.CreatedAt) >= w.cfg.VersionEvery {
			v, err := w.store.SaveVersion(ctx, notes.Version{Doc: doc, Kind: notes.KindAuto, Name: "auto"}, state)
			if err != nil {
				w.log.Warn("auto version not saved", "doc", doc, "err", err)
			} else {
				version = v.N
				w.log.Info("version saved", "session", session, "n", v.N, "kind", notes.KindAuto)
				w.emit(ctx, evNotesVersion, sess, v.N)
			}
		}
		w.indexNotes(ctx, sess, version, state)
	})
}

// ListVersions lists the versions of a session's notes, oldest first.
func (w *Workspace) ListVersions(ctx context.Context, c Caller, session string) ([]notes.Version, error) {
	sess, _, err := w.session(ctx, c, Read, session)
	if err != nil {
		return nil, err
	}
	list, err := w.store.ListVersions(ctx, sess.ID+"/notes")
	return list, classify(err)
}

// SaveVersion saves every document of the session as a version named
// name (host or cohost).
func (w *Workspace) SaveVersion(ctx context.Context, c Caller, session, name string) (notes.Version, error) {
	sess, _, err := w.session(ctx, c, Run, session)
	if err != nil {
		return notes.Version{}, err
	}
	if err := CheckText("name", name, MaxTitle); err != nil {
		return notes.Version{}, err
	}
	v, err := w.saveVersions(ctx, sess, notes.KindManual, name)
	return v, classify(err)
}

// PostMeeting is what a reader gets for a session: the notes document
// rendered, and the record of the meeting.
type PostMeeting struct {
	Session SessionView
	// Version is the version read; nil for the latest state.
	Version  *int
	NotesRaw []byte
	Notes    *render.Notes
	Record   *render.MeetingRecord
}

// Markdown is the whole post-meeting document: title, date and
// duration, the notes, then the record (render.DocumentMarkdown).
func (pm *PostMeeting) Markdown() string {
	return render.DocumentMarkdown(pm.Record, pm.Notes)
}

// ReadNotes reads and renders a session's notes and meeting record, now
// (version nil) or at a version. For hosts and cohosts of an ended
// meeting the current record also sets the RSVPs against who came.
func (w *Workspace) ReadNotes(ctx context.Context, c Caller, session string, version *int) (*PostMeeting, error) {
	sess, r, err := w.session(ctx, c, Read, session)
	if err != nil {
		return nil, err
	}
	pm, err := w.postMeeting(ctx, sess, version)
	if err != nil {
		return nil, classify(err)
	}
	pm.Session = w.viewFor(ctx, c, sess, r)
	if version == nil && sess.State == notes.StateEnded && slices.Contains(allows[Run], r) {
		if pm.Record.Answers, err = w.recordAnswers(ctx, c, sess, r, pm.Record); err != nil {
			return nil, classify(err)
		}
	}
	return pm, nil
}

func (w *Workspace) postMeeting(ctx context.Context, sess notes.Session, version *int) (*PostMeeting, error) {
	pm := &PostMeeting{Version: version}
	var notesRaw, meetingRaw []byte
	var err error
	if version != nil {
		notesRaw, meetingRaw, err = w.versionStates(ctx, sess.ID, *version)
	} else {
		notesRaw, err = w.currentState(sess.ID + "/notes")
		if err == nil {
			meetingRaw, err = w.currentState(sess.ID + "/meeting")
		}
	}
	if err != nil {
		return nil, err
	}
	pm.NotesRaw = notesRaw
	if pm.Notes, err = render.ReadNotesUpdate(notesRaw); err != nil {
		return nil, fmt.Errorf("notes of %s: %w", sess.ID, err)
	}
	if pm.Record, err = render.RecordUpdate(meetingRaw); err != nil {
		return nil, fmt.Errorf("meeting record of %s: %w", sess.ID, err)
	}
	pm.Record.OpenTasks = pm.Notes.OpenTasks()
	if pm.Record.Title == "" {
		pm.Record.Title = sess.Title
	}
	if loc, err := time.LoadLocation(sess.TimeZone); err == nil {
		pm.Record.Location = loc
	}
	return pm, nil
}

// versionStates returns the notes of session as saved in version n, and
// the meeting as saved no later.
func (w *Workspace) versionStates(ctx context.Context, session string, n int) (notesRaw, meetingRaw []byte, err error) {
	v, notesRaw, err := w.store.GetVersion(ctx, session+"/notes", n)
	if err != nil {
		return nil, nil, err
	}
	meetingRaw = emptyUpdate
	list, err := w.store.ListVersions(ctx, session+"/meeting")
	if err != nil {
		return nil, nil, err
	}
	for _, m := range list {
		if m.CreatedAt.After(v.CreatedAt) {
			break
		}
		if _, raw, err := w.store.GetVersion(ctx, session+"/meeting", m.N); err == nil {
			meetingRaw = raw
		}
	}
	return notesRaw, meetingRaw, nil
}

// DiffVersions is a unified diff of the notes' Markdown between version
// from and version to (nil: the current notes).
func (w *Workspace) DiffVersions(ctx context.Context, c Caller, session string, from int, to *int) (string, error) {
	sess, _, err := w.session(ctx, c, Read, session)
	if err != nil {
		return "", err
	}
	a, err := w.postMeeting(ctx, sess, &from)
	if err != nil {
		return "", classify(err)
	}
	b, err := w.postMeeting(ctx, sess, to)
	if err != nil {
		return "", classify(err)
	}
	return render.DiffMarkdown(a.Notes.Markdown(), b.Notes.Markdown()), nil
}

// Search is full-text search over the latest indexed notes of the
// sessions the caller may read; deleted sessions have no entries.
func (w *Workspace) Search(ctx context.Context, c Caller, q string, limit int) ([]notes.Hit, error) {
	if limit < 1 || limit > 100 {
		return nil, fail(ErrInvalid, "bad_limit", "limit must be an integer from 1 to 100")
	}
	ids := []string{}
	if _, err := w.readable(ctx, c, "", "", func(s notes.Session, _ Role) bool {
		ids = append(ids, s.ID)
		return true
	}); err != nil {
		return nil, err
	}
	hits, err := w.store.Search(ctx, notes.Query{Q: q, Limit: limit, Sessions: ids})
	if err != nil {
		return nil, classify(err)
	}
	if hits == nil {
		hits = []notes.Hit{}
	}
	return hits, nil
}
