package storage

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
)

// StandardTemplate is a change admins approved once: standard releases
// that name it and fit it need no approval round (migration 31).
type StandardTemplate struct {
	ID          int64     `gorm:"primaryKey"`
	Name        string    `gorm:"size:64;not null;uniqueIndex:idx_templates_name"`
	Service     string    `gorm:"size:64;not null"`
	Environment string    `gorm:"size:32;not null;default:''"`
	MaxRisk     string    `gorm:"size:16;not null"`
	Covers      string    `gorm:"size:500;not null"`
	CreatedBy   string    `gorm:"size:32;not null"`
	CreatedAt   time.Time `gorm:"not null"`
}

// StandardTemplates lists the catalogue by name.
func (s *Store) StandardTemplates(ctx context.Context) ([]StandardTemplate, error) {
	var ts []StandardTemplate
	err := s.db.WithContext(ctx).Order("name").Find(&ts).Error
	return ts, translate(err, "list standard templates")
}

// StandardTemplates lists the catalogue by name, inside a transaction.
func (tx *Tx) StandardTemplates() ([]StandardTemplate, error) {
	var ts []StandardTemplate
	err := tx.db.Order("name").Find(&ts).Error
	return ts, translate(err, "list standard templates")
}

// AddStandardTemplate adds a template; false when the name is taken.
func (tx *Tx) AddStandardTemplate(t *StandardTemplate) (bool, error) {
	var n int64
	if err := tx.db.Model(&StandardTemplate{}).Where("name = ?", t.Name).Count(&n).Error; err != nil {
		return false, translate(err, "read standard template")
	}
	if n > 0 {
		return false, nil
	}
	return true, translate(tx.db.Create(t).Error, "add standard template")
}

// RemoveStandardTemplate removes a template by name and returns it;
// ErrNotFound when there is none.
func (tx *Tx) RemoveStandardTemplate(name string) (*StandardTemplate, error) {
	var t StandardTemplate
	err := tx.forUpdate().Where("name = ?", name).Take(&t).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, translate(err, "read standard template")
	}
	return &t, translate(tx.db.Delete(&t).Error, "remove standard template")
}
