package bisect

import (
	"context"
	"fmt"
	"strings"

	"loopbench/harness/proc"
)

// Commits lists the commits a search goes through, oldest first: good,
// then every first-parent commit after it up to bad (git rev-list
// --first-parent --reverse good..bad), as full hashes. good must be on
// bad's first-parent line, so that each commit listed is a state the
// branch was in.
func Commits(ctx context.Context, repo, good, bad string) ([]string, error) {
	g, err := git(ctx, repo, "rev-parse", "--verify", "--quiet", good+"^{commit}")
	if err != nil {
		return nil, fmt.Errorf("--good %q is not a commit of %s: %v", good, repo, err)
	}
	b, err := git(ctx, repo, "rev-parse", "--verify", "--quiet", bad+"^{commit}")
	if err != nil {
		return nil, fmt.Errorf("--bad %q is not a commit of %s: %v", bad, repo, err)
	}
	out, err := git(ctx, repo, "rev-list", "--first-parent", "--reverse", g+".."+b)
	if err != nil {
		return nil, err
	}
	list := strings.Fields(out)
	if len(list) == 0 {
		return nil, fmt.Errorf("no commit after --good %s up to --bad %s: give the older, good revision as --good", short(g), short(b))
	}
	parent, err := git(ctx, repo, "rev-parse", list[0]+"^1")
	if err != nil || parent != g {
		return nil, fmt.Errorf("--good %s is not on the first-parent line of --bad %s; give a commit of that line (git log --first-parent %s)", short(g), short(b), bad)
	}
	return append([]string{g}, list...), nil
}

func git(ctx context.Context, repo string, args ...string) (string, error) {
	return proc.Git(ctx, repo, args...)
}
