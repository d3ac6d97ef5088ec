package ical

import (
	"strings"
	"unicode/utf8"
)

// maxLine is the longest content line RFC 5545 §3.1 allows, in octets,
// without its CRLF.
const maxLine = 75

// escapeText escapes a TEXT value (RFC 5545 §3.3.11): backslash,
// semicolon, comma and newline. CR and other control characters, which
// TEXT may not hold, are dropped (a CRLF becomes one newline); invalid
// UTF-8 becomes U+FFFD.
func escapeText(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == ';':
			b.WriteString(`\;`)
		case r == ',':
			b.WriteString(`\,`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			// CR (of CRLF) and other controls: not allowed in TEXT.
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// cleanParam makes a parameter value safe (RFC 5545 §3.2): it drops
// controls and double quotes and quotes the value when it holds a
// character that would end it.
func cleanParam(s string) string {
	var b strings.Builder
	quote := false
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		switch {
		case r == '"' || r < 0x20 || r == 0x7f:
			continue
		case r == ';' || r == ':' || r == ',':
			quote = true
		}
		b.WriteRune(r)
	}
	if quote {
		return `"` + b.String() + `"`
	}
	return b.String()
}

// fold writes one content line to b, folded at 75 octets (a CRLF and a
// space before each continuation, the space counting toward the next
// line's 75) and never inside a UTF-8 sequence, then CRLF.
func fold(b *strings.Builder, line string) {
	limit := maxLine
	for len(line) > limit {
		cut := limit
		// Back up to the start of a rune so no sequence is split.
		for cut > 0 && !utf8.RuneStart(line[cut]) {
			cut--
		}
		b.WriteString(line[:cut])
		b.WriteString("\r\n ")
		line = line[cut:]
		limit = maxLine - 1
	}
	b.WriteString(line)
	b.WriteString("\r\n")
}
