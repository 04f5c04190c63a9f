package models

import (
	"strings"
	"testing"
)

func TestCheckText(t *testing.T) {
	type member struct {
		Role string `json:"role"`
	}
	type input struct {
		Name     string            `json:"name" validate:"required,max=5"`
		Proposal string            `json:"proposal"`
		Note     *string           `json:"note"`
		Team     []member          `json:"team"`
		Points   map[string]string `json:"points"`
		File     []byte            `json:"file"`
	}
	note := "a\r\nb\rc"
	in := input{Name: "ok\tok", Proposal: strings.Repeat("长", 150_000), Note: &note,
		Team: []member{{Role: "主管"}, {Role: "x\x00"}}, Points: map[string]string{"plan": "\xff"}, File: []byte{0, 0xff}}
	got := map[string]string{}
	for _, f := range CheckText(&in, "json") {
		got[f.Field] = f.Code + f.Param
	}
	want := map[string]string{"team[1].role": "text", "points.plan": "text"}
	if len(got) != len(want) || got["team[1].role"] != "text" || got["points.plan"] != "text" {
		t.Fatalf("CheckText: %v, want %v", got, want)
	}
	if note != "a\nb\nc" {
		t.Fatalf("line ends kept: %q", note)
	}
	in = input{Name: "toolong", Proposal: strings.Repeat("长", 200_001)}
	for _, f := range CheckText(&in, "json") {
		got[f.Field] = f.Code + f.Param
	}
	if got["name"] != "max5" || got["proposal"] != "max200000" {
		t.Fatalf("lengths: %v", got)
	}
	for s, bad := range map[string]bool{"普通文字\n第二行\t制表": false, "\u0085": true, "\x7f": true, "a\u2028b": true, "\ufeff": true, "é": false} {
		if (TextProblem(s) != "") != bad {
			t.Errorf("TextProblem(%q) = %q", s, TextProblem(s))
		}
	}
}
