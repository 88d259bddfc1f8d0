package gitlabapi

import "time"

// The JSON entities below carry the field names of GitLab's REST API documentation
// (doc/api/pipelines.md, jobs.md, tags.md, pipeline_triggers.md), with null where GitLab
// sends null for the states the double models.

// User is GitLab's basic user entity.
type User struct {
	ID        int64  `json:"id"`
	Username  string `json:"username"`
	Name      string `json:"name"`
	State     string `json:"state"`
	AvatarURL string `json:"avatar_url"`
	WebURL    string `json:"web_url"`
}

// DetailedStatus is a pipeline's detailed_status.
type DetailedStatus struct {
	Icon         string  `json:"icon"`
	Text         string  `json:"text"`
	Label        string  `json:"label"`
	Group        string  `json:"group"`
	Tooltip      string  `json:"tooltip"`
	HasDetails   bool    `json:"has_details"`
	DetailsPath  string  `json:"details_path"`
	Illustration *string `json:"illustration"`
	Favicon      string  `json:"favicon"`
}

// Pipeline is the pipeline entity returned by the trigger and by GET pipeline.
type Pipeline struct {
	ID             int64           `json:"id"`
	IID            int64           `json:"iid"`
	ProjectID      int64           `json:"project_id"`
	Name           *string         `json:"name"`
	SHA            string          `json:"sha"`
	Ref            string          `json:"ref"`
	Status         string          `json:"status"`
	Source         string          `json:"source"`
	CreatedAt      time.Time       `json:"created_at"`
	UpdatedAt      time.Time       `json:"updated_at"`
	WebURL         string          `json:"web_url"`
	BeforeSHA      string          `json:"before_sha"`
	Tag            bool            `json:"tag"`
	YAMLErrors     *string         `json:"yaml_errors"`
	User           User            `json:"user"`
	StartedAt      *time.Time      `json:"started_at"`
	FinishedAt     *time.Time      `json:"finished_at"`
	CommittedAt    *time.Time      `json:"committed_at"`
	Duration       *int64          `json:"duration"`
	QueuedDuration *float64        `json:"queued_duration"`
	Coverage       *string         `json:"coverage"`
	DetailedStatus *DetailedStatus `json:"detailed_status"`
}

// Commit is the commit entity embedded in jobs and tags.
type Commit struct {
	ID             string    `json:"id"`
	ShortID        string    `json:"short_id"`
	Title          string    `json:"title"`
	CreatedAt      time.Time `json:"created_at"`
	ParentIDs      []string  `json:"parent_ids"`
	Message        string    `json:"message"`
	AuthorName     string    `json:"author_name"`
	AuthorEmail    string    `json:"author_email"`
	AuthoredDate   time.Time `json:"authored_date"`
	CommitterName  string    `json:"committer_name"`
	CommitterEmail string    `json:"committer_email"`
	CommittedDate  time.Time `json:"committed_date"`
	WebURL         string    `json:"web_url"`
}

// JobPipeline is the short pipeline a job names.
type JobPipeline struct {
	ID        int64  `json:"id"`
	ProjectID int64  `json:"project_id"`
	Ref       string `json:"ref"`
	SHA       string `json:"sha"`
	Status    string `json:"status"`
}

// JobEntity is the job entity of the jobs API.
type JobEntity struct {
	Commit            Commit         `json:"commit"`
	Coverage          *float64       `json:"coverage"`
	AllowFailure      bool           `json:"allow_failure"`
	CreatedAt         time.Time      `json:"created_at"`
	StartedAt         *time.Time     `json:"started_at"`
	FinishedAt        *time.Time     `json:"finished_at"`
	ErasedAt          *time.Time     `json:"erased_at"`
	Duration          *float64       `json:"duration"`
	QueuedDuration    *float64       `json:"queued_duration"`
	ArtifactsExpireAt *time.Time     `json:"artifacts_expire_at"`
	TagList           []string       `json:"tag_list"`
	ID                int64          `json:"id"`
	Name              string         `json:"name"`
	Pipeline          JobPipeline    `json:"pipeline"`
	Ref               string         `json:"ref"`
	Artifacts         []any          `json:"artifacts"`
	Runner            any            `json:"runner"`
	Stage             string         `json:"stage"`
	Status            string         `json:"status"`
	FailureReason     string         `json:"failure_reason,omitempty"`
	Tag               bool           `json:"tag"`
	WebURL            string         `json:"web_url"`
	Project           map[string]any `json:"project"`
	User              User           `json:"user"`
}

// TagEntity is the tag entity of the tags API.
type TagEntity struct {
	Name      string     `json:"name"`
	Message   string     `json:"message"`
	Target    string     `json:"target"`
	Commit    Commit     `json:"commit"`
	Release   any        `json:"release"`
	Protected bool       `json:"protected"`
	CreatedAt *time.Time `json:"created_at"`
}
