package declarative_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/streamkap-go/streamkap"
	"github.com/streamkap-go/streamkap/declarative"
	"github.com/streamkap-go/streamkap/streamkaptest"
)

// A spec file loads strictly: a problem is reported with its place, line
// and column, and nothing loads.
func ExampleLoadSpecs() {
	specs, err := declarative.LoadSpecs(strings.NewReader(`{"keys": [
  {"name": "ingest-bot", "api": {"roles": ["Data Admin"]}, "kafka": {"username": "ingest-bot"}},
  {"name": "reader", "kafka": {"username": "reader", "acls": [{"topic": "orders.", "operation": "READ", "pattern": "PREFIXED"}]}}
]}`))
	fmt.Println(len(specs), err)

	_, err = declarative.LoadSpecs(strings.NewReader(`[{"name": "bot", "API": {"roles": ["Admin"]}}]`))
	fmt.Println(err)
	// Output:
	// 2 <nil>
	// declarative: invalid spec file: keys[0] (line 1, column 18): unknown member "API" (members match case-sensitively: did you mean "api"?)
}

// A fleet: every spec applied, 4 at a time by default, each shown-once
// secret to the sink, and the keys under a prefix that no spec names
// pruned.
func ExampleApplyFleet() {
	srv, err := streamkaptest.Start()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	srv.AddKey(streamkaptest.Key{Name: "fleet-old", API: true})
	dir, err := os.MkdirTemp("", "secrets")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)

	specs := []declarative.KeySpec{
		{Name: "fleet-a", Kafka: streamkap.NullableValue(declarative.KafkaSpec{Username: "fleet-a"})},
		{Name: "fleet-b", Kafka: streamkap.NullableValue(declarative.KafkaSpec{Username: "fleet-b"})},
	}
	res, err := declarative.ApplyFleet(context.Background(), srv.Client(), specs, declarative.FleetOptions{
		ApplyOptions: declarative.ApplyOptions{Sink: declarative.DirSink(dir),
			Wait: &streamkap.WaitOptions{MinInterval: time.Millisecond, MaxInterval: 10 * time.Millisecond}},
		Prune: true, PrunePrefix: "fleet-",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range res.Keys {
		fmt.Println(r.Name, r.Writes, "write")
	}
	for _, r := range res.Pruned {
		fmt.Println(r.Name, "pruned")
	}
	// Output:
	// fleet-a 1 write
	// fleet-b 1 write
	// fleet-old pruned
}

// Recovering a lost API secret. When a create's answer is lost, Apply finds
// the key by name and adopts it, but its API client secret, shown only in
// that answer, is gone: the error is a *LostSecretError (its Kafka password,
// chosen here, went to the sink). The recipe: delete the key, wait until it
// is gone (its Kafka user goes with it), and apply again. The new key has a
// new id and new credentials. A separate API-only key keeps such a loss
// from costing a Kafka user too.
func ExampleLostSecretError() {
	srv, err := streamkaptest.Start()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	srv.InjectFault(http.MethodPost, "/project-keys", 1, streamkaptest.DropAfterApply()) // the answer is lost
	ctx := context.Background()
	keys := srv.Client().ProjectKeys
	spec := declarative.KeySpec{Name: "ingest-bot", API: streamkap.NullableValue(declarative.APISpec{Roles: []string{"Admin"}})}
	sink := declarative.SinkFunc(func(context.Context, declarative.ShownOnceSecret) error { return nil })

	_, err = declarative.Apply(ctx, srv.Client(), spec, declarative.ApplyOptions{Sink: sink})
	var lost *declarative.LostSecretError
	if !errors.As(err, &lost) {
		fmt.Println("unexpected:", err)
		return
	}
	fmt.Println("lost the secret of", lost.KeyID)

	if err := keys.Delete(ctx, lost.KeyID); err != nil {
		fmt.Println(err)
		return
	}
	if err := keys.WaitUntilGone(ctx, lost.KeyID, &streamkap.WaitOptions{MinInterval: time.Millisecond}); err != nil {
		fmt.Println(err)
		return
	}
	res, err := declarative.Apply(ctx, srv.Client(), spec, declarative.ApplyOptions{Sink: sink})
	fmt.Println("created again as", res.KeyID, err)
	// Output:
	// lost the secret of pk-1
	// created again as pk-2 <nil>
}

// Secrets straight into a secret store: a command per secret, the secret's
// JSON on its stdin only, the key's name in its environment.
func ExampleExecSink() {
	sink := &declarative.ExecSink{Command: []string{"sh", "-c",
		`vault kv put "secret/streamkap/$STREAMKAP_KEY_NAME" credentials=-`}} // check your vault's flags
	backup := declarative.DirSink("backup") // 0600 files, after the store took the secret
	opts := declarative.ApplyOptions{Sink: declarative.Chain(sink, backup)}
	fmt.Println(opts.Sink != nil)
	// Output: true
}
