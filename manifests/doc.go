// Package manifests holds no code: it is the home of the tests that check
// the Slack app manifest against the Web API methods the bot calls, and
// render the Kubernetes overlays with kustomize the way `kubectl apply -k`
// would, and the Grafana dashboard against the gauges the bot exports.
package manifests
