package models_test

import (
	"sync"
	"testing"

	"portal/models"
	"portal/models/testdb"

	"gorm.io/gorm/schema"
)

// TestSchemaHasEveryModelColumn proves the migrations create every table and
// column the gorm models read or write (there is no AutoMigrate to hide a
// missing one).
func TestSchemaHasEveryModelColumn(t *testing.T) {
	db, _ := testdb.Open(t)
	cache := &sync.Map{}
	for _, m := range models.Tables() {
		sch, err := schema.Parse(m, cache, db.NamingStrategy)
		if err != nil {
			t.Fatal(err)
		}
		if !db.Migrator().HasTable(sch.Table) {
			t.Errorf("table %s is missing", sch.Table)
			continue
		}
		for _, f := range sch.Fields {
			if f.DBName == "" {
				continue
			}
			if !db.Migrator().HasColumn(m, f.DBName) {
				t.Errorf("column %s.%s is missing", sch.Table, f.DBName)
			}
		}
	}
}
