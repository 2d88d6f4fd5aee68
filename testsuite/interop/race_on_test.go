//go:build race

package interop

// raceDetector says the tests run with -race.
const raceDetector = true
