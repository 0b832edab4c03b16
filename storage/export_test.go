package storage

// OnRetry tells f of each transaction InTxRetry runs again on s.
func OnRetry(s *Store, f func(attempt int, err error)) { s.beforeRetry = f }

// Migrations lets the tests apply the migrations one by one.
var Migrations = migrations
