package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"
)

// TestClassifyAnswersEachLineAsItComes: classify decides lines in batches
// of what it has already read, so a line written alone is answered before
// the next one is written.
func TestClassifyAnswersEachLineAsItComes(t *testing.T) {
	resp := defaultResponder(t)
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- classifyStream(resp, inR, outW)
		outW.Close()
	}()
	lines := bufio.NewScanner(outR)
	for i, text := range []string{"Quando pagano la NASpI?", "non è un JSON", "grazie"} {
		line := fmt.Sprintf(`{"id":"l%d","text":%q}`, i, text)
		if text == "non è un JSON" {
			line = text
		}
		if _, err := io.WriteString(inW, line+"\n"); err != nil {
			t.Fatal(err)
		}
		got := make(chan string, 1)
		go func() {
			if lines.Scan() {
				got <- lines.Text()
			}
			close(got)
		}()
		select {
		case out := <-got:
			if !strings.Contains(out, fmt.Sprintf("%d", i+1)) && !strings.Contains(out, fmt.Sprintf(`"l%d"`, i)) {
				t.Errorf("line %d answered with %s", i, out)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("line %d not answered while the next one is awaited", i)
		}
	}
	inW.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestClassifyKeepsTheOrderAcrossBatches: verdicts and error lines come
// out in the order of the input, over many batches.
func TestClassifyKeepsTheOrderAcrossBatches(t *testing.T) {
	var in strings.Builder
	var want []string
	for i := range 3*batchSize + 5 {
		switch {
		case i%17 == 3:
			in.WriteString("{broken\n")
			want = append(want, fmt.Sprintf("line %d", i+1))
		case i%23 == 5:
			in.WriteString("\n")
			want = append(want, fmt.Sprintf("line %d", i+1))
		default:
			fmt.Fprintf(&in, `{"id":"p%d","author":"a%d","text":"Quando arriva la NASpI di marzo? Sono in attesa da settimane"}`+"\n", i, i%3)
			want = append(want, fmt.Sprintf("p%d", i))
		}
	}
	out, _, err := runCmd(t, in.String(), env(nil), "classify")
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Split(strings.TrimSpace(out), "\n")
	if len(got) != len(want) {
		t.Fatalf("%d output lines for %d input lines", len(got), len(want))
	}
	repeated, posts := 0, 0
	for i, line := range got {
		var v struct {
			ID         string   `json:"id"`
			Error      string   `json:"error"`
			Violations []string `json:"violations"`
		}
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			t.Fatalf("output line %d: %v", i+1, err)
		}
		if v.ID != want[i] && !strings.HasPrefix(v.Error, want[i]+":") {
			t.Errorf("output line %d is %s, want the one of %s", i+1, line, want[i])
		}
		if v.Error == "" {
			posts++
		}
		if strings.Contains(strings.Join(v.Violations, ","), "repeated") {
			repeated++
		}
	}
	// The three authors ask the same question again and again: all their
	// posts but the first are repeats, in whatever batch they fall.
	if repeated != posts-3 {
		t.Errorf("%d repeats among %d posts of 3 authors, want %d", repeated, posts, posts-3)
	}
}
