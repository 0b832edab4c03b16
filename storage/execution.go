package storage

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// APIToken lets a pipeline call the HTTP API. Only the SHA-256 of the
// secret is kept, so a copy of the database does not hand out tokens.
type APIToken struct {
	ID   int64  `gorm:"primaryKey"`
	Name string `gorm:"size:64;not null;uniqueIndex:idx_api_tokens_name"`
	Hash string `gorm:"size:64;not null;uniqueIndex:idx_api_tokens_hash"`
	// Services limits the token to these services, comma-separated; empty
	// means every service.
	Services  string    `gorm:"size:2000;not null;default:''"`
	CreatedBy string    `gorm:"size:32;not null"`
	CreatedAt time.Time `gorm:"not null"`
}

// ReadinessCheck is the latest result of one named check of a release.
type ReadinessCheck struct {
	ID        int64     `gorm:"primaryKey"`
	ReleaseID int64     `gorm:"not null;uniqueIndex:idx_checks_release_name,priority:1"`
	Name      string    `gorm:"size:64;not null;uniqueIndex:idx_checks_release_name,priority:2"`
	Status    string    `gorm:"size:16;not null"`
	URL       string    `gorm:"size:500;not null;default:''"`
	Actor     string    `gorm:"size:64;not null"`
	UpdatedAt time.Time `gorm:"not null"`
}

// Incident is something that went wrong in production, linked to the
// release that caused it.
type Incident struct {
	ID         int64     `gorm:"primaryKey"`
	ReleaseID  int64     `gorm:"not null;index:idx_incidents_release"`
	Summary    string    `gorm:"size:500;not null"`
	Severity   string    `gorm:"size:16;not null;default:''"`
	URL        string    `gorm:"size:500;not null;default:''"`
	ReportedBy string    `gorm:"size:64;not null"`
	CreatedAt  time.Time `gorm:"not null"`
}

// LiveVersion is what ran in a service's environment from Since until
// Until (nil: it still does), and the release that put it there.
type LiveVersion struct {
	ID          int64  `gorm:"primaryKey"`
	Service     string `gorm:"size:64;not null"`
	Environment string `gorm:"size:32;not null"`
	Version     string `gorm:"size:64;not null"`
	Components  string `gorm:"size:3000;not null;default:''"`
	ReleaseID   int64  `gorm:"not null"`
	Since       time.Time
	Until       *time.Time
}

// IdempotencyKey is the answer the API gave to a request that carried an
// Idempotency-Key, replayed when the same request comes again.
type IdempotencyKey struct {
	Key         string    `gorm:"primaryKey;size:300"`
	RequestHash string    `gorm:"size:64;not null"`
	Status      int       `gorm:"not null"`
	Body        string    `gorm:"type:text;not null"`
	CreatedAt   time.Time `gorm:"not null"`
}

// CreateToken stores a new token; a name in use is ErrDuplicate.
func (tx *Tx) CreateToken(t *APIToken) error {
	t.CreatedAt = tx.Now()
	return translate(tx.db.Create(t).Error, "create token")
}

// DeleteToken removes a token by name and reports whether there was one.
func (tx *Tx) DeleteToken(name string) (bool, error) {
	res := tx.db.Where("name = ?", name).Delete(&APIToken{})
	return res.RowsAffected == 1, translate(res.Error, "revoke token")
}

// Tokens lists the tokens by name.
func (s *Store) Tokens(ctx context.Context) ([]APIToken, error) {
	var out []APIToken
	return out, translate(s.db.WithContext(ctx).Order("name").Find(&out).Error, "list tokens")
}

// TokenByHash finds the token whose secret hashes to hash.
func (s *Store) TokenByHash(ctx context.Context, hash string) (*APIToken, error) {
	var t APIToken
	if err := s.db.WithContext(ctx).Where("hash = ?", hash).Take(&t).Error; err != nil {
		return nil, translate(err, "find token")
	}
	return &t, nil
}

// Checks lists a release's readiness checks by name.
func (s *Store) Checks(ctx context.Context, releaseID int64) ([]ReadinessCheck, error) {
	return checks(s.db.WithContext(ctx), releaseID)
}

// Checks lists a release's readiness checks as the transaction sees them.
func (tx *Tx) Checks(releaseID int64) ([]ReadinessCheck, error) { return checks(tx.db, releaseID) }

func checks(db *gorm.DB, releaseID int64) ([]ReadinessCheck, error) {
	var out []ReadinessCheck
	return out, translate(db.Where("release_id = ?", releaseID).Order("name").Find(&out).Error, "read checks")
}

// SetCheck records the latest result of a check, replacing an earlier one.
func (tx *Tx) SetCheck(c *ReadinessCheck) error {
	c.UpdatedAt = tx.Now()
	err := tx.db.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "release_id"}, {Name: "name"}},
		DoUpdates: clause.AssignmentColumns([]string{"status", "url", "actor", "updated_at"}),
	}).Create(c).Error
	return translate(err, "record check")
}

// AddIncident links an incident to its release.
func (tx *Tx) AddIncident(i *Incident) error {
	i.CreatedAt = tx.Now()
	return translate(tx.db.Create(i).Error, "record incident")
}

// Incidents lists the incidents linked to a release, oldest first.
func (s *Store) Incidents(ctx context.Context, releaseID int64) ([]Incident, error) {
	var out []Incident
	return out, translate(s.db.WithContext(ctx).Where("release_id = ?", releaseID).Order("id").Find(&out).Error, "read incidents")
}

// WithIncidents says which of releaseIDs have an incident linked.
func (s *Store) WithIncidents(ctx context.Context, releaseIDs []int64) (map[int64]bool, error) {
	out := map[int64]bool{}
	if len(releaseIDs) == 0 {
		return out, nil
	}
	var ids []int64
	err := s.db.WithContext(ctx).Model(&Incident{}).Where("release_id IN ?", releaseIDs).Distinct().Pluck("release_id", &ids).Error
	for _, id := range ids {
		out[id] = true
	}
	return out, translate(err, "read incidents")
}

// Hotfixes lists the releases planned to repair releaseID.
func (s *Store) Hotfixes(ctx context.Context, releaseID int64) ([]Release, error) {
	var out []Release
	return out, translate(s.db.WithContext(ctx).Where("fixes_id = ?", releaseID).Order("id").Find(&out).Error, "read hotfixes")
}

// LiveNow lists what is live now, optionally for one service and one
// environment, by service and environment.
func (s *Store) LiveNow(ctx context.Context, service, env string) ([]LiveVersion, error) {
	q := s.db.WithContext(ctx).Where("until IS NULL")
	if service != "" {
		q = q.Where("service = ?", service)
	}
	if env != "" {
		q = q.Where("environment = ?", env)
	}
	var out []LiveVersion
	return out, translate(q.Order("service, environment").Find(&out).Error, "read live versions")
}

// MakeLive records that r's version is live in its environment from now,
// ending what was live there before.
func (tx *Tx) MakeLive(r *Release, components string) error {
	now := tx.Now()
	err := tx.db.Model(&LiveVersion{}).Where("service = ? AND environment = ? AND until IS NULL", r.Service, r.Environment).
		Update("until", now).Error
	if err != nil {
		return translate(err, "end live version")
	}
	lv := LiveVersion{Service: r.Service, Environment: r.Environment, Version: r.Version, Components: components, ReleaseID: r.ID, Since: now}
	return translate(tx.db.Create(&lv).Error, "record live version")
}

// RestoreLive puts back what was live before r when r is what is live
// now (r was rolled back after it completed); it reports what is live
// afterwards, nil when nothing ever was.
func (tx *Tx) RestoreLive(r *Release) (*LiveVersion, error) {
	var cur LiveVersion
	err := tx.db.Where("service = ? AND environment = ? AND until IS NULL", r.Service, r.Environment).Take(&cur).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		return nil, nil
	case err != nil:
		return nil, translate(err, "read live version")
	case cur.ReleaseID != r.ID:
		return &cur, nil // r never went live, or something else did since
	}
	now := tx.Now()
	if err := tx.db.Model(&cur).Update("until", now).Error; err != nil {
		return nil, translate(err, "end live version")
	}
	var prev LiveVersion
	// What was live before: the latest earlier version whose release was
	// not rolled back itself (r is rolled back by now).
	rolledBack := tx.db.Model(&Release{}).Select("id").Where("status = ?", "rolled_back")
	err = tx.db.Where("service = ? AND environment = ? AND id < ? AND release_id NOT IN (?)", r.Service, r.Environment, cur.ID, rolledBack).
		Order("id DESC").Take(&prev).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, translate(err, "read live version")
	}
	back := LiveVersion{Service: prev.Service, Environment: prev.Environment, Version: prev.Version, Components: prev.Components, ReleaseID: prev.ReleaseID, Since: now}
	return &back, translate(tx.db.Create(&back).Error, "restore live version")
}

// IdempotentAnswer reads the answer stored under key.
func (s *Store) IdempotentAnswer(ctx context.Context, key string) (*IdempotencyKey, error) {
	var k IdempotencyKey
	if err := s.db.WithContext(ctx).Where("key = ?", key).Take(&k).Error; err != nil {
		return nil, translate(err, "read idempotency key")
	}
	return &k, nil
}

// KeepAnswer stores the answer to a request under its Idempotency-Key,
// in the transaction of the change it answers.
func (tx *Tx) KeepAnswer(k *IdempotencyKey) error {
	k.CreatedAt = tx.Now()
	return translate(tx.db.Create(k).Error, "store idempotency key")
}

// ReleaseByVersion finds the release of service's version in env that a
// pipeline speaks of: the newest one that was not cancelled or rejected.
func (s *Store) ReleaseByVersion(ctx context.Context, service, version, env string) (*Release, error) {
	var r Release
	err := s.db.WithContext(ctx).Where("service = ? AND version = ? AND environment = ? AND status NOT IN ?", service, version, env, []string{"cancelled", "rejected"}).
		Order("id DESC").Take(&r).Error
	if err != nil {
		return nil, translate(err, "find release by version")
	}
	return &r, nil
}

// KeepAnswer stores an API answer under its Idempotency-Key; a key kept
// already is ErrDuplicate.
func (s *Store) KeepAnswer(ctx context.Context, k *IdempotencyKey) error {
	return s.InTx(ctx, func(tx *Tx) error { return tx.KeepAnswer(k) })
}
