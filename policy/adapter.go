package policy

import (
	"errors"

	"github.com/casbin/casbin/v2/model"
	"github.com/casbin/casbin/v2/persist"
	"gorm.io/gorm"
)

// casbinRule is a row of casbin_rule (created by migration 1): a policy
// line, its fields in v0…v5, the unused ones empty.
type casbinRule struct {
	ID    int64
	Ptype string
	V0    string
	V1    string
	V2    string
	V3    string
	V4    string
	V5    string
}

func (casbinRule) TableName() string { return "casbin_rule" }

// adapter is casbin's storage: it loads the policy from casbin_rule. The
// enforcer never saves through it (auto-save is off): grants are written in
// the caller's transaction by AddGrant and RemoveGrant.
type adapter struct{ db *gorm.DB }

var _ persist.Adapter = adapter{}

var errWriteThroughGrants = errors.New("policy: the policy is written by AddGrant and RemoveGrant, not through the adapter")

// LoadPolicy adds every stored line to m, in the order written.
func (a adapter) LoadPolicy(m model.Model) error {
	var rows []casbinRule
	if err := a.db.Order("id").Find(&rows).Error; err != nil {
		return err
	}
	for _, r := range rows {
		line := []string{r.Ptype, r.V0, r.V1, r.V2, r.V3, r.V4, r.V5}
		for len(line) > 1 && line[len(line)-1] == "" {
			line = line[:len(line)-1]
		}
		if r.Ptype == "" || len(line) < 2 {
			continue
		}
		if err := persist.LoadPolicyArray(line, m); err != nil {
			return err
		}
	}
	return nil
}

func (adapter) SavePolicy(model.Model) error                { return errWriteThroughGrants }
func (adapter) AddPolicy(string, string, []string) error    { return errWriteThroughGrants }
func (adapter) RemovePolicy(string, string, []string) error { return errWriteThroughGrants }
func (adapter) RemoveFilteredPolicy(string, string, int, ...string) error {
	return errWriteThroughGrants
}
