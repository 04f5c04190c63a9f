package models

import (
	"context"

	"gorm.io/gorm"
)

// The payment hooks other work calls inside its own transactions, opened
// to the external tests, each in a transaction of its own.

func (s *Store) MidtermPassedForTest(ctx context.Context, contractID int64) error {
	return s.tx(ctx, func(tx *gorm.DB) error { return s.midtermPassed(tx, contractID) })
}

func (s *Store) ContractAcceptedForTest(ctx context.Context, contractID int64) error {
	return s.tx(ctx, func(tx *gorm.DB) error { return s.contractAccepted(tx, contractID) })
}

func (s *Store) ContractInServiceForTest(ctx context.Context, contractID int64) error {
	return s.tx(ctx, func(tx *gorm.DB) error { return s.contractInService(tx, contractID) })
}
