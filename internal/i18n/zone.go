package i18n

import "time"

// Berlin is the time zone of every time shown to people: the platform
// serves Germany, and a receipt that says "18:33 UTC" for 19:33 confuses.
var Berlin = func() *time.Location {
	l, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		// The binary embeds time/tzdata, so this happens only if that import
		// was removed: fall back to CET without summer time rather than UTC.
		return time.FixedZone("CET", 3600)
	}
	return l
}()

// ShownTime is how a time is written for people: date and wall-clock time
// in Germany, "07.12.2026 19:33".
func ShownTime(t time.Time) string { return t.In(Berlin).Format("02.01.2006 15:04") }
