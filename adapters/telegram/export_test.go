package telegram

import "time"

// SetBackoff shortens the pauses of the receive loop for tests.
func SetBackoff(p *Platform, min, max time.Duration) { p.minBackoff, p.maxBackoff = min, max }

// SetNow sets the clock Hide measures the delete window with.
func SetNow(p *Platform, now func() time.Time) { p.now = now }
