package notes

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// RSVP answers.
const (
	RSVPGoing    = "going"
	RSVPMaybe    = "maybe"
	RSVPNotGoing = "not_going"
)

// RSVP is one person's answer to a session.
type RSVP struct {
	Subject   string    `json:"subject"`
	Answer    string    `json:"answer"`
	UpdatedAt time.Time `json:"updated_at"`
}

// RSVPStore keeps RSVPs. MemoryStore, SQLiteStore and PostgresStore
// implement it.
type RSVPStore interface {
	// SetRSVP stores subject's answer to session, replacing theirs.
	SetRSVP(ctx context.Context, session string, r RSVP) error
	// RSVPs lists a session's answers by subject.
	RSVPs(ctx context.Context, session string) ([]RSVP, error)
}

const (
	qSetRSVP = `INSERT INTO rsvps (session_id, subject, answer, updated_ns) VALUES ($1, $2, $3, $4)
		ON CONFLICT (session_id, subject) DO UPDATE SET answer = excluded.answer, updated_ns = excluded.updated_ns`
	qRSVPs = `SELECT subject, answer, updated_ns FROM rsvps WHERE session_id = $1 ORDER BY subject`
)

func scanRSVP(r scanner) (RSVP, error) {
	var v RSVP
	var ns int64
	err := r.Scan(&v.Subject, &v.Answer, &ns)
	v.UpdatedAt = time.Unix(0, ns).UTC()
	return v, err
}

var (
	_ RSVPStore = (*SQLiteStore)(nil)
	_ RSVPStore = (*PostgresStore)(nil)
	_ RSVPStore = (*MemoryStore)(nil)
)

// SetRSVP implements RSVPStore.
func (s *sqlStore) SetRSVP(ctx context.Context, session string, r RSVP) error {
	_, err := s.conn.exec(ctx, qSetRSVP, session, r.Subject, r.Answer, r.UpdatedAt.UnixNano())
	return wrapErr("rsvp", session, err)
}

// RSVPs implements RSVPStore.
func (s *sqlStore) RSVPs(ctx context.Context, session string) ([]RSVP, error) {
	return queryAll(ctx, s.conn, "rsvps of session "+session, scanRSVP, qRSVPs, session)
}

// SetRSVP implements RSVPStore.
func (s *MemoryStore) SetRSVP(_ context.Context, session string, r RSVP) error {
	return s.locked(func() error {
		p := s.pulseLocked()
		if p.rsvps == nil {
			p.rsvps = map[string]map[string]RSVP{}
		}
		if p.rsvps[session] == nil {
			p.rsvps[session] = map[string]RSVP{}
		}
		r.UpdatedAt = r.UpdatedAt.UTC()
		p.rsvps[session][r.Subject] = r
		return nil
	})
}

// RSVPs implements RSVPStore.
func (s *MemoryStore) RSVPs(_ context.Context, session string) ([]RSVP, error) {
	return locked(s, func() ([]RSVP, error) {
		out := []RSVP{}
		for _, r := range s.pulseLocked().rsvps[session] {
			out = append(out, r)
		}
		slices.SortFunc(out, func(a, b RSVP) int { return strings.Compare(a.Subject, b.Subject) })
		return out, nil
	})
}

// wrapErr says what failed on which session, or is nil.
func wrapErr(what, session string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s of session %s: %w", what, session, err)
}
