package chart

import (
	"bufio"
	"bytes"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// pinnedImage is an image reference that carries a sha256 digest.
var pinnedImage = regexp.MustCompile(`@sha256:[0-9a-f]{64}$`)

// TestDockerfilePinsBaseImagesByDigest: a tag can be moved to other bytes
// at any time; a digest cannot. Every FROM of the manager's image names its
// base by digest (Renovate or Dependabot bump it), or refers to an earlier
// stage of the same file.
func TestDockerfilePinsBaseImagesByDigest(t *testing.T) {
	dockerfile := readFile(t, filepath.Join(repoRoot(t), "Dockerfile"))
	stages := map[string]bool{}
	froms := 0
	sc := bufio.NewScanner(bytes.NewReader(dockerfile))
	for line := 1; sc.Scan(); line++ {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 || !strings.EqualFold(fields[0], "FROM") {
			continue
		}
		froms++
		args := fields[1:]
		for len(args) > 0 && strings.HasPrefix(args[0], "--") {
			args = args[1:] // --platform=...
		}
		if len(args) == 0 {
			t.Errorf("Dockerfile:%d: FROM names no image", line)
			continue
		}
		image := args[0]
		if !stages[strings.ToLower(image)] && !pinnedImage.MatchString(image) {
			t.Errorf("Dockerfile:%d: FROM %s is not pinned by digest (want image:tag@sha256:<64 hex digits>)", line, image)
		}
		if len(args) >= 3 && strings.EqualFold(args[1], "AS") {
			stages[strings.ToLower(args[2])] = true
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if froms == 0 {
		t.Fatal("the Dockerfile has no FROM")
	}
}
