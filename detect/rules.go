package detect

import "embed"

//go:embed rules
var builtinRules embed.FS

// Builtin returns Ward's own rules (detect/rules): brute force, password
// spraying, success after a brute force, lockouts, request floods, web
// password guessing, shadow-copy deletion, log clearing, port scans.
func Builtin() ([]*Rule, error) { return LoadRules(builtinRules, "rules") }
