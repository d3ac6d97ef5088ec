package workspace

import (
	"context"
	"crypto/sha256"
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/cocreate/cocreate/notes"
)

// MaxName bounds a display name, in characters.
const MaxName = 64

// colorRe is a colour as profiles keep it.
var colorRe = regexp.MustCompile(`^#[0-9a-f]{6}$`)

// palette is where a person's colour comes from until they choose one
// (readable on white and on dark backgrounds).
var palette = []string{"#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#46a0a0", "#c03ca0", "#808000", "#9a6324", "#000075"}

// ProfileInput is the body of PATCH /api/me: nil fields are left.
type ProfileInput struct {
	Name  *string `json:"name"`
	Color *string `json:"color"`
}

// profile is subject's profile, with defaults for what they never set:
// the name the edge gave the caller (the token's name, or a guest's
// name) and a colour picked from the subject.
func (w *Workspace) profile(ctx context.Context, c Caller) (notes.Profile, error) {
	p, err := w.store.GetProfile(ctx, c.Subject)
	if err != nil {
		return notes.Profile{}, fmt.Errorf("profile of %s: %w", c.Subject, err)
	}
	p.Subject = c.Subject
	if p.Name == "" {
		p.Name = c.Name
	}
	if p.Name == "" {
		p.Name = DefaultName(c.Subject)
	}
	if p.Color == "" {
		sum := sha256.Sum256([]byte(c.Subject))
		p.Color = palette[int(sum[0])%len(palette)]
	}
	return p, nil
}

// DefaultName is the name of a person who never set one and whose
// token names none: "Guest " and the first characters of a guest's
// opaque id (the same for that guest everywhere they appear), else
// "Someone".
func DefaultName(subject string) string {
	if id, ok := strings.CutPrefix(subject, "guest:"); ok && len(id) >= 4 {
		return "Guest " + id[:4]
	}
	return "Someone"
}

// Resolve gives the caller their profile's name and colour: the edge
// calls it once per request or connection, so every place a person
// appears (participants, hands, polls, attendance, the record, carets)
// shows the same name.
func (w *Workspace) Resolve(ctx context.Context, c Caller) (Caller, error) {
	p, err := w.profile(ctx, c)
	if err != nil {
		return c, err
	}
	c.Name, c.Color = p.Name, p.Color
	return c, nil
}

// Me is the caller's profile.
func (w *Workspace) Me(ctx context.Context, c Caller) (notes.Profile, error) {
	return w.profile(ctx, c)
}

// UpdateMe changes the caller's name or colour. A name is 1 to MaxName
// characters of text, trimmed; a colour is #rrggbb.
func (w *Workspace) UpdateMe(ctx context.Context, c Caller, in ProfileInput) (notes.Profile, error) {
	p, err := w.profile(ctx, c)
	if err != nil {
		return p, err
	}
	if in.Name != nil {
		name := strings.TrimSpace(*in.Name)
		if name == "" || !utf8.ValidString(name) || utf8.RuneCountInString(name) > MaxName || strings.IndexFunc(name, unicode.IsControl) >= 0 {
			return p, fail(ErrInvalid, "bad_name", "name must be 1 to %d characters, without control characters", MaxName)
		}
		p.Name = name
	}
	if in.Color != nil {
		color := strings.ToLower(*in.Color)
		if !colorRe.MatchString(color) {
			return p, fail(ErrInvalid, "bad_color", "color must be #rrggbb (six hexadecimal digits), not %q", *in.Color)
		}
		p.Color = color
	}
	if err := w.store.PutProfile(ctx, p); err != nil {
		return p, err
	}
	return p, nil
}
