package notes

import (
	"context"
	"fmt"
	"slices"
)

type memVersion struct {
	Version
	data []byte
}

// SaveVersion implements Versions.
func (s *MemoryStore) SaveVersion(_ context.Context, v Version, snapshot []byte) (Version, error) {
	v, err := checkVersion(v, snapshot)
	if err != nil {
		return Version{}, err
	}
	if err := s.lock(); err != nil {
		return Version{}, err
	}
	defer s.mu.Unlock()
	if s.versions == nil {
		s.versions = map[string][]memVersion{}
	}
	v.N = len(s.versions[v.Doc]) + 1
	s.versions[v.Doc] = append(s.versions[v.Doc], memVersion{v, slices.Clone(snapshot)})
	return v, nil
}

// ListVersions implements Versions.
func (s *MemoryStore) ListVersions(_ context.Context, doc string) ([]Version, error) {
	return locked(s, func() ([]Version, error) {
		vs := []Version{}
		for _, v := range s.versions[doc] {
			vs = append(vs, v.Version)
		}
		return vs, nil
	})
}

// GetVersion implements Versions.
func (s *MemoryStore) GetVersion(_ context.Context, doc string, n int) (Version, []byte, error) {
	var data []byte
	v, err := locked(s, func() (Version, error) {
		vs := s.versions[doc]
		if n < 1 || n > len(vs) {
			return Version{}, versionNotFound(doc, n)
		}
		data = slices.Clone(vs[n-1].data)
		return vs[n-1].Version, nil
	})
	return v, data, err
}

// LatestVersion implements Versions.
func (s *MemoryStore) LatestVersion(ctx context.Context, doc string) (Version, error) {
	s.mu.Lock()
	n := len(s.versions[doc])
	s.mu.Unlock()
	if n == 0 {
		return Version{}, fmt.Errorf("latest version of %s: %w", doc, ErrVersionNotFound)
	}
	v, _, err := s.GetVersion(ctx, doc, n)
	return v, err
}
