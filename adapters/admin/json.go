package admin

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// apiError is an error meant for the client: a status and a message that
// holds nothing internal.
type apiError struct {
	status int
	msg    string
}

func (e *apiError) Error() string { return e.msg }

func badRequest(format string, args ...any) error {
	return &apiError{status: http.StatusBadRequest, msg: fmt.Sprintf(format, args...)}
}

func notFound(format string, args ...any) error {
	return &apiError{status: http.StatusNotFound, msg: fmt.Sprintf(format, args...)}
}

func conflict(format string, args ...any) error {
	return &apiError{status: http.StatusConflict, msg: fmt.Sprintf(format, args...)}
}

// errorBody is the body of every error response.
type errorBody struct {
	Error string `json:"error"`
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, errorBody{Error: msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // the client went away; nothing to do
}

// handle adapts an API handler that returns its failure: an apiError goes
// to the client as it is; any other error is logged (errors name
// operations and ids, never personal data) and answered with a 500 that
// says nothing internal.
func (s *Server) handle(fn func(w http.ResponseWriter, r *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := fn(w, r)
		if err == nil {
			return
		}
		var ae *apiError
		if errors.As(err, &ae) {
			writeError(w, ae.status, ae.msg)
			return
		}
		s.log.Error().Err(err).Str("method", r.Method).Str("route", r.Pattern).Msg("admin API request failed")
		writeError(w, http.StatusInternalServerError, "internal error; see the server log")
	})
}

// decode reads one JSON object of at most max bytes from the request body
// into v, refusing unknown fields. An empty body is an error unless
// allowEmpty, in which case it reports false.
func decode(w http.ResponseWriter, r *http.Request, max int64, v any, allowEmpty bool) (bool, error) {
	body := http.MaxBytesReader(w, r.Body, max)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	var tooBig *http.MaxBytesError
	switch {
	case errors.Is(err, io.EOF) && allowEmpty:
		return false, nil
	case errors.Is(err, io.EOF):
		return false, badRequest("a JSON body is required")
	case errors.As(err, &tooBig):
		return false, &apiError{status: http.StatusRequestEntityTooLarge,
			msg: fmt.Sprintf("request body larger than %d bytes", tooBig.Limit)}
	case err != nil:
		return false, badRequest("invalid JSON body: %s", strings.TrimPrefix(err.Error(), "json: "))
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		if errors.As(err, &tooBig) {
			return false, &apiError{status: http.StatusRequestEntityTooLarge,
				msg: fmt.Sprintf("request body larger than %d bytes", tooBig.Limit)}
		}
		return false, badRequest("invalid JSON body: one object expected")
	}
	return true, nil
}

// pathID reads the {id} path value as a positive integer.
func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, badRequest("id must be a positive integer")
	}
	return id, nil
}

// The bounds of the limit query parameter.
const (
	defaultLimit = 100
	maxLimit     = 1000
)

// queryLimit reads the limit query parameter, defaultLimit when absent.
func queryLimit(r *http.Request) (int, error) {
	s := r.URL.Query().Get("limit")
	if s == "" {
		return defaultLimit, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 || n > maxLimit {
		return 0, badRequest("limit must be an integer from 1 to %d", maxLimit)
	}
	return n, nil
}

// moderatorHeader names the moderator acting through the API.
const moderatorHeader = "X-Inpsbot-Moderator"

// maxName is the longest moderator name, in runes.
const maxName = 64

// moderator is who acts: the X-Inpsbot-Moderator header, or "api".
func moderator(r *http.Request) (string, error) {
	name := strings.TrimSpace(r.Header.Get(moderatorHeader))
	if name == "" {
		return "api", nil
	}
	if !utf8.ValidString(name) || utf8.RuneCountInString(name) > maxName ||
		strings.IndexFunc(name, func(c rune) bool { return !unicode.IsPrint(c) }) >= 0 {
		return "", badRequest("%s must be printable text of at most %d characters", moderatorHeader, maxName)
	}
	return name, nil
}
