package models

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"portal/templates"
)

// TestAuditActionsHaveWords reads every audit call in this package's code
// and checks that each action it can write, and each object type, has
// words in both languages (the audit page shows them) and that the type is
// on the audit page's select (AuditObjectTypes).
func TestAuditActionsHaveWords(t *testing.T) {
	events := map[string][]string{
		"tender.":        slices.Collect(maps.Keys(tenderLifecycle.Events)),
		"bid.":           slices.Collect(maps.Keys(bidLifecycle.Events)),
		"organisation.":  OrgEvents,
		"contract.":      slices.Collect(maps.Keys(contractLifecycle.Events)),
		"payment.":       slices.Collect(maps.Keys(paymentLifecycle.Events)),
		"rectification.": slices.Collect(maps.Keys(rectificationLifecycle.Events)),
	}
	actions, types := map[string]bool{}, map[string]bool{"bid": true}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		// Literal values assigned to each name, for an action passed as a
		// variable.
		assigned := map[string][]string{}
		ast.Inspect(f, func(n ast.Node) bool {
			if as, ok := n.(*ast.AssignStmt); ok && len(as.Lhs) == len(as.Rhs) {
				for i, l := range as.Lhs {
					if id, ok := l.(*ast.Ident); ok {
						if v, ok := literal(as.Rhs[i]); ok {
							assigned[id.Name] = append(assigned[id.Name], v)
						}
					}
				}
			}
			return true
		})
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			at, typeAt := map[string]int{"audit": 2, "auditAnonymous": 1, "auditBid": 4}[sel.Sel.Name], map[string]int{"audit": 3, "auditAnonymous": 2}[sel.Sel.Name]
			if at == 0 || len(call.Args) <= at {
				return true
			}
			pos := name + ":" + strconv.Itoa(int(call.Pos()))
			switch arg := call.Args[at].(type) {
			case *ast.BasicLit:
				v, _ := literal(arg)
				actions[v] = true
			case *ast.BinaryExpr:
				prefix, ok := literal(arg.X)
				if !ok || events[prefix] == nil {
					t.Errorf("%s: an action built from %q, whose events the test does not know", pos, prefix)
				}
				for _, ev := range events[prefix] {
					actions[prefix+ev] = true
				}
			case *ast.Ident:
				if sel.Sel.Name == "audit" && arg.Name == "action" && name == "audit.go" {
					return true // auditAnonymous passing its own parameter on
				}
				if len(assigned[arg.Name]) == 0 {
					t.Errorf("%s: action %s has no literal value", pos, arg.Name)
				}
				for _, v := range assigned[arg.Name] {
					actions[v] = true
				}
			default:
				t.Errorf("%s: an action the test cannot read", pos)
			}
			if typeAt > 0 {
				if v, ok := literal(call.Args[typeAt]); ok {
					types[v] = true
				} else if id, ok := call.Args[typeAt].(*ast.Ident); !ok || id.Name != "objectType" {
					t.Errorf("%s: an object type the test cannot read", pos)
				}
			}
			return true
		})
	}
	if len(actions) < 30 {
		t.Fatalf("found only %d actions", len(actions))
	}
	for _, lang := range []string{"zh", "en"} {
		msgs := messages(t, lang)
		for a := range actions {
			if msgs["audit.action."+a] == "" {
				t.Errorf("%s: no words for audit action %s", lang, a)
			}
		}
		for ty := range types {
			if msgs["audit.type."+ty] == "" {
				t.Errorf("%s: no words for object type %s", lang, ty)
			}
		}
	}
	for ty := range types {
		if !slices.Contains(AuditObjectTypes, ty) {
			t.Errorf("object type %s is not in AuditObjectTypes", ty)
		}
	}
}

func literal(e ast.Expr) (string, bool) {
	bl, ok := e.(*ast.BasicLit)
	if !ok || bl.Kind != token.STRING {
		return "", false
	}
	v, err := strconv.Unquote(bl.Value)
	return v, err == nil
}

func messages(t *testing.T, lang string) map[string]string {
	t.Helper()
	out := map[string]string{}
	names, err := fs.Glob(templates.FS, "i18n/"+lang+"/*.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		b, err := fs.ReadFile(templates.FS, n)
		if err != nil {
			t.Fatal(err)
		}
		part := map[string]string{}
		if err := json.Unmarshal(b, &part); err != nil {
			t.Fatal(err)
		}
		maps.Copy(out, part)
	}
	return out
}
