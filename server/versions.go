package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

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

func (s *Server) versions() notes.Versions {
	v, _ := s.store.(notes.Versions)
	return v
}

func (s *Server) index() notes.Index {
	i, _ := s.store.(notes.Index)
	return i
}

// saveVersions saves every document of sess as it stands now (the
// notes, the meeting and any other {id}/{name} the store holds) as
// versions of kind, indexes the notes, and returns the notes version.
func (s *Server) saveVersions(ctx context.Context, sess notes.Session, kind, name string) (notes.Version, error) {
	vs := s.versions()
	if vs == nil {
		return notes.Version{}, errors.New("this store keeps no versions")
	}
	now := time.Now().UTC()
	// The documents stored, and those loaded now (whose first edits
	// may not be stored yet).
	docs := []string{sess.ID + "/meeting"}
	others := s.hubs.Docs(sess.ID + "/")
	if l, ok := s.store.(notes.Lister); ok {
		stored, err := l.Docs(ctx, sess.ID+"/")
		if err != nil {
			return notes.Version{}, err
		}
		others = append(others, stored...)
	}
	slices.Sort(others)
	for _, d := range slices.Compact(others) {
		if d != sess.ID+"/meeting" && d != sess.ID+"/notes" {
			docs = append(docs, d)
		}
	}
	for _, d := range docs {
		state, err := s.currentState(d)
		if err != nil {
			return notes.Version{}, err
		}
		if _, err := vs.SaveVersion(ctx, notes.Version{Doc: d, Kind: kind, Name: name, CreatedAt: now}, state); err != nil {
			return notes.Version{}, err
		}
	}
	notesState, err := s.currentState(sess.ID + "/notes")
	if err != nil {
		return notes.Version{}, err
	}
	v, err := vs.SaveVersion(ctx, notes.Version{Doc: sess.ID + "/notes", Kind: kind, Name: name, CreatedAt: now}, notesState)
	if err != nil {
		return notes.Version{}, err
	}
	s.indexNotes(ctx, sess, v.N, notesState)
	s.log.Info("version saved", "session", sess.ID, "n", v.N, "kind", kind, "documents", len(docs)+1)
	return v, nil
}

// indexNotes puts a notes state into the search index.
func (s *Server) indexNotes(ctx context.Context, sess notes.Session, version int, state []byte) {
	idx := s.index()
	if idx == nil {
		return
	}
	n, err := render.ReadNotesUpdate(state)
	if err != nil {
		s.log.Warn("notes not indexed", "session", sess.ID, "err", err)
		return
	}
	err = idx.Index(ctx, notes.Entry{Session: sess.ID, Doc: sess.ID + "/notes", Version: version, Title: sess.Title, Text: n.Text()})
	if err != nil {
		s.log.Warn("notes not indexed", "session", sess.ID, "err", err)
	}
}

// onSnapshot is the hub's OnSnapshot: a notes document changed (and is
// idle, or has been edited for a while). Its latest text goes into the
// search index, and an "auto" version is saved when the last version is
// VersionEvery old. It runs in the room's goroutine: the work is done in
// one of the server's own.
func (s *Server) onSnapshot(doc string, state []byte) {
	session, name, ok := strings.Cut(doc, "/")
	if !ok || name != "notes" {
		return
	}
	s.bg.Go(func() {
		if s.hubs.Gone(session) {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		sess, err := s.sessions().GetSession(ctx, session)
		if err != nil {
			return // an ad-hoc document, or a deleted session
		}
		version := 0
		if vs := s.versions(); vs != nil {
			latest, err := vs.LatestVersion(ctx, doc)
			if err == nil {
				version = latest.N
			}
			if err != nil && !errors.Is(err, notes.ErrVersionNotFound) {
				s.log.Warn("auto version check failed", "doc", doc, "err", err)
				return
			}
			if latest.CreatedAt.IsZero() || time.Since(latest.CreatedAt) >= s.cfg.VersionEvery {
				v, err := vs.SaveVersion(ctx, notes.Version{Doc: doc, Kind: notes.KindAuto, Name: "auto"}, state)
				if err != nil {
					s.log.Warn("auto version not saved", "doc", doc, "err", err)
				} else {
					version = v.N
					s.log.Info("version saved", "session", session, "n", v.N, "kind", notes.KindAuto)
				}
			}
		}
		s.indexNotes(ctx, sess, version, state)
	})
}

// versionStates returns the notes of session as saved in version n, and
// the meeting as saved no later.
func (s *Server) versionStates(ctx context.Context, session string, n int) (notesRaw, meetingRaw []byte, err error) {
	vs := s.versions()
	if vs == nil {
		return nil, nil, fmt.Errorf("%w: this store keeps no versions", notes.ErrVersionNotFound)
	}
	v, notesRaw, err := vs.GetVersion(ctx, session+"/notes", n)
	if err != nil {
		return nil, nil, err
	}
	meetingRaw = emptyUpdate
	list, err := vs.ListVersions(ctx, session+"/meeting")
	if err != nil {
		return nil, nil, err
	}
	for _, m := range list {
		if m.CreatedAt.After(v.CreatedAt) {
			break
		}
		if _, raw, err := vs.GetVersion(ctx, session+"/meeting", m.N); err == nil {
			meetingRaw = raw
		}
	}
	return notesRaw, meetingRaw, nil
}

// listVersions is GET /api/sessions/{id}/versions.
func (s *Server) listVersions(c echo.Context) error {
	ctx := c.Request().Context()
	sess, err := s.sessions().GetSession(ctx, c.Param("id"))
	if err != nil {
		return storeError(c, err)
	}
	vs := s.versions()
	if vs == nil {
		return c.JSON(http.StatusOK, map[string]any{"versions": []notes.Version{}})
	}
	list, err := vs.ListVersions(ctx, sess.ID+"/notes")
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"versions": list})
}

// saveVersion is POST /api/sessions/{id}/versions {"name": "..."}: a
// named version now (host or cohost).
func (s *Server) saveVersion(c echo.Context) error {
	sess, ok, err := s.authorize(c, RoleHost, RoleCoHost)
	if !ok {
		return err
	}
	var req struct {
		Name string `json:"name"`
	}
	if ok, err := decodeJSON(c, &req); !ok {
		return err
	}
	if req.Name == "" || len(req.Name) > 200 {
		return jsonError(c, http.StatusBadRequest, "bad_name", "name must be 1 to 200 bytes")
	}
	v, err := s.saveVersions(c.Request().Context(), sess, notes.KindManual, req.Name)
	if errors.Is(err, notes.ErrInvalidVersion) {
		return jsonError(c, http.StatusBadRequest, "invalid_version", err.Error())
	}
	if err != nil {
		return s.notesError(c, err)
	}
	return c.JSON(http.StatusCreated, v)
}

// diffVersions is GET /api/sessions/{id}/versions/diff?from=A[&to=B]: a
// unified diff of the notes' Markdown between version A and version B
// (default: the current notes).
func (s *Server) diffVersions(c echo.Context) error {
	ctx := c.Request().Context()
	sess, err := s.sessions().GetSession(ctx, c.Param("id"))
	if err != nil {
		return storeError(c, err)
	}
	parse := func(name string, required bool) (*int, error) {
		v := c.QueryParam(name)
		if v == "" {
			if required {
				return nil, fmt.Errorf("%s is required", name)
			}
			return nil, nil
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%s must be a positive integer, not %q", name, v)
		}
		return &n, nil
	}
	from, err := parse("from", true)
	if err != nil {
		return jsonError(c, http.StatusBadRequest, "bad_version", err.Error())
	}
	to, err := parse("to", false)
	if err != nil {
		return jsonError(c, http.StatusBadRequest, "bad_version", err.Error())
	}
	a, err := s.loadPostMeeting(ctx, sess, from)
	if err != nil {
		return s.notesError(c, err)
	}
	b, err := s.loadPostMeeting(ctx, sess, to)
	if err != nil {
		return s.notesError(c, err)
	}
	return c.JSON(http.StatusOK, map[string]any{
		"from": *from, "to": to,
		"diff": render.DiffMarkdown(a.notes.Markdown(), b.notes.Markdown()),
	})
}

// search is GET /api/search?q=...[&limit=N]: full-text search over the
// latest indexed notes of every session. Every caller may read every
// session's notes (members of the community that runs this server), so
// no session is filtered out; deleted sessions have no entries.
func (s *Server) search(c echo.Context) error {
	q := c.QueryParam("q")
	limit := 20
	if l := c.QueryParam("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 100 {
			return jsonError(c, http.StatusBadRequest, "bad_limit", "limit must be an integer from 1 to 100, not "+strconv.Quote(l))
		}
		limit = n
	}
	idx := s.index()
	if idx == nil {
		return jsonError(c, http.StatusNotImplemented, "no_search", "this store has no search index")
	}
	hits, err := idx.Search(c.Request().Context(), notes.Query{Q: q, Limit: limit})
	if errors.Is(err, notes.ErrEmptyQuery) {
		return jsonError(c, http.StatusBadRequest, "empty_query", "q has no words to search for")
	}
	if err != nil {
		return err
	}
	if hits == nil {
		hits = []notes.Hit{}
	}
	return c.JSON(http.StatusOK, map[string]any{"results": hits})
}
