package streamkap

import (
	"fmt"

	"github.com/google/go-querystring/query"
)

// encodeQuery builds a query string from a tagged options struct (nil
// gives none). Every query string the SDK sends is built here.
func encodeQuery(opts any) (string, error) {
	v, err := query.Values(opts)
	if err != nil {
		return "", fmt.Errorf("streamkap: encoding query options: %w", err)
	}
	return v.Encode(), nil
}
