package streamkap_test

import (
	"encoding/json"
	"testing"

	jsonv2 "github.com/go-json-experiment/json"

	"github.com/streamkap-go/streamkap"
)

// BenchmarkDecode measures decoding alone, the API-shaped answers into the
// floor's own plain types: encoding/json (what the floor and the SDK's
// fallback use) against encoding/json/v2 (what the SDK tries first). It is
// the reason for the JSON dependency (BENCHMARKS.md).
func BenchmarkDecode(b *testing.B) {
	answers := []struct {
		name string
		body []byte
		into func() any
	}{
		{"Get", []byte(streamkap.BenchKeyJSON), func() any { return new(rawDetail) }},
		{"Update", []byte(streamkap.BenchUpdateJSON), func() any { return new(rawUpdateAnswer) }},
		{"List1", streamkap.BenchListJSON(1), func() any { return new([]rawKey) }},
		{"List100", streamkap.BenchListJSON(100), func() any { return new([]rawKey) }},
	}
	decoders := []struct {
		name      string
		unmarshal func([]byte, any) error
	}{
		{"encoding_json", json.Unmarshal},
		{"json_v2", func(data []byte, out any) error { return jsonv2.Unmarshal(data, out) }},
	}
	for _, a := range answers {
		for _, d := range decoders {
			b.Run(a.name+"/"+d.name, func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(len(a.body)))
				for b.Loop() {
					if err := d.unmarshal(a.body, a.into()); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
