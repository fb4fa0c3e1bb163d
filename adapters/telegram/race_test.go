//go:build race

package telegram_test

// raceDetector reports whether the race detector is on.
const raceDetector = true
