// Package declarative manages Project Keys from a description of what they
// should be: a [KeySpec] per key, identified by its name. [Plan] reads a
// key and says what it takes to bring it to its spec; [Apply] does it with
// the fewest writes, and a second Apply of the same spec sends none.
// [ApplyFleet] does the same for many specs at once, with bounded
// concurrency, per-spec outcomes, progress, and opt-in pruning.
//
// It is built on package streamkap's public API only, and keeps its
// promises about shown-once secrets: every one goes to a [SecretSink]
// before anything else happens ([DirSink] writes credential files, mode
// 0600); Kafka passwords are chosen client-side; after a write whose
// outcome is unknown it reads the key back and converges instead of
// resending blindly; a create is never sent twice.
//
//	specs, err := declarative.LoadSpecs(file)
//	...
//	plan, err := declarative.PlanFleet(ctx, client, specs, declarative.FleetOptions{})
//	declarative.WritePlan(os.Stdout, plan.Plans())
//	res, err := declarative.ApplyFleet(ctx, client, specs, declarative.FleetOptions{
//		ApplyOptions: declarative.ApplyOptions{Sink: declarative.DirSink("secrets")},
//	})
package declarative
