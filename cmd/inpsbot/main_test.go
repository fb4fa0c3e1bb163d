package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/inps-social/inpsbot/bot"
	"github.com/inps-social/inpsbot/configs"
)

// env is a getenv over a map, so tests never read the real environment.
func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func runCmd(t *testing.T, stdin string, getenv func(string) string, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(t.Context(), args, strings.NewReader(stdin), &out, &errb, getenv)
	return out.String(), errb.String(), err
}

type verdictLine struct {
	ID         string   `json:"id"`
	PII        []string `json:"pii"`
	Violations []string `json:"violations"`
	Intent     string   `json:"intent"`
	Personal   bool     `json:"personal"`
	Actions    []string `json:"actions"`
	Reply      *string  `json:"reply"`
	Redacted   *string  `json:"redacted"`
	Error      string   `json:"error"`
	Line       int      `json:"line"`
}

func decodeLines(t *testing.T, out string) []verdictLine {
	t.Helper()
	var got []verdictLine
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 4<<20)
	for sc.Scan() {
		var v verdictLine
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatalf("output line is not JSON: %v: %q", err, sc.Text())
		}
		got = append(got, v)
	}
	return got
}

func TestClassifyContract(t *testing.T) {
	huge := `{"id":"big","text":"` + strings.Repeat("a", 2<<20) + `"}`
	input := strings.Join([]string{
		`{"id":"a1","text":"Il mio cellulare è 347 123 4567, richiamatemi per la NASpI","author":"10","platform":"telegram","ts":"2025-03-03T06:03:13Z"}`,
		`{"id":"a2","text":"Chiamate il Contact Center 803 164 o lo 06 164 164"}`,
		`{"id":"a3","text":"<p>Quando arriva l&#39;assegno unico di <b>marzo</b>?</p>","platform":"mastodon"}`,
		`{"id":"a4","text": 42}`,
		`{"text": "no closing brace"`,
		`not json at all`,
		``,
		huge,
		`{"id":"a5"}`,
		"{\"id\":\"a6\",\"text\":\"invalid \xff\xfe utf-8 ma quando pagano la NASpI?\"}",
		`{"id":"a7","text":""}`,
		`{"id":7,"text":"id numerico"}`,
	}, "\n")
	out, _, err := runCmd(t, input, env(nil), "classify")
	if err != nil {
		t.Fatalf("classify: %v", err)
	}
	got := decodeLines(t, out)
	if len(got) != 12 {
		t.Fatalf("got %d output lines, want one per input line (12)", len(got))
	}
	tests := []struct {
		i         int
		id        string
		wantError bool
		wantPII   []string
		wantLine  int
	}{
		{i: 0, id: "a1", wantPII: []string{"phone"}},
		{i: 1, id: "a2", wantPII: []string{}},
		{i: 2, id: "a3", wantPII: []string{}},
		{i: 3, id: "a4", wantError: true},
		{i: 4, id: "", wantError: true, wantLine: 5},
		{i: 5, id: "", wantError: true, wantLine: 6},
		{i: 6, id: "", wantError: true, wantLine: 7},
		{i: 7, id: "", wantError: true, wantLine: 8},
		{i: 8, id: "a5", wantError: true},
		{i: 9, id: "a6", wantPII: []string{}},
		{i: 10, id: "a7", wantPII: []string{}},
		{i: 11, id: "7", wantPII: []string{}},
	}
	for _, tc := range tests {
		v := got[tc.i]
		if v.ID != tc.id {
			t.Errorf("line %d: id = %q, want %q", tc.i+1, v.ID, tc.id)
		}
		if (v.Error != "") != tc.wantError {
			t.Errorf("line %d: error = %q, want error %v", tc.i+1, v.Error, tc.wantError)
			continue
		}
		if tc.wantLine != 0 && v.Line != tc.wantLine {
			t.Errorf("line %d: line = %d, want %d", tc.i+1, v.Line, tc.wantLine)
		}
		if tc.wantError {
			continue
		}
		if v.Reply == nil || v.Redacted == nil || v.PII == nil || v.Violations == nil || v.Actions == nil {
			t.Errorf("line %d: a contract field is missing: %+v", tc.i+1, v)
		}
		if fmt.Sprint(v.PII) != fmt.Sprint(tc.wantPII) {
			t.Errorf("line %d: pii = %v, want %v", tc.i+1, v.PII, tc.wantPII)
		}
	}
	if strings.Contains(*got[0].Redacted, "347") || !strings.Contains(*got[0].Redacted, "[telefono]") {
		t.Errorf("redacted = %q, want the phone masked", *got[0].Redacted)
	}
	if !contains(got[0].Actions, "hide") {
		t.Errorf("actions = %v, want hide", got[0].Actions)
	}
	if strings.Contains(*got[2].Redacted, "<p>") || strings.Contains(*got[2].Redacted, "&#39;") {
		t.Errorf("HTML not stripped: %q", *got[2].Redacted)
	}
	if strings.Contains(out, strings.Repeat("a", 100)) {
		t.Error("the huge line's text leaked into the output")
	}
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func TestClassifyRepeatedAcrossChannels(t *testing.T) {
	q := "Buongiorno, ho fatto domanda di NASpI a gennaio e non ho ancora ricevuto niente, come mai?"
	lines := []string{
		fmt.Sprintf(`{"id":"1","text":%q,"author":"7","channel":"-1001","platform":"telegram","ts":"2025-03-03T06:00:00Z"}`, q),
		fmt.Sprintf(`{"id":"2","text":%q,"author":"7","channel":"-1002","platform":"telegram","ts":"2025-03-03T07:00:00Z"}`, "SOLLECITO: "+q),
		fmt.Sprintf(`{"id":"3","text":%q,"author":"8","channel":"-1001","platform":"telegram","ts":"2025-03-03T08:00:00Z"}`, q),
		fmt.Sprintf(`{"id":"4","text":%q,"author":"7","channel":"x","platform":"mastodon","ts":"2025-03-03T09:00:00Z"}`, q),
	}
	out, _, err := runCmd(t, strings.Join(lines, "\n")+"\n", env(nil), "classify")
	if err != nil {
		t.Fatal(err)
	}
	got := decodeLines(t, out)
	want := []bool{false, true, false, false}
	for i, v := range got {
		if r := contains(v.Violations, "repeated"); r != want[i] {
			t.Errorf("post %s: repeated = %v, want %v", v.ID, r, want[i])
		}
		if want[i] && contains(v.Actions, "reply") {
			t.Errorf("post %s: a repeat gets a reply", v.ID)
		}
	}
}

func TestCheckExplains(t *testing.T) {
	out, _, err := runCmd(t, "", env(nil), "check", "Il mio codice fiscale è RSSMRA80A01H501U, quando pagano la NASpI?")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"tax_code", "[codice fiscale]", "Azioni: hide, reply", "Tema:"} {
		if !strings.Contains(out, want) {
			t.Errorf("check output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "RSSMRA80A01H501U") {
		t.Errorf("check output shows the datum:\n%s", out)
	}
}

func TestCommandErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{name: "no command", args: nil, want: "no command"},
		{name: "unknown command", args: []string{"serve"}, want: "unknown command"},
		{name: "check without text", args: []string{"check"}, want: "no text"},
		{name: "eval without file", args: []string{"eval"}, want: "one corpus file"},
		{name: "bad mode", args: []string{"classify"}, env: map[string]string{"INPSBOT_MODE": "sometimes"}, want: "config: mode"},
		{name: "missing config file", args: []string{"classify", "--config", "/nonexistent/x.yaml"}, want: "config"},
		{name: "telegram without token", args: []string{"run"}, env: map[string]string{"INPSBOT_TELEGRAM_API_URL": "http://127.0.0.1:1"},
			want: "telegram[0].token"},
		{name: "forget without author", args: []string{"forget", "--platform", "telegram"}, want: "--author"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := runCmd(t, "", env(tc.env), tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}

func TestConfigFileErrorsNameTheLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(path, []byte("data_dir: x\nmodee: auto\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := loadConfig(path, env(nil))
	if err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("err = %v, want one naming line 2", err)
	}
}

func TestExampleConfigLoads(t *testing.T) {
	b, err := configs.FS.ReadFile("inpsbot.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "example.yaml")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := loadConfig(path, env(nil)); err != nil {
		t.Fatalf("the example configuration does not load: %v", err)
	}
}

func TestEnvOverridesFileAndSecretsStayHidden(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(path, []byte("data_dir: fromfile\nlog_level: debug\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := loadConfig(path, env(map[string]string{"INPSBOT_DATA_DIR": "fromenv", "INPSBOT_ADMIN_TOKEN": "s3cr3t-token"}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DataDir != "fromenv" || cfg.LogLevel != "debug" {
		t.Errorf("data_dir, log_level = %q, %q; want fromenv, debug", cfg.DataDir, cfg.LogLevel)
	}
	if s := fmt.Sprintf("%v %+v", cfg.Admin.Token, cfg.Admin); strings.Contains(s, "s3cr3t") {
		t.Errorf("secret printed: %s", s)
	}
}

func TestReadmeListsEveryVariable(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range envVars {
		if !bytes.Contains(b, []byte(ev.name)) {
			t.Errorf("README does not list %s", ev.name)
		}
	}
}

// TestRunConsole is the README's first command: the bot on the console
// platform, fed by a pipe, exits 0 at the end of its input after acting.
func TestRunConsole(t *testing.T) {
	dir := t.TempDir()
	input := "Quanti mesi di NASpI spettano dopo due anni di lavoro?\n" +
		"Il mio IBAN è IT60 X054 2811 1010 0000 0123 456 per la NASpI\n" +
		"sei un idiota @operatore\n"
	getenv := env(map[string]string{"INPSBOT_DATA_DIR": dir, "INPSBOT_ADMIN_ADDR": ""})
	done := make(chan struct{})
	var out, errOut string
	var err error
	go func() {
		defer close(done)
		out, errOut, err = runCmd(t, input, getenv, "run", "--admin-addr", "")
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("run did not end at the end of its input")
	}
	if err != nil {
		t.Fatalf("run: %v\n%s", err, errOut)
	}
	for _, want := range []string{"risposta:", "messaggio nascosto", "avviso all'autore:", "803 164"} {
		if !strings.Contains(out, want) {
			t.Errorf("console output lacks %q:\n%s", want, out)
		}
	}
	for _, leak := range []string{"IT60", "X054"} {
		if strings.Contains(out+errOut, leak) {
			t.Errorf("output shows personal data %q", leak)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "inpsbot.db")); err != nil {
		t.Errorf("no database in the data dir: %v", err)
	}
}

// defaultResponder is the responder of the embedded default configuration.
func defaultResponder(t testing.TB) *bot.Responder {
	t.Helper()
	cfg, err := loadConfig("", env(nil))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := newResponder(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// BenchmarkClassify measures the whole batch path, JSON in and out, over
// realistic posts.
func BenchmarkClassify(b *testing.B) {
	resp := defaultResponder(b)
	var in bytes.Buffer
	gen := newGenerator(1)
	for i := range b.N {
		in.Write(gen.line(i))
		in.WriteByte('\n')
	}
	b.SetBytes(int64(in.Len() / max(b.N, 1)))
	b.ResetTimer()
	if err := classifyStream(resp, &in, io.Discard); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "posts/s")
}

// TestRunConsoleWithTheDefaultPortTaken: the README's first command works
// even when something else holds the admin server's default port.
func TestRunConsoleWithTheDefaultPortTaken(t *testing.T) {
	if ln, err := net.Listen("tcp", defaultConfig().Admin.Addr); err == nil {
		defer ln.Close()
	} // else it is taken already, which is the case under test
	out, errOut, err := runCmd(t, "Quanti mesi di NASpI spettano dopo due anni di lavoro?\n",
		env(map[string]string{"INPSBOT_DATA_DIR": t.TempDir()}), "run")
	if err != nil {
		t.Fatalf("run: %v\n%s", err, errOut)
	}
	if !strings.Contains(out, "risposta:") {
		t.Errorf("no reply on the console:\n%s", out)
	}
}
