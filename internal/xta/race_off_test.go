//go:build !race

package xta

const allocLimit = 3 << 20
