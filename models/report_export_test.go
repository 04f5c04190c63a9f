package models

// ApprovedTotals exposes approvedTotals to the external tests.
var ApprovedTotals = (*Store).approvedTotals
