package models

// Tables lists every gorm model, so that a test can prove the migrated
// schema has each column the models use. Add each new model here.
func Tables() []any {
	return []any{
		&Region{}, &User{}, &Session{}, &SignInFailure{}, &AuditEvent{},
		&CatalogueVersion{}, &CatalogueItem{}, &CatalogueIndicator{},
		&Organisation{}, &RosterEntry{}, &OrgDocument{},
		&Tender{}, &BudgetLine{}, &Target{}, &Criterion{}, &Invitation{}, &Enquiry{}, &Bid{}, &Amendment{},
		&PanelMember{}, &Score{}, &CreditCheck{}, &Challenge{}, &Contract{}, &ContractTarget{}, &Tranche{}, &BidAttachment{},
		&CalendarSource{}, &CalendarDay{},
		&ComplianceReview{},
		&Notification{},
		&ContractSupervisor{}, &SupervisorDeclaration{}, &Visit{}, &SupervisionFile{}, &Evaluation{}, &Rectification{}, &OrganisationBar{},
		&OCDSRelease{},
	}
}
