//go:build race

package xta

// Under the race detector sync.Pool drops buffers on purpose, so the
// streaming test allows more allocation (still below one copy of the part).
const allocLimit = 9 << 20
