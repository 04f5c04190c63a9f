package models

import "fmt"

// Lifecycle is one kind of object's state machine: for each event, the
// statuses it may happen in and the status it leads to (event → from →
// to). Every object with a status has one (tenderLifecycle,
// bidLifecycle, orgLifecycle, catalogueLifecycle): a stored status change
// asks Next for its new status, and a rule of the form "may this happen
// now" asks Allows, so the answer lives in one table per object. An event
// that leaves the status as it is (from: from) is a step allowed in that
// status without changing it.
type Lifecycle struct {
	Object string
	// Key is the message key of a refused event; "err.transition" when
	// empty.
	Key    string
	Events map[string]map[string]string
}

// Next returns the status event leads to from from, or 409 when the event
// may not happen in that status.
func (l *Lifecycle) Next(event, from string) (string, error) {
	to, ok := l.Events[event][from]
	if !ok {
		key := l.Key
		if key == "" {
			key = "err.transition"
		}
		return "", Fail(ErrConflict, key, fmt.Sprintf("a %s that is %s cannot %s", l.Object, from, event))
	}
	return to, nil
}

// Allows reports whether event may happen in status from.
func (l *Lifecycle) Allows(event, from string) bool {
	_, ok := l.Events[event][from]
	return ok
}
