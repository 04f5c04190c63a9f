package models_test

import (
	"testing"

	"portal/models/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }
