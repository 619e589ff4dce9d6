package streamkap

import (
	"bytes"
	"encoding/json"
	"reflect"
)

// Optional is a request field that is either left out of the request (the
// zero value) or sent with a value. Build one with [Value]. Fields of this
// type cannot be cleared with JSON null because the API does not allow it;
// fields that can be cleared have type [Nullable].
//
// Optional works with encoding/json: a field tagged omitzero is left out
// when unset, and a set value is encoded as itself (a nil slice as []).
type Optional[T any] struct {
	value T
	set   bool
}

// Value returns an Optional that sends v.
func Value[T any](v T) Optional[T] { return Optional[T]{value: v, set: true} }

// IsSet reports whether the field will be sent.
func (o Optional[T]) IsSet() bool { return o.set }

// Get returns the value and whether it is set.
func (o Optional[T]) Get() (T, bool) { return o.value, o.set }

// IsZero reports whether the field is unset, for encoding/json's omitzero.
func (o Optional[T]) IsZero() bool { return !o.set }

// MarshalJSON encodes the value. A nil slice is encoded as [], because
// the caller chose to send the field. An unset Optional outside an
// omitzero field encodes as null.
func (o Optional[T]) MarshalJSON() ([]byte, error) {
	if !o.set {
		return []byte("null"), nil
	}
	return marshalValue(o.value)
}

// UnmarshalJSON reads a value. JSON null leaves the Optional unset (an
// Optional field cannot be null), as a field absent from the JSON does.
func (o *Optional[T]) UnmarshalJSON(b []byte) error {
	v, null, err := unmarshalValue[T](b)
	switch {
	case err != nil:
		return err
	case null:
		*o = Optional[T]{}
	default:
		*o = Value(v)
	}
	return nil
}

// Nullable is a request field with three states: left out of the request
// (the zero value), sent as JSON null to clear the server's value ([Null]),
// or sent with a value ([NullableValue]).
//
// Nullable works with encoding/json like [Optional]: omitzero leaves an
// unset field out; Null encodes as null.
type Nullable[T any] struct {
	value T
	state fieldState
}

type fieldState uint8

const (
	fieldUnset fieldState = iota
	fieldNull
	fieldValue
)

// NullableValue returns a Nullable that sends v.
func NullableValue[T any](v T) Nullable[T] { return Nullable[T]{value: v, state: fieldValue} }

// Null returns a Nullable that sends JSON null, clearing the field on the server.
func Null[T any]() Nullable[T] { return Nullable[T]{state: fieldNull} }

// IsSet reports whether the field will be sent, as a value or as null.
func (n Nullable[T]) IsSet() bool { return n.state != fieldUnset }

// IsNull reports whether the field will be sent as JSON null.
func (n Nullable[T]) IsNull() bool { return n.state == fieldNull }

// Get returns the value and whether a value (not null) is set.
func (n Nullable[T]) Get() (T, bool) { return n.value, n.state == fieldValue }

// IsZero reports whether the field is unset, for encoding/json's omitzero.
func (n Nullable[T]) IsZero() bool { return n.state == fieldUnset }

// MarshalJSON encodes null for [Null] (and for an unset field outside an
// omitzero field), otherwise the value, a nil slice as [].
func (n Nullable[T]) MarshalJSON() ([]byte, error) {
	if n.state != fieldValue {
		return []byte("null"), nil
	}
	return marshalValue(n.value)
}

// UnmarshalJSON reads JSON null as [Null] and anything else as a value;
// a field absent from the JSON stays unset.
func (n *Nullable[T]) UnmarshalJSON(b []byte) error {
	v, null, err := unmarshalValue[T](b)
	switch {
	case err != nil:
		return err
	case null:
		*n = Null[T]()
	default:
		*n = NullableValue(v)
	}
	return nil
}

// unmarshalValue decodes a field's JSON: null, or a value of type T.
func unmarshalValue[T any](b []byte) (v T, null bool, err error) {
	if string(bytes.TrimSpace(b)) == "null" {
		return v, true, nil
	}
	err = json.Unmarshal(b, &v)
	return v, false, err
}

// marshalValue encodes a set value; a nil slice is [] because it was set.
func marshalValue(v any) ([]byte, error) {
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.Slice && rv.IsNil() {
		return []byte("[]"), nil
	}
	return json.Marshal(v)
}
