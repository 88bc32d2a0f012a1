package evio

import (
	"reflect"

	"github.com/tidwall/evio"
)

// unsent returns how many bytes evio still holds for ec, unwritten: the
// length of the unexported field out of evio v1.0.8's *conn. Data needs it
// because a Wake's answer replaces those bytes instead of following them.
// It returns 0 for a Conn of another shape (a test's fake); the tests check
// that a real evio connection has the field.
func unsent(ec evio.Conn) int {
	v := reflect.ValueOf(ec)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return 0
	}
	out := v.Elem().FieldByName("out")
	if out.Kind() != reflect.Slice {
		return 0
	}
	return out.Len()
}
