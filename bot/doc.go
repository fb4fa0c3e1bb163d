// Package bot holds inpsbot's domain: the post a platform delivers, the
// verdict the Responder gives on it, the actions that follow, the ports the
// platforms and the store implement, and the Engine that drives them.
//
// The package imports its pure leaves (bot/text, bot/pii, bot/rules) and
// zerolog, and nothing else of the project: adapters, replies and configs
// depend on bot, never the other way round.
package bot
