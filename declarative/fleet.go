package declarative

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/streamkap-go/streamkap"
)

// DefaultConcurrency is how many specs a fleet applies at once by default.
const DefaultConcurrency = 4

// FleetOptions change how ApplyFleet works.
type FleetOptions struct {
	ApplyOptions
	// Concurrency is how many specs are planned and applied at once
	// (default DefaultConcurrency).
	Concurrency int
	// StopOnError stops the specs not yet done when one fails; by default
	// each spec's outcome is its own.
	StopOnError bool
	// Progress, when set, is called after each spec (and each pruned key)
	// is done, with how many are done of how many; never concurrently.
	Progress func(done, total int)
	// Prune deletes the keys whose names start with PrunePrefix and that no
	// spec names (never in a dry run). PrunePrefix must not be empty.
	Prune       bool
	PrunePrefix string
	// DryRun plans and sends no write.
	DryRun bool
}

// FleetResult is what ApplyFleet planned and did.
type FleetResult struct {
	// Keys has one result per spec, in the order given.
	Keys []*Result `json:"keys"`
	// Pruned has one result per key deleted because no spec names it (each
	// waited for until gone), or whose deletion failed (its Err set),
	// sorted by name; in a dry run, one per key to delete. Keys left
	// untried because the fleet stopped (StopOnError, a cancelled context)
	// are not listed.
	Pruned []*Result `json:"pruned,omitempty"`
}

// Plans returns every plan, the specs' then the pruned keys'.
func (r *FleetResult) Plans() []*KeyPlan {
	var out []*KeyPlan
	for _, res := range append(slices.Clip(r.Keys), r.Pruned...) {
		if res.Plan != nil {
			out = append(out, res.Plan)
		}
	}
	return out
}

// Writes is how many writes were sent in all.
func (r *FleetResult) Writes() int {
	n := 0
	for _, res := range append(slices.Clip(r.Keys), r.Pruned...) {
		n += res.Writes
	}
	return n
}

// Err joins the errors of the specs and pruned keys that failed; nil when
// none did.
func (r *FleetResult) Err() error {
	var errs []error
	for _, res := range append(slices.Clip(r.Keys), r.Pruned...) {
		if res.Err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", res.Name, res.Err))
		}
	}
	return errors.Join(errs...)
}

// PlanFleet is ApplyFleet with DryRun: the plans, and no write.
func PlanFleet(ctx context.Context, client *streamkap.Client, specs []KeySpec, opts FleetOptions) (*FleetResult, error) {
	opts.DryRun = true
	return ApplyFleet(ctx, client, specs, opts)
}

// ApplyFleet applies many specs, opts.Concurrency at a time. It reads the
// key list once, and a key's details only when its spec manages fields the
// list does not carry (ACLs, the IP allow-list, Schema Registry): planning
// costs one list plus those reads, and applying adds the writes needed.
// Each spec's outcome is reported on its own (see [Apply]); the error is
// the joined errors of the specs that failed, or a problem before anything
// was read (invalid or duplicate specs, a failed list), when the result is
// nil.
func ApplyFleet(ctx context.Context, client *streamkap.Client, specs []KeySpec, opts FleetOptions) (*FleetResult, error) {
	if err := validateFleet(specs, &opts); err != nil {
		return nil, err
	}
	keys, err := client.ProjectKeys.List(ctx, nil)
	if err != nil {
		return nil, err
	}
	byName := map[string][]streamkap.ProjectKey{}
	for _, k := range keys {
		byName[k.Name] = append(byName[k.Name], k)
	}
	result := &FleetResult{Keys: make([]*Result, len(specs)), Pruned: pruneResults(keys, specs, &opts)}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	a := newApplier(client, opts.ApplyOptions)
	total := len(specs) + len(result.Pruned)
	var mu sync.Mutex
	done := 0
	finished := func(res *Result) {
		mu.Lock()
		defer mu.Unlock()
		done++
		if res.Err != nil && opts.StopOnError {
			cancel()
		}
		if opts.Progress != nil {
			opts.Progress(done, total)
		}
	}

	jobs := make(chan int)
	var wg sync.WaitGroup
	for range min(opts.Concurrency, len(specs)) {
		wg.Go(func() {
			for i := range jobs {
				spec := &specs[i]
				res := &Result{Name: spec.Name}
				result.Keys[i] = res
				a.planAndApply(ctx, spec, byName[spec.Name], opts.DryRun, res)
				finished(res)
			}
		})
	}
	for i := range specs {
		jobs <- i
	}
	close(jobs)
	wg.Wait()

	result.Pruned = a.prune(ctx, result.Pruned, opts.DryRun, finished)
	return result, result.Err()
}

// prune deletes the keys no spec names, each waited for until it is gone,
// and returns the results to report: in a dry run every plan; otherwise
// the keys deleted and those whose deletion failed, not those left
// untried because the fleet stopped.
func (a *applier) prune(ctx context.Context, planned []*Result, dryRun bool, finished func(*Result)) []*Result {
	if dryRun {
		for _, res := range planned {
			finished(res)
		}
		return planned
	}
	var tried []*Result
	for _, res := range planned {
		if ctx.Err() != nil {
			break
		}
		res.Writes++
		err := a.client.ProjectKeys.Delete(ctx, res.KeyID)
		if err == nil {
			err = a.client.ProjectKeys.WaitUntilGone(ctx, res.KeyID, a.opts.Wait)
		}
		if err != nil {
			res.fail(err)
		}
		tried = append(tried, res)
		finished(res)
	}
	return tried
}

// planAndApply plans a spec from the keys the list found with its name,
// and applies the plan unless dryRun.
func (a *applier) planAndApply(ctx context.Context, spec *KeySpec, named []streamkap.ProjectKey, dryRun bool, res *Result) {
	if err := ctx.Err(); err != nil {
		res.fail(err)
		return
	}
	cur, err := readDetail(ctx, a.client, spec, named)
	if err != nil {
		res.fail(err)
		return
	}
	p, err := plan(spec, cur)
	if err != nil {
		res.fail(err)
		return
	}
	res.Plan, res.KeyID = p, p.KeyID
	if !dryRun {
		a.apply(ctx, spec, p, res)
	}
}

// validateFleet checks every spec and the options before any I/O.
func validateFleet(specs []KeySpec, opts *FleetOptions) error {
	if opts.Concurrency <= 0 {
		opts.Concurrency = DefaultConcurrency
	}
	if opts.Prune && opts.PrunePrefix == "" {
		return fmt.Errorf("%w: pruning needs a prefix: only keys whose names start with it can be deleted", streamkap.ErrValidation)
	}
	var errs []error
	seen := map[string]int{}
	for i := range specs {
		var specErr *SpecError
		if err := specs[i].Validate(); errors.As(err, &specErr) {
			specErr.Index = i
			errs = append(errs, specErr)
		}
		if first, dup := seen[specs[i].Name]; dup {
			errs = append(errs, &SpecError{Name: specs[i].Name, Index: i,
				Problems: []string{fmt.Sprintf("the name is also the name of spec %d: each key has one spec", first)}})
		} else {
			seen[specs[i].Name] = i
		}
	}
	return errors.Join(errs...)
}

// pruneResults plans the deletion of the keys under the prefix that no spec names.
func pruneResults(keys []streamkap.ProjectKey, specs []KeySpec, opts *FleetOptions) []*Result {
	if !opts.Prune {
		return nil
	}
	named := map[string]bool{}
	for i := range specs {
		named[specs[i].Name] = true
	}
	var out []*Result
	for _, k := range keys {
		if strings.HasPrefix(k.Name, opts.PrunePrefix) && !named[k.Name] {
			p := &KeyPlan{Name: k.Name, KeyID: k.ID, Prune: true, Actions: []Action{{Kind: ActionDelete}}}
			out = append(out, &Result{Name: k.Name, KeyID: k.ID, Plan: p})
		}
	}
	slices.SortFunc(out, func(a, b *Result) int { return strings.Compare(a.Name+a.KeyID, b.Name+b.KeyID) })
	return out
}
