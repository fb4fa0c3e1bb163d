package admin

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// The console's cookies. The session cookie carries a random id only; the
// sign-in cookie carries the token that protects the sign-in form.
const (
	sessionCookie = "inpsbot_console"
	loginCookie   = "inpsbot_console_login"
	cookiePath    = "/console"
	loginTTL      = 30 * time.Minute
)

// session is one signed-in moderator, kept on the server only.
type session struct {
	user    string
	csrf    string // the token every form of this session carries
	expires time.Time
}

// failures counts the recent failed sign-ins of one user or one client.
type failures struct {
	n     int
	last  time.Time
	until time.Time // locked out until then
}

// auth keeps the console's users, sessions and failed sign-ins.
type auth struct {
	users       map[string][]byte // name → bcrypt hash
	ttl         time.Duration
	maxFailures int
	lockFor     time.Duration
	secure      bool
	now         func() time.Time

	mu       sync.Mutex
	sessions map[[sha256.Size]byte]*session // by hash of the id
	byUser   map[string]*failures
	byClient map[string]*failures
}

// dummyHash is compared against when the name is unknown, so that a
// sign-in takes as long whether or not the moderator exists.
var dummyHash = sync.OnceValue(func() []byte {
	h, _ := bcrypt.GenerateFromPassword([]byte("no such moderator, no such password"), bcrypt.DefaultCost)
	return h
})

// randomToken returns 32 random bytes, base64url-encoded.
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (it panics on an unusable system source)
	return base64.RawURLEncoding.EncodeToString(b)
}

// sameToken compares two tokens in constant time.
func sameToken(a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	ha, hb := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return subtle.ConstantTimeCompare(ha[:], hb[:]) == 1
}

// signIn checks a name and a password from a client. locked is true when
// the user or the client is locked out: then the password is not even
// checked, and the attempt does not count.
func (a *auth) signIn(name, password, client string) (ok, locked bool) {
	now := a.now()
	a.mu.Lock()
	if a.isLocked(a.byUser[name], now) || a.isLocked(a.byClient[client], now) {
		a.mu.Unlock()
		return false, true
	}
	a.mu.Unlock()

	hash, known := a.users[name]
	if !known {
		hash = dummyHash()
	}
	ok = bcrypt.CompareHashAndPassword(hash, []byte(password)) == nil && known

	a.mu.Lock()
	defer a.mu.Unlock()
	if ok {
		delete(a.byUser, name)
		return true, false
	}
	a.prune(now)
	a.fail(a.byClient, client, now)
	if known { // unknown names are counted per client only, so they cannot fill memory
		a.fail(a.byUser, name, now)
	}
	return false, false
}

func (a *auth) isLocked(f *failures, now time.Time) bool {
	return f != nil && now.Before(f.until)
}

// fail counts one failure; failures older than the lock-out period are
// forgotten first.
func (a *auth) fail(m map[string]*failures, key string, now time.Time) {
	f := m[key]
	if f == nil || now.Sub(f.last) > a.lockFor {
		f = &failures{}
		m[key] = f
	}
	f.n++
	f.last = now
	if f.n >= a.maxFailures {
		f.until = now.Add(a.lockFor)
		f.n = 0
	}
}

// prune drops expired sessions and stale failure counts.
func (a *auth) prune(now time.Time) {
	for k, s := range a.sessions {
		if !now.Before(s.expires) {
			delete(a.sessions, k)
		}
	}
	for _, m := range []map[string]*failures{a.byUser, a.byClient} {
		for k, f := range m {
			if now.Sub(f.last) > a.lockFor && !now.Before(f.until) {
				delete(m, k)
			}
		}
	}
}

// start opens a session for user and returns its id.
func (a *auth) start(user string) (string, *session) {
	id := randomToken()
	s := &session{user: user, csrf: randomToken(), expires: a.now().Add(a.ttl)}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.prune(a.now())
	a.sessions[sha256.Sum256([]byte(id))] = s
	return id, s
}

// lookup returns the live session of an id.
func (a *auth) lookup(id string) (*session, bool) {
	if id == "" {
		return nil, false
	}
	key := sha256.Sum256([]byte(id))
	a.mu.Lock()
	defer a.mu.Unlock()
	s, ok := a.sessions[key]
	if !ok {
		return nil, false
	}
	if !a.now().Before(s.expires) {
		delete(a.sessions, key)
		return nil, false
	}
	return s, true
}

// end closes the session of an id.
func (a *auth) end(id string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.sessions, sha256.Sum256([]byte(id)))
}

// secureRequest reports whether cookies set in answer to r must be
// Secure: when configured, or when the request came over TLS directly or
// through a proxy that says so.
func (a *auth) secureRequest(r *http.Request) bool {
	return a.secure || r.TLS != nil || strings.EqualFold(strings.TrimSpace(r.Header.Get("X-Forwarded-Proto")), "https")
}

// setCookie writes a console cookie with the flags every console cookie
// has: HttpOnly, SameSite=Strict, Secure when the request asks for it.
func (a *auth) setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge time.Duration) {
	c := &http.Cookie{Name: name, Value: value, Path: cookiePath, HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: a.secureRequest(r)}
	if maxAge > 0 {
		c.MaxAge = int(maxAge / time.Second)
		c.Expires = a.now().Add(maxAge)
	} else {
		c.MaxAge = -1
	}
	http.SetCookie(w, c)
}

// cookieValue is the value of a request cookie, "" when absent.
func cookieValue(r *http.Request, name string) string {
	c, err := r.Cookie(name)
	if err != nil {
		return ""
	}
	return c.Value
}

// clientIP is the address of the peer the request came from. Forwarding
// headers are not trusted: they are set by whoever sends the request.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// sameOrigin reports whether a state-changing request may come from the
// page that sent it: a browser's Sec-Fetch-Site, Origin or Referer, when
// present, must name this server. Without any of them (a client that is
// not a browser) the CSRF token alone decides.
func (a *auth) sameOrigin(r *http.Request) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" && site != "none" {
		return false
	}
	scheme := "http"
	if r.TLS != nil || strings.EqualFold(strings.TrimSpace(r.Header.Get("X-Forwarded-Proto")), "https") {
		scheme = "https"
	}
	want := scheme + "://" + strings.ToLower(r.Host)
	if o := r.Header.Get("Origin"); o != "" {
		return strings.EqualFold(o, want) || (a.secure && strings.EqualFold(o, "https://"+r.Host))
	}
	if ref := r.Header.Get("Referer"); ref != "" {
		u, err := url.Parse(ref)
		if err != nil {
			return false
		}
		got := strings.ToLower(u.Scheme + "://" + u.Host)
		return got == want || (a.secure && got == "https://"+strings.ToLower(r.Host))
	}
	return true
}
