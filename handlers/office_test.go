package handlers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"portal/models"
)

// officeWorld is Xingning's procurement staff with two verified
// organisations, one of them contracted, at a fixed clock (10 May 2026 in
// Beijing).
type officeWorld struct {
	e        *env
	buyer    *client
	other    *client // procurement of another county
	agent    *client // member of the contracted organisation
	stranger *client // member of the other organisation
	orgs     []int64
	contract int64
}

func newOfficeWorld(t *testing.T) *officeWorld {
	e := newEnv(t)
	now := time.Date(2026, 5, 10, 2, 0, 0, 0, time.UTC)
	e.store.Now = func() time.Time { return now }
	w := &officeWorld{e: e, buyer: e.staff("xn-buyer", models.RoleProcurement, "450102"),
		other: e.staff("xx-buyer", models.RoleProcurement, "450103")}
	for _, name := range []string{"agent1", "agent2"} {
		org := e.registerOrg(name, "450102")
		e.verifyOrg(org)
		w.orgs = append(w.orgs, org)
	}
	w.agent, w.stranger = e.signIn("agent1"), e.signIn("agent2")
	// The contract's row stands for a signed contract: the tender journey
	// that signs one is tested on its own (tenders_test.go).
	buyer := e.actor("xn-buyer")
	tender, err := e.store.CreateTender(context.Background(), buyer, models.TenderInput{Title: "兴宁区困境儿童关爱服务项目", Region: "450102",
		CatalogueCode: "C0603", Method: "competitive_consultation", Budget: []models.BudgetLine{{Source: "local_budget", AmountFen: 300_000_00}},
		ServiceStart: "2026-06-01", ServiceEnd: "2027-05-31", PriceWeight: 20,
		Criteria: []models.Criterion{{Key: "plan", Name: "服务方案", MaxPoints: 80}}, BidDeadline: now.Add(20 * 24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	c := models.Contract{Number: "HT-" + tender.Code, TenderID: tender.ID, OrganisationID: w.orgs[0], RegionCode: "450102", AmountFen: 280_000_00,
		ServiceStart: "2026-06-01", ServiceEnd: "2027-05-31", Status: models.ContractSigned, SignedAt: now.AddDate(0, 0, -9),
		SignedBy: buyer.UserID, CreatedAt: now, UpdatedAt: now}
	if err := e.store.DB.Create(&c).Error; err != nil {
		t.Fatal(err)
	}
	w.contract = c.ID
	return w
}

func (w *officeWorld) base(t *testing.T) (base, room int64) {
	t.Helper()
	s, b := w.buyer.do("POST", "/api/v1/bases", map[string]string{"name": "兴宁区社会组织孵化基地", "region": "450102", "address": "民主路 1 号"})
	base = decode[idOnly](t, must(t, 201, s, b, "base")).ID
	s, b = w.buyer.do("POST", fmt.Sprintf("/api/v1/bases/%d/rooms", base), map[string]any{"name": "201 室", "area_m2": 35.5})
	room = decode[idOnly](t, must(t, 201, s, b, "room")).ID
	return base, room
}

func TestOfficeAPI(t *testing.T) {
	w := newOfficeWorld(t)
	base, room := w.base(t)

	// Bases and rooms: fields, reach, bad input.
	s, b := w.buyer.do("POST", "/api/v1/bases", map[string]string{"name": "a\x00b", "region": "4501", "address": strings.Repeat("长", 100_000)})
	if must(t, 422, s, b, "bad base"); strings.Join(fieldsOf(t, b), " ") != "name address" {
		t.Fatalf("bad base fields: %s", b)
	}
	s, b = w.buyer.do("POST", "/api/v1/bases", map[string]string{"name": "南宁市基地", "region": "4501", "address": "南宁市"})
	must(t, 403, s, b, "a base of the city")
	s, b = w.agent.do("GET", "/api/v1/bases", nil)
	must(t, 403, s, b, "an agency's list")
	s, b = w.other.do("GET", fmt.Sprintf("/api/v1/bases/%d", base), nil)
	must(t, 404, s, b, "another county's base")
	s, b = w.other.do("POST", fmt.Sprintf("/api/v1/bases/%d/rooms", base), map[string]any{"name": "301", "area_m2": 20})
	must(t, 404, s, b, "a room in another county's base")
	for _, area := range []any{1.234, 0, -3, "1e400", 1e30} {
		s, b = w.buyer.do("POST", fmt.Sprintf("/api/v1/bases/%d/rooms", base), map[string]any{"name": "301", "area_m2": area})
		if must(t, 422, s, b, fmt.Sprint("area ", area)); strings.Join(fieldsOf(t, b), " ") != "area_m2" {
			t.Fatalf("area %v: %s", area, b)
		}
	}
	s, b = w.buyer.do("POST", fmt.Sprintf("/api/v1/bases/%d/rooms", base), map[string]any{"name": "301", "area_m2": "三十"})
	must(t, 400, s, b, "an area that is not a number")
	s, b = w.buyer.do("GET", "/api/v1/bases?region=450102", nil)
	if list := decode[models.List[map[string]any]](t, must(t, 200, s, b, "list")); list.Total != 1 || list.Items[0]["room_count"] != 1.0 {
		t.Fatalf("list: %s", b)
	}
	s, b = w.other.do("GET", "/api/v1/bases", nil)
	if list := decode[models.List[map[string]any]](t, must(t, 200, s, b, "other's list")); list.Total != 0 {
		t.Fatalf("another county lists: %s", b)
	}

	// Allocations: 201, 409 naming the one in the way, adjacent days, end.
	path := fmt.Sprintf("/api/v1/rooms/%d/allocations", room)
	s, b = w.buyer.do("POST", path, map[string]any{"organisation_id": w.orgs[0], "contract_id": w.contract, "from": "2026-06-01", "to": "2026-08-31"})
	first := decode[models.OfficeAllocation](t, must(t, 201, s, b, "allocate"))
	if first.HeldTo == nil || first.Status != "active" || first.OrganisationName != "机构agent1" {
		t.Fatalf("allocation: %s", b)
	}
	s, b = w.buyer.do("POST", path, map[string]any{"organisation_id": w.orgs[1], "from": "2026-08-31", "to": "2026-09-30"})
	p := decode[problemDoc](t, must(t, 409, s, b, "the last day again"))
	if !strings.Contains(p.Detail, fmt.Sprintf("allocation %d to 机构agent1, 2026-06-01 – 2026-08-31", first.ID)) {
		t.Fatalf("the conflict does not name the allocation: %s", b)
	}
	s, b = w.buyer.do("POST", path, map[string]any{"organisation_id": w.orgs[1], "from": "2026-09-01", "to": "2026-09-30"})
	must(t, 201, s, b, "the next day")
	s, b = w.buyer.do("POST", path, map[string]any{"organisation_id": w.orgs[1], "contract_id": w.contract, "from": "2026-10-01", "to": "2026-10-02"})
	if must(t, 422, s, b, "another organisation's contract"); strings.Join(fieldsOf(t, b), " ") != "contract_id" {
		t.Fatalf("fields: %s", b)
	}
	s, b = w.buyer.do("POST", path, map[string]any{"organisation_id": 1 << 62, "contract_id": -1, "from": "2026-10-01\x00", "to": "9999-99-99"})
	if must(t, 422, s, b, "nonsense"); strings.Join(fieldsOf(t, b), " ") != "from" {
		t.Fatalf("fields: %s", b) // the NUL is refused at the edge, before the model
	}
	s, b = w.buyer.do("POST", path, map[string]any{"organisation_id": 1 << 62, "contract_id": -1, "from": "2026-10-01", "to": "9999-99-99"})
	if must(t, 422, s, b, "nonsense"); strings.Join(fieldsOf(t, b), " ") != "organisation_id contract_id to" {
		t.Fatalf("fields: %s", b)
	}
	s, b = w.other.do("POST", path, map[string]any{"organisation_id": w.orgs[1], "from": "2026-10-01", "to": "2026-10-02"})
	must(t, 404, s, b, "another county's room")
	end := fmt.Sprintf("/api/v1/allocations/%d", first.ID)
	s, b = w.other.do("DELETE", end, nil)
	must(t, 404, s, b, "another county ends it")
	s, b = w.agent.do("DELETE", end, nil)
	must(t, 403, s, b, "the agency ends it")
	s, b = w.buyer.do("DELETE", end, nil)
	if ended := decode[models.OfficeAllocation](t, must(t, 200, s, b, "end")); ended.Status != "ended" || ended.HeldTo != nil {
		t.Fatalf("ended before its first day: %s", b)
	}
	s, b = w.buyer.do("DELETE", end, nil)
	must(t, 409, s, b, "end twice")
	s, b = w.buyer.do("POST", path, map[string]any{"organisation_id": w.orgs[1], "from": "2026-06-01", "to": "2026-08-31"})
	must(t, 201, s, b, "the days of an ended allocation")

	s, b = w.buyer.do("GET", fmt.Sprintf("/api/v1/bases/%d", base), nil)
	got := decode[models.OfficeBase](t, must(t, 200, s, b, "base"))
	if len(got.Rooms) != 1 || len(got.Rooms[0].Allocations) != 3 || got.Rooms[0].AreaM2 != 3550 {
		t.Fatalf("base: %s", b)
	}
}

// Twenty overlapping requests for one room at once: exactly one 201, the
// others 409.
func TestOfficeAllocationRaceThroughTheAPI(t *testing.T) {
	w := newOfficeWorld(t)
	_, room := w.base(t)
	const n = 20
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i], _ = w.buyer.do("POST", fmt.Sprintf("/api/v1/rooms/%d/allocations", room),
				map[string]any{"organisation_id": w.orgs[i%2], "from": fmt.Sprintf("2026-07-%02d", 1+i), "to": "2026-07-31"})
		}()
	}
	wg.Wait()
	count := map[int]int{}
	for _, s := range statuses {
		count[s]++
	}
	if count[201] != 1 || count[409] != n-1 {
		t.Fatalf("answers: %v", count)
	}
}

func TestSupportSessionsAPI(t *testing.T) {
	w := newOfficeWorld(t)
	path := fmt.Sprintf("/api/v1/contracts/%d/sessions", w.contract)
	body := map[string]any{"kind": "planning", "held_on": "2026-05-09", "hours": 2.5, "provider": "广西社工督导中心", "topics": "项目运营", "attendees": 6}
	s, b := w.buyer.do("POST", path, body)
	if got := decode[map[string]any](t, must(t, 201, s, b, "record")); got["hours"] != 2.5 || got["kind"] != "planning" {
		t.Fatalf("recorded: %s", b)
	}
	s, b = w.buyer.do("POST", path, map[string]any{"kind": "x", "held_on": "2026-05-11", "hours": 25, "provider": "", "topics": "t", "attendees": 0})
	if must(t, 422, s, b, "bad session"); strings.Join(fieldsOf(t, b), " ") != "kind held_on hours provider attendees" {
		t.Fatalf("fields: %s", b)
	}
	s, b = w.agent.do("POST", path, body)
	must(t, 403, s, b, "the agency records")
	s, b = w.other.do("POST", path, body)
	must(t, 404, s, b, "another county records")
	s, b = w.agent.do("GET", path, nil)
	if list := decode[models.List[map[string]any]](t, must(t, 200, s, b, "the agency reads")); list.Total != 1 {
		t.Fatalf("list: %s", b)
	}
	for _, c := range []*client{w.stranger, w.other} {
		s, b = c.do("GET", path, nil)
		must(t, 404, s, b, "another's sessions")
	}

	// An assigned supervisor records them too.
	sup := w.e.staff("nn-supervisor", models.RoleSupervisor, "4501")
	supID := w.e.actor("nn-supervisor").UserID
	assign := fmt.Sprintf("/api/v1/contracts/%d/supervisors", w.contract)
	s, b = sup.do("POST", path, body)
	must(t, 404, s, b, "a supervisor not assigned")
	s, b = w.buyer.do("PUT", assign, map[string]any{"supervisor_ids": []int64{supID, w.e.actor("xn-buyer").UserID}})
	if must(t, 422, s, b, "assign a buyer"); strings.Join(fieldsOf(t, b), " ") != "supervisor_ids[1]" {
		t.Fatalf("fields: %s", b)
	}
	s, b = w.buyer.do("PUT", assign, map[string]any{"supervisor_ids": "x"})
	must(t, 400, s, b, "not a list")
	s, b = w.other.do("PUT", assign, map[string]any{"supervisor_ids": []int64{supID}})
	must(t, 404, s, b, "another county assigns")
	s, b = w.buyer.do("PUT", assign, map[string]any{"supervisor_ids": []int64{supID}})
	if got := decode[models.Contract](t, must(t, 200, s, b, "assign")); len(got.Supervisors) != 1 || got.Supervisors[0].SupervisorID != supID {
		t.Fatalf("assigned: %s", b)
	}
	s, b = sup.do("POST", path, body)
	must(t, 201, s, b, "the assigned supervisor records")
	s, b = sup.do("GET", fmt.Sprintf("/api/v1/contracts/%d", w.contract), nil)
	must(t, 200, s, b, "the assigned supervisor reads the contract")
}

// The pages: the list with its region picker and the new-base form, a
// base's occupancy with the room and allocation forms, ending with a
// question first, the contract's sections for the agency and the staff's
// session form; failed forms come back with their errors and what was
// typed.
func TestOfficePages(t *testing.T) {
	w := newOfficeWorld(t)
	page := w.buyer.tpPage("/bases")
	if !strings.Contains(page, `href="/bases"`) || !strings.Contains(page, `id="base-form"`) || !strings.Contains(page, `name="region"`) {
		t.Fatalf("the list page:\n%s", tpText(page))
	}
	if strings.Contains(w.agent.tpPage("/"), `href="/bases"`) {
		t.Fatal("the agency's menu links to the bases")
	}
	status, _, body := w.buyer.tpPost("/bases", url.Values{"new_name": {"兴宁区孵化基地"}, "new_region": {"4501"}, "new_address": {""}})
	if status != http.StatusUnprocessableEntity || !tpInvalid(body, "new_address") || !strings.Contains(body, `value="兴宁区孵化基地"`) {
		t.Fatalf("a bad new base: %d\n%s", status, tpText(body))
	}
	loc := w.buyer.tpMustPost("/bases", url.Values{"new_name": {"兴宁区孵化基地"}, "new_region": {"450102"}, "new_address": {"民主路 1 号"}})
	base := tpID(t, loc, "/bases/")
	baseURL := fmt.Sprintf("/bases/%d", base)
	if _, b := w.other.do("GET", baseURL, nil); !strings.Contains(string(b), "404") {
		t.Fatalf("another county's staff see the base:\n%s", tpText(string(b)))
	}

	status, _, body = w.buyer.tpPost(baseURL+"/rooms", url.Values{"name": {"201 室"}, "area_m2": {"35.555"}})
	if status != http.StatusUnprocessableEntity || !tpInvalid(body, "area_m2") || !strings.Contains(body, `value="35.555"`) {
		t.Fatalf("a bad room: %d\n%s", status, tpText(body))
	}
	w.buyer.tpMustPost(baseURL+"/rooms", url.Values{"name": {"201 室"}, "area_m2": {"３５．５"}})
	b, err := w.e.store.Base(context.Background(), w.e.actor("xn-buyer"), base)
	if err != nil || len(b.Rooms) != 1 || b.Rooms[0].AreaM2 != 3550 {
		t.Fatalf("the room: %+v %v", b, err)
	}
	room := fmt.Sprint(b.Rooms[0].ID)

	alloc := url.Values{"room_id": {room}, "organisation_id": {fmt.Sprint(w.orgs[0])}, "contract_id": {fmt.Sprint(w.contract)}, "from": {"2026-05-01"}, "to": {"2026-12-31"}}
	w.buyer.tpMustPost(baseURL+"/allocations", alloc)
	alloc.Set("organisation_id", fmt.Sprint(w.orgs[1]))
	alloc.Set("contract_id", "")
	alloc.Set("from", "2026-12-31")
	status, _, body = w.buyer.tpPost(baseURL+"/allocations", alloc)
	if status != http.StatusConflict || !tpInvalid(body, "from") || !strings.Contains(tpText(body), "机构agent1, 2026-05-01 – 2026-12-31") ||
		!strings.Contains(body, `value="2026-12-31"`) {
		t.Fatalf("an overlapping allocation: %d\n%s", status, tpText(body))
	}
	alloc.Set("room_id", "999999")
	if status, _, body = w.buyer.tpPost(baseURL+"/allocations", alloc); status != http.StatusUnprocessableEntity || !tpInvalid(body, "room_id") {
		t.Fatalf("a room of no base: %d\n%s", status, tpText(body))
	}
	page = w.buyer.tpPage(baseURL)
	if !strings.Contains(page, `data-phase="current"`) || !strings.Contains(page, "机构agent1") || !strings.Contains(page, `class="danger end-allocation"`) {
		t.Fatalf("the occupancy:\n%s", tpText(page))
	}

	// The agency sees its office space in its contract, not the bases.
	page = w.agent.tpPage(fmt.Sprintf("/contracts/%d", w.contract))
	if !strings.Contains(page, `id="contract-office"`) || !strings.Contains(page, "201 室") || !strings.Contains(page, "兴宁区孵化基地") ||
		strings.Contains(page, `href="/bases/`) || strings.Contains(page, `id="session-form"`) {
		t.Fatalf("the agency's contract page:\n%s", tpText(page))
	}
	if s, _ := w.agent.do("GET", baseURL, nil); s != http.StatusForbidden {
		t.Fatalf("the agency opens the base: %d", s)
	}

	// Ending asks first; the answer ends it.
	var al models.OfficeAllocation
	w.e.store.DB.First(&al)
	endURL := fmt.Sprintf("/allocations/%d/end", al.ID)
	status, _, _ = w.other.tpPost(endURL, nil)
	if status != http.StatusNotFound {
		t.Fatalf("another county ends it: %d", status)
	}
	status, _, body = w.buyer.tpPost(endURL, nil)
	if status != http.StatusOK || !strings.Contains(body, `id="confirm-form"`) || !strings.Contains(body, `href="`+baseURL+`"`) {
		t.Fatalf("the question: %d\n%s", status, tpText(body))
	}
	if loc = w.buyer.tpMustPost(endURL, url.Values{"confirm": {"yes"}}); !strings.HasPrefix(loc, baseURL+"?done=") {
		t.Fatalf("after ending: %s", loc)
	}
	w.e.store.DB.First(&al, al.ID)
	if al.Status != models.AllocationEnded || al.Held() != "2026-05-09" {
		t.Fatalf("ended: %+v", al)
	}

	// Sessions from the contract page.
	contractURL := fmt.Sprintf("/contracts/%d", w.contract)
	session := url.Values{"kind": {"supervision"}, "held_on": {"2026-05-11"}, "hours": {"1.5"}, "provider": {"督导中心"}, "topics": {"个案管理"}, "attendees": {"８"}}
	status, _, body = w.buyer.tpPost(contractURL+"/sessions", session)
	if status != http.StatusUnprocessableEntity || !tpInvalid(body, "held_on") || !strings.Contains(body, "个案管理") {
		t.Fatalf("a session tomorrow: %d\n%s", status, tpText(body))
	}
	session.Set("held_on", "2026-05-09")
	w.buyer.tpMustPost(contractURL+"/sessions", session)
	page = w.agent.tpPage(contractURL)
	if !strings.Contains(page, "个案管理") || !strings.Contains(page, "服务督导") {
		t.Fatalf("the agency's sessions:\n%s", tpText(page))
	}
	if s, _, _ := w.agent.tpPost(contractURL+"/sessions", session); s != http.StatusForbidden {
		t.Fatalf("the agency records a session: %d", s)
	}
	var sessions []models.SupportSession
	w.e.store.DB.Find(&sessions)
	if len(sessions) != 1 || sessions[0].Attendees != 8 || sessions[0].Hours != 150 {
		t.Fatalf("sessions: %+v", sessions)
	}
}

// officeMatrix are the office space and support session routes of the
// authorisation matrix: {base} a base of 4501 with a room {room}, {allocation}
// a fresh active allocation of that room, {contract} a contract of 4501 of
// the "agency" persona's organisation.
var officeMatrix = []matrixRoute{
	{"GET", "/api/v1/bases", nil, "anon=401 procurement=200 procurement-other=200 *=403"},
	{"POST", "/api/v1/bases", func(n int) any {
		return map[string]string{"name": fmt.Sprintf("基地%d", n), "region": ownRegion, "address": "某路"}
	},
		"anon=401 procurement=201 procurement-other=403 *=403"},
	{"GET", "/api/v1/bases/{base}", nil, "anon=401 procurement=200 procurement-other=404 *=403"},
	{"POST", "/api/v1/bases/{base}/rooms", func(n int) any { return map[string]any{"name": fmt.Sprintf("房间%d", n), "area_m2": 20} },
		"anon=401 procurement=201 procurement-other=404 *=403"},
	{"POST", "/api/v1/rooms/{room}/allocations", func(int) any { return map[string]any{} }, "anon=401 procurement=422 procurement-other=404 *=403"},
	{"DELETE", "/api/v1/allocations/{allocation}", nil, "anon=401 procurement=200 procurement-other=404 *=403"},
	{"GET", "/api/v1/contracts/{contract}/sessions", nil, "anon=401 procurement=200 agency=200 *=404"},
	{"POST", "/api/v1/contracts/{contract}/sessions", func(int) any { return map[string]any{} }, "anon=401 procurement=422 agency=403 *=404"},
	{"GET", "/bases", nil, "anon=303 procurement=200 procurement-other=200 *=403"},
	{"GET", "/bases/{base}", nil, "anon=303 procurement=200 procurement-other=404 *=403"},
	{"POST", "/bases", nil, "anon=401 procurement=422 procurement-other=422 *=403"},
	{"POST", "/bases/{base}/rooms", nil, "anon=401 procurement=422 procurement-other=404 *=403"},
	{"POST", "/bases/{base}/allocations", nil, "anon=401 procurement=422 procurement-other=404 *=403"},
	{"POST", "/allocations/{allocation}/end", nil, "anon=401 procurement=200 procurement-other=404 *=403"}, // the question
	{"POST", "/contracts/{contract}/sessions", nil, "anon=401 procurement=422 agency=403 *=404"},
}

// officeExpand fills officeMatrix's placeholders, making the base, its
// room and the contract once.
func (f *matrixFixture) officeExpand(path string) string {
	if !strings.Contains(path, "{base}") && !strings.Contains(path, "{room}") && !strings.Contains(path, "{allocation}") && !strings.Contains(path, "{contract}") {
		return path
	}
	e, ctx := f.e, context.Background()
	buyer, agency := e.actor("persona-procurement"), e.actor("persona-agency")
	var b models.OfficeBase
	if e.store.DB.Where("name = ?", "矩阵基地").Limit(1).Find(&b); b.ID == 0 {
		nb, err := e.store.CreateBase(ctx, buyer, models.BaseInput{Name: "矩阵基地", Region: ownRegion, Address: "民族大道 1 号"})
		if err == nil {
			_, err = e.store.CreateRoom(ctx, buyer, nb.ID, models.RoomInput{Name: "矩阵房间", AreaM2: "30"})
		}
		if err != nil {
			e.t.Fatal(err)
		}
		b = *nb
	}
	var room models.OfficeRoom
	e.store.DB.Where("base_id = ? AND name = ?", b.ID, "矩阵房间").First(&room)
	path = strings.ReplaceAll(path, "{base}", fmt.Sprint(b.ID))
	path = strings.ReplaceAll(path, "{room}", fmt.Sprint(room.ID))
	if strings.Contains(path, "{allocation}") {
		// An organisation of its own: the matrix changes the personas'.
		var org models.Organisation
		if e.store.DB.Where("name = ?", "机构matrix-office").Limit(1).Find(&org); org.ID == 0 {
			org.ID = e.registerOrg("matrix-office", ownRegion)
			e.verifyOrg(org.ID)
		}
		day := time.Now().AddDate(0, 1, f.n%600).Format(time.DateOnly)
		al, err := e.store.CreateAllocation(ctx, buyer, room.ID, models.AllocationInput{OrganisationID: org.ID, From: day, To: day})
		if err != nil {
			e.t.Fatal(err)
		}
		path = strings.ReplaceAll(path, "{allocation}", fmt.Sprint(al.ID))
	}
	if strings.Contains(path, "{contract}") {
		var c models.Contract
		if e.store.DB.Where("organisation_id = ?", *agency.OrganisationID).Limit(1).Find(&c); c.ID == 0 {
			in := models.TenderInput{Title: "矩阵合同项目", Region: ownRegion, CatalogueCode: "C0601", Method: "competitive_negotiation",
				Evaluation: models.EvalLowestPrice, Budget: []models.BudgetLine{{Source: "local_budget", AmountFen: 10_000_000}},
				ServiceStart: "2027-01-01", ServiceEnd: "2027-12-31", BidDeadline: time.Now().Add(30 * 24 * time.Hour)}
			t, err := e.store.CreateTender(ctx, buyer, in)
			if err != nil {
				e.t.Fatal(err)
			}
			now := time.Now()
			c = models.Contract{Number: "HT-" + t.Code, TenderID: t.ID, OrganisationID: *agency.OrganisationID, RegionCode: ownRegion, AmountFen: 100,
				ServiceStart: "2027-01-01", ServiceEnd: "2027-12-31", Status: models.ContractSigned, SignedAt: now, SignedBy: buyer.UserID, CreatedAt: now, UpdatedAt: now}
			if err := e.store.DB.Create(&c).Error; err != nil {
				e.t.Fatal(err)
			}
		}
		path = strings.ReplaceAll(path, "{contract}", fmt.Sprint(c.ID))
	}
	return path
}
