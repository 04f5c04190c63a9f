// Package policy is the access-control engine: the casbin model, the default
// policy, the enforcer (built once at start and passed in) and the gin
// middleware that checks a route's action.
package policy

import (
	"context"
	"embed"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"portal/models"

	"github.com/casbin/casbin/v2"
	casbinmodel "github.com/casbin/casbin/v2/model"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

//go:embed model.conf *.csv
var files embed.FS

// Rules parses one of the embedded policy files into casbin rows
// (ptype followed by values).
func Rules(name string) ([][]string, error) {
	f, err := files.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.Comment = '#'
	r.TrimLeadingSpace = true
	r.FieldsPerRecord = -1
	var out [][]string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		out = append(out, rec)
	}
}

// DefaultRules are the rows of default.csv.
func DefaultRules() ([][]string, error) { return Rules("default.csv") }

// withinRegion is the domain matching function: a grant in pattern reaches
// the request's region when the region code starts with it. "*" reaches all.
func withinRegion(region, pattern string) bool {
	return pattern == models.RootRegion || strings.HasPrefix(region, pattern)
}

// Enforcer wraps casbin. Grants are written inside the caller's transaction
// through an adapter bound to it, then applied in memory after commit; other
// portal processes notice the bumped policy version and reload: Fresh asks
// the database for the version at most once every CheckEvery, and on
// PostgreSQL a models.Listener hears of each change at once (NOTIFY,
// Notified).
type Enforcer struct {
	db      *gorm.DB
	mu      sync.RWMutex
	e       *casbin.Enforcer
	version int64
	// answers caches Enforce results until the policy changes; casbin's
	// matcher with a domain function costs tens of microseconds a call.
	answers map[string]bool
	// grants caches each signed-in user's grants until the policy changes:
	// casbin finds them by scanning every grant, once per request.
	grants map[int64][]models.Grant

	// The version check: checkedAt is when the last one started, in
	// nanoseconds of the monotonic clock since started; stale forces the
	// next Fresh to check (a notification, a failed in-memory change);
	// checking lets one request check while the others wait for it.
	checkEvery time.Duration
	started    time.Time
	checkedAt  atomic.Int64
	stale      atomic.Bool
	checking   sync.Mutex
}

// CheckEvery is the longest a process serves a policy without asking the
// database whether another process changed it.
const CheckEvery = time.Second

// Channel is the PostgreSQL notification channel of policy changes: every
// transaction that bumps the policy version notifies it.
const Channel = "portal_policy"

// maxAnswers bounds the cache; it is emptied when full.
const maxAnswers = 100_000

// New builds the enforcer from the database's casbin_rule table.
func New(db *gorm.DB) (*Enforcer, error) {
	text, err := files.ReadFile("model.conf")
	if err != nil {
		return nil, err
	}
	m, err := casbinmodel.NewModelFromString(string(text))
	if err != nil {
		return nil, err
	}
	e, err := casbin.NewEnforcer(m, adapter{db: db.Session(&gorm.Session{})})
	if err != nil {
		return nil, fmt.Errorf("casbin: %w", err)
	}
	// Writes go through AddGrant's transaction, never the enforcer's own.
	e.EnableAutoSave(false)
	e.AddNamedDomainMatchingFunc("g", "withinRegion", withinRegion)
	en := &Enforcer{db: db, e: e, checkEvery: CheckEvery, started: time.Now()}
	if err := en.reload(context.Background()); err != nil {
		return nil, err
	}
	return en, nil
}

func (en *Enforcer) dbVersion(ctx context.Context) (int64, error) {
	var v int64
	err := en.db.WithContext(ctx).Raw("SELECT version FROM policy_versions WHERE id = 1").Scan(&v).Error
	return v, err
}

func (en *Enforcer) reload(ctx context.Context) error {
	v, err := en.dbVersion(ctx)
	if err != nil {
		return err
	}
	en.mu.Lock()
	defer en.mu.Unlock()
	if err := en.e.LoadPolicy(); err != nil {
		return err
	}
	en.version = v
	en.answers, en.grants = nil, nil
	return nil
}

// SetCheckEvery changes how often Fresh asks for the version, before the
// enforcer serves requests (tests: a long period leaves a change to the
// notification alone).
func (en *Enforcer) SetCheckEvery(d time.Duration) { en.checkEvery = d }

// clock is the monotonic time since the enforcer was built.
func (en *Enforcer) clock() int64 { return int64(time.Since(en.started)) }

// due reports whether Fresh must ask the database.
func (en *Enforcer) due() bool {
	return en.stale.Load() || en.clock()-en.checkedAt.Load() >= int64(en.checkEvery)
}

// Fresh is Refresh at most once every CheckEvery, or at once after a
// notification: every request calls it, and between checks it costs two
// atomic reads. Requests arriving during a check wait for its answer.
func (en *Enforcer) Fresh(ctx context.Context) error {
	if !en.due() {
		return nil
	}
	en.checking.Lock()
	defer en.checking.Unlock()
	if !en.due() {
		return nil // another request checked meanwhile
	}
	// Cleared before asking, so that a notification arriving during the
	// check marks the policy stale again.
	en.stale.Store(false)
	at := en.clock()
	if err := en.Refresh(ctx); err != nil {
		en.stale.Store(true)
		return err
	}
	en.checkedAt.Store(at)
	return nil
}

// Notified marks the policy stale, so that the next request asks for its
// version: the Listener calls it on each notification on Channel.
func (en *Enforcer) Notified() { en.stale.Store(true) }

// Refresh reloads the policy when another process has changed it: it asks
// the database every time (requests call Fresh).
func (en *Enforcer) Refresh(ctx context.Context) error {
	v, err := en.dbVersion(ctx)
	if err != nil {
		return err
	}
	en.mu.RLock()
	stale := v != en.version
	en.mu.RUnlock()
	if stale {
		return en.reload(ctx)
	}
	return nil
}

// Enforce implements models.Authorizer.
func (en *Enforcer) Enforce(subject, region, action string) (bool, error) {
	key := subject + "\x00" + region + "\x00" + action
	en.mu.RLock()
	ok, cached := en.answers[key]
	en.mu.RUnlock()
	if cached {
		return ok, nil
	}
	en.mu.Lock()
	defer en.mu.Unlock()
	ok, err := en.e.Enforce(subject, region, action)
	if err != nil {
		return false, err
	}
	if en.answers == nil || len(en.answers) >= maxAnswers {
		en.answers = make(map[string]bool)
	}
	en.answers[key] = ok
	return ok, nil
}

// Grants implements models.Authorizer. The slice is shared: callers
// must not change it.
func (en *Enforcer) Grants(userID int64) ([]models.Grant, error) {
	en.mu.RLock()
	out, ok := en.grants[userID]
	en.mu.RUnlock()
	if ok {
		return out, nil
	}
	// The write lock for a miss, so that no policy change comes between
	// the reading and the keeping.
	en.mu.Lock()
	defer en.mu.Unlock()
	if out, ok := en.grants[userID]; ok {
		return out, nil
	}
	rows, err := en.e.GetFilteredGroupingPolicy(0, models.Subject(userID))
	if err != nil {
		return nil, err
	}
	out = make([]models.Grant, 0, len(rows))
	for _, r := range rows {
		if len(r) >= 3 {
			out = append(out, models.Grant{Role: r[1], Region: r[2]})
		}
	}
	if en.grants == nil || len(en.grants) >= maxAnswers {
		en.grants = make(map[int64][]models.Grant)
	}
	en.grants[userID] = out
	return out, nil
}

// AddGrant implements models.Authorizer.
func (en *Enforcer) AddGrant(tx *gorm.DB, userID int64, g models.Grant) (func(), error) {
	rule := []string{models.Subject(userID), g.Role, g.Region}
	// The unique index on a grant decides, so that of parallel identical
	// grants exactly one is written (and audited) and the others are told
	// it exists.
	res := tx.Clauses(clause.OnConflict{DoNothing: true}).
		Create(&casbinRule{Ptype: "g", V0: rule[0], V1: rule[1], V2: rule[2]})
	if res.Error != nil {
		return nil, res.Error
	}
	if res.RowsAffected == 0 {
		return nil, models.GrantExists()
	}
	v, err := bumpVersion(tx)
	if err != nil {
		return nil, err
	}
	return en.afterCommit(v, func() error {
		_, err := en.e.SelfAddPolicy("g", "g", rule)
		return err
	}), nil
}

// RemoveGrant implements models.Authorizer: the row goes inside the
// caller's transaction with the policy version bumped, so other processes
// reload; this one drops it from memory once tx has committed.
func (en *Enforcer) RemoveGrant(tx *gorm.DB, userID int64, g models.Grant) (func(), error) {
	rule := []string{models.Subject(userID), g.Role, g.Region}
	res := tx.Where("ptype = 'g' AND v0 = ? AND v1 = ? AND v2 = ?", rule[0], rule[1], rule[2]).
		Delete(&casbinRule{})
	if res.Error != nil {
		return nil, res.Error
	}
	if res.RowsAffected == 0 {
		return nil, models.GrantNotFound()
	}
	v, err := bumpVersion(tx)
	if err != nil {
		return nil, err
	}
	return en.afterCommit(v, func() error {
		// casbin's role manager, with a domain matching function, drops
		// the links of every domain the removed one matches (450102 with
		// 4501): the links are rebuilt from the policy instead.
		if _, err := en.e.SelfRemovePolicy("g", "g", rule); err != nil {
			return err
		}
		return en.e.BuildRoleLinks()
	}), nil
}

// bumpVersion raises the policy version inside tx, so that other processes
// reload the policy within CheckEvery; on PostgreSQL it notifies Channel in
// the same transaction (delivered at commit, to every models.Listener).
func bumpVersion(tx *gorm.DB) (int64, error) {
	var v int64
	err := tx.Raw("UPDATE policy_versions SET version = version + 1 WHERE id = 1 RETURNING version").Scan(&v).Error
	if err == nil && tx.Dialector.Name() == "postgres" {
		err = tx.Exec("SELECT pg_notify(?, ?)", Channel, strconv.FormatInt(v, 10)).Error
	}
	return v, err
}

// afterCommit is the in-memory step of a policy change at version v, run
// once its transaction has committed: change applies it to the enforcer;
// if it fails, the next request reloads the whole policy instead.
func (en *Enforcer) afterCommit(v int64, change func() error) func() {
	return func() {
		en.mu.Lock()
		defer en.mu.Unlock()
		en.answers, en.grants = nil, nil
		if err := change(); err != nil {
			en.version = 0 // force a reload on the next request
			en.stale.Store(true)
			return
		}
		if v == en.version+1 {
			en.version = v
		} else {
			en.stale.Store(true) // another process changed it in between
		}
	}
}
