package models

// SetMaxExportRowsForTest lowers the rows one export holds until the
// returned function restores it.
func SetMaxExportRowsForTest(n int) (restore func()) {
	old := maxExportRows
	maxExportRows = n
	return func() { maxExportRows = old }
}
