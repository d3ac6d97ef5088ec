package crdt

import (
	"unicode/utf16"
	"unicode/utf8"
)

// utf16Len returns the length of s in UTF-16 code units, the unit in which
// yjs counts text.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// utf16LenBytes is utf16Len for a byte slice (ranging over string(b)
// does not copy).
func utf16LenBytes(b []byte) int {
	n := 0
	for _, r := range string(b) {
		n += utf16.RuneLen(r)
	}
	return n
}

// utf16ToByteOffset converts a UTF-16 offset into a byte offset into b.
// When the offset falls between the two halves of a surrogate pair it
// returns the byte offset of that character and true.
func utf16ToByteOffset(b []byte, off int) (int, bool) {
	u := 0
	i := 0
	for i < len(b) && u < off {
		c := b[i]
		if c < utf8.RuneSelf {
			u++
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if r >= 0x10000 {
			if u+1 == off {
				return i, true
			}
			u += 2
		} else {
			u++
		}
		i += size
	}
	return i, false
}
