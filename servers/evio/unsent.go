package evio

import (
	"reflect"

	"github.com/tidwall/evio"
)

// evio v1.0.8 keeps two things the model needs in unexported fields of its
// *conn, and offers no way to reach them; reflection reads them. The tests
// check both fields on a real evio connection, so an evio upgrade that
// renamed them fails there instead of silently.

// unsent returns how many bytes evio still holds for ec, unwritten: the
// length of the field out. Data needs it because a Wake's answer replaces
// those bytes instead of following them. It returns 0 for a Conn of
// another shape (a test's fake).
func unsent(ec evio.Conn) int {
	out := field(ec, "out")
	if out.Kind() != reflect.Slice {
		return 0
	}
	return out.Len()
}

// socket returns the connection's file descriptor, the field fd, or -1 for
// a Conn of another shape. evio has no option for TCP_NODELAY, and leaves
// Nagle's algorithm on.
func socket(ec evio.Conn) int {
	fd := field(ec, "fd")
	if fd.Kind() != reflect.Int {
		return -1
	}
	return int(fd.Int())
}

func field(ec evio.Conn, name string) reflect.Value {
	v := reflect.ValueOf(ec)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return reflect.Value{}
	}
	return v.Elem().FieldByName(name)
}
