package models

import (
	"slices"
	"testing"
)

// Every table names only its object's statuses, and a refused event is a
// 409 with the table's key.
func TestLifecycles(t *testing.T) {
	tenderStatuses := []string{TenderDraft, TenderPublished, TenderOpened, TenderEvaluating, TenderAwarded, TenderContracted, TenderCancelled, TenderUnsuccessful}
	bidStatuses := []string{BidDraft, BidSubmitted, BidWithdrawn, BidValid, BidDisqualified, BidWon, BidLost}
	for _, c := range []struct {
		l        *Lifecycle
		statuses []string
		key      string
	}{
		{tenderLifecycle, tenderStatuses, "err.transition"},
		{bidLifecycle, bidStatuses, "err.transition"},
		{orgLifecycle, OrgStatuses, "err.org_transition"},
		{catalogueLifecycle, []string{CatalogueDraft, CataloguePublished}, "err.catalogue_published"},
	} {
		for event, moves := range c.l.Events {
			for from, to := range moves {
				if !slices.Contains(c.statuses, from) || !slices.Contains(c.statuses, to) {
					t.Errorf("%s %s: %q → %q is not between its statuses", c.l.Object, event, from, to)
				}
				if got, err := c.l.Next(event, from); err != nil || got != to || !c.l.Allows(event, from) {
					t.Errorf("%s %s from %s: %q, %v", c.l.Object, event, from, got, err)
				}
			}
		}
		_, err := c.l.Next("no such event", c.statuses[0])
		if e, ok := AsError(err); !ok || e.Kind != ErrConflict || e.Key != c.key || c.l.Allows("no such event", c.statuses[0]) {
			t.Errorf("%s: refused event answers %v", c.l.Object, err)
		}
	}
	// Once cancelled, a tender takes no event at all.
	for event := range tenderLifecycle.Events {
		if tenderLifecycle.Allows(event, TenderCancelled) {
			t.Errorf("a cancelled tender allows %s", event)
		}
	}
}
