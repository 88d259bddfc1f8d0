package gitlab

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	gl "gitlab.com/gitlab-org/api/client-go/v2"
)

// Tag is the part of GitLab's tag entity glcd uses.
type Tag struct {
	Name      string `json:"name"`
	Message   string `json:"message,omitempty"`
	Target    string `json:"target"` // the tag object's id for an annotated tag, else the commit's
	Commit    string `json:"commit"` // the commit the tag points at
	Protected bool   `json:"protected"`
}

// Tag gets a tag with GET /projects/:id/repository/tags/:tag_name. found is false, with a
// nil error, when the project exists but the tag does not.
func (c *Client) Tag(ctx context.Context, project, name string) (tag *Tag, found bool, err error) {
	var t *gl.Tag
	path := fmt.Sprintf("%s/repository/tags/%s", projectPath(project), gl.PathEscape(name))
	err = c.call(ctx, read, opTag, fmt.Sprintf("get tag %s of %s", name, project), http.MethodGet, path, true,
		func(o ...gl.RequestOptionFunc) (*gl.Response, error) {
			var resp *gl.Response
			var err error
			t, resp, err = c.api.Tags.GetTag(project, name, o...)
			return resp, err
		})
	var e *Error
	if errors.As(err, &e) && e.Status == http.StatusNotFound && strings.Contains(e.Message, "Tag Not Found") {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return tagOf(t), true, nil
}

// CreateTag creates a tag at ref with POST /projects/:id/repository/tags; a non-empty
// message makes it annotated. Like Trigger it is retried only when the request certainly
// did not reach GitLab. A tag that exists already is a 400 answer ("Tag ... already exists").
func (c *Client) CreateTag(ctx context.Context, project, name, ref, message string) (*Tag, error) {
	opt := &gl.CreateTagOptions{TagName: &name, Ref: &ref}
	if message != "" {
		opt.Message = &message
	}
	var t *gl.Tag
	err := c.call(ctx, start, opNewTag, fmt.Sprintf("create tag %s at %s in %s", name, ref, project), http.MethodPost,
		projectPath(project)+"/repository/tags", true, func(o ...gl.RequestOptionFunc) (*gl.Response, error) {
			var resp *gl.Response
			var err error
			t, resp, err = c.api.Tags.CreateTag(project, opt, o...)
			return resp, err
		})
	if err != nil {
		return nil, err
	}
	return tagOf(t), nil
}

func tagOf(t *gl.Tag) *Tag {
	if t == nil {
		return &Tag{}
	}
	out := &Tag{Name: t.Name, Message: t.Message, Target: t.Target, Protected: t.Protected}
	if t.Commit != nil {
		out.Commit = t.Commit.ID
	}
	return out
}
