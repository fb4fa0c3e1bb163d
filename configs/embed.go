// Package configs embeds the default rules (lexicons, weights, thresholds,
// allowlists, the action policy) and the example configuration file.
package configs

import "embed"

// FS holds rules/*.yaml and inpsbot.example.yaml.
//
//go:embed rules/*.yaml inpsbot.example.yaml
var FS embed.FS
