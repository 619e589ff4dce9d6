// Package streamkap is a typed client for the Streamkap REST API's Project
// Keys: keys that bundle API credentials (a client id and a secret exchanged
// for a JWT), Kafka access (a SASL user with ACLs and an IP allow-list) and
// MCP tool scoping for AI agents. It creates, reads, updates and deletes
// them, and it is built to be trusted with the secrets they carry.
//
// # Install
//
//	go get github.com/streamkap-go/streamkap
//
// # Authenticate
//
// [NewClient] takes options and does no I/O; the credentials are exchanged
// for a token (cached, renewed before it expires, renewed once after a 401)
// when the first call needs one:
//
//	client, err := streamkap.NewClient(streamkap.WithEnvironment()) // STREAMKAP_CLIENT_ID, STREAMKAP_SECRET, STREAMKAP_HOST
//	client, err := streamkap.NewClient(streamkap.WithClientCredentials(id, secret))
//	client, err := streamkap.NewClient(streamkap.WithCredentialFile("ci.json")) // a Project Key's credential file
//
// A [*ConfigError] lists every problem with the options at once. A Client is
// safe for concurrent use; build one and share it.
//
// # Update a key
//
// Every field of [UpdateProjectKeyParams] is left out unless set: [Value]
// sets a field, [NullableValue] sets one that can also be cleared with
// [Null] (JSON null). An empty list is sent as [], which is not the same as
// leaving the list out.
//
//	res, err := client.ProjectKeys.Update(ctx, "pk-123", streamkap.UpdateProjectKeyParams{
//		Name:        streamkap.Value("ingest-bot"),
//		Description: streamkap.Null[string](),
//		ToolProfile: streamkap.NullableValue(streamkap.ToolProfileReadOnly),
//	})
//
// Invalid requests fail before any I/O with a [*ValidationError] listing
// every problem. Roles are changed with [ProjectKeysService.SetRoles] (by
// name); Kafka and API access are added with
// [ProjectKeysService.AddKafkaAccess] and [ProjectKeysService.AddAPIAccess];
// [ProjectKeysService.Create] returns the key's [CredentialFile], whose
// secrets the API never shows again.
//
// # Errors
//
// Every failure is typed. Test the kind with errors.Is ([ErrNotFound],
// [ErrValidation], [ErrKeyNotReady], [ErrRefused], [ErrRateLimited],
// [ErrOutcomeUnknown], ...), and read the details with errors.As: an
// [*APIError] for an HTTP error answer (status, the server's detail and
// field errors, request id, attempts, Retry-After), a [*RequestError] when
// no usable answer arrived. [WithResponseInfo] gives the request id and
// attempts of any call, successful or not.
//
// # Retries
//
// Which calls are retried on what (go-retryablehttp runs the loop; the
// policy is the SDK's):
//
//	call                                     retried on                      never retried
//	reads, the token exchange, an update     connection errors, 429, 502,    other 4xx, 500, 501, redirects,
//	without RoleIDs, PermissionIDs or        503, 504                        untrusted certificates, a
//	KafkaConfig, Delete, RotateKafkaPassword                                 cancelled context
//	Create; an update with RoleIDs,          failures proving nothing left   anything that may have reached
//	PermissionIDs or KafkaConfig (it may     the client (DNS, refused        the server: the error matches
//	create a secret shown once)              connection, TLS), and 429       ErrOutcomeUnknown
//
// Waits are exponential with jitter (0.5 s to 10 s by default, at most 4
// attempts: [WithRetryWait], [WithMaxAttempts]; per call [CallMaxAttempts]).
// Retry-After is honoured up to [WithMaxRetryAfter] (60 s); a longer wait,
// or one past the context's deadline, fails at once with [ErrRateLimited].
// Each attempt is bounded by the per-attempt timeout ([WithAttemptTimeout];
// per call [CallAttemptTimeout]). No redirect is ever followed.
//
// # When the outcome is unknown
//
// Whenever a write may have been applied but the SDK cannot tell, its error
// matches [ErrOutcomeUnknown]. What to do, per call:
//
//	Create                 *CreateOutcomeUnknownError, with the Kafka password sent. Find the key
//	                       by name (FindByName); if it exists with API access, its client secret is
//	                       lost: delete it, wait until it is gone, create it again (a new id).
//	Update (no capability) read the key back with Get, and send the update again if needed.
//	AddKafkaAccess, Update the SDK reads the key back; *KafkaOutcomeUnknownError carries the password
//	 with KafkaConfig      sent, which is the user's password if the user exists.
//	AddAPIAccess           the SDK reads the key back: *APIAccessLostError if access was added (its
//	                       secret is lost: delete and create again), ErrOutcomeUnknown if it cannot tell.
//	RotateKafkaPassword    retried; the password sent comes back with the error: call again with it.
//	SetRoles, SetToolScoping, Delete
//	                       retried (idempotent); after an unknown outcome, call again.
//
// Kafka passwords are chosen client-side ([GeneratePassword] when you give
// none to Create or AddKafkaAccess), so a lost answer never loses one. An
// API client secret is made by the server: a separate API-only key keeps a
// lost answer from costing a key's Kafka user too.
//
// # Logging
//
// [WithLogger] sends these events to a *slog.Logger (the default discards
// them); they carry the route template and error kinds, never a path, a
// query, a header, a body or an error's text:
//
//	streamkap request
//		Debug, when a call's first attempt is sent: method, route
//	streamkap retry
//		Info, when a failed attempt will be retried: method, route, attempt,
//		wait, and status or error_kind
//	streamkap done
//		Debug when a call succeeded: method, route, status, attempts,
//		duration, request_id; Warn when it failed: the same and error_kind
//	streamkap response field skipped: unexpected type
//		Warn, when tolerant decoding skipped a member: field, json_type
//	streamkap credential file is readable by other users; restrict it with chmod 600
//		Warn: mode
//
// error_kind is one of outcome_unknown, validation, not_found, unauthorized,
// forbidden, conflict, rate_limited, key_not_ready, refused, redirect,
// malformed_response, response_too_large, bad_request, canceled, timeout,
// api_error, transport (for a failed call), or dns, dial, tls, timeout,
// canceled, connection (for a retried transport error).
//
// # Secrets
//
// Every secret is a [Secret]: it prints [REDACTED] under every fmt verb, in
// slog and in JSON, and gives its plaintext only to [Secret.Reveal]. Error
// strings and log records never carry one: server text is redacted and its
// control characters escaped before it reaches an error.
//
// # Beyond one call
//
//   - Package [github.com/streamkap-go/streamkap/declarative]: keys described
//     as specs (in Go or a JSON file), Plan and Apply with the fewest writes,
//     fleets, pruning, and sinks that deliver shown-once secrets to files, a
//     command (a secret store's CLI) or Kubernetes Secret manifests.
//   - Package [github.com/streamkap-go/streamkap/kafkaconfig]: a key's Kafka
//     client settings (Java properties, librdkafka, environment).
//   - The command github.com/streamkap-go/streamkap/cmd/streamkap-keys: all of
//     this from a shell, with one exit code per error kind.
//   - The nested module github.com/streamkap-go/streamkap/kafka: franz-go
//     options from a key's settings, and kafkatest, the fake below with a real
//     Kafka broker behind it.
//
// # Testing with streamkaptest
//
// Package [github.com/streamkap-go/streamkap/streamkaptest] runs a stateful
// fake Streamkap on a loopback port, with the API's rules and fault
// injection (error statuses, dropped connections before or after a change
// is applied, redirects, slow or malformed bodies):
//
//	srv := streamkaptest.NewServer(t)
//	key := srv.AddKey(streamkaptest.Key{Name: "ingest-bot", API: true})
//	srv.InjectFault(http.MethodPatch, "/project-keys/"+key.ID, 1, streamkaptest.Unavailable())
//	_, err := srv.Client().ProjectKeys.Update(t.Context(), key.ID, streamkap.UpdateProjectKeyParams{Name: streamkap.Value("v2")})
package streamkap
