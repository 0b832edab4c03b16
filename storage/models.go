package storage

import (
	"time"
)

// Release is a planned change to one service in one environment.
// Times are UTC; Revision grows with every change so that an approval round
// can tell whether it still speaks about the release as it is now.
type Release struct {
	ID             int64     `gorm:"primaryKey"`
	Service        string    `gorm:"size:64;not null;index:idx_releases_service_start,priority:1"`
	Version        string    `gorm:"size:64;not null"`
	Environment    string    `gorm:"size:32;not null;index:idx_releases_env_start,priority:1"`
	Type           string    `gorm:"size:16;not null;check:chk_releases_type,type IN ('standard','normal','emergency')"`
	Risk           string    `gorm:"size:16;not null;check:chk_releases_risk,risk IN ('low','medium','high')"`
	Title          string    `gorm:"size:150;not null;default:''"`
	Impact         string    `gorm:"size:3000;not null;default:''"`
	RollbackPlan   string    `gorm:"size:3000;not null;default:''"`
	OwnerID        string    `gorm:"size:32;not null;index"`
	CreatedBy      string    `gorm:"size:32;not null"`
	Channel        string    `gorm:"size:32;not null"`
	AnnouncementTS string    `gorm:"size:32;not null;default:''"`
	StartAt        time.Time `gorm:"not null;index:idx_releases_service_start,priority:2;index:idx_releases_env_start,priority:2;index:idx_releases_start"`
	EndAt          time.Time `gorm:"not null;index:idx_releases_end;index:idx_releases_service_start,priority:3;index:idx_releases_env_start,priority:3"`
	Status         string    `gorm:"size:16;not null;index;check:chk_releases_status,status IN ('planned','approved','rejected','in_progress','completed','failed','rolled_back','cancelled','expired')"`
	// FreezeReason records why an emergency release was allowed into a freeze.
	FreezeReason string `gorm:"size:500;not null;default:''"`
	RetroReview  bool   `gorm:"not null;default:false"`
	Revision     int64  `gorm:"not null;default:1"`
	StartedAt    *time.Time
	FinishedAt   *time.Time
	CreatedAt    time.Time `gorm:"not null"`
	UpdatedAt    time.Time `gorm:"not null"`
	Components   []ReleaseComponent
	// The evidence of execution (migration 10): the downtime reported when
	// it finished, the pipeline run and commit that deployed it, and the
	// release it repairs when it is a hotfix.
	DowntimeMinutes int    `gorm:"not null;default:0"`
	PipelineURL     string `gorm:"size:500;not null;default:''"`
	CommitSHA       string `gorm:"size:64;not null;default:''"`
	FixesID         *int64

	// Template is the standard-change template a standard release fits
	// (migration 31).
	Template string `gorm:"size:64;not null;default:''"`
}

// ReleaseComponent is a configuration item the release changes.
type ReleaseComponent struct {
	ID        int64    `gorm:"primaryKey"`
	ReleaseID int64    `gorm:"not null;uniqueIndex:idx_components_release_name,priority:1"`
	Name      string   `gorm:"size:64;not null;uniqueIndex:idx_components_release_name,priority:2"`
	Version   string   `gorm:"size:64;not null"`
	Release   *Release `gorm:"constraint:OnDelete:CASCADE"`
}

// ApprovalPolicy says who approves releases of a type, optionally only in
// one environment (Environment "" is the type's general policy).
type ApprovalPolicy struct {
	ID          int64  `gorm:"primaryKey"`
	Type        string `gorm:"size:16;not null;uniqueIndex:idx_policies_type_env,priority:1;check:chk_policies_type,type IN ('standard','normal','emergency')"`
	Environment string `gorm:"size:32;not null;default:'';uniqueIndex:idx_policies_type_env,priority:2"`
	// Risk "" is the policy for every risk (migration 30).
	Risk string `gorm:"size:16;not null;default:''"`
	// Rollback says when a rollback plan is needed: "" for high risk,
	// "required" always, "optional" never.
	Rollback string `gorm:"size:16;not null;default:''"`
	// Approvers holds Slack user IDs (U…) and user group IDs (S…), comma-separated.
	Approvers string    `gorm:"size:2000;not null"`
	Required  string    `gorm:"size:16;not null"`
	UpdatedBy string    `gorm:"size:32;not null"`
	UpdatedAt time.Time `gorm:"not null"`
	// Checks names the readiness checks a release must pass before it
	// starts, comma-separated (migration 10).
	Checks string `gorm:"size:500;not null;default:''"`
}

// ApprovalRound is one request for approval of one revision of a release.
type ApprovalRound struct {
	ID        int64    `gorm:"primaryKey"`
	ReleaseID int64    `gorm:"not null;uniqueIndex:idx_rounds_release_number,priority:1"`
	Release   *Release `gorm:"constraint:OnDelete:CASCADE"`
	Number    int      `gorm:"not null;uniqueIndex:idx_rounds_release_number,priority:2"`
	Revision  int64    `gorm:"not null"`
	Status    string   `gorm:"size:16;not null;index;check:chk_rounds_status,status IN ('open','approved','rejected','superseded','cancelled')"`
	Required  string   `gorm:"size:16;not null"`
	Needed    int      `gorm:"not null"`
	// PolicySource says which policy applied, for the audit trail.
	PolicySource string `gorm:"size:200;not null"`
	// ProgressTS is the progress line in the release thread, updated in
	// place as decisions come in.
	ProgressTS string    `gorm:"size:32;not null;default:''"`
	OpenedAt   time.Time `gorm:"not null"`
	// RequestedBy is who made the change this round decides (planned,
	// edited, moved or resubmitted it): never one of its approvers.
	RequestedBy string `gorm:"size:32;not null;default:''"`
	ClosedAt    *time.Time
	Approvers   []RoundApprover    `gorm:"foreignKey:RoundID"`
	Decisions   []ApprovalDecision `gorm:"foreignKey:RoundID"`
}

// RoundApprover is a person asked to decide in a round, resolved from the
// policy's users and groups when the round opened.
type RoundApprover struct {
	ID      int64  `gorm:"primaryKey"`
	RoundID int64  `gorm:"not null;uniqueIndex:idx_round_approvers,priority:1"`
	UserID  string `gorm:"size:32;not null;uniqueIndex:idx_round_approvers,priority:2"`
	// DMChannel and DMTS locate the approval request the approver received,
	// so it can be updated in place.
	DMChannel string `gorm:"size:32;not null;default:''"`
	DMTS      string `gorm:"size:32;not null;default:''"`
	LastNudge *time.Time
	Round     *ApprovalRound `gorm:"foreignKey:RoundID;constraint:OnDelete:CASCADE"`
}

// ApprovalDecision is one approver's decision; the unique index makes a
// second decision by the same approver impossible.
type ApprovalDecision struct {
	ID         int64          `gorm:"primaryKey"`
	RoundID    int64          `gorm:"not null;uniqueIndex:idx_decisions_round_approver,priority:1"`
	ApproverID string         `gorm:"size:32;not null;uniqueIndex:idx_decisions_round_approver,priority:2"`
	Decision   string         `gorm:"size:16;not null;check:chk_decisions_decision,decision IN ('approve','reject')"`
	Reason     string         `gorm:"size:3000;not null;default:''"`
	DecidedAt  time.Time      `gorm:"not null"`
	Round      *ApprovalRound `gorm:"foreignKey:RoundID;constraint:OnDelete:CASCADE"`
}

// FreezeWindow is a period in which releases are refused.
type FreezeWindow struct {
	ID          int64     `gorm:"primaryKey"`
	Environment string    `gorm:"size:32;not null;default:''"`
	StartAt     time.Time `gorm:"not null;index"`
	EndAt       time.Time `gorm:"not null;index;check:chk_freezes_order,end_at > start_at"`
	Reason      string    `gorm:"size:500;not null;check:chk_freezes_reason,reason <> ''"`
	CreatedBy   string    `gorm:"size:32;not null"`
	CreatedAt   time.Time `gorm:"not null"`
}

// Subscription sends a service's release news to a channel or a person.
// Service "*" means every service; Environment "" means every environment.
type Subscription struct {
	ID          int64     `gorm:"primaryKey"`
	Service     string    `gorm:"size:64;not null;uniqueIndex:idx_subscriptions_key,priority:1"`
	Environment string    `gorm:"size:32;not null;default:'';uniqueIndex:idx_subscriptions_key,priority:2"`
	Target      string    `gorm:"size:32;not null;uniqueIndex:idx_subscriptions_key,priority:3"`
	TargetKind  string    `gorm:"size:16;not null;check:chk_subscriptions_kind,target_kind IN ('channel','user')"`
	CreatedBy   string    `gorm:"size:32;not null"`
	CreatedAt   time.Time `gorm:"not null"`

	// Level is milestones or all; "" is the default of the target's kind
	// (migration 33).
	Level string `gorm:"size:16;not null;default:''"`
}

// Stakeholder is a person surveyed after a service's releases.
type Stakeholder struct {
	ID        int64     `gorm:"primaryKey"`
	Service   string    `gorm:"size:64;not null;uniqueIndex:idx_stakeholders_key,priority:1"`
	UserID    string    `gorm:"size:32;not null;uniqueIndex:idx_stakeholders_key,priority:2"`
	AddedBy   string    `gorm:"size:32;not null"`
	CreatedAt time.Time `gorm:"not null"`
}

// OutboxMessage is a message to Slack that is not a direct answer to a user
// action. It is written in the transaction of the change that causes it and
// delivered by the outbox loop; Key makes enqueueing the same thing twice a
// no-op.
type OutboxMessage struct {
	ID   int64  `gorm:"primaryKey;index:idx_outbox_chain,priority:4"`
	Key  string `gorm:"size:200;not null;uniqueIndex"`
	Kind string `gorm:"size:32;not null;index:idx_outbox_chain,priority:2"`
	// ReleaseID is the release the message is about, if any.
	// idx_outbox_chain (release, kind, destination, id) finds a release's
	// messages and the older ones a message must wait for.
	ReleaseID *int64 `gorm:"index:idx_outbox_chain,priority:1"`
	// RefID points at the row the message belongs to, by Kind (e.g. the
	// round approver an approval request goes to).
	RefID *int64
	// Channel is a channel or user id; empty means it is found when the
	// message is delivered (the release's home channel, an approver's DM).
	Channel string `gorm:"size:32;not null;default:'';index:idx_outbox_chain,priority:3"`
	// Op is post (a new message), thread (a reply in the release
	// announcement's thread) or update (chat.update of a message found by
	// Kind, re-rendered from the current state when delivered).
	Op       string `gorm:"size:16;not null;check:chk_outbox_op,op IN ('post','update','thread')"`
	TargetTS string `gorm:"size:32;not null;default:''"`
	// Payload is the message as JSON; empty for kinds rendered on delivery.
	Payload   string    `gorm:"type:text;not null;default:''"`
	DueAt     time.Time `gorm:"not null;index:idx_outbox_due,priority:2"`
	Status    string    `gorm:"size:16;not null;index:idx_outbox_due,priority:1;check:chk_outbox_status,status IN ('pending','sending','sent','failed','dropped')"`
	Attempts  int       `gorm:"not null;default:0"`
	LastError string    `gorm:"size:500;not null;default:''"`
	ClaimedBy string    `gorm:"size:64;not null;default:''"`
	// ClaimedUntil is the lease: a replica that dies mid-delivery loses the
	// row when the lease runs out and another replica takes it.
	ClaimedUntil *time.Time `gorm:"index"`
	SentTS       string     `gorm:"size:32;not null;default:''"`
	SentChannel  string     `gorm:"size:32;not null;default:''"`
	SentAt       *time.Time
	CreatedAt    time.Time `gorm:"not null"`
	Release      *Release  `gorm:"constraint:OnDelete:RESTRICT"`

	// AttemptedAt is when the earliest try to post the message began whose
	// outcome is unknown: the replica died or lost Slack's answer, so Slack
	// may show the message already. The next try looks for it there
	// before posting (chat.postMessage has no idempotency key). NULL when
	// Slack is known not to have it.
	AttemptedAt *time.Time
	// Recheck, set by ClaimOutbox, says AttemptedAt was set before this
	// claim: an earlier try may have posted the message.
	Recheck bool `gorm:"-"`
}

// AuditEntry is one line of the append-only audit log; triggers in the
// database refuse updates and deletes.
type AuditEntry struct {
	ID        int64     `gorm:"primaryKey"`
	At        time.Time `gorm:"not null;index"`
	Actor     string    `gorm:"size:32;not null"`
	Action    string    `gorm:"size:64;not null"`
	ReleaseID *int64    `gorm:"index"`
	Details   string    `gorm:"size:4000;not null;default:''"`
	Release   *Release  `gorm:"constraint:OnDelete:RESTRICT"`
}

// ProcessedEnvelope remembers an envelope (or the user action inside it)
// that was handled, so a redelivery changes nothing.
type ProcessedEnvelope struct {
	Key       string    `gorm:"primaryKey;size:200"`
	CreatedAt time.Time `gorm:"not null;index"`
}

// UserProfile caches what the bot needs to know of a Slack user.
type UserProfile struct {
	UserID    string    `gorm:"primaryKey;size:32"`
	Name      string    `gorm:"size:200;not null;default:''"`
	TZ        string    `gorm:"size:64;not null;default:''"`
	FetchedAt time.Time `gorm:"not null"`
}
