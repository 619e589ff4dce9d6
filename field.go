package streamkap

// Optional is a request field that is either left out of the request (the
// zero value) or sent with a value. Build one with [Value]. Fields of this
// type cannot be cleared with JSON null because the API does not allow it;
// fields that can be cleared have type [Nullable].
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

// Nullable is a request field with three states: left out of the request
// (the zero value), sent as JSON null to clear the server's value ([Null]),
// or sent with a value ([NullableValue]).
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
