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
// # Retries and the outcome-unknown rule
//
// Reads, deletes and updates that cannot hand out a secret are retried on
// connection errors, 429, 502, 503 and 504, with jittered backoff and
// Retry-After honoured up to a cap. A call that may hand out a secret shown
// only once (Create; an update adding Kafka or API access) is never sent
// again once it may have reached the server. Whenever a write may have been
// applied but the SDK cannot tell, its error matches [ErrOutcomeUnknown]:
// read the key back with [ProjectKeysService.Get] before doing anything
// else. Kafka passwords are generated client-side when you give none, so a
// lost answer never loses one ([KafkaOutcomeUnknownError] carries it). No
// redirect is ever followed.
//
// # Secrets
//
// Every secret is a [Secret]: it prints [REDACTED] under every fmt verb, in
// slog and in JSON, and gives its plaintext only to [Secret.Reveal]. Error
// strings and log records never carry one: server text is redacted and its
// control characters escaped before it reaches an error.
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
