// Package defaults fills in the fields of a configuration its caller
// left unset.
package defaults

// Positive sets *p to d unless *p is positive: zero, the field left
// unset, and a negative value, which no setting means, both get the
// default.
func Positive[T ~int | ~int32 | ~int64 | ~float64](p *T, d T) {
	if *p <= 0 {
		*p = d
	}
}

// Zero sets *p to d if *p is zero, for a field whose negative values
// mean something.
func Zero[T comparable](p *T, d T) {
	var zero T
	if *p == zero {
		*p = d
	}
}
