package storage

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"

	"github.com/releasebot/releasebot/release"
)

// Round statuses.
const (
	RoundOpen       = "open"
	RoundApproved   = "approved"
	RoundRejected   = "rejected"
	RoundSuperseded = "superseded"
	RoundCancelled  = "cancelled"
)

// Policy reads the policy for a release of this type, environment and
// risk: the most specific that matches (release.MatchPolicy). nil means
// none is set.
func (s *Store) Policy(ctx context.Context, typ, env, risk string) (*ApprovalPolicy, error) {
	var ps []ApprovalPolicy
	err := s.db.WithContext(ctx).Where("type = ?", typ).Find(&ps).Error
	if err != nil {
		return nil, translate(err, "read policy")
	}
	keys := make([]release.PolicyKey, len(ps))
	for i, p := range ps {
		keys[i] = p.Key()
	}
	if i := release.MatchPolicy(keys, release.Type(typ), env, release.Risk(risk)); i >= 0 {
		return &ps[i], nil
	}
	return nil, nil
}

// RequiredChecks are the readiness checks the policy that r falls under
// requires before it starts; none when no policy names any.
func (s *Store) RequiredChecks(ctx context.Context, r *Release) ([]string, error) {
	p, err := s.Policy(ctx, r.Type, r.Environment, r.Risk)
	if err != nil || p == nil {
		return nil, err
	}
	checks, err := release.ParseCheckList(p.Checks)
	if err != nil {
		return nil, fmt.Errorf("policy %s: %w", p.Key(), err)
	}
	return checks, nil
}

// Key is what the policy is keyed by.
func (p *ApprovalPolicy) Key() release.PolicyKey {
	return release.PolicyKey{Type: release.Type(p.Type), Environment: p.Environment, Risk: release.Risk(p.Risk)}
}

// Policies lists every policy.
func (s *Store) Policies(ctx context.Context) ([]ApprovalPolicy, error) {
	var ps []ApprovalPolicy
	err := s.db.WithContext(ctx).Order("type, environment, risk").Find(&ps).Error
	return ps, translate(err, "list policies")
}

// SetPolicy creates or replaces the policy for p.Type, p.Environment and p.Risk.
func (tx *Tx) SetPolicy(p *ApprovalPolicy) error {
	var existing ApprovalPolicy
	err := tx.forUpdate().Where("type = ? AND environment = ? AND risk = ?", p.Type, p.Environment, p.Risk).Take(&existing).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		return translate(tx.db.Create(p).Error, "create policy")
	case err != nil:
		return translate(err, "read policy")
	}
	p.ID = existing.ID
	return translate(tx.db.Save(p).Error, "update policy")
}

// OpenRounds lists a release's rounds that are still open.
func (tx *Tx) OpenRounds(releaseID int64) ([]ApprovalRound, error) {
	var rounds []ApprovalRound
	err := tx.db.Where("release_id = ? AND status = ?", releaseID, RoundOpen).Preload("Approvers").Find(&rounds).Error
	return rounds, translate(err, "read open rounds")
}

// NextRoundNumber is one more than the release's last round.
func (tx *Tx) NextRoundNumber(releaseID int64) (int, error) {
	var n *int
	err := tx.db.Model(&ApprovalRound{}).Where("release_id = ?", releaseID).Select("MAX(number)").Scan(&n).Error
	if err != nil {
		return 0, translate(err, "number round")
	}
	if n == nil {
		return 1, nil
	}
	return *n + 1, nil
}

// Round reads a round with its approvers and decisions.
func (s *Store) Round(ctx context.Context, id int64) (*ApprovalRound, error) {
	return readRound(s.db.WithContext(ctx), id)
}

// Round reads a round inside the transaction.
func (tx *Tx) Round(id int64) (*ApprovalRound, error) { return readRound(tx.db, id) }

// RoundRelease is the release a round decides, read alone: a decision
// locks the release before it reads the round it changes.
func (tx *Tx) RoundRelease(roundID int64) (int64, error) {
	var ids []int64
	if err := tx.db.Model(&ApprovalRound{}).Where("id = ?", roundID).Limit(1).Pluck("release_id", &ids).Error; err != nil {
		return 0, translate(err, "read round")
	}
	if len(ids) == 0 {
		return 0, fmt.Errorf("read round: %w", ErrNotFound)
	}
	return ids[0], nil
}

func readRound(db *gorm.DB, id int64) (*ApprovalRound, error) {
	var r ApprovalRound
	err := db.Preload("Approvers", func(db *gorm.DB) *gorm.DB { return db.Order("id") }).
		Preload("Decisions", func(db *gorm.DB) *gorm.DB { return db.Order("decided_at, id") }).
		First(&r, id).Error
	if err != nil {
		return nil, translate(err, "read round")
	}
	return &r, nil
}

// RoundApprover reads one approver of a round.
func (s *Store) RoundApprover(ctx context.Context, id int64) (*RoundApprover, error) {
	var a RoundApprover
	err := s.db.WithContext(ctx).First(&a, id).Error
	return &a, translate(err, "read round approver")
}

// LatestRound is the release's newest round, or nil.
func (s *Store) LatestRound(ctx context.Context, releaseID int64) (*ApprovalRound, error) {
	var r ApprovalRound
	err := s.db.WithContext(ctx).Where("release_id = ?", releaseID).Order("number DESC").Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, translate(err, "read latest round")
	}
	return readRound(s.db.WithContext(ctx), r.ID)
}

// Rounds lists every round of a release, oldest first, with decisions.
func (s *Store) Rounds(ctx context.Context, releaseID int64) ([]ApprovalRound, error) {
	var out []ApprovalRound
	err := s.db.WithContext(ctx).Where("release_id = ?", releaseID).Order("number").
		Preload("Approvers", func(db *gorm.DB) *gorm.DB { return db.Order("id") }).
		Preload("Decisions", func(db *gorm.DB) *gorm.DB { return db.Order("decided_at, id") }).Find(&out).Error
	return out, translate(err, "list rounds")
}

// PendingFor lists the open rounds in which user has not decided yet.
func (s *Store) PendingFor(ctx context.Context, user string) ([]ApprovalRound, error) {
	var out []ApprovalRound
	err := s.db.WithContext(ctx).
		Joins("JOIN round_approvers ra ON ra.round_id = approval_rounds.id AND ra.user_id = ?", user).
		Where("approval_rounds.status = ?", RoundOpen).
		Where("NOT EXISTS (SELECT 1 FROM approval_decisions d WHERE d.round_id = approval_rounds.id AND d.approver_id = ?)", user).
		Order("approval_rounds.opened_at").Find(&out).Error
	return out, translate(err, "list pending approvals")
}

// AddDecision records a decision; a second decision by the same approver
// in the round is ErrDuplicate (the database's unique index says so).
func (tx *Tx) AddDecision(d *ApprovalDecision) error {
	return translate(tx.db.Create(d).Error, "record decision")
}

// CloseRound sets a round's final status.
func (tx *Tx) CloseRound(round *ApprovalRound, status string) error {
	now := tx.Now()
	round.Status, round.ClosedAt = status, &now
	err := tx.db.Model(&ApprovalRound{}).Where("id = ?", round.ID).Updates(map[string]any{"status": status, "closed_at": now}).Error
	return translate(err, "close round")
}

// CreateRound stores a round with its approvers.
func (tx *Tx) CreateRound(round *ApprovalRound) error {
	return translate(tx.db.Create(round).Error, "open round")
}

// OpenRoundsWithReleases lists open rounds with their release, approvers
// and decisions, for nudges and escalations; open rounds are few, and the
// status index finds them without reading the rest.
func (s *Store) OpenRoundsWithReleases(ctx context.Context) ([]ApprovalRound, error) {
	var out []ApprovalRound
	err := s.db.WithContext(ctx).Where("status = ?", RoundOpen).Order("id").
		Preload("Release").
		Preload("Approvers", func(db *gorm.DB) *gorm.DB { return db.Order("id") }).
		Preload("Decisions").Find(&out).Error
	return out, translate(err, "list open rounds")
}
