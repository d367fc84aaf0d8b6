package ward

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Date is a calendar date written YYYY-MM-DD. It is kept as text so that a
// model round-trips byte for byte; Validate checks it.
type Date string

// Time parses the date.
func (d Date) Time() (time.Time, error) { return time.Parse(time.DateOnly, string(d)) }

// Timestamp is an instant written in RFC 3339, e.g. 2025-10-14T09:30:00Z,
// kept as text like Date.
type Timestamp string

// Time parses the timestamp.
func (t Timestamp) Time() (time.Time, error) { return time.Parse(time.RFC3339, string(t)) }

// TimestampOf writes an instant as a Timestamp, in UTC to the second.
func TimestampOf(t time.Time) Timestamp { return Timestamp(t.UTC().Format(time.RFC3339)) }

// Duration is a span of time written as a number and a unit: "15m", "4h",
// "2d", or a combination such as "1h30m". Days are 24 hours.
type Duration time.Duration

// ParseDuration reads a duration written as Duration documents.
func ParseDuration(s string) (Duration, error) {
	if s == "" {
		return 0, fmt.Errorf("empty duration")
	}
	rest := s
	var total time.Duration
	for rest != "" {
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 0 {
			return 0, fmt.Errorf("duration %q: expected a number, e.g. 30m, 4h or 2d", s)
		}
		n, err := strconv.ParseInt(rest[:i], 10, 64)
		if err != nil || n > 1e6 {
			return 0, fmt.Errorf("duration %q: number out of range", s)
		}
		rest = rest[i:]
		j := 0
		for j < len(rest) && (rest[j] < '0' || rest[j] > '9') {
			j++
		}
		var unit time.Duration
		switch rest[:j] {
		case "s":
			unit = time.Second
		case "m":
			unit = time.Minute
		case "h":
			unit = time.Hour
		case "d":
			unit = 24 * time.Hour
		case "w":
			unit = 7 * 24 * time.Hour
		default:
			return 0, fmt.Errorf("duration %q: unknown unit %q (use s, m, h, d or w)", s, rest[:j])
		}
		total += time.Duration(n) * unit
		rest = rest[j:]
	}
	return Duration(total), nil
}

// String writes the duration in its shortest canonical form, e.g. "1d4h".
func (d Duration) String() string {
	if d == 0 {
		return "0m"
	}
	var b strings.Builder
	left := time.Duration(d)
	if left < 0 {
		b.WriteByte('-')
		left = -left
	}
	for _, u := range []struct {
		suffix string
		size   time.Duration
	}{{"d", 24 * time.Hour}, {"h", time.Hour}, {"m", time.Minute}, {"s", time.Second}} {
		if n := left / u.size; n > 0 {
			b.WriteString(strconv.FormatInt(int64(n), 10))
			b.WriteString(u.suffix)
			left -= n * u.size
		}
	}
	return b.String()
}

// MarshalText writes the canonical form.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads a duration.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := ParseDuration(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}
