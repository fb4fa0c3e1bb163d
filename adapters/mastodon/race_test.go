//go:build race

package mastodon_test

// raceDetector reports whether the race detector is on.
const raceDetector = true
