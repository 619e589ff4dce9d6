package streamkap

import "testing"

// TestAnswersShapedLikeTheAPIsTakeTheFastWay: the fast decoder is what
// makes reads cost less than a hand-written client; an API-shaped answer
// that fell back to encoding/json would only show in a benchmark.
func TestAnswersShapedLikeTheAPIsTakeTheFastWay(t *testing.T) {
	t.Parallel()
	for name, c := range map[string]struct {
		body string
		out  any
	}{
		"detail":          {BenchKeyJSON, new(detailAnswer)},
		"update":          {BenchUpdateJSON, &updateAnswer{params: &UpdateProjectKeyParams{}}},
		"list":            {string(benchList(3)), new(keyList)},
		"credential file": {credentialFileBody, &createAnswer{CredentialFile: new(CredentialFile), params: &CreateProjectKeyParams{}}},
		"roles":           {`[{"id":"role-1","key":"Admin","name":"Admin","permissions":["a"],"created_at":"2026-01-01T00:00:00"}]`, new(roleList)},
		"token":           {`{"accessToken":"t","expiresIn":3600}`, new(tokenResponse)},
	} {
		if !decodeFast([]byte(c.body), c.out) {
			t.Errorf("%s: the answer went to encoding/json", name)
		}
	}
}

// BenchmarkTimestamp measures reading one of the API's naive times: the
// way UnmarshalJSON takes (the RFC 3339 parser) against time.Parse with
// the layout the text has.
func BenchmarkTimestamp(b *testing.B) {
	text := []byte(`"2026-11-26T08:00:00.123456"`)
	b.Run("UnmarshalJSON", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var ts Timestamp
			_ = ts.UnmarshalJSON(text)
		}
	})
	b.Run("time.Parse", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var ts Timestamp
			if v, layout, ok := parseTimestampText(string(text[1 : len(text)-1])); ok {
				ts.keep(v, text, layout)
			}
		}
	})
}
