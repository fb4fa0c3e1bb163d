package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// postView is what the rest of the program reads of an inputPost that
// decoded (the raw id is read only after an error, which encoding/json
// reports).
type postView struct {
	ID, Text                      string
	HasText                       bool
	Author, Channel, Platform, TS string
}

func view(in inputPost) postView {
	id, text, ok := in.fields()
	return postView{ID: id, Text: text, HasText: ok,
		Author: in.Author, Channel: in.Channel, Platform: in.Platform, TS: in.TS}
}

func stdDecode(b []byte) (inputPost, error) {
	var in inputPost
	err := json.Unmarshal(b, &in)
	return in, err
}

func TestDecodeFlatAgreesWithEncodingJSON(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		wantFast bool
	}{
		{name: "full line", in: `{"id":"a1","text":"Ciao è \"NASpI\"\n","author":"7","channel":"-100","platform":"telegram","ts":"2025-03-03T06:03:13Z"}`, wantFast: true},
		{name: "spaces", in: ` { "id" : "a" , "text" : "x" } `, wantFast: true},
		{name: "numeric id", in: `{"id": 42, "text": "x"}`, wantFast: true},
		{name: "null author", in: `{"text": "x", "author": null}`, wantFast: true},
		{name: "extra fields", in: `{"text": "x", "pii": [], "intent": "naspi", "personal": true}`},
		{name: "escapes", in: `{"text": "a\u00e8\ud83d\ude4f\/\t\\ \ud800 x"}`, wantFast: true},
		{name: "invalid utf-8", in: "{\"text\": \"a\xff\xfeb\"}", wantFast: true},
		{name: "case-insensitive key", in: `{"Text": "x"}`},
		{name: "text not a string", in: `{"id":"a4","text": 42}`},
		{name: "text null", in: `{"id":"a","text": null}`},
		{name: "nested", in: `{"text": "x", "meta": {"a": 1}}`},
		{name: "truncated", in: `{"text": "x"`},
		{name: "trailing garbage", in: `{"text": "x"} y`},
		{name: "duplicate key", in: `{"text": "a", "text": "b"}`, wantFast: true},
		{name: "empty object", in: `{}`, wantFast: true},
		{name: "control character", in: "{\"text\": \"a\x01b\"}"},
		{name: "bad escape", in: `{"text": "a\qb"}`},
		{name: "escaped id", in: `{"id": "a\"b\u00e8", "text": "x"}`, wantFast: true},
		{name: "string then number id", in: `{"id": "a", "id": 7, "text": "x"}`, wantFast: true},
		{name: "number then string id", in: `{"id": 7, "id": "a", "text": "x"}`, wantFast: true},
		{name: "null id", in: `{"id": null, "text": "x"}`, wantFast: true},
	}
	// Long texts, passed eight bytes at a time, with one byte that stops
	// the fast scan at each offset of a block.
	for _, c := range []struct {
		name, b string
		fast    bool
	}{{"quote", `\"`, true}, {"backslash", `\\`, true}, {"newline escape", `\n`, true}, {"control", "\x01", false},
		{"unit separator", "\x1f", false}, {"DEL", "\x7f", true}, {"accent", "è", true}, {"invalid", "\xff", true}} {
		for k := range 9 {
			text := strings.Repeat("abcdefgh", 3)[:8+k] + c.b + "ijklmnopqrstuvwxyz0123"
			tests = append(tests, struct {
				name     string
				in       string
				wantFast bool
			}{name: fmt.Sprintf("long %s at %d", c.name, 8+k), in: `{"id":"l","text":"` + text + `"}`, wantFast: c.fast})
		}
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var fast inputPost
			ok := decodeFlat([]byte(tc.in), &fast)
			if ok != tc.wantFast {
				t.Errorf("decodeFlat(%q) took the fast path = %v, want %v", tc.in, ok, tc.wantFast)
			}
			got, gotErr := decodeInput([]byte(tc.in))
			want, wantErr := stdDecode([]byte(tc.in))
			if (gotErr == nil) != (wantErr == nil) {
				t.Fatalf("error = %v, encoding/json says %v", gotErr, wantErr)
			}
			if diff := cmp.Diff(view(want), view(got)); gotErr == nil && diff != "" {
				t.Errorf("decodeInput(%q) (-encoding/json +got):\n%s", tc.in, diff)
			}
		})
	}
}

func FuzzDecodeFlat(f *testing.F) {
	for _, s := range []string{`{"id":"a","text":"b"}`, `{"id":"a\u00e8","id":7,"text":"b"}`, `{"id":"\xff","text":"b"}`, `{"text":"\u00e8\n"}`, `{"id":1.5e3,"text":"x","ts":null}`, `{}`} {
		f.Add([]byte(s))
	}
	// Long strings, read eight bytes at a time, with a byte that stops
	// the fast read at each offset of a block.
	for _, c := range []string{`\n`, `\"`, "\x01", "\x1f", "\xc3\xa8", "\xff", `\u00e8`} {
		for k := range 9 {
			f.Add([]byte(`{"id":"x","text":"` + "abcdefghijklmnop"[:8+k] + c + `qrstuvwxyz0123456789"}`))
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var fast inputPost
		if !decodeFlat(b, &fast) {
			return
		}
		want, err := stdDecode(b)
		if err != nil {
			t.Fatalf("fast path accepted %q, encoding/json refuses it: %v", b, err)
		}
		if diff := cmp.Diff(view(want), view(fast)); diff != "" {
			t.Errorf("decodeFlat(%q) (-encoding/json +fast):\n%s", b, diff)
		}
	})
}

func TestRawID(t *testing.T) {
	tests := []struct{ raw, want string }{
		{`"d0001"`, "d0001"},
		{`"a\"b"`, `a"b`},
		{`"\u00e8"`, "è"},
		{`42`, "42"},
		{`null`, ""},
		{``, ""},
	}
	for _, tc := range tests {
		if got := rawID([]byte(tc.raw)); got != tc.want {
			t.Errorf("rawID(%s) = %q, want %q", tc.raw, got, tc.want)
		}
	}
}
