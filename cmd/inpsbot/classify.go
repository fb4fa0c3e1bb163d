package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/inps-social/inpsbot/bot"
)

// maxLine is the longest input line classify and eval accept; a longer
// line becomes an error line, and the run goes on.
const maxLine = 1 << 20

// inputPost is one line of the batch contract.
type inputPost struct {
	ID       json.RawMessage `json:"id"`
	Text     *string         `json:"text"`
	Author   string          `json:"author"`
	Channel  string          `json:"channel"`
	Platform string          `json:"platform"`
	TS       string          `json:"ts"`

	// decodeFlat has the decoded id (when a string) and text at hand
	// and keeps them here, sparing a second decoding and an allocation.
	id, text       string
	idSet, textSet bool
}

// fields returns the post's id ("" when absent) and its text, and
// whether the text was given.
func (in *inputPost) fields() (id, text string, hasText bool) {
	id = in.id
	if !in.idSet {
		id = rawID(in.ID)
	}
	if in.textSet {
		return id, in.text, true
	}
	if in.Text != nil {
		return id, *in.Text, true
	}
	return id, "", false
}

// errorLine is the output for a malformed input line.
type errorLine struct {
	ID    string `json:"id"`
	Line  int    `json:"line,omitempty"`
	Error string `json:"error"`
}

// parsePost decodes one input line into a post; the id is echoed even when
// the rest is wrong.
func parsePost(line []byte) (bot.Post, string, error) {
	in, err := decodeInput(line)
	if err != nil {
		// A field of the wrong type still leaves the id decoded.
		return bot.Post{}, rawID(in.ID), fmt.Errorf("invalid JSON: %v", jsonMessage(err))
	}
	id, text, ok := in.fields()
	if !ok {
		return bot.Post{}, id, errors.New(`missing field "text"`)
	}
	p := bot.Post{ID: id, Text: text, Author: in.Author, Channel: in.Channel,
		Platform: in.Platform, Account: "batch", Kind: bot.KindComment}
	if p.Platform == "" {
		p.Platform = "batch"
	}
	if in.TS != "" {
		t, err := time.Parse(time.RFC3339, in.TS)
		if err != nil {
			return bot.Post{}, id, errors.New(`field "ts": not an RFC 3339 time`)
		}
		p.Time = t
	}
	return p, id, nil
}

// decodeInput reads one input line: the common flat shape without
// reflection, anything else (and every error) with encoding/json.
func decodeInput(line []byte) (inputPost, error) {
	var in inputPost
	if decodeFlat(line, &in) {
		return in, nil
	}
	return decodeJSON(line)
}

// decodeJSON is decodeInput's encoding/json path, a function of its own
// (not inlined) so that the fast path's inputPost stays on the stack.
//
//go:noinline
func decodeJSON(line []byte) (inputPost, error) {
	var in inputPost
	err := json.Unmarshal(line, &in)
	return in, err
}

// jsonMessage keeps a JSON error free of the input's text.
func jsonMessage(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("syntax error at byte %d", se.Offset)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("field %q has the wrong type", te.Field)
	}
	return "cannot decode"
}

func rawID(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	if len(raw) >= 2 && raw[0] == '"' && raw[len(raw)-1] == '"' && !bytes.ContainsAny(raw[1:len(raw)-1], "\\\"") &&
		utf8.Valid(raw) {
		return string(raw[1 : len(raw)-1]) // a plain string, the common case
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(bytes.TrimSpace(raw))
}

// lineReader yields the lines of r, without their end, each at most
// maxLine bytes; a longer line is reported and skipped.
type lineReader struct {
	r    *bufio.Reader
	n    int
	long bool
}

func newLineReader(r io.Reader) *lineReader {
	return &lineReader{r: bufio.NewReaderSize(r, 256<<10)}
}

// next returns the next line and its number; io.EOF at the end.
func (lr *lineReader) next(buf []byte) ([]byte, int, error) {
	buf = buf[:0]
	lr.long = false
	for {
		chunk, err := lr.r.ReadSlice('\n')
		if len(buf)+len(chunk) <= maxLine {
			buf = append(buf, chunk...)
		} else {
			lr.long = true
		}
		switch {
		case err == nil:
			lr.n++
			return bytes.TrimRight(buf, "\r\n"), lr.n, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF):
			if len(buf) == 0 && !lr.long {
				return nil, lr.n, io.EOF
			}
			lr.n++
			return bytes.TrimRight(buf, "\r\n"), lr.n, nil
		default:
			return nil, lr.n, err
		}
	}
}

func cmdClassify(args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("classify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", "", "configuration file (default $INPSBOT_CONFIG)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the run to this file")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: inpsbot classify [--config FILE] [--cpuprofile FILE] < posts.jsonl > verdicts.jsonl")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	cfg, err := loadConfig(*configPath, getenv)
	if err != nil {
		return err
	}
	resp, err := newResponder(cfg)
	if err != nil {
		return err
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return fmt.Errorf("classify: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("classify: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	return classifyStream(resp, stdin, stdout)
}

// batchGC lets the garbage collector run less often during a batch run,
// unless GOGC or GOMEMLIMIT say otherwise, and returns the function that
// restores the previous settings. A batch keeps little alive between
// posts (the rules and the bounded per-author fingerprints): a heap four
// times that size, capped at batchMemLimit, costs a quarter of the
// collections and keeps the peak flat whatever the input's length.
func batchGC() (restore func()) {
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	oldPercent := debug.SetGCPercent(400)
	oldLimit := debug.SetMemoryLimit(batchMemLimit)
	return func() {
		debug.SetGCPercent(oldPercent)
		debug.SetMemoryLimit(oldLimit)
	}
}

// batchMemLimit is the heap size past which a batch run collects as
// often as it must.
const batchMemLimit = 64 << 20

// classifyStream runs the batch contract: one verdict (or error) line per
// input line, in order, in constant memory but for the bounded per-author
// fingerprints of the repeated rule.
func classifyStream(resp *bot.Responder, stdin io.Reader, stdout io.Writer) error {
	defer batchGC()()
	hist := bot.NewHistory(resp.Rules().Repeats())
	lr := newLineReader(stdin)
	w := bufio.NewWriterSize(stdout, 64<<10)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	// Lines are decided a batch at a time (see Responder.DecideAll): the
	// lines already read, up to batchSize, so that a line typed alone is
	// answered at once. An output slot holds an error line or a post.
	type slot struct {
		errLine *errorLine
		post    int // index in posts when errLine is nil
	}
	var (
		buf, out []byte
		slots    []slot
		posts    []bot.Post
	)
	earlier := hist.Earlier
	added := func(p bot.Post, v *bot.Verdict) { hist.Add(p, v.Fingerprint) }
	flush := func() error {
		vs := resp.DecideAll(posts, earlier, added)
		for _, s := range slots {
			if s.errLine != nil {
				if err := enc.Encode(s.errLine); err != nil {
					return fmt.Errorf("classify: write output: %w", err)
				}
				continue
			}
			out = append(vs[s.post].AppendJSON(out[:0]), '\n')
			if _, err := w.Write(out); err != nil {
				return fmt.Errorf("classify: write output: %w", err)
			}
		}
		clear(posts)
		slots, posts = slots[:0], posts[:0]
		if lr.r.Buffered() == 0 {
			if err := w.Flush(); err != nil {
				return fmt.Errorf("classify: write output: %w", err)
			}
		}
		return nil
	}
	for {
		line, n, err := lr.next(buf)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if ferr := flush(); ferr != nil {
				return ferr
			}
			w.Flush()
			return fmt.Errorf("classify: read input at line %d: %w", n+1, err)
		}
		buf = line[:0]
		switch {
		case lr.long:
			slots = append(slots, slot{errLine: &errorLine{Line: n, Error: fmt.Sprintf("line %d: longer than %d bytes", n, maxLine)}})
		case len(bytes.TrimSpace(line)) == 0:
			slots = append(slots, slot{errLine: &errorLine{Line: n, Error: fmt.Sprintf("line %d: empty line", n)}})
		default:
			p, id, perr := parsePost(line)
			if perr != nil {
				el := &errorLine{ID: id, Error: perr.Error()}
				if id == "" {
					el.Line = n
					el.Error = "line " + strconv.Itoa(n) + ": " + el.Error
				}
				slots = append(slots, slot{errLine: el})
				break
			}
			slots = append(slots, slot{post: len(posts)})
			posts = append(posts, p)
		}
		if len(slots) == batchSize || lr.r.Buffered() == 0 {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("classify: write output: %w", err)
	}
	return nil
}

// batchSize is how many lines classify decides together at most.
const batchSize = 64

func cmdCheck(args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", "", "configuration file (default $INPSBOT_CONFIG)")
	platform := fs.String("platform", "telegram", "platform the reply is written for: telegram or mastodon")
	fs.Usage = func() {
		fmt.Fprintln(stderr, `usage: inpsbot check [--config FILE] [--platform P] "testo"   (or the text on stdin)`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	var txt string
	if fs.NArg() > 0 {
		txt = strings.Join(fs.Args(), " ")
	} else {
		b, err := io.ReadAll(io.LimitReader(stdin, maxLine))
		if err != nil {
			return fmt.Errorf("check: read input: %w", err)
		}
		txt = string(b)
	}
	if strings.TrimSpace(txt) == "" {
		return usageError{"check: no text given"}
	}
	cfg, err := loadConfig(*configPath, getenv)
	if err != nil {
		return err
	}
	resp, err := newResponder(cfg)
	if err != nil {
		return err
	}
	p := bot.Post{Platform: *platform, Account: "check", ID: "check", Text: txt, Kind: bot.KindComment}
	v := resp.Decide(p, nil)
	_, err = io.WriteString(stdout, bot.Explain(v))
	return err
}
