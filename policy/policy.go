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
	"strings"
	"sync"

	"portal/models"

	"github.com/casbin/casbin/v2"
	casbinmodel "github.com/casbin/casbin/v2/model"
	gormadapter "github.com/casbin/gorm-adapter/v3"
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
// portal processes notice the bumped policy version and reload.
type Enforcer struct {
	db      *gorm.DB
	mu      sync.RWMutex
	e       *casbin.Enforcer
	version int64
	// answers caches Enforce results until the policy changes; casbin's
	// matcher with a domain function costs tens of microseconds a call.
	answers map[string]bool
}

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
	adapter, err := newAdapter(db)
	if err != nil {
		return nil, err
	}
	e, err := casbin.NewEnforcer(m, adapter)
	if err != nil {
		return nil, fmt.Errorf("casbin: %w", err)
	}
	// Writes go through AddGrant's transaction, never the enforcer's own.
	e.EnableAutoSave(false)
	e.AddNamedDomainMatchingFunc("g", "withinRegion", withinRegion)
	en := &Enforcer{db: db, e: e}
	if err := en.reload(context.Background()); err != nil {
		return nil, err
	}
	return en, nil
}

func newAdapter(db *gorm.DB) (*gormadapter.Adapter, error) {
	db = db.Session(&gorm.Session{})
	// The table is created by our migration, not by the adapter.
	gormadapter.TurnOffAutoMigrate(db)
	return gormadapter.NewAdapterByDBUseTableName(db, "", "casbin_rule")
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
	en.answers = nil
	return nil
}

// Refresh reloads the policy when another process has changed it.
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

// Grants implements models.Authorizer.
func (en *Enforcer) Grants(userID int64) ([]models.Grant, error) {
	en.mu.RLock()
	defer en.mu.RUnlock()
	rows, err := en.e.GetFilteredGroupingPolicy(0, models.Subject(userID))
	if err != nil {
		return nil, err
	}
	out := make([]models.Grant, 0, len(rows))
	for _, r := range rows {
		if len(r) >= 3 {
			out = append(out, models.Grant{Role: r[1], Region: r[2]})
		}
	}
	return out, nil
}

// AddGrant implements models.Authorizer.
func (en *Enforcer) AddGrant(tx *gorm.DB, userID int64, g models.Grant) (func(), error) {
	rule := []string{models.Subject(userID), g.Role, g.Region}
	// The adapter's AddPolicy ignores a duplicate silently; the unique index
	// on a grant decides here, so that of parallel identical grants exactly
	// one is written (and audited) and the others are told it exists.
	res := tx.Clauses(clause.OnConflict{DoNothing: true}).
		Create(&gormadapter.CasbinRule{Ptype: "g", V0: rule[0], V1: rule[1], V2: rule[2]})
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
		Delete(&gormadapter.CasbinRule{})
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
// reload the policy before their next request.
func bumpVersion(tx *gorm.DB) (int64, error) {
	var v int64
	err := tx.Raw("UPDATE policy_versions SET version = version + 1 WHERE id = 1 RETURNING version").Scan(&v).Error
	return v, err
}

// afterCommit is the in-memory step of a policy change at version v, run
// once its transaction has committed: change applies it to the enforcer;
// if it fails, the next request reloads the whole policy instead.
func (en *Enforcer) afterCommit(v int64, change func() error) func() {
	return func() {
		en.mu.Lock()
		defer en.mu.Unlock()
		en.answers = nil
		if err := change(); err != nil {
			en.version = 0 // force a reload on the next request
			return
		}
		if v == en.version+1 {
			en.version = v
		}
	}
}
