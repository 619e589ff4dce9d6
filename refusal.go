package streamkap

import (
	"context"
	"errors"
	"net/http"
)

// RefusalError is a write to one key that the API refused with a 400
// whose words the SDK does not recognise, settled by reading the key once:
// the API documents that it refuses writes to a key that is creating,
// deleting or delete_failed, but not the words it uses. It matches
// [ErrKeyNotReady] when the key was in one of those states, [ErrRefused]
// otherwise (the key is ready, so the request broke a rule), and unwraps
// to the original [*APIError].
type RefusalError struct {
	// ProjectKeyID is the key written to; Status is what the read found
	// (an unknown status is kept, and counts as ready).
	ProjectKeyID string
	Status       ProjectKeyStatus
	// Err is the API's answer to the write.
	Err error
}

// Error is the answer's text, with the key's status.
func (e *RefusalError) Error() string {
	text := "streamkap: refused"
	if e.Err != nil {
		text = e.Err.Error()
	}
	if e.notReady() {
		return text + " (project key " + e.ProjectKeyID + " is " + string(e.Status) + ")"
	}
	return text + " (project key " + e.ProjectKeyID + " is " + string(e.Status) + ", so the request itself was refused)"
}

// Unwrap returns the API's answer.
func (e *RefusalError) Unwrap() error { return e.Err }

// Is matches ErrKeyNotReady or ErrRefused, as the key's status says.
func (e *RefusalError) Is(target error) bool {
	switch target {
	case ErrKeyNotReady:
		return e.notReady()
	case ErrRefused:
		return !e.notReady()
	}
	return false
}

func (e *RefusalError) notReady() bool { return notReadyStatus(e.Status) }

// notReadyStatus reports the states in which the API refuses writes.
func notReadyStatus(s ProjectKeyStatus) bool {
	return s == StatusCreating || s == StatusDeleting || s == StatusDeleteFailed
}

// settleRefusal classifies a 400 answer to a write to one key. A detail
// the SDK recognises is kept as it is (the fast path); otherwise the key
// is read once (a GET, retried as reads are) and its status decides. When
// the read fails, the original error is returned.
func (s *ProjectKeysService) settleRefusal(ctx context.Context, projectKeyID string, err error) error {
	if _, ok := refusalToSettle(err); !ok || recognisedRefusal(err) {
		return err
	}
	key, getErr := s.Get(ctx, projectKeyID)
	if getErr != nil {
		return err
	}
	return newRefusalError(s.client, projectKeyID, key.Status, err)
}

// newRefusalError keeps the status the server reported as safe text: the
// client's secrets redacted, control characters escaped, cut short.
func newRefusalError(c *Client, projectKeyID string, status ProjectKeyStatus, err error) *RefusalError {
	return &RefusalError{ProjectKeyID: projectKeyID, Status: ProjectKeyStatus(c.wire().redactor().short(string(status))), Err: err}
}

// refusalToSettle returns the 400 answer in err, if there is one.
func refusalToSettle(err error) (*APIError, bool) {
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusBadRequest {
		return apiErr, true
	}
	return nil, false
}

// recognisedRefusal reports a 400 whose words already say its kind.
func recognisedRefusal(err error) bool {
	return errors.Is(err, ErrKeyNotReady) || errors.Is(err, ErrRefused) || errors.Is(err, ErrNotFound) || errors.Is(err, ErrConflict)
}
