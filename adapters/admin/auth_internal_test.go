package admin

import (
	"crypto/sha256"
	"go/ast"
	"go/parser"
	"go/token"
	"testing"
)

// TestAuthorizedComparesInConstantTime guards the token check: it must go
// through crypto/subtle, never an ordinary comparison that returns at the
// first differing byte.
func TestAuthorizedComparesInConstantTime(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "admin.go", nil, 0)
	if err != nil {
		t.Fatalf("parse admin.go: %v", err)
	}
	var fn *ast.FuncDecl
	for _, d := range f.Decls {
		if d, ok := d.(*ast.FuncDecl); ok && d.Name.Name == "authorized" {
			fn = d
		}
	}
	if fn == nil {
		t.Fatal("admin.go has no func authorized")
	}
	var constantTime bool
	ast.Inspect(fn.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.SelectorExpr:
			if x, ok := n.X.(*ast.Ident); ok && x.Name == "subtle" && n.Sel.Name == "ConstantTimeCompare" {
				constantTime = true
			}
		case *ast.BinaryExpr:
			if n.Op == token.EQL || n.Op == token.NEQ {
				if isToken(n.X) || isToken(n.Y) {
					t.Errorf("authorized compares the token with %s", n.Op)
				}
			}
		case *ast.CallExpr:
			if sel, ok := n.Fun.(*ast.SelectorExpr); ok {
				if x, ok := sel.X.(*ast.Ident); ok && (x.Name == "bytes" || x.Name == "strings") &&
					(sel.Sel.Name == "Equal" || sel.Sel.Name == "Compare") {
					t.Errorf("authorized compares with %s.%s", x.Name, sel.Sel.Name)
				}
			}
		}
		return true
	})
	if !constantTime {
		t.Error("authorized does not call subtle.ConstantTimeCompare")
	}

	s := &Server{cfg: Config{Token: "tok-123"}}
	s.tokenSum = sha256.Sum256([]byte("tok-123"))
	tests := []struct {
		header string
		want   bool
	}{
		{header: "Bearer tok-123", want: true},
		{header: "bearer tok-123", want: true},
		{header: "Bearer tok-12", want: false},
		{header: "Bearer tok-1234", want: false},
		{header: "Bearer", want: false},
		{header: "tok-123", want: false},
		{header: "", want: false},
	}
	for _, tc := range tests {
		if got := s.authorized(tc.header); got != tc.want {
			t.Errorf("authorized(%q) = %t, want %t", tc.header, got, tc.want)
		}
	}
}

func isToken(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name == "token" || e.Name == "got"
	case *ast.SelectorExpr:
		return e.Sel.Name == "Token" || e.Sel.Name == "tokenSum"
	}
	return false
}
