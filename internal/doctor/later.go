package doctor

import "context"

func (d *run) gitChecks(ctx context.Context)   {}
func (d *run) imageChecks(ctx context.Context) {}
func (d *run) pipelineLint()                   {}
