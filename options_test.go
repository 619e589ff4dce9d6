package streamkap

import (
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewClientDefaults(t *testing.T) {
	t.Parallel()
	c, err := NewClient(WithClientCredentials("id", plantedClientSecret))
	require.NoError(t, err)
	assert.Equal(t, DefaultBaseURL, c.BaseURL())
	assert.Equal(t, DefaultMaxAttempts-1, c.wire().retry.RetryMax)
	assert.Equal(t, DefaultMinRetryWait, c.wire().retry.RetryWaitMin)
	assert.Equal(t, DefaultMaxRetryWait, c.wire().retry.RetryWaitMax)
	assert.Equal(t, DefaultMaxRetryAfter, c.maxRetryAfter)
	assert.Nil(t, c.wire().retry.Logger, "go-retryablehttp's own logger stays off")
	assert.Nil(t, c.logger, "events are discarded by default")
	assert.Equal(t, DefaultAttemptTimeout, c.wire().transport.attemptTimeout)
	assert.Zero(t, c.wire().retry.HTTPClient.Timeout, "the per-attempt timeout is a context deadline, not Client.Timeout")
	assert.NotNil(t, c.ProjectKeys)
	c.CloseIdleConnections()
}

func TestNewClientKeepsTheCallersHTTPClient(t *testing.T) {
	t.Parallel()
	follow := func(*http.Request, []*http.Request) error { return nil }
	jarless := &http.Client{Timeout: 7 * time.Second, Transport: http.DefaultTransport, CheckRedirect: follow}
	c, err := NewClient(WithClientCredentials("id", "s"), WithHTTPClient(jarless))
	require.NoError(t, err)
	assert.Equal(t, 7*time.Second, c.wire().transport.attemptTimeout, "the caller's timeout bounds each attempt")
	assert.Zero(t, c.wire().retry.HTTPClient.Timeout)
	assert.Same(t, http.DefaultTransport, c.wire().transport.base)
	assert.NotSame(t, jarless, c.wire().retry.HTTPClient, "a copy, never the caller's client")
	assert.Same(t, http.DefaultTransport, jarless.Transport, "the caller's client is not modified")
	assert.Equal(t, 7*time.Second, jarless.Timeout)
	assert.NotNil(t, jarless.CheckRedirect)
	assert.ErrorIs(t, c.wire().retry.HTTPClient.CheckRedirect(nil, nil), http.ErrUseLastResponse, "the caller's redirect policy is not used")

	// What otelhttp users pass: no Timeout. The default still bounds each attempt.
	c, err = NewClient(WithClientCredentials("id", "s"), WithHTTPClient(&http.Client{}))
	require.NoError(t, err)
	assert.Same(t, http.DefaultTransport, c.wire().transport.base)
	assert.Equal(t, DefaultAttemptTimeout, c.wire().transport.attemptTimeout)

	c, err = NewClient(WithClientCredentials("id", "s"), WithHTTPClient(jarless), WithAttemptTimeout(3*time.Second))
	require.NoError(t, err)
	assert.Equal(t, 3*time.Second, c.wire().transport.attemptTimeout, "WithAttemptTimeout wins")
}

func TestNewClientBaseURLs(t *testing.T) {
	t.Parallel()
	ok := map[string]string{
		"https://api.streamkap.com":            "https://api.streamkap.com",
		"https://api.streamkap.com/":           "https://api.streamkap.com",
		"https://gw.example.com/streamkap/v2/": "https://gw.example.com/streamkap/v2",
		"http://localhost:8080":                "http://localhost:8080",
		"http://127.0.0.1:9":                   "http://127.0.0.1:9",
		"http://[::1]:9":                       "http://[::1]:9",
		"  https://api.streamkap.com  ":        "https://api.streamkap.com",
	}
	for in, want := range ok {
		c, err := NewClient(WithBaseURL(in), WithToken("t"))
		require.NoError(t, err, in)
		assert.Equal(t, want, c.BaseURL())
	}
	bad := map[string]string{
		"http://api.streamkap.com":          "plain http is allowed only for a loopback host",
		"http://10.0.0.1":                   "plain http is allowed only for a loopback host",
		"ftp://api.streamkap.com":           "the scheme must be https",
		"api.streamkap.com":                 "the scheme must be https",
		"https://":                          "has no host",
		"https://user:pw@api.streamkap.com": "carries user information",
		"https://api.streamkap.com/?x=1":    "has a query or fragment",
		"https://api.streamkap.com/#frag":   "has a query or fragment",
		"https://api.streamkap.com/%zz":     "does not parse",
	}
	for in, want := range bad {
		_, err := NewClient(WithBaseURL(in), WithToken("t"))
		var cfgErr *ConfigError
		require.ErrorAs(t, err, &cfgErr, in)
		assert.Contains(t, err.Error(), want, in)
		assert.NotContains(t, err.Error(), ":pw@", "user information is redacted")
	}
}

func TestNewClientReportsEveryProblem(t *testing.T) {
	t.Parallel()
	_, err := NewClient(
		WithBaseURL("http://example.com"),
		WithMaxAttempts(0),
		WithRetryWait(time.Second, time.Millisecond),
		WithMaxRetryAfter(-1),
		WithMaxResponseBytes(10),
		WithHTTPClient(nil),
		WithUserAgent("evil\r\nX-Injected: 1"),
		WithToken(""),
		WithClientCredentials("", ""),
		WithCredentialFile(""),
		nil,
	)
	var cfgErr *ConfigError
	require.ErrorAs(t, err, &cfgErr)
	assert.Len(t, cfgErr.Problems, 12)
	for _, want := range []string{"WithMaxAttempts", "WithRetryWait", "WithMaxRetryAfter", "WithMaxResponseBytes", "WithHTTPClient",
		"WithUserAgent", "WithToken", "WithClientCredentials", "WithCredentialFile", "an Option is nil", "no credentials", "plain http"} {
		assert.Contains(t, err.Error(), want)
	}
}

func TestNewClientRefusesTwoCredentialSources(t *testing.T) {
	t.Parallel()
	_, err := NewClient(WithToken("t"), WithClientCredentials("id", plantedClientSecret))
	require.ErrorContains(t, err, "more than one credential option: WithToken, WithClientCredentials")
	assert.NotContains(t, err.Error(), plantedClientSecret)
}

func TestWithEnvironment(t *testing.T) {
	t.Setenv(EnvClientID, "env-id")
	t.Setenv(EnvSecret, plantedClientSecret)
	t.Setenv(EnvHost, "http://localhost:9999")
	t.Setenv(EnvAdminTenantID, "tenant-env")
	t.Setenv(EnvAdminServiceID, "svc-env")

	c, err := NewClient(WithEnvironment())
	require.NoError(t, err)
	assert.Equal(t, "http://localhost:9999", c.BaseURL())
	assert.Equal(t, "tenant-env", c.adminTenantID[0])
	assert.Equal(t, "svc-env", c.adminServiceID[0])
	assert.Contains(t, c.String(), "WithEnvironment")

	// Explicit options win, whatever their order.
	c, err = NewClient(WithEnvironment(), WithBaseURL("https://api.test"), WithToken("tok"), WithAdminTenant("t2"))
	require.NoError(t, err)
	assert.Equal(t, "https://api.test", c.BaseURL())
	assert.Equal(t, "t2", c.adminTenantID[0])
	assert.Contains(t, c.String(), "static token")

	t.Setenv(EnvSecret, "")
	_, err = NewClient(WithEnvironment())
	require.ErrorContains(t, err, "STREAMKAP_CLIENT_ID and STREAMKAP_SECRET must be set together")

	t.Setenv(EnvClientID, "")
	t.Setenv(EnvHost, "")
	_, err = NewClient(WithEnvironment())
	require.ErrorContains(t, err, "no credentials")
}

func TestWithLogger(t *testing.T) {
	t.Parallel()
	c, err := NewClient(WithToken("t"), WithLogger(slog.New(slog.DiscardHandler)))
	require.NoError(t, err)
	assert.Nil(t, c.logger, "a discarding logger costs nothing")
	l := slog.New(slog.NewTextHandler(nil, nil))
	c, err = NewClient(WithToken("t"), WithLogger(l))
	require.NoError(t, err)
	assert.Same(t, l, c.logger)
}
