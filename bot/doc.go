// Package bot is releasebot's Slack side: the Socket Mode listener with
// ack-first handling and a worker pool, the middleware around every
// handler (metrics, panic recovery, deduplication), the router whose table
// also generates the help, the Web API wrapper with its retries and rate
// limits, Block Kit helpers and the transport's metrics.
package bot
