// Package gateway puts Django's login and permissions in front of services
// written in any language: it answers "who is this, and may they?" from
// Django's own session and auth tables, for a reverse proxy that asks
// (forward auth) or as the reverse proxy itself.
//
// A Gateway is built from the session middleware (package middleware over
// any session store), an auth.Auth (the session auth hash check, fallback
// keys) and an auth.Identities (auth.SQLIdentities), plus a table of
// Rules (package adapters/rules applies the same checks in-process):
//
//	g, err := gateway.New(&gateway.Options{
//		Sessions: sessions, Auth: a, Identities: ids,
//		Rules: []gateway.Rule{
//			{Prefix: "/api/", API: true, Login: true},
//			{Prefix: "/reports/", Perms: []string{"reports.view_report"}, Upstream: "http://127.0.0.1:9000"},
//			{Prefix: "/ops/", Staff: true, CSRF: true, Upstream: "http://127.0.0.1:9001"},
//		},
//		Django: "http://127.0.0.1:8000",
//		AssertionKey: key,
//	})
//	http.Handle("/_djsession/auth", g.ForwardAuth()) // nginx auth_request, Caddy forward_auth, ...
//	http.Handle("/", g.Proxy())                      // or be the proxy
//
// Every request is judged as Django would: the session is loaded from the
// store, the logged-in user's session auth hash is checked against the
// current password (a password change in Django logs the user out at the
// next request), SECRET_KEY_FALLBACKS are honoured, an inactive user is
// anonymous, and a rule's staff, superuser, group and permission
// requirements are read from Django's tables (ModelBackend's semantics).
// Identity and permissions may be cached for Options.CacheTTL (zero, the
// default, reads them on every request); the auth hash is never cached.
//
// The verdict: allowed requests get identity headers (HeaderUserID and the
// others; all values percent-encoded UTF-8) and, with an AssertionKey, a
// signed identity assertion (HeaderAssertion) that upstreams check with
// Verifier (or the Python and Node verifiers in docs/gateway.md). An
// anonymous request to a rule needing a login is sent to LoginURL?next=...
// as login_required does (401 on API rules), a logged-in one that fails
// the rule gets 403. Inbound copies of the identity headers are always
// removed before a request reaches an upstream.
package gateway
