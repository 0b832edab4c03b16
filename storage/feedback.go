package storage

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Survey asks a release's stakeholders how satisfied they are, once the
// release finished. One per release (unique release_id): replicas that
// open it at the same moment open it once.
type Survey struct {
	ID        int64     `gorm:"primaryKey"`
	ReleaseID int64     `gorm:"not null;uniqueIndex:idx_surveys_release"`
	OpenedAt  time.Time `gorm:"not null"`
	ClosesAt  time.Time `gorm:"not null"`
	// Public is set once the survey was posted in a channel, where anyone
	// may answer it.
	Public  bool     `gorm:"not null;default:false"`
	Release *Release `gorm:"constraint:OnDelete:CASCADE"`
}

// SurveyInvite is a stakeholder the survey was sent to.
type SurveyInvite struct {
	ID       int64  `gorm:"primaryKey"`
	SurveyID int64  `gorm:"not null;uniqueIndex:idx_survey_invites_key,priority:1"`
	UserID   string `gorm:"size:32;not null;uniqueIndex:idx_survey_invites_key,priority:2"`
}

// SurveyResponse is one person's answer; they may change it while the
// survey is open, and it still counts once.
type SurveyResponse struct {
	ID       int64  `gorm:"primaryKey"`
	SurveyID int64  `gorm:"not null;uniqueIndex:idx_survey_responses_key,priority:1"`
	UserID   string `gorm:"size:32;not null;uniqueIndex:idx_survey_responses_key,priority:2"`
	// Score is 1–5, 0 while only the adoption question or a comment was
	// answered.
	Score    int    `gorm:"not null;default:0"`
	Adoption string `gorm:"size:16;not null;default:''"`
	// FollowUp is the adoption answer given to the follow-up question.
	FollowUp   string    `gorm:"size:16;not null;default:''"`
	Comment    string    `gorm:"size:3000;not null;default:''"`
	Changes    int       `gorm:"not null;default:0"`
	AnsweredAt time.Time `gorm:"not null"`
	UpdatedAt  time.Time `gorm:"not null"`
}

// Review is a release's post-release review.
type Review struct {
	ID        int64     `gorm:"primaryKey"`
	ReleaseID int64     `gorm:"not null;uniqueIndex:idx_reviews_release"`
	AuthorID  string    `gorm:"size:32;not null"`
	Criteria  string    `gorm:"size:16;not null"`
	WentWell  string    `gorm:"size:3000;not null;default:''"`
	WentWrong string    `gorm:"size:3000;not null;default:''"`
	Final     bool      `gorm:"not null;default:false"`
	Revision  int       `gorm:"not null;default:1"`
	CreatedAt time.Time `gorm:"not null;index"`
	UpdatedAt time.Time `gorm:"not null"`
	Release   *Release  `gorm:"constraint:OnDelete:CASCADE"`
	Actions   []ReviewAction
}

// ReviewAction is a follow-up action a review names, with its owner and
// due date (a calendar day in the owner's zone).
type ReviewAction struct {
	ID        int64  `gorm:"primaryKey"`
	ReviewID  int64  `gorm:"not null"`
	ReleaseID int64  `gorm:"not null"`
	Service   string `gorm:"size:64;not null"`
	Text      string `gorm:"size:500;not null"`
	OwnerID   string `gorm:"size:32;not null"`
	DueOn     string `gorm:"size:10;not null"`
	DoneAt    *time.Time
	DoneBy    string `gorm:"size:32;not null;default:''"`
}

// OpenSurvey creates the release's survey with its invitations; false
// when it already existed (another replica opened it).
func (tx *Tx) OpenSurvey(s *Survey, invited []string) (bool, error) {
	res := tx.db.Clauses(clause.OnConflict{DoNothing: true}).Create(s)
	if res.Error != nil || res.RowsAffected == 0 {
		return false, translate(res.Error, "open survey")
	}
	for _, u := range invited {
		if err := tx.db.Create(&SurveyInvite{SurveyID: s.ID, UserID: u}).Error; err != nil {
			return false, translate(err, "invite to survey")
		}
	}
	return true, nil
}

// SurveyOf reads a release's survey; ErrNotFound when it has none.
func (s *Store) SurveyOf(ctx context.Context, releaseID int64) (*Survey, error) {
	var out Survey
	err := s.db.WithContext(ctx).Where("release_id = ?", releaseID).First(&out).Error
	return &out, translate(err, "read survey")
}

// LockSurvey reads a survey for a change.
func (tx *Tx) LockSurvey(id int64) (*Survey, error) {
	var out Survey
	return &out, translate(tx.forUpdate().First(&out, id).Error, "read survey")
}

// MakeSurveyPublic records that the survey was posted in a channel.
func (tx *Tx) MakeSurveyPublic(id int64) error {
	return translate(tx.db.Model(&Survey{}).Where("id = ?", id).Update("public", true).Error, "publish survey")
}

// Invited reports whether user was sent the survey.
func (tx *Tx) Invited(surveyID int64, user string) (bool, error) {
	return invited(tx.db, surveyID, user)
}

func invited(db *gorm.DB, surveyID int64, user string) (bool, error) {
	var n int64
	err := db.Model(&SurveyInvite{}).Where("survey_id = ? AND user_id = ?", surveyID, user).Count(&n).Error
	return n > 0, translate(err, "read invitation")
}

// SurveyInvites lists who the survey was sent to.
func (s *Store) SurveyInvites(ctx context.Context, surveyID int64) ([]string, error) {
	var out []string
	err := s.db.WithContext(ctx).Model(&SurveyInvite{}).Where("survey_id = ?", surveyID).Order("user_id").Pluck("user_id", &out).Error
	return out, translate(err, "list invitations")
}

// Response reads user's answer inside the transaction; nil when none.
func (tx *Tx) Response(surveyID int64, user string) (*SurveyResponse, error) {
	var out SurveyResponse
	err := tx.forUpdate().Where("survey_id = ? AND user_id = ?", surveyID, user).First(&out).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	return &out, translate(err, "read answer")
}

// SaveResponse writes an answer, new or changed.
func (tx *Tx) SaveResponse(r *SurveyResponse) error {
	r.UpdatedAt = tx.Now()
	if r.ID == 0 {
		r.AnsweredAt = r.UpdatedAt
		return translate(tx.db.Create(r).Error, "save answer")
	}
	r.Changes++
	return translate(tx.db.Save(r).Error, "save answer")
}

// SurveyResponses lists a survey's answers, oldest first.
func (s *Store) SurveyResponses(ctx context.Context, surveyID int64) ([]SurveyResponse, error) {
	var out []SurveyResponse
	err := s.db.WithContext(ctx).Where("survey_id = ?", surveyID).Order("answered_at, id").Find(&out).Error
	return out, translate(err, "list answers")
}

// SurveyResponse reads one person's answer; nil when none.
func (s *Store) SurveyResponse(ctx context.Context, surveyID int64, user string) (*SurveyResponse, error) {
	var out SurveyResponse
	err := s.db.WithContext(ctx).Where("survey_id = ? AND user_id = ?", surveyID, user).First(&out).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	return &out, translate(err, "read answer")
}

// FinishedUnsurveyed lists releases that finished in [from, to] and have no
// survey yet.
func (s *Store) FinishedUnsurveyed(ctx context.Context, statuses []string, from, to time.Time) ([]Release, error) {
	var out []Release
	err := s.db.WithContext(ctx).Where("status IN ? AND finished_at >= ? AND finished_at <= ?", statuses, from.UTC(), to.UTC()).
		Where("NOT EXISTS (SELECT 1 FROM surveys WHERE surveys.release_id = releases.id)").Order("id").Find(&out).Error
	return out, translate(err, "list finished releases")
}

// OwnsReleaseOf reports whether user owns a release of service.
func (s *Store) OwnsReleaseOf(ctx context.Context, user, service string) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&Release{}).Where("owner_id = ? AND service = ?", user, service).Count(&n).Error
	return n > 0, translate(err, "read owners")
}

// ReviewOf reads a release's review with its actions; nil when none.
func (s *Store) ReviewOf(ctx context.Context, releaseID int64) (*Review, error) {
	return reviewOf(s.db.WithContext(ctx), releaseID)
}

// ReviewOf reads the review inside the transaction, locked.
func (tx *Tx) ReviewOf(releaseID int64) (*Review, error) { return reviewOf(tx.forUpdate(), releaseID) }

func reviewOf(db *gorm.DB, releaseID int64) (*Review, error) {
	var out Review
	err := db.Preload("Actions", func(q *gorm.DB) *gorm.DB { return q.Order("id") }).Where("release_id = ?", releaseID).First(&out).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	return &out, translate(err, "read review")
}

// SaveReview writes a review and replaces its actions with actions; the
// actions already done stay done.
func (tx *Tx) SaveReview(rv *Review, actions []ReviewAction) error {
	rv.UpdatedAt = tx.Now()
	if rv.ID == 0 {
		rv.CreatedAt = rv.UpdatedAt
		if err := tx.db.Omit("Actions", "Release").Create(rv).Error; err != nil {
			return translate(err, "save review")
		}
	} else {
		rv.Revision++
		if err := tx.db.Omit("Actions", "Release").Save(rv).Error; err != nil {
			return translate(err, "save review")
		}
		if err := tx.db.Where("review_id = ? AND done_at IS NULL", rv.ID).Delete(&ReviewAction{}).Error; err != nil {
			return translate(err, "replace actions")
		}
	}
	for i := range actions {
		actions[i].ReviewID, actions[i].ReleaseID = rv.ID, rv.ReleaseID
		if err := tx.db.Create(&actions[i]).Error; err != nil {
			return translate(err, "save action")
		}
	}
	return translate(tx.db.Model(&Release{}).Where("id = ?", rv.ReleaseID).Update("retro_review", false).Error, "clear review flag")
}

// ReviewActions lists follow-up actions; open only unless all, and only
// those of owner or service when given.
func (s *Store) ReviewActions(ctx context.Context, owner, service string, all bool) ([]ReviewAction, error) {
	q := s.db.WithContext(ctx).Order("due_on, id")
	if !all {
		q = q.Where("done_at IS NULL")
	}
	if owner != "" {
		q = q.Where("owner_id = ?", owner)
	}
	if service != "" {
		q = q.Where("service = ?", service)
	}
	var out []ReviewAction
	return out, translate(q.Find(&out).Error, "list actions")
}

// ReviewAction reads one action.
func (s *Store) ReviewAction(ctx context.Context, id int64) (*ReviewAction, error) {
	var out ReviewAction
	return &out, translate(s.db.WithContext(ctx).First(&out, id).Error, "read action")
}

// LockReviewAction reads one action for a change.
func (tx *Tx) LockReviewAction(id int64) (*ReviewAction, error) {
	var out ReviewAction
	return &out, translate(tx.forUpdate().First(&out, id).Error, "read action")
}

// CloseReviewAction marks an action done.
func (tx *Tx) CloseReviewAction(a *ReviewAction, by string) error {
	now := tx.Now()
	a.DoneAt, a.DoneBy = &now, by
	return translate(tx.db.Model(a).Updates(map[string]any{"done_at": now, "done_by": by}).Error, "close action")
}

// RecentReviews lists reviews saved since from, newest first, with their
// releases, for one service when given.
func (s *Store) RecentReviews(ctx context.Context, service string, from time.Time, limit int) ([]Review, error) {
	q := s.db.WithContext(ctx).Preload("Release").Preload("Actions").Where("reviews.created_at >= ?", from.UTC()).Order("reviews.created_at DESC").Limit(limit)
	if service != "" {
		q = q.Joins("JOIN releases ON releases.id = reviews.release_id").Where("releases.service = ?", service)
	}
	var out []Review
	return out, translate(q.Find(&out).Error, "list reviews")
}

// Unreviewed lists finished releases since from that have no review, for
// the reminders about required reviews.
func (s *Store) Unreviewed(ctx context.Context, statuses []string, from time.Time) ([]Release, error) {
	var out []Release
	err := s.db.WithContext(ctx).Where("status IN ? AND finished_at >= ?", statuses, from.UTC()).
		Where("NOT EXISTS (SELECT 1 FROM reviews WHERE reviews.release_id = releases.id)").Order("id").Find(&out).Error
	return out, translate(err, "list unreviewed releases")
}

// Survey reads a survey by id.
func (s *Store) Survey(ctx context.Context, id int64) (*Survey, error) {
	var out Survey
	return &out, translate(s.db.WithContext(ctx).First(&out, id).Error, "read survey")
}

// IsInvited reports whether user was sent the survey.
func (s *Store) IsInvited(ctx context.Context, surveyID int64, user string) (bool, error) {
	return invited(s.db.WithContext(ctx), surveyID, user)
}
