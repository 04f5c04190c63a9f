package dataset

// The generated accounts and organisations: staff of every region,
// incubation bases, organisations with their certified social workers.

import (
	"fmt"
	"strings"

	"portal/models"
	"portal/models/uscc"
)

// staffUsers writes the province's and the given cities' staff: an
// administrator of the province, a procurement user per region (province,
// city, county), experts and supervisors of the province and each city.
func (g *generator) staffUsers(cities []region) {
	g.user("gx-admin", "自治区管理员", nil, models.RoleAdmin, "45")
	g.buyers["45"] = g.user("buyer-45", "自治区民政厅采购员", nil, models.RoleProcurement, "45")
	for i := 1; i <= 9; i++ {
		g.experts["45"] = append(g.experts["45"], g.user(fmt.Sprintf("expert-45-%d", i), personName(g.rng)+"（自治区评审专家）", nil, models.RoleExpert, "45"))
	}
	for i := 1; i <= 3; i++ {
		g.supervisors["45"] = append(g.supervisors["45"], g.user(fmt.Sprintf("supervisor-45-%d", i), personName(g.rng)+"（自治区督导）", nil, models.RoleSupervisor, "45"))
	}
	for _, c := range cities {
		g.buyers[c.code] = g.user("buyer-"+c.code, c.name+"民政局采购员", nil, models.RoleProcurement, c.code)
		for i := 1; i <= 7; i++ {
			g.experts[c.code] = append(g.experts[c.code], g.user(fmt.Sprintf("expert-%s-%d", c.code, i), personName(g.rng)+"（"+c.name+"评审专家）", nil, models.RoleExpert, c.code))
		}
		for i := 1; i <= 4; i++ {
			g.supervisors[c.code] = append(g.supervisors[c.code], g.user(fmt.Sprintf("supervisor-%s-%d", c.code, i), personName(g.rng)+"（"+c.name+"督导）", nil, models.RoleSupervisor, c.code))
		}
		for _, k := range g.counties[c.code] {
			g.buyers[k.code] = g.user("buyer-"+k.code, k.name+"民政局采购员", nil, models.RoleProcurement, k.code)
		}
		g.base(c)
	}
}

// base writes a city's incubation base (孵化基地) with eight rooms.
func (g *generator) base(c region) {
	id := g.ids.of("office_bases")
	g.must(g.w.add("office_bases", []string{"id", "name", "region_code", "address", "created_by", "created_at"},
		id, c.name+"社会组织孵化基地", c.code, c.name+"民主路1号社会组织服务中心", g.buyers[c.code], g.epoch))
	for i := 1; i <= 8; i++ {
		rm := &room{id: g.ids.of("office_rooms")}
		g.must(g.w.add("office_rooms", []string{"id", "base_id", "name", "area_centi", "created_at"},
			rm.id, id, fmt.Sprintf("%d0%d 室", 2+i/5, i), int64(1500+g.rng.IntN(4500)), g.epoch))
		g.rooms[c.code] = append(g.rooms[c.code], rm)
	}
}

var orgCols = []string{"id", "name", "credit_code", "registration_type", "region_code", "status", "status_reason", "blacklisted_until",
	"legal_rep", "founded_on", "address", "phone", "volunteers", "created_at", "updated_at"}
var staffCols = []string{"id", "organisation_id", "name", "position", "level", "certificate_no", "created_at"}

// newOrg writes an organisation registered in reg (a county, a city or the
// province) with certified social workers, and its first agency member.
func (g *generator) newOrg(reg region, status string, certified int) *org {
	r := g.rng
	o := &org{id: g.ids.of("organisations"), region: reg.code, status: status}
	switch reg.level {
	case models.LevelCounty:
		o.city = reg.parent
	case models.LevelCity:
		o.city = reg.code
	}
	n := int(o.id)
	division := reg.code + strings.Repeat("0", 6-len(reg.code))
	typ := "2"
	if r.IntN(10) == 0 {
		typ = "1"
	}
	first := "5" + typ + division + fmt.Sprintf("MJ%07d", n)
	check, err := uscc.CheckChar(first)
	g.must(err)
	code := first + string(check)
	regType := uscc.Code(code).RegistrationType()
	o.created = g.officeTime(r, addDays(day(g.epoch), r.IntN(40)))
	updated := g.later(r, o.created, 2, 10)
	reason, until := "", ""
	switch status {
	case models.OrgVerified:
		reason = "登记证书核验无误"
	case models.OrgSuspended:
		reason = "年度检查未通过，暂停承接项目"
	case models.OrgRejected:
		reason = "登记证书与申报名称不一致"
	case models.OrgBlacklisted:
		reason = "列入严重违法失信名单"
		until = addDays(day(updated), 3*365)
	case models.OrgPending:
		updated = o.created
	}
	place := reg.name
	if reg.level == models.LevelProvince {
		place = "广西"
	}
	founded := fmt.Sprintf("%d-%02d-%02d", 2008+r.IntN(atoi(day(g.epoch)[:4])-2008), 1+r.IntN(12), 1+r.IntN(28))
	g.must(g.w.add("organisations", orgCols, o.id, orgName(r, place, n), code, regType, reg.code, status, reason, until,
		personName(r), founded, place+"民主路"+fmt.Sprint(1+r.IntN(200))+"号", phone(r), 10+r.IntN(200), o.created, updated))
	levels := []string{models.LevelAssistant, models.LevelAssistant, models.LevelAssistant, models.LevelIntermediate, models.LevelIntermediate, models.LevelSenior}
	for i := 0; i < certified; i++ {
		lv := levels[r.IntN(len(levels))]
		prefix := map[string]string{models.LevelAssistant: "A", models.LevelIntermediate: "S", models.LevelSenior: "G"}[lv]
		s := staff{id: g.ids.of("organisation_staff"), name: personName(r), level: lv, cert: fmt.Sprintf("%s%d45%07d", prefix, 2010+r.IntN(10), int(o.id)*100+i)}
		o.staff = append(o.staff, s)
		pos := "项目社工"
		if i == 0 {
			pos = "主任"
		}
		g.must(g.w.add("organisation_staff", staffCols, s.id, o.id, s.name, pos, s.level, s.cert, o.created))
	}
	for i := 0; i < r.IntN(3); i++ {
		s := staff{id: g.ids.of("organisation_staff"), name: personName(r)}
		o.staff = append(o.staff, s)
		g.must(g.w.add("organisation_staff", staffCols, s.id, o.id, s.name, "行政助理", "", "", o.created))
	}
	o.member = g.user(fmt.Sprintf("org%05d", o.id), personName(r), &o.id, models.RoleAgency, reg.code)
	g.orgs = append(g.orgs, o)
	if status == models.OrgVerified {
		g.bidders["45"] = append(g.bidders["45"], o)
		if o.city != "" {
			g.bidders[o.city] = append(g.bidders[o.city], o)
		}
	}
	return o
}

// organisations writes n organisations across the province: most
// verified, some pending, suspended, rejected or blacklisted. cities
// limits where they are (nil: everywhere).
func (g *generator) organisations(n int, cities []region) {
	if cities == nil {
		cities = g.cities
	}
	statuses := []string{models.OrgPending, models.OrgSuspended, models.OrgRejected, models.OrgBlacklisted}
	for i := 0; i < n; i++ {
		status := models.OrgVerified
		if p := g.rng.IntN(100); p < 8 {
			status = statuses[p%len(statuses)]
		}
		c := cities[g.rng.IntN(len(cities))]
		reg := c
		switch p := g.rng.IntN(100); {
		case p < 4:
			reg = g.province
		case p < 72 && len(g.counties[c.code]) > 0:
			ks := g.counties[c.code]
			reg = ks[g.rng.IntN(len(ks))]
		}
		g.newOrg(reg, status, 1+g.rng.IntN(6))
	}
}
