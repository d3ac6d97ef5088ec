package render

import "strings"

// safeURL reports whether a link or image address may be rendered: its
// scheme is http, https or mailto, or it has no scheme (a relative
// reference).
//
// Relative references are safe because a browser resolves them against
// the page's own http(s) address: without a scheme they cannot become
// javascript:, data: or vbscript:. The scheme is found the way browsers
// find it (the WHATWG URL parser): leading and trailing C0 controls and
// spaces are ignored and tabs and newlines anywhere are removed first, so
// "java\tscript:" and " javascript:" are caught. The address is then
// written out HTML-escaped, so the browser sees exactly the string that
// was checked (an entity such as "&#58;" stays literal text).
func safeURL(u string) bool {
	s := strings.TrimFunc(u, func(r rune) bool { return r <= ' ' })
	s = strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, s)
	scheme, ok := urlScheme(s)
	if !ok {
		return true
	}
	switch strings.ToLower(scheme) {
	case "http", "https", "mailto":
		return true
	}
	return false
}

// urlScheme returns the scheme of s when s starts with one
// (ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":").
func urlScheme(s string) (string, bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'):
		case i > 0 && c == ':':
			return s[:i], true
		default:
			return "", false
		}
	}
	return "", false
}
